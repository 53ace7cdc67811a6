"""Reports for supervisors: aggregate figures only, small counts suppressed."""
