"""Gateway configuration as the admin API manages it: keys, provider settings, custom providers, routes."""
