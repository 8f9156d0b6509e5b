"""What the dashboard's forms send to the admin API, and how it turns answers into rows and totals."""

from __future__ import annotations

import csv
import io

import pytest

from dictachat.admin.state import format as fmt
from dictachat.admin.state.events import event_row, events_csv
from dictachat.admin.state.keys import EMPTY_FORM, form_from_key, key_fields, key_row
from dictachat.admin.state.overview import chart_rows, totals
from dictachat.admin.state.providers import cost_map_from_text, cost_map_to_text, steps_from_text


def test_key_form_becomes_a_bricksllm_body() -> None:
    form = {**EMPTY_FORM, "name": " team-a ", "tags": "prod, web,", "rate": "60", "rate_unit": "h", "cost_limit": "2.5",
            "cost_period": "0.1", "cost_unit": "mo", "ttl": "720h", "paths": "/v1/chat/completions", "models": "a, b",
            "log_request": "on"}
    body = key_fields(form)
    assert body["name"] == "team-a" and body["tags"] == ["prod", "web"]
    assert (body["rateLimitOverTime"], body["rateLimitUnit"]) == (60, "h")
    assert (body["costLimitInUsd"], body["costLimitInUsdOverTime"], body["costLimitInUsdUnit"]) == (2.5, 0.1, "mo")
    assert body["ttl"] == "720h" and body["allowedModels"] == ["a", "b"]
    assert body["allowedPaths"] == [{"path": "/v1/chat/completions", "method": "POST"}]
    assert body["shouldLogRequest"] is True and body["shouldLogResponse"] is False


def test_empty_limits_mean_no_limit() -> None:
    body = key_fields({**EMPTY_FORM, "name": "free"})
    assert (body["rateLimitOverTime"], body["costLimitInUsd"], body["costLimitInUsdOverTime"]) == (0, 0.0, 0.0)
    assert "ttl" not in body


@pytest.mark.parametrize("form, message", [
    ({"name": ""}, "name is required"),
    ({"name": "x", "rate": "many"}, "rate limit: 'many' is not a number"),
    ({"name": "x", "cost_limit": "-1"}, "cost limit cannot be negative"),
])
def test_bad_key_forms_name_the_field(form: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        key_fields({**EMPTY_FORM, **form})


@pytest.mark.parametrize(("typed", "sent"), [("", -1), ("0", 0), ("2048", 2048)])
def test_thinking_budget_field_becomes_reasoning_budget_tokens(typed: str, sent: int) -> None:
    body = key_fields({**EMPTY_FORM, "name": "k", "thinking_budget": typed})
    assert body["reasoningBudgetTokens"] == sent
    assert form_from_key(body)["thinking_budget"] == typed  # the edit form shows it back as it was typed


def test_a_negative_thinking_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="thinking budget cannot be negative"):
        key_fields({**EMPTY_FORM, "name": "k", "thinking_budget": "-3"})


def test_edit_form_round_trips_a_key() -> None:
    key = {"name": "web", "tags": ["prod"], "rateLimitOverTime": 5, "rateLimitUnit": "s", "costLimitInUsd": 1.0,
           "allowedPaths": [{"path": "/v1/models", "method": "GET"}], "shouldLogResponse": True}
    body = key_fields(form_from_key(key))
    assert body["tags"] == ["prod"] and (body["rateLimitOverTime"], body["rateLimitUnit"]) == (5, "s")
    assert body["costLimitInUsd"] == 1.0 and body["shouldLogResponse"] is True and body["shouldLogRequest"] is False


def test_price_lines_become_a_cost_map_and_back() -> None:
    cost_map = cost_map_from_text("* 0.0005 0.0015\nscripted-model, 0.001, 0.002\n")
    assert cost_map == {"promptCostPerModel": {"*": 0.0005, "scripted-model": 0.001},
                        "completionCostPerModel": {"*": 0.0015, "scripted-model": 0.002}}
    assert cost_map_from_text(cost_map_to_text(cost_map)) == cost_map
    with pytest.raises(ValueError, match="model prompt_price completion_price"):
        cost_map_from_text("gpt 0.1")


def test_route_steps_keep_their_order() -> None:
    assert steps_from_text("llama-cpp-root scripted-model\nbackup/org/model-7b") == [
        {"provider": "llama-cpp-root", "model": "scripted-model"}, {"provider": "backup", "model": "org/model-7b"}]
    with pytest.raises(ValueError, match="at least one step"):
        steps_from_text("\n")


POINTS = [
    {"timeStamp": 120, "numberOfRequests": 4, "promptTokenCount": 40, "completionTokenCount": 10, "costInUsd": 0.0003,
     "latencyInMsMedian": 12.0, "latencyInMs95th": 30.0, "errorCount": 1, "cacheHitCount": 2},
    {"timeStamp": 60, "numberOfRequests": 0},
    {"timeStamp": 180, "numberOfRequests": 1, "promptTokenCount": 5, "completionTokenCount": 7, "costInUsd": 0.0001,
     "errorCount": 0, "cacheHitCount": 0},
]


def test_overview_totals_are_the_sums_of_the_charted_buckets() -> None:
    summary = totals({"dataPoints": POINTS, "latencyInMsMedian": 12.0, "latencyInMs99th": 30.0})
    assert summary["requests"] == "5" and summary["tokens"] == "62" and summary["prompt"] == "45"
    assert summary["cost"] == "$0.0004" and summary["error_rate"] == "20.0%" and summary["cache_rate"] == "40.0%"
    rows = chart_rows(POINTS, 60)
    assert [r["requests"] for r in rows] == [0, 4, 1]  # in time order
    assert rows[1]["error_rate"] == 25.0 and rows[1]["cache_rate"] == 50.0
    assert rows[0]["error_rate"] is None and rows[0]["p50"] is None  # no requests: a gap in the line, not a zero


def test_no_traffic_shows_dashes_not_zero_latency() -> None:
    summary = totals({"dataPoints": [], "latencyInMsMedian": 0, "latencyInMs99th": 0})
    assert summary["requests"] == "0" and summary["p50"] == "—" and summary["error_rate"] == "0%"


@pytest.mark.parametrize("value, shown", [(0, "$0.00"), (12.5, "$12.50"), (0.0123, "$0.0123"), (0.000786, "$0.000786")])
def test_dollars_keep_fractions_of_a_cent(value: float, shown: str) -> None:
    assert fmt.usd(value) == shown


def test_windows_cover_the_chosen_span() -> None:
    start, end, step = fmt.span("24h", now=1_000_000.0)
    assert step == 1800 and start <= 1_000_000 - 86400 and start % 1800 == 0 and end > 1_000_000
    with pytest.raises(ValueError, match="end must be after"):
        fmt.span("custom", "2026-01-02T00:00", "2026-01-01T00:00")


EVENT = {"id": "e1", "created_at": 1_700_000_000.5, "key_id": "k1", "provider": "llama-cpp-root", "model": "m",
         "path": "/v1/chat/completions", "status": 200, "stream": True, "prompt_token_count": 12,
         "completion_token_count": 30, "cost_in_usd": 0.000051, "latency_in_ms": 84.2, "time_to_first_token_ms": 9.5,
         "cache_hit": False, "upstream": "http://u", "error": "", "request": '{"a": [1]}', "response": None}


def test_event_rows_show_key_names_and_pretty_bodies() -> None:
    row = event_row(EVENT, {"k1": "web"})
    assert (row.key, row.prompt, row.completion) == ("web", "12", "30")
    assert (row.cost, row.latency, row.ttft) == ("$0.000051", "84 ms", "10 ms")
    assert row.request == '{\n  "a": [\n    1\n  ]\n}' and row.response == ""


def test_csv_export_has_one_line_per_event_with_raw_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(events_csv([EVENT, {**EVENT, "id": "e2", "status": 429}]))))
    assert [r["id"] for r in rows] == ["e1", "e2"] and rows[1]["status"] == "429"
    assert rows[0]["cost_in_usd"] == "0.000051" and rows[0]["prompt_token_count"] == "12" and "request" not in rows[0]


def test_key_rows_show_limits_spend_and_expiry() -> None:
    key = {"keyId": "k1", "name": "web", "rateLimitOverTime": 20, "rateLimitUnit": "m", "costLimitInUsd": 5,
           "costLimitInUsdOverTime": 1, "costLimitInUsdUnit": "d", "expiresAt": 1_000, "createdAt": 500}
    row = key_row(key, {"costInUsd": 0.25, "requests": 1200}, now=2_000)
    assert (row.limits, row.spend, row.requests) == (["20 / m", "$5.00", "$1.00 / d"], "$0.2500", 1200)
    assert row.expired and row.expires
    assert not key_row({**key, "expiresAt": 3_000}, {}, now=2_000).expired
    assert key_row({"keyId": "k2"}, {}, now=2_000).expires == ""
