"""reporting calendar

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 20:50:00

Delivery deadlines per plan and quarter (overridable per unit and source) and the sources'
usual lags (`liefertermin`); the source of an indicator (`indikator.quelle`).
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'liefertermin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('oe', sa.String(length=40), nullable=False),
        sa.Column('quelle', sa.String(length=40), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('lag_days', sa.Integer(), nullable=True),
        sa.Column('set_by', sa.String(length=80), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_liefertermin_plan_id_plan'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_liefertermin')),
        sa.UniqueConstraint(
            'plan_id', 'period', 'oe', 'quelle', name=op.f('uq_liefertermin_plan_id')
        ),
    )
    op.create_index(op.f('ix_liefertermin_plan_id'), 'liefertermin', ['plan_id'], unique=False)
    # Plain ADD COLUMN, never batch mode (see 0007).
    op.add_column('indikator', sa.Column('quelle', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('indikator', 'quelle')
    op.drop_index(op.f('ix_liefertermin_plan_id'), table_name='liefertermin')
    op.drop_table('liefertermin')
