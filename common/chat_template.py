"""The chat template llama-server runs: the GGUF's own, the bundled fallback, or a file; plus the default
system prompt wrapped around it, and a Jinja renderer to check what a template produces.

The GGUF is read with the `gguf` package (the llama.cpp project's own reader): it maps the file and parses
only the metadata header, so a 14 GB model is not loaded to learn its template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from common.settings import ROOT

BUNDLED = ROOT / "chat_template.jinja2.template"
GGUF_TEMPLATE_KEY = "tokenizer.chat_template"
THINK_OPEN = "<think>"


@dataclass(frozen=True)
class ChosenTemplate:
    """A template's text and where it came from (said in the start-up log)."""

    text: str
    source: str


class TemplateChoiceError(ValueError):
    """CHAT_TEMPLATE names something that cannot be used."""


def read_gguf_template(model: Path) -> str | None:
    """The `tokenizer.chat_template` a GGUF file carries, or None when it has none."""
    from gguf import GGUFReader  # numpy-backed; imported only where a GGUF is read

    field = GGUFReader(model, "r").get_field(GGUF_TEMPLATE_KEY)
    if field is None:
        return None
    text = field.contents()
    return text if isinstance(text, str) and text.strip() else None


def choose(choice: str, model: Path) -> ChosenTemplate:
    """CHAT_TEMPLATE → the template: `model` (the GGUF's, else the bundled one), `bundled`, or a file path."""
    choice = choice.strip() or "model"
    if choice == "bundled":
        return ChosenTemplate(BUNDLED.read_text(encoding="utf-8"), f"bundled {BUNDLED.name}")
    if choice == "model":
        try:
            own = read_gguf_template(model)
        except (OSError, ValueError, IndexError) as exc:  # the reader raises IndexError on a cut-off header
            raise TemplateChoiceError(f"cannot read the chat template of {model}: {exc}") from exc
        if own is not None:
            return ChosenTemplate(own, f"the model's own ({model.name})")
        return ChosenTemplate(BUNDLED.read_text(encoding="utf-8"), f"bundled {BUNDLED.name} ({model.name} carries none)")
    path = Path(choice)
    if not path.is_file():
        raise TemplateChoiceError(f"CHAT_TEMPLATE={choice}: not 'model', 'bundled' or a readable file")
    return ChosenTemplate(path.read_text(encoding="utf-8"), f"file {path}")


def with_default_system(template: str, system_prompt: str) -> str:
    """Prefix `template` so a request without a system message gets `system_prompt` as its first message.

    Without a prompt the template is unchanged (a model's own built-in default then applies). The prompt
    is a JSON string literal, which Jinja reads back verbatim (quotes, backslashes, newlines, Hebrew).
    """
    if not system_prompt.strip():
        return template
    literal = json.dumps(system_prompt, ensure_ascii=False)
    prefix = (
        "{#- DictaChat: SYSTEM_PROMPT is the system message when a request brings none. -#}\n"
        "{%- if not (messages and messages[0]['role'] == 'system') -%}\n"
        f"    {{%- set messages = [{{'role': 'system', 'content': {literal}}}] + messages -%}}\n"
        "{%- endif -%}\n"
    )
    return prefix + template


def _raise(message: str) -> None:
    raise TemplateError(message)


def render(template: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None,
           add_generation_prompt: bool = True, **extra: Any) -> str:
    """Render a chat template the way Hugging Face's `apply_chat_template` does (sandboxed Jinja2)."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value, indent=None: json.dumps(value, ensure_ascii=False, indent=indent)
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(template).render(messages=messages, tools=tools, add_generation_prompt=add_generation_prompt,
                                            bos_token="", eos_token="", **extra)


def opens_thinking(template: str) -> bool:
    """Whether the template's generation prompt opens `<think>`, so the answer starts inside the thinking."""
    try:
        prompt = render(template, [{"role": "user", "content": "hi"}])
    except TemplateError:
        return False
    return prompt.rstrip().endswith(THINK_OPEN)
