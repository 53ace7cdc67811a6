"""Outreach to her: the safety gate, neutral wording, reply handling and the protocol."""
