"""The admin dashboard: gateway client, sessions, states, components and pages."""
