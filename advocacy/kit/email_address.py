"""What counts as an email address, and the one form it is stored and compared in.

The syntax is email-validator's (RFC 5321/5322 with the internationalized addresses of RFC 6531,
no deliverability look-up, so no DNS on the request path). Our own regular expression accepted
addresses no mail server takes (``a..b@x.com``) and refused real people (``josé@example.com``).

The stored form is the library's ``normalized`` address (Unicode NFC, the domain lower-cased
and IDNA-normalized, ``x@xn--mnchen-3ya.de`` → ``x@münchen.de``), then lower-cased as a whole:
advocates' emails are unique per organization and matched case-insensitively, as they always
were (rows written before this change were lower-cased ASCII and keep matching). Lower-casing
the local part is, strictly, a liberty RFC 5321 allows servers only — no real provider
delivers ``Ada@`` and ``ada@`` to different people, and duplicates per case would be worse.
"""

from __future__ import annotations

import idna
from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Not an email address; the message says why, in the library's words."""


def normalized_email(address: str) -> str:
    """``address`` in its stored form, or ``InvalidEmail``."""
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as invalid:
        raise InvalidEmail(str(invalid)) from None
    return valid.normalized.lower()


def ascii_domain(address: str) -> str:
    """The domain of a stored address in its ASCII (IDNA) form, ``x@münchen.de`` →
    ``xn--mnchen-3ya.de``: how domain lists and account domains spell it. A domain IDNA
    refuses (only in rows older than this check) is returned lower-cased as it is."""
    domain = address.rsplit("@", 1)[-1].lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain
