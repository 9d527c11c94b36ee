"""contacts and reminders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:00:00

Delivery contacts per unit (and measure), every reminder mail sent or tried, and the directory
(LDAP/AD) columns of a user.
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'kontakt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('oe', sa.String(length=40), nullable=False),
        sa.Column('massnahme', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kontakt')),
        sa.UniqueConstraint('oe', 'massnahme', 'email', name=op.f('uq_kontakt_oe')),
    )
    op.create_index(op.f('ix_kontakt_oe'), 'kontakt', ['oe'], unique=False)
    op.create_table(
        'erinnerung',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('oe', sa.String(length=40), nullable=False),
        sa.Column('massnahme', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state_key', sa.String(length=64), nullable=False),
        sa.Column('items', sa.Text(), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('message', sa.LargeBinary(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_erinnerung_plan_id_plan'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erinnerung')),
        sa.UniqueConstraint(
            'plan_id', 'period', 'oe', 'massnahme', 'kind', 'state_key',
            name=op.f('uq_erinnerung_plan_id'),
        ),
    )
    op.create_index(op.f('ix_erinnerung_plan_id'), 'erinnerung', ['plan_id'], unique=False)
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('directory_dn', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('directory_checked_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('directory_checked_at')
        batch.drop_column('directory_dn')
    op.drop_index(op.f('ix_erinnerung_plan_id'), table_name='erinnerung')
    op.drop_table('erinnerung')
    op.drop_index(op.f('ix_kontakt_oe'), table_name='kontakt')
    op.drop_table('kontakt')
