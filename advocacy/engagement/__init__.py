"""Engagement: lapse detection now; nudges and asks next (issue 6)."""
