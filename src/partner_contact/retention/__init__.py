"""Retention purges and erasure of a partner on request."""
