"""jobs

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-30 20:30:00

Long work (large imports, the committee report) runs as a job on a queue; its state, progress,
German message and result live here, so every app instance can show them.
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('user_name', sa.String(length=80), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('result_file', sa.LargeBinary(), nullable=True),
        sa.Column('result_name', sa.String(length=300), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    op.create_index(op.f('ix_job_created_at'), 'job', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_job_created_at'), table_name='job')
    op.drop_table('job')
