"""The dashboard's own client types cannot drift from the admin API: every field they name is in the
OpenAPI schema of the answer they read, with the same JSON type (the client may name fewer fields)."""

from __future__ import annotations

import types
from typing import Any, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from common.db import make_engine
from common.settings import Settings
from dictachat.admin import client
from gateway.admin.app import create_admin_app
from gateway.context import Context
from gateway.store import LocalStore

Shape = tuple[Any, ...]

# Each client type and the schemas of the answers it stands for (a field must be in at least one).
CLIENT_TYPES: list[tuple[type, tuple[str, ...]]] = [
    (client.KeyInfo, ("KeyOut",)),
    (client.UserInfo, ("UserOut",)),
    (client.SignUpPolicy, ("SignUpPolicyOut",)),
    (client.EventsPage, ("EventsPage",)),
    (client.EventInfo, ("ProxyEvent",)),
    (client.Report, ("ReportOut",)),
    (client.DataPoint, ("DataPointOut",)),
    (client.Spend, ("KeyUsageOut", "TopKeyOut", "TopUserOut", "TopModelOut")),
    (client.ConnectionResult, ("ConnectionResult",)),
]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    app = create_admin_app(Context(settings=Settings.load(None), store=LocalStore(), engine=make_engine("sqlite://")))
    return dict(app.openapi()["components"]["schemas"])


def _schema_shape(schema: dict[str, Any]) -> Shape:
    if "$ref" in schema:
        return ("object", schema["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in schema:
        parts = [_schema_shape(s) for s in schema["anyOf"]]
        rest = [p for p in parts if p != ("null",)]
        assert len(rest) == 1, f"a union the client cannot mirror: {schema}"
        return ("nullable", rest[0]) if len(rest) < len(parts) else rest[0]
    kind = schema.get("type")
    if kind == "array":
        return ("array", _schema_shape(schema.get("items", {})))
    if kind == "object":
        return ("object", None)
    return (kind,)


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _client_shape(annotation: Any) -> Shape:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        assert len(args) == 1, f"a client union the schema cannot mirror: {annotation}"
        inner = _client_shape(args[0])
        return ("nullable", inner) if len(args) < len(get_args(annotation)) else inner
    if origin is list:
        return ("array", _client_shape(get_args(annotation)[0]))
    if origin is dict:
        return ("object", None)
    if is_typeddict(annotation):
        return ("object", annotation)
    return (_SCALARS[annotation],)


def _same(client_shape: Shape, schema_shape: Shape, schemas: dict[str, Any], where: str) -> list[str]:
    if client_shape[0] != schema_shape[0]:
        return [f"{where}: the client says {client_shape}, the API says {schema_shape}"]
    if client_shape[0] in ("array", "nullable"):
        return _same(client_shape[1], schema_shape[1], schemas, where)
    if client_shape[0] == "object" and client_shape[1] is not None:  # a nested client type: its fields too
        if schema_shape[1] is None:
            return [f"{where}: the client expects {client_shape[1].__name__}, the API answers a free-form object"]
        return drift(client_shape[1], (schema_shape[1],), schemas)
    return []


def drift(client_type: type, names: tuple[str, ...], schemas: dict[str, Any]) -> list[str]:
    """Every way `client_type` differs from the named schemas: missing fields and different types."""
    properties = [schemas[name]["properties"] for name in names]
    problems = []
    for field, annotation in get_type_hints(client_type).items():
        where = f"{client_type.__name__}.{field}"
        found = [props[field] for props in properties if field in props]
        if not found:
            problems.append(f"{where}: not in {' / '.join(names)}")
        for prop in found:
            problems += _same(_client_shape(annotation), _schema_shape(prop), schemas, where)
    return problems


@pytest.mark.parametrize(("client_type", "names"), CLIENT_TYPES, ids=[t.__name__ for t, _ in CLIENT_TYPES])
def test_the_dashboard_client_types_match_the_admin_api(client_type: type, names: tuple[str, ...],
                                                       schemas: dict[str, Any]) -> None:
    assert drift(client_type, names, schemas) == []


class _Renamed(TypedDict, total=False):
    keyId: str
    costInUSD: float  # the API says costInUsd


class _Retyped(TypedDict, total=False):
    keyId: int  # a string in the API
    requests: int


class _RetypedNested(TypedDict, total=False):
    events: list[_Retyped]


def test_a_drifted_client_type_is_reported(schemas: dict[str, Any]) -> None:
    assert drift(_Renamed, ("TopKeyOut",), schemas) == ["_Renamed.costInUSD: not in TopKeyOut"]
    assert drift(_Retyped, ("TopKeyOut",), schemas) == [
        "_Retyped.keyId: the client says ('integer',), the API says ('string',)"]
    problems = drift(_RetypedNested, ("EventsPage",), schemas)
    assert problems == ["_Retyped.keyId: not in ProxyEvent", "_Retyped.requests: not in ProxyEvent"]
