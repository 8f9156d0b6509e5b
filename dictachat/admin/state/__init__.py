"""Reflex states of the admin pages, one per page plus the shared sign-in state."""
