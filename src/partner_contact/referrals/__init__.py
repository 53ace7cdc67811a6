"""Referrals to women's services and the case systems that receive them."""
