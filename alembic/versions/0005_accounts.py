"""accounts: users (with limits of their own), their sign-in sessions, an owner for every
conversation, keys that vouch for users, and the user of each event

Revision ID: 0005_accounts
Revises: 0004_gpu_share
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_accounts'
down_revision = '0002_rollups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('last_seen_at', sa.Float(), nullable=True),
    sa.Column('rate_limit_over_time', sa.Integer(), nullable=False),
    sa.Column('rate_limit_unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cost_limit_in_usd', sa.Float(), nullable=False),
    sa.Column('cost_limit_in_usd_over_time', sa.Float(), nullable=False),
    sa.Column('cost_limit_in_usd_unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_name'), ['name'], unique=True)

    op.create_table('user_sessions',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # Existing conversations have no owner yet; `python -m dictachat.auth.bootstrap` gives
    # them to the first admin it creates (a password cannot be made in a migration).
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversations_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key('fk_conversations_user_id', 'users', ['user_id'], ['id'], ondelete='CASCADE')


    with op.batch_alter_table('keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vouches_for_users', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_events_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_user_id'))
        batch_op.drop_column('user_id')
    with op.batch_alter_table('keys', schema=None) as batch_op:
        batch_op.drop_column('vouches_for_users')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_conversations_user_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_conversations_user_id'))
        batch_op.drop_column('user_id')
    op.drop_table('user_sessions')
    op.drop_table('users')
