"""gift redemption, fulfilment and email outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:11:54.239700
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_to', ['to_address', 'id'], unique=False)

    op.create_table('shipping_details',
    sa.Column('send_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('line1', sa.String(length=200), nullable=False),
    sa.Column('line2', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purge_after', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['send_id'], ['gift_send.id'], ),
    sa.PrimaryKeyConstraint('send_id')
    )
    with op.batch_alter_table('shipping_details', schema=None) as batch_op:
        batch_op.create_index('ix_shipping_details_purge_after', ['purge_after'], unique=False)

    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_salt', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('shipping_country', sa.String(length=2), nullable=True))
        batch_op.add_column(
            sa.Column('fulfil_attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('offer_emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            'ck_gift_send_reserved_within_value', 'reserved_amount <= original_value'
        )



def downgrade() -> None:
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_constraint('ck_gift_send_reserved_within_value', type_='check')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('offer_emailed_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('fulfil_attempts')
        batch_op.drop_column('shipping_country')
        batch_op.drop_column('link_salt')

    with op.batch_alter_table('shipping_details', schema=None) as batch_op:
        batch_op.drop_index('ix_shipping_details_purge_after')

    op.drop_table('shipping_details')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_email_outbox_to')

    op.drop_table('email_outbox')
