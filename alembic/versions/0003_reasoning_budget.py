"""keys.reasoning_budget_tokens: a key's cap on thinking tokens per request

Revision ID: 0003_reasoning_budget
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_reasoning_budget'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasoning_budget_tokens', sa.Integer(), nullable=False, server_default='-1'))


def downgrade() -> None:
    with op.batch_alter_table('keys', schema=None) as batch_op:
        batch_op.drop_column('reasoning_budget_tokens')
