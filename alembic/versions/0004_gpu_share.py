"""gpu share: per-key concurrency, token limits, queue wait and priority; provider slots; event queue wait

Revision ID: 0004_gpu_share
Revises: 0003_reasoning_budget
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_gpu_share'
down_revision = '0003_reasoning_budget'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_concurrent_requests', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('token_limit_over_time', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('token_limit_unit', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('max_queue_wait_s', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('custom_providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_parallel', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_wait_ms', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('queue_wait_ms')
    with op.batch_alter_table('custom_providers', schema=None) as batch_op:
        batch_op.drop_column('max_parallel')
    with op.batch_alter_table('keys', schema=None) as batch_op:
        for name in ('priority', 'max_queue_wait_s', 'token_limit_unit', 'token_limit_over_time', 'max_concurrent_requests'):
            batch_op.drop_column(name)
