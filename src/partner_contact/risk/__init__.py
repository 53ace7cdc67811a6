"""Her own view of her risk, the risk checklist and multi-agency referral proposals."""
