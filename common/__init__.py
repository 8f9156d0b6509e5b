"""What the gateway and the chat share: the settings object and the database engine factory."""
