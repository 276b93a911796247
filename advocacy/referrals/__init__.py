"""Referral links from click to purchase: codes, clicks, signups, conversions, fraud, rewards."""
