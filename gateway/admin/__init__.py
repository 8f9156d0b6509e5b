"""The admin API (port 8001): HTTP layer only; the work is done in gateway.manage, event_search, reporting."""
