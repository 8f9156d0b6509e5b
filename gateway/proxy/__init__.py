"""The proxy API (port 8002)."""
