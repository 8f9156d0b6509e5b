"""The proxy's OpenAPI description (served at GET /openapi.json on the proxy port; the fuzz tests read it too)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import __version__
from gateway.proxy.payload import INT32_MAX, ROLES

_ERROR = {"description": "OpenAI error shape", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_CHAT_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "model": {"type": "string"},
        "messages": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object", "required": ["role"],
                "properties": {
                    "role": {"type": "string", "enum": list(ROLES)},
                    "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}},
                                          {"type": "null"}]},
                    "name": {"type": "string"},
                },
            },
        },
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "max_completion_tokens": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "n": {"type": "integer", "minimum": 1, "maximum": 128},
        "seed": {"type": "integer", "format": "int64"},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "user": {"type": "string"},
        "tools": {"type": "array", "items": {"type": "object"}},
        "tool_choice": {"anyOf": [{"type": "string"}, {"type": "object"}]},
    },
}


def _chat(summary: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"post": {
        "summary": summary,
        "parameters": parameters or [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}}},
        "responses": {"200": {"description": "A chat completion, or Server-Sent Events when stream is true"},
                      **{code: _ERROR for code in ("400", "401", "403", "404", "413", "429", "502", "503", "504")}},
    }}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "DictaChat gateway proxy API", "version": __version__,
             "description": "OpenAI-compatible. Keys travel as `Authorization: Bearer`, `x-api-key` or `api-key`."},
    "security": [{"bearer": []}],
    "paths": {
        "/v1/chat/completions": _chat("OpenAI-compatible chat completion"),
        "/api/custom/providers/{provider}/chat/completions": _chat("Chat completion on a custom provider",
                                                                   [_path_param("provider")]),
        "/api/routes/{route}": _chat("Chat completion through a configured route", [_path_param("route")]),
        "/v1/models": {"get": {"summary": "Models the key may use", "responses": {"200": {"description": "Model list"},
                                                                                  "401": _ERROR}}},
        "/api/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "ChatRequest": _CHAT_REQUEST,
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": "string"}}}}},
        },
    },
}


async def openapi(_: Request) -> Response:
    return JSONResponse(SPEC)
