"""Advocacy: a self-hostable customer advocacy and gifting platform with a GraphQL API."""

__version__ = "0.1.0"
