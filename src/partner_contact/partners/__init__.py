"""Partners: protected contact details, safe windows, code word, assignment, clearance."""
