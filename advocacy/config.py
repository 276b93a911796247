"""Process-wide settings, read once from ``ADVOCACY_*`` environment variables."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Literal, NoReturn

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


class Settings(BaseSettings):
    """Everything an operator can set. The README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="ADVOCACY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/advocacy.db"
    redis_url: str | None = None
    environment: Literal["development", "production"] = "development"
    log_level: str = "INFO"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the service (links in emails, the printed demo links). The default
    suits a laptop only: production must set it."""

    db_pool_size: int = Field(default=10, ge=1, le=200)

    fulfilment_url: str | None = None
    """Where the HTTP provider POSTs orders; required for items whose provider is HTTP."""
    fulfilment_secret: SecretStr | None = None
    """Key for the HMAC-SHA256 signature on each order (``X-Advocacy-Signature``)."""
    fulfilment_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    sandbox_delay_ms: int = Field(default=0, ge=0, le=60_000)
    sandbox_failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of sandbox orders that fail transiently (demos of retries)."""
    fulfil_max_attempts: int = Field(default=8, ge=1, le=50)
    """Provider calls per send before it is FAILED and its budget released."""
    fulfil_lease_seconds: int = Field(default=300, ge=1, le=86_400)
    """How long a REDEEMED or FULFILLING send may sit before the sweeper enqueues it again;
    longer than a fulfilment attempt can take."""

    default_landing_url: str | None = None
    """Where a referral link with an unknown code goes (404 when unset); known organizations'
    revoked codes go to their own fallback URL."""

    smtp_url: str | None = None
    """``smtp://user:password@host:port`` (``smtps://`` for TLS, ``?starttls=1``); unset: emails
    go to the ``email_outbox`` table instead."""
    mail_from: str = "Advocacy <gifts@advocacy.invalid>"
    gift_reminder_days: int = Field(default=3, ge=0, le=60)
    """Remind an advocate this many days before their offer expires (0: no reminders)."""
    shipping_retention_days: int = Field(default=30, ge=0, le=3650)
    """Shipping addresses are deleted this many days after the gift is fulfilled or closed."""
    scheduler_interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    """How often ``advocacy scheduler`` enqueues the periodic jobs (expiry, reminders, sweep,
    purge)."""

    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_retry_hours: float = Field(default=24.0, gt=0, le=24 * 7)
    """Transient delivery failures (network, 5xx, 429) are retried with backoff this long."""
    webhook_disable_after_failures: int = Field(default=25, ge=1, le=10_000)
    """An endpoint is disabled after this many failed attempts in a row."""
    webhook_allow_private_targets: bool | None = None
    """Deliver to loopback/private addresses? ``None``: yes in development, no in production."""
    budget_low_percent: float = Field(default=10.0, ge=0, le=100)
    """``budget.low`` fires when a program's remaining budget drops below this share."""

    gift_link_misses: int = Field(default=30, ge=1, le=100_000)
    """Unknown or unusable gift links one client (keyed IP hash) may try per window, on the
    gift page and through ``/graphql``; then its gift-link operations are refused until the
    window ends."""
    gift_link_window_seconds: int = Field(default=600, ge=1, le=86_400)

    clock_offset_days: float = Field(default=0.0, ge=0, le=3650)
    """Demo time: the whole process acts this many days in the future (lapses, nudges, asks,
    expiry). Refused in production."""

    graphql_max_depth: int = Field(default=10, ge=2, le=50)
    graphql_max_tokens: int = Field(default=2000, ge=50, le=100_000)
    graphql_max_aliases: int = Field(default=15, ge=1, le=1000)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    """The largest ``/graphql`` request body (and query string, and subscription message); a
    larger one is refused with 413 before it is read."""
    graphql_introspection: bool | None = None
    """``None`` means: on in development, off in production."""
    trusted_documents: bool = False
    """Run only the documents of ``frontend-schema/operations/`` (by exact text or by
    ``documentId``); refuse every other query, introspection and GraphiQL included."""

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key.get_secret_value() == DEV_SECRET_KEY
            or len(self.secret_key.get_secret_value()) < 32
        ):
            raise ValueError(
                "ADVOCACY_SECRET_KEY must be set to a random string of 32+ characters in production"
            )
        if self.environment == "production" and (
            "public_url" not in self.model_fields_set
            or not self.public_url.startswith(("https://", "http://"))
        ):
            raise ValueError(
                "ADVOCACY_PUBLIC_URL must be set in production to the address people reach the "
                "service at (e.g. https://advocacy.example.com)"
            )
        if self.environment == "production" and self.clock_offset_days:
            raise ValueError(
                "ADVOCACY_CLOCK_OFFSET_DAYS is for demos; it can't be set in production"
            )
        return self

    @property
    def introspection_enabled(self) -> bool:
        if self.graphql_introspection is not None:
            return self.graphql_introspection
        return self.environment == "development"

    @property
    def private_webhook_targets_allowed(self) -> bool:
        if self.webhook_allow_private_targets is not None:
            return self.webhook_allow_private_targets
        return self.environment == "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the environment, in one line naming each variable, never its value
    (a secret may be among them)."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        message = str(detail["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in detail["loc"])
        problems.append(f"ADVOCACY_{field.upper()}: {message}" if field else message)
    return "; ".join(problems) or "invalid settings"


def require_settings() -> Settings:
    """The settings, or exit: every process (each command, each uvicorn and Dramatiq worker
    process) calls this before doing anything, so unfit settings stop it with one line on
    stderr and status 1 instead of a traceback, or of running on unsafe defaults."""
    try:
        return get_settings()
    except ValidationError as error:
        refuse(settings_problem(error))


def refuse(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


MAX_PAGE_SIZE = 100
"""The hard cap on ``first`` for every connection (DESIGN.md §5)."""
