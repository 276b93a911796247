"""Shared, domain-free building blocks every layer may use: the database and unit of work,
reads, dialect helpers, pagination, errors, validation, idempotency, global ids, signing,
templating, model helpers, live updates, mail delivery and jobs (broker, house actor,
after-commit buffer).

Nothing here imports a domain package (tenancy, programs, advocates, gifting, referrals,
engagement, rules, webhooks, analytics) nor the API layer (graphql, web) or the entry points;
an import-linter contract in ``pyproject.toml`` holds that, so the domains can stack on kit
without cycles.
"""
