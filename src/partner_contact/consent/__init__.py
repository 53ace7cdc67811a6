"""Her decision about the programme contacting him remotely, which drives his clearance."""
