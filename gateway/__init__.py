"""DictaChat gateway: an OpenAI-compatible AI gateway with BricksLLM's admin API."""

import os

# LiteLLM otherwise blocks its import for seconds fetching a price map from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

__version__ = "0.1.0"
