"""Pieces every page shares: labels (i18n), the language state, the HTTP client."""
