"""What the gateway and the chat share: settings, the database engine factory, the chat-stream parser and small types."""
