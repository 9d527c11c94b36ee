"""sessions that end, one key for all workers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00

`app_user.session_generation` is written into each session cookie at login and compared on
every request; logout, disabling a user and a password change raise it, which ends every
session of that user on every instance. `app_secret` holds the session key that workers and
instances share when no ZIELCOCKPIT_SECRET_KEY is configured (demo and development).
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0')
        )
    op.create_table(
        'app_secret',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_app_secret')),
    )


def downgrade() -> None:
    op.drop_table('app_secret')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
