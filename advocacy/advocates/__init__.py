"""Accounts (customer companies), advocates, their milestones and points."""
