"""daily rollups: the hourly rollups summed per UTC day, so that long reports read 24 times fewer rows

Revision ID: 0006_perf_daily_rollups
Revises: 0005_accounts
"""
from alembic import op
import sqlalchemy as sa

from gateway import rollups


revision = '0006_perf_daily_rollups'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_rollups_daily',
    sa.Column('bucket_start', sa.BigInteger(), nullable=False),
    sa.Column('key_id', sa.String(), nullable=False),
    sa.Column('model', sa.String(), nullable=False),
    sa.Column('tags', sa.String(), nullable=False),
    sa.Column('user_id', sa.String(), nullable=False, server_default=''),
    sa.Column('requests', sa.BigInteger(), nullable=False),
    sa.Column('prompt_token_count', sa.BigInteger(), nullable=False),
    sa.Column('completion_token_count', sa.BigInteger(), nullable=False),
    sa.Column('cost_in_usd', sa.Float(), nullable=False),
    sa.Column('latency_sum_ms', sa.Float(), nullable=False),
    sa.Column('error_count', sa.BigInteger(), nullable=False),
    sa.Column('cancelled_count', sa.BigInteger(), nullable=False),
    sa.Column('cache_hit_count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('bucket_start', 'key_id', 'model', 'tags', 'user_id')
    )
    op.create_index('ix_event_rollups_daily_key_bucket', 'event_rollups_daily', ['key_id', 'bucket_start'])
    op.create_table('latency_rollups_daily',
    sa.Column('key_id', sa.String(), nullable=False),
    sa.Column('bucket_start', sa.BigInteger(), nullable=False),
    sa.Column('tags', sa.String(), nullable=False),
    sa.Column('bin', sa.Integer(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key_id', 'bucket_start', 'tags', 'bin')
    )
    rollups.backfill_daily(op.get_bind())


def downgrade() -> None:
    op.drop_table('latency_rollups_daily')
    op.drop_index('ix_event_rollups_daily_key_bucket', table_name='event_rollups_daily')
    op.drop_table('event_rollups_daily')
