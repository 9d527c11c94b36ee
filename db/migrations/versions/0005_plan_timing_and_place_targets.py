"""the plan's timing, targets per place, strict bounds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

`indikator.start`: nothing is expected before this date (the plan's timing, e.g. the Kita-Jahr
from 1 August); `indikator.strict`: "mehr als" / "weniger als", the target itself is not on
target; `indikator.target_per_place`: a target in each of the indicator's places ("in jedem
Quartier"); `indikator_ort.position`: the places in the plan's order. Stocks and flows need no
column: `indikator.aggregation` already says `sum` (flow) or `last` (stock).
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indikator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start', sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column('strict', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('target_per_place', sa.Numeric(precision=16, scale=4), nullable=True)
        )
    with op.batch_alter_table('indikator_ort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('indikator_ort', schema=None) as batch_op:
        batch_op.drop_column('position')
    with op.batch_alter_table('indikator', schema=None) as batch_op:
        batch_op.drop_column('target_per_place')
        batch_op.drop_column('strict')
        batch_op.drop_column('start')
