"""usersgw: token and concurrency limits of users, like the keys'; latency rollups per user too

Revision ID: 0006_usersgw_limits
Revises: 0005_accounts
"""
import warnings

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_usersgw_limits'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None


_LATENCY_PK = ['key_id', 'bucket_start', 'tags', 'bin']


def upgrade() -> None:
    # event_rollups need no backfill of user_id: events before 0005 carry none, and every event since
    # is rolled up with its user_id in the transaction that inserts it (gateway.rollups.add). Latency
    # rollups count users from here on: hours before this migration have no per-user percentiles.
    with warnings.catch_warnings(), op.batch_alter_table('latency_rollups', schema=None, recreate='always') as batch_op:
        # The recreated table takes the new primary key; SQLAlchemy warns that it differs from the reflected one.
        warnings.simplefilter("ignore")
        batch_op.add_column(sa.Column('user_id', sa.String(), nullable=False, server_default=''))
        batch_op.create_primary_key('latency_rollups_pkey', ['key_id', 'user_id', 'bucket_start', 'tags', 'bin'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_concurrent_requests', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('token_limit_over_time', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('token_limit_unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    # Rows of one hour, key, tag set and bin that differ only by user become one again.
    op.execute("CREATE TABLE latency_rollups_0005 AS SELECT key_id, bucket_start, tags, bin, SUM(count) AS count "
               "FROM latency_rollups GROUP BY key_id, bucket_start, tags, bin")
    op.execute("DELETE FROM latency_rollups")
    with warnings.catch_warnings(), op.batch_alter_table('latency_rollups', schema=None, recreate='always') as batch_op:
        warnings.simplefilter("ignore")
        batch_op.drop_column('user_id')
        batch_op.create_primary_key('latency_rollups_pkey', _LATENCY_PK)
    op.execute("INSERT INTO latency_rollups (key_id, bucket_start, tags, bin, count) "
               "SELECT key_id, bucket_start, tags, bin, count FROM latency_rollups_0005")
    op.drop_table('latency_rollups_0005')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('token_limit_unit')
        batch_op.drop_column('token_limit_over_time')
        batch_op.drop_column('max_concurrent_requests')
