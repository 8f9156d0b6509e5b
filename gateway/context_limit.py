"""A prompt longer than the model's context, told as a sentence: llama-server counts the tokens with the
model's own tokenizer and refuses before generating (`exceed_context_size_error`, with both counts)."""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError

LLAMA_TYPE = "exceed_context_size_error"
CODE = "context_length_exceeded"  # OpenAI's code for the same refusal, which clients already handle


def overflow_error(error: dict[str, Any]) -> GatewayError | None:
    """The gateway's 400 for an upstream context refusal; None for any other upstream error."""
    if error.get("type") != LLAMA_TYPE:
        return None
    prompt, context = error.get("n_prompt_tokens"), error.get("n_ctx")
    if isinstance(prompt, int) and isinstance(context, int):
        size = f"The conversation is {prompt:,} tokens long, more than the {context:,} tokens the model can read at once"
    else:
        size = "The conversation is longer than the model can read at once"
    return GatewayError(400, f"{size}. Shorten it (or start a new conversation) and send it again.", code=CODE)
