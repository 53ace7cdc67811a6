"""Footprint and stalkerware guidance cards read to her during a call."""
