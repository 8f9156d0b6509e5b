"""Chat accounts: users, password hashing, server-side sessions and sign-in throttling."""
