"""Chat UI building blocks: plain functions returning components."""
