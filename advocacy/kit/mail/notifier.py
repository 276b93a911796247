"""Deliver an email: through SMTP when ``ADVOCACY_SMTP_URL`` is set, else into the outbox table.

Callers are jobs that mark their row (e.g. ``gift_send.offer_emailed_at``) in the same unit of
work, so the outbox path is exactly-once. SMTP can't join a database transaction: a worker that
dies after the server accepted the message but before its commit sends it again on retry
(at-least-once), which is the usual trade for email.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.config import get_settings
from advocacy.kit.mail.models import OutboxEmail


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    dedup_key: str
    """Names what this email is about (``gift-offer:42``): the outbox keeps one per key."""
    organization_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers, e.g. ``List-Unsubscribe`` (kept on the outbox row when not sent)."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool
    starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("ADVOCACY_SMTP_URL must look like smtp://user:pass@host:port")
        tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["0"])[0] in {"1", "true", "yes"},
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def _send_over_smtp(target: SmtpTarget, message: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if target.tls:
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.starttls:
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


async def deliver(session: AsyncSession, email: Email) -> None:
    """Send ``email`` now (SMTP) or add it to the outbox in ``session``'s transaction."""
    settings = get_settings()
    if not settings.smtp_url:
        session.add(
            OutboxEmail(
                organization_id=email.organization_id,
                dedup_key=email.dedup_key,
                to_address=email.to,
                subject=email.subject,
                body=email.body,
                headers=dict(email.headers),
            )
        )
        await session.flush()
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message["X-Advocacy-Ref"] = email.dedup_key
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.body)
    target = SmtpTarget.from_url(settings.smtp_url)
    await asyncio.to_thread(_send_over_smtp, target, message, 30.0)
