"""gift sends whose provider outcome is unknown wait in NEEDS_RECONCILIATION

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "'PENDING_APPROVAL', 'OFFERED', 'REDEEMED', 'FULFILLING', 'FULFILLED', 'FAILED', "
    "'DECLINED', 'EXPIRED', 'CANCELLED'"
)
AFTER = (
    "'PENDING_APPROVAL', 'OFFERED', 'REDEEMED', 'FULFILLING', 'NEEDS_RECONCILIATION', "
    "'FULFILLED', 'FAILED', 'DECLINED', 'EXPIRED', 'CANCELLED'"
)


def upgrade() -> None:
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_constraint('ck_gift_send_status', type_='check')
        batch_op.alter_column('status',
               existing_type=sa.String(length=16),
               type_=sa.String(length=20),
               existing_nullable=False)
        batch_op.add_column(
            sa.Column('reconciliation_reason', sa.String(length=2000), nullable=True)
        )
        batch_op.create_check_constraint('ck_gift_send_status', f"status IN ({AFTER})")


def downgrade() -> None:
    waiting = op.get_bind().execute(
        sa.text("SELECT count(*) FROM gift_send WHERE status = 'NEEDS_RECONCILIATION'")
    ).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} gift(s) need reconciliation: settle them (reconcileGiftSend) before "
            "downgrading below 0012"
        )
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_constraint('ck_gift_send_status', type_='check')
        batch_op.drop_column('reconciliation_reason')
        batch_op.alter_column('status',
               existing_type=sa.String(length=20),
               type_=sa.String(length=16),
               existing_nullable=False)
        batch_op.create_check_constraint('ck_gift_send_status', f"status IN ({BEFORE})")
