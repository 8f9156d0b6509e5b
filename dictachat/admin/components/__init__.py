"""Admin UI building blocks: plain functions returning components."""
