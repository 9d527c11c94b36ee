"""public plan

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:45:00

A plan may be shown without login (/oeffentlich/<plan>, released quarters only); off by
default. A comment may be marked public; only those appear there.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: on SQLite a batch copies and drops the table, and
    # with foreign keys on, dropping `plan` cascades into every measure, value and release.
    op.add_column(
        'plan', sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        'kommentar', sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column('kommentar', 'public')
    op.drop_column('plan', 'public')
