"""Staff authentication, integration API keys, roles and route policies."""
