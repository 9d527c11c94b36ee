"""value versions and the write lock

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:40:00

Every stored value gets a version (1 when first written, +1 on each change), so a write can
state what it was based on; one row in `write_lock` serialises the writers of values across
processes and instances (a row lock on PostgreSQL, the database's write lock on SQLite).
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messwert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table(
        'write_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('writes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_write_lock')),
    )
    op.execute("INSERT INTO write_lock (id, writes) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('write_lock')
    with op.batch_alter_table('messwert', schema=None) as batch_op:
        batch_op.drop_column('version')
