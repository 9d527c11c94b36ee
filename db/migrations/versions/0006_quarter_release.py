"""quarter release

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:05:00

A quarter of a plan is `offen` or `freigegeben` (who, when); reopening needs a reason.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quartal_freigabe',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('released_by', sa.String(length=80), nullable=True),
        sa.Column('released_at', sa.DateTime(), nullable=True),
        sa.Column('reopened_by', sa.String(length=80), nullable=True),
        sa.Column('reopened_at', sa.DateTime(), nullable=True),
        sa.Column('reopen_reason', sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('offen', 'freigegeben')", name=op.f('ck_quartal_freigabe_state')),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_quartal_freigabe_plan_id_plan'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quartal_freigabe')),
        sa.UniqueConstraint('plan_id', 'period', name=op.f('uq_quartal_freigabe_plan_id')),
    )


def downgrade() -> None:
    op.drop_table('quartal_freigabe')
