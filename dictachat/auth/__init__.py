"""Chat sign-in: the HttpOnly session cookie (set by a small API), the account of each event, the sign-in page."""
