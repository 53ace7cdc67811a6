"""Notes that wait for later: issues she raised, to be taken up in a safe setting."""
