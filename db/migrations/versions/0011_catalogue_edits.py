"""catalogue edits

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-30 20:40:00

Editing the catalogue (workbook import, the measure page's form) keeps what released quarters
were judged by: `indikator_regelstand` holds an indicator's earlier rule up to a released
quarter. `indikator.zu_pruefen` marks targets and dates copied by `plan copy` until confirmed.
`app_user.last_login_at`: the last successful login, shown on the users page (/benutzer).
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode (see 0007: a batch copy would cascade on SQLite).
    op.add_column(
        'indikator',
        sa.Column('zu_pruefen', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column('app_user', sa.Column('last_login_at', sa.DateTime(), nullable=True))
    op.create_table(
        'indikator_regelstand',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indikator_id', sa.Integer(), nullable=False),
        sa.Column('valid_until', sa.String(length=10), nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ['indikator_id'],
            ['indikator.id'],
            name=op.f('fk_indikator_regelstand_indikator_id_indikator'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indikator_regelstand')),
        sa.UniqueConstraint(
            'indikator_id', 'valid_until', name=op.f('uq_indikator_regelstand_indikator_id')
        ),
    )
    op.create_index(
        op.f('ix_indikator_regelstand_indikator_id'),
        'indikator_regelstand',
        ['indikator_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_indikator_regelstand_indikator_id'), table_name='indikator_regelstand')
    op.drop_table('indikator_regelstand')
    op.drop_column('indikator', 'zu_pruefen')
    op.drop_column('app_user', 'last_login_at')
