"""saved import profiles

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 20:30:00

Import profiles taught in the browser on /import: the same data as the shipped YAML profiles,
kept as JSON with who created them and when.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'importprofil',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_importprofil')),
        sa.UniqueConstraint('name', name=op.f('uq_importprofil_name')),
    )


def downgrade() -> None:
    op.drop_table('importprofil')
