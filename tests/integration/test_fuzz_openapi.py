"""Property-based fuzzing of both OpenAPI descriptions (schemathesis): valid and invalid requests, never a 5xx."""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.support import Gateway

# Examples per operation and mode; bounded so both APIs take a few minutes at most on 2 cores.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def fuzz(spec_url: str, base_url: str, headers: dict[str, str]) -> tuple[list[str], Counter[int]]:
    """Run every operation of the spec in both modes: the requests that got a 5xx ('METHOD path -> status: body'),
    and how many answers of each status came back."""
    schema = schemathesis.openapi.from_dict(httpx.get(spec_url, timeout=30).json())
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def one(case: schemathesis.Case) -> None:
                resp = case.call(base_url=base_url, headers=headers, timeout=30)
                statuses[resp.status_code] += 1
                if resp.status_code >= 500:
                    sent = f"query={case.query!r} body={str(case.body)[:300]}"
                    failures.append(f"{case.method} {case.formatted_path} {sent} -> {resp.status_code}: {resp.text[:200]}")

            try:
                one()
            except Unsatisfiable:  # nothing invalid can be made for an operation without inputs (GET /api/health)
                assert mode is GenerationMode.NEGATIVE
    return failures, statuses


@pytest.mark.timeout(600)
def test_fuzz_the_proxy_api(gateway: Gateway) -> None:
    failures, statuses = fuzz(gateway.proxy_url + "/openapi.json", gateway.proxy_url,
                              {"Authorization": f"Bearer {gateway.frontend_key}"})
    assert not failures, "\n".join(failures[:20])
    print(f"proxy fuzz answers by status: {dict(sorted(statuses.items()))}")
    assert statuses[200] and statuses[400], "the fuzzing reached neither a served nor a refused request"
    assert httpx.get(gateway.admin_url + "/api/health", timeout=10).json()["status"] == "ok"


@pytest.mark.timeout(600)
def test_fuzz_the_admin_api(gateway: Gateway) -> None:
    failures, statuses = fuzz(gateway.admin_url + "/openapi.json", gateway.admin_url, {"X-API-KEY": gateway.admin_pass})
    assert not failures, "\n".join(failures[:20])
    print(f"admin fuzz answers by status: {dict(sorted(statuses.items()))}")
    assert statuses[200] and statuses[400], "the fuzzing reached neither a served nor a refused request"
    assert httpx.get(gateway.admin_url + "/api/health", timeout=10).json()["status"] == "ok"
