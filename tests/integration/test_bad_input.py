"""Every class of bad input against a real gateway, on both APIs: a 4xx in the OpenAI shape naming the field,
nothing written, and the process still healthy afterwards."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text

from common.db import make_engine
from tests.support import Gateway, Upstream

PROXY_CASES: list[tuple[str, bytes, int, str]] = [
    ("too large", json.dumps({"messages": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]}).encode(), 413,
     "too large"),
    ("nested beyond the parser", b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "nested too deeply"),
    ("nested beyond the limit", json.dumps({"messages": [{"role": "user", "content": "hi"}],
                                            "metadata": json.loads("[" * 80 + "]" * 80)}).encode(), 400, "metadata"),
    ("invalid UTF-8", b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}', 400, "not valid UTF-8"),
    ("UTF-8 encoded surrogate", b'{"messages": [{"role": "user", "content": "\xed\xa0\x80"}]}', 400,
     "not valid UTF-8"),
    ("lone surrogate", b'{"messages": [{"role": "user", "content": "a\\ud800b"}]}', 400,
     "'messages[0].content' contains a lone UTF-16 surrogate"),
    ("NUL", b'{"messages": [{"role": "user", "content": "a\\u0000b"}]}', 400, "'messages[0].content' contains a NUL"),
    ("integer beyond 64 bits", b'{"messages": [{"role": "user", "content": "hi"}], "seed": 18446744073709551616}', 400,
     "'seed' is out of range"),
    ("NaN", b'{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}', 400,
     "'temperature' must be a finite number"),
    ("Infinity deep inside", b'{"messages": [{"role": "user", "content": "hi"}], "x": {"y": [-Infinity]}}', 400,
     "'x.y[0]' must be a finite number"),
    ("overflowing float", b'{"messages": [{"role": "user", "content": "hi"}], "top_p": 1e999}', 400,
     "'top_p' must be a finite number"),
    ("number out of range", b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 7}', 400,
     "'temperature' is 7"),
    ("wrong type", b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": "lots"}', 400, "'max_tokens' must be"),
    ("wrong role", b'{"messages": [{"role": "wizard", "content": "hi"}]}', 400, "'messages[0].role' must be one of"),
    ("wrong content type", b'{"messages": [{"role": "user", "content": 5}]}', 400, "'messages[0].content' must be"),
]

CREATE_KEY = ("PUT", "/api/key-management/keys")
ADMIN_CASES: list[tuple[str, str, str, bytes, int, str]] = [
    ("too large", *CREATE_KEY, json.dumps({"name": "n" * (2 * 1024 * 1024)}).encode(), 413,
     "at most 1,048,576 bytes"),
    ("nested beyond the parser", *CREATE_KEY, b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     400, "nested too deeply"),
    ("invalid UTF-8", *CREATE_KEY, b'{"name": "\xc3\x28"}', 400, "not valid UTF-8"),
    ("lone surrogate", *CREATE_KEY, b'{"name": "x\\udfff"}', 400, "'name' contains a lone"),
    ("NUL", *CREATE_KEY, b'{"name": "a\\u0000b"}', 400, "'name' contains a NUL"),
    ("control character", *CREATE_KEY, b'{"name": "a", "tags": ["\\u001b[31m"]}', 400,
     "'tags[0]' contains a control character"),
    ("integer beyond 64 bits", *CREATE_KEY, b'{"name": "a", "rateLimitOverTime": 99999999999999999999999}',
     400, "'rateLimitOverTime' is out of range"),
    ("NaN", *CREATE_KEY, b'{"name": "a", "costLimitInUsd": NaN}', 400,
     "'costLimitInUsd' must be a finite number"),
    ("wrong type", *CREATE_KEY, b'{"name": "a", "rateLimitOverTime": "lots"}', 400,
     "rateLimitOverTime"),
    ("32-bit column overflow", *CREATE_KEY, b'{"name": "a", "rateLimitOverTime": 4294967296}', 400,
     "rateLimitOverTime"),
    ("status filter beyond its column", "POST", "/api/v2/events", b'{"status": 87178291200}', 400, "status"),
    ("ttl beyond a century", *CREATE_KEY, b'{"name": "a", "ttl": "99999999999999999999999h"}',
     400, "longer than 100 years"),
    ("query integer beyond 64 bits", "POST", "/api/reporting/top-keys", b'{"start": 36893488147419103232}', 400,
     "'start' is out of range"),
    ("query integer beyond 64 bits", "GET", "/api/reporting/keys/k?start=36893488147419103232", b"", 400,
     "query parameter start"),
    ("NUL in the path", "PATCH", "/api/key-management/keys/a%00b", b'{"name": "a"}', 400, "URL path"),
    ("NUL in a query value", "GET", "/api/key-management/keys?name=a%00", b"", 400, "query parameter name"),
    ("invalid UTF-8 in a query value", "GET", "/api/events?keyIds=%ff", b"", 400, "not valid UTF-8"),
]


def error_of(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text[:500]
    err = resp.json()["error"]
    assert set(err) == {"message", "type", "code"} and "Traceback" not in err["message"]
    return str(err["message"])


def configuration_rows(database_url: str) -> tuple[int, ...]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                         for table in ("keys", "provider_settings", "custom_providers", "routes"))
    finally:
        engine.dispose()


def assert_healthy(gateway: Gateway) -> None:
    assert httpx.get(gateway.admin_url + "/api/health", timeout=10).json()["status"] == "ok"
    ok = httpx.post(gateway.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {gateway.frontend_key}"},
                    json={"messages": [{"role": "user", "content": "still there?"}]}, timeout=30)
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(("case", "body", "status", "message"), PROXY_CASES, ids=[c[0] for c in PROXY_CASES])
def test_proxy_refuses_bad_input(gateway: Gateway, upstream: Upstream, case: str, body: bytes, status: int,
                                 message: str) -> None:
    before = len(upstream.stats()["requests"])
    resp = httpx.post(gateway.proxy_url + "/v1/chat/completions", content=body, timeout=60,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}", "content-type": "application/json"})
    assert message in error_of(resp, status)
    assert len(upstream.stats()["requests"]) == before, "a refused request reached the upstream"
    assert_healthy(gateway)


@pytest.mark.parametrize(("case", "method", "path", "body", "status", "message"), ADMIN_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in ADMIN_CASES])
def test_admin_refuses_bad_input(gateway: Gateway, case: str, method: str, path: str, body: bytes, status: int,
                                 message: str) -> None:
    before = configuration_rows(gateway.database_url)
    with gateway.admin() as admin:
        resp = admin.request(method, path, content=body, headers={"content-type": "application/json"})
    assert message in error_of(resp, status)
    assert configuration_rows(gateway.database_url) == before, "a refused request wrote a row"
    assert_healthy(gateway)


def test_proxy_passes_other_control_characters_through(gateway: Gateway) -> None:
    """Chat text may hold terminal colours and the like: only NUL and lone surrogates are refused there."""
    resp = httpx.post(gateway.proxy_url + "/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}"},
                      json={"messages": [{"role": "user", "content": "\x1b[31mred\x1b[0m \x07"}]})
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("timeout", ["nan", "inf", "-5", "1e999", "0"])
def test_proxy_refuses_a_request_timeout_that_is_not_a_positive_finite_number(gateway: Gateway, timeout: str) -> None:
    resp = httpx.post(gateway.proxy_url + "/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}", "x-request-timeout": timeout},
                      json={"messages": [{"role": "user", "content": "hi"}]})
    assert "x-request-timeout" in error_of(resp, 400)
