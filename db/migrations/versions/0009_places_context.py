"""places context

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 20:40:00

Districts (issue 15): context indicators and their values per place and period, the versions
of the Sozialstrukturindex definition, and the uploaded official district map (GeoJSON).
New tables only, so existing plans, values and lights stay untouched.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None

SYMBOLS = "'*', '-', 'x', '.', '...'"


def upgrade() -> None:
    op.create_table(
        'kontextindikator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('measure', sa.String(length=10), nullable=False),
        sa.Column('base_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('hinweis', sa.Text(), nullable=True),
        sa.CheckConstraint(
            "measure IN ('anzahl', 'anteil', 'quote')", name=op.f('ck_kontextindikator_measure')
        ),
        sa.ForeignKeyConstraint(
            ['base_id'], ['kontextindikator.id'],
            name=op.f('fk_kontextindikator_base_id_kontextindikator'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kontextindikator')),
        sa.UniqueConstraint('code', name=op.f('uq_kontextindikator_code')),
    )
    op.create_table(
        'kontextwert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kontextindikator_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('ort_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column('symbol', sa.String(length=5), nullable=True),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.Column('import_run_id', sa.Integer(), nullable=True),
        sa.Column('source_sheet', sa.String(length=120), nullable=True),
        sa.Column('source_cell', sa.String(length=20), nullable=True),
        sa.Column('recorded_by', sa.String(length=80), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint(
            f"symbol IS NULL OR symbol IN ({SYMBOLS})", name=op.f('ck_kontextwert_symbol')
        ),
        sa.ForeignKeyConstraint(
            ['import_run_id'], ['import_run.id'], name=op.f('fk_kontextwert_import_run_id_import_run')
        ),
        sa.ForeignKeyConstraint(
            ['kontextindikator_id'], ['kontextindikator.id'],
            name=op.f('fk_kontextwert_kontextindikator_id_kontextindikator'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['ort_id'], ['ort.id'], name=op.f('fk_kontextwert_ort_id_ort'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kontextwert')),
        sa.UniqueConstraint(
            'kontextindikator_id', 'period', 'ort_id',
            name=op.f('uq_kontextwert_kontextindikator_id'),
        ),
    )
    op.create_index(
        op.f('ix_kontextwert_kontextindikator_id'), 'kontextwert', ['kontextindikator_id']
    )
    op.create_index(op.f('ix_kontextwert_ort_id'), 'kontextwert', ['ort_id'])
    op.create_table(
        'sozialindex_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sozialindex_version')),
        sa.UniqueConstraint('name', 'version', name=op.f('uq_sozialindex_version_name')),
    )
    op.create_table(
        'ort_karte',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('name_field', sa.String(length=80), nullable=False),
        sa.Column('geojson', sa.Text(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=True),
        sa.Column('uploaded_by', sa.String(length=80), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ort_karte')),
    )


def downgrade() -> None:
    op.drop_table('ort_karte')
    op.drop_table('sozialindex_version')
    op.drop_index(op.f('ix_kontextwert_ort_id'), table_name='kontextwert')
    op.drop_index(op.f('ix_kontextwert_kontextindikator_id'), table_name='kontextwert')
    op.drop_table('kontextwert')
    op.drop_table('kontextindikator')
