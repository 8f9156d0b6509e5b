"""The chat: its core (runner, turn, stream, history, gateway client), states, components and page."""
