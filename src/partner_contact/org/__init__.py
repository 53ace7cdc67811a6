"""The organisation, its crisis situation, regional context and services directory."""
