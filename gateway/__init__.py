"""DictaChat gateway: an OpenAI-compatible AI gateway with BricksLLM's admin API."""

__version__ = "0.1.0"
