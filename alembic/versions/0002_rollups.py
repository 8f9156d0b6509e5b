"""hourly rollups of events, and indexes for the events explorer

Revision ID: 0002_rollups
Revises: 0004_gpu_share
"""
from alembic import op
import sqlalchemy as sa

from gateway import rollups


revision = '0002_rollups'
down_revision = '0004_gpu_share'  # chained after main's head (0004) when merging main
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_rollups',
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
    op.create_index('ix_event_rollups_key_bucket', 'event_rollups', ['key_id', 'bucket_start'])
    op.create_table('latency_rollups',
    sa.Column('key_id', sa.String(), nullable=False),
    sa.Column('bucket_start', sa.BigInteger(), nullable=False),
    sa.Column('tags', sa.String(), nullable=False),
    sa.Column('bin', sa.Integer(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key_id', 'bucket_start', 'tags', 'bin')
    )
    op.create_table('retention_marks',
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('before', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # The explorer pages by (time, id) and filters by model or status within a time range.
    op.create_index('ix_events_created_id', 'events', ['created_at', 'id'])
    op.create_index('ix_events_model_created', 'events', ['model', 'created_at'])
    op.create_index('ix_events_status_created', 'events', ['status', 'created_at'])
    op.drop_index('ix_events_model', table_name='events')
    op.drop_index('ix_events_status', table_name='events')
    op.drop_index('ix_events_created_at', table_name='events')
    rollups.backfill(op.get_bind())


def downgrade() -> None:
    op.create_index('ix_events_created_at', 'events', ['created_at'])
    op.create_index('ix_events_status', 'events', ['status'])
    op.create_index('ix_events_model', 'events', ['model'])
    op.drop_index('ix_events_status_created', table_name='events')
    op.drop_index('ix_events_model_created', table_name='events')
    op.drop_index('ix_events_created_id', table_name='events')
    op.drop_table('retention_marks')
    op.drop_table('latency_rollups')
    op.drop_index('ix_event_rollups_key_bucket', table_name='event_rollups')
    op.drop_table('event_rollups')
