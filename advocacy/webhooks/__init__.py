"""Outbound webhooks: signed events for the customer's CRM and automation."""
