"""Database: engine and session setup, declarative base, migrations."""
