"""Victim-service case systems: who receives referrals, and signed webhook delivery to them."""
