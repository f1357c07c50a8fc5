"""The OAuth login service: client-credentials clients and bearer tokens."""
