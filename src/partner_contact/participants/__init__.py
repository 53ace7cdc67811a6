"""Programme participants: screening, risk, programme events."""
