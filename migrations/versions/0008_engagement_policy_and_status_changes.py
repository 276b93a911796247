"""engagement policy and status changes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:13:59.885771
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('engagement_policy',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('lapse_after_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lapse_after_days >= 1', name='ck_engagement_policy_lapse_positive'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('organization_id')
    )
    op.create_table('advocate_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=False),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('advocate_status_change', schema=None) as batch_op:
        batch_op.create_index('ix_advocate_status_change_advocate', ['advocate_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('advocate_status_change', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_status_change_advocate')

    op.drop_table('advocate_status_change')
    op.drop_table('engagement_policy')
