"""Outgoing email: an outbox table, or SMTP when configured."""
