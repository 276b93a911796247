"""Relay global ids (base64 of ``Type:pk``), shared by the API and by what we send out
(webhook payloads), so both name an object the same way."""

from __future__ import annotations

import base64


def encode_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()
