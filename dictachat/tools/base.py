"""What a chat tool is: an OpenAI function spec plus a Python function over its arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ToolError(ValueError):
    """A problem with the arguments that the model should read and correct."""


@dataclass(frozen=True)
class Tool:
    """`properties` are the JSON schemas of the arguments (an object's), `required` the ones the model must give."""

    name: str
    description: str
    properties: dict[str, Any]
    required: tuple[str, ...]
    run: Callable[[dict[str, Any]], dict[str, Any]]

    def spec(self) -> dict[str, Any]:
        """The OpenAI `tools` entry for this tool."""
        parameters = {"type": "object", "properties": self.properties, "required": list(self.required)}
        return {"type": "function", "function": {"name": self.name, "description": self.description, "parameters": parameters}}
