"""Event payloads: the object as the API shows it (global ids, camelCase, ISO 8601 times,
money in minor units with its currency) — never shipping details or other personal data the
API hides from marketers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advocacy.kit.global_ids import encode_id


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _gid(type_name: str, pk: int | None) -> str | None:
    return encode_id(type_name, pk) if pk is not None else None


def advocate(row: Any) -> dict[str, Any]:
    return {
        "id": _gid("Advocate", row.id),
        "email": row.email,
        "name": row.name,
        "title": row.title,
        "accountId": _gid("Account", row.account_id),
        "status": str(row.status),
        "points": row.points,
        "interests": list(row.interests or []),
        "referralCode": row.referral_code,
        "nudgesOptOut": row.nudges_opt_out,
        "externalId": row.external_id,
        "lastEngagedAt": _time(row.last_engaged_at),
        "createdAt": _time(row.created_at),
        "updatedAt": _time(row.updated_at),
    }


def milestone(row: Any) -> dict[str, Any]:
    return {
        "id": _gid("Milestone", row.id),
        "advocateId": _gid("Advocate", row.advocate_id),
        "programId": _gid("Program", row.program_id),
        "kind": str(row.kind),
        "status": str(row.status),
        "points": row.points,
        "evidenceUrl": row.evidence_url,
        "externalId": row.external_id,
        "occurredAt": _time(row.occurred_at),
        "decidedAt": _time(row.decided_at),
    }


def referral(row: Any) -> dict[str, Any]:
    value = None
    if row.conversion_value is not None:
        value = {"amount": row.conversion_value, "currency": row.currency}
    return {
        "id": _gid("Referral", row.id),
        "referrerId": _gid("Advocate", row.referrer_id),
        "programId": _gid("Program", row.program_id),
        "email": row.email,
        "name": row.name,
        "status": str(row.status),
        "verdict": str(row.verdict),
        "reasons": list(row.reasons or []),
        "conversionValue": value,
        "orderId": row.order_id,
        "signedUpAt": _time(row.signed_up_at),
        "convertedAt": _time(row.converted_at),
    }


def gift_send(row: Any) -> dict[str, Any]:
    return {
        "id": _gid("GiftSend", row.id),
        "advocateId": _gid("Advocate", row.advocate_id),
        "programId": _gid("Program", row.program_id),
        "itemId": _gid("GiftItem", row.item_id),
        "originalItemId": _gid("GiftItem", row.original_item_id),
        "status": str(row.status),
        "reason": str(row.reason),
        "amount": {"amount": row.reserved_amount, "currency": row.currency},
        "expiresAt": _time(row.expires_at),
        "redeemedAt": _time(row.redeemed_at),
        "fulfilledAt": _time(row.fulfilled_at),
        "providerReference": row.provider_reference,
        "failureReason": row.failure_reason,
        "reconciliationReason": row.reconciliation_reason,
        "createdAt": _time(row.created_at),
    }


def budget(program: Any) -> dict[str, Any]:
    remaining = program.budget_total - program.budget_reserved - program.budget_spent
    return {
        "programId": _gid("Program", program.id),
        "name": program.name,
        "currency": program.currency,
        "total": program.budget_total,
        "reserved": program.budget_reserved,
        "spent": program.budget_spent,
        "remaining": remaining,
    }
