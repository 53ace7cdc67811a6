"""Messages to and from her: the outbox, the dispatcher and the providers behind one interface."""
