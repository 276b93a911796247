"""Gifting: the catalog, sends and their lifecycle, the budget ledger, fulfilment."""
