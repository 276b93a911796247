"""gift catalog

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:34:18.113365
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('gift_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('regions', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('inventory', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=7), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('image_url', sa.String(length=2000), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('PHYSICAL', 'GIFT_CARD', 'DONATION', 'SUBSCRIPTION', 'EXPERIENCE', 'DISCOUNT')", name='ck_gift_item_kind'),
    sa.CheckConstraint("provider IN ('SANDBOX', 'HTTP')", name='ck_gift_item_provider'),
    sa.CheckConstraint('inventory IS NULL OR inventory >= 0', name='ck_gift_item_inventory_non_negative'),
    sa.CheckConstraint('price >= 0', name='ck_gift_item_price_non_negative'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('gift_item', schema=None) as batch_op:
        batch_op.create_index('ix_gift_item_org_name', ['organization_id', 'name', 'id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('gift_item', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_item_org_name')

    op.drop_table('gift_item')

