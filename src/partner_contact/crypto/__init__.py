"""Field-level envelope encryption, blind indexes and key rotation (see docs/crypto.md)."""
