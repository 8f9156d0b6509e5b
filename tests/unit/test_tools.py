"""The chat's tools: calculator (no eval), date/time in a time zone, Hebrew calendar."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dictachat.tools import TOOLS, run_tool, specs
from dictachat.tools.base import ToolError
from dictachat.tools.calculator import evaluate
from dictachat.tools.clock import now_in
from dictachat.tools.hebrew_calendar import gregorian_to_hebrew, hebrew_to_gregorian


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 2", 4),
        ("(17.5 * 3) / 2", 26.25),
        ("2^10", 1024),
        ("7 // 2 + 7 % 2", 4),
        ("-3 ** 2", -9),
        ("sqrt(16) + factorial(5)", 124),
        ("round(pi, 4)", 3.1416),
        ("max(3, 9, 4) × 2 ÷ 3", 6),
        ("0.1 + 0.2", 0.3),
        ("log10(1000)", 3),
    ],
)
def test_calculator_evaluates_arithmetic(expression: str, expected: float) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "(1).__class__",
        "[x for x in range(3)]",
        "lambda: 1",
        "'a' * 3",
        "x",
        "9 ** 9 ** 9",
        "10 ** 100000",
        "factorial(100000)",
        "1 / 0",
        "sqrt(-1)",
        "2 +",
        "sqrt(1, 2)",
    ],
)
def test_calculator_refuses_anything_but_bounded_arithmetic(expression: str) -> None:
    with pytest.raises(ToolError):
        evaluate(expression)


def test_calculator_does_not_call_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*_a, **_k):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert evaluate("1 + 2 * 3") == 7


def test_now_in_uses_the_requested_time_zone() -> None:
    fixed = lambda zone: datetime(2024, 10, 3, 12, 30, tzinfo=ZoneInfo("UTC")).astimezone(zone)  # noqa: E731
    jerusalem = now_in("Asia/Jerusalem", clock=fixed)
    assert jerusalem["time"] == "15:30:00"  # IDT is UTC+3 in October
    assert jerusalem["utc_offset"] == "+0300"
    assert jerusalem["weekday"] == "Thursday"
    assert jerusalem["hebrew_date"] == "א׳ תשרי תשפ״ה"
    assert now_in("UTC", clock=fixed)["time"] == "12:30:00"


def test_default_time_zone_is_jerusalem() -> None:
    out = json.loads(run_tool("current_datetime", "{}").content)
    assert out["timezone"] == "Asia/Jerusalem"
    assert out["utc_offset"] in ("+0200", "+0300")


def test_unknown_time_zone_is_an_error_for_the_model() -> None:
    outcome = run_tool("current_datetime", '{"timezone": "Mars/Olympus"}')
    assert not outcome.ok
    assert "unknown time zone" in json.loads(outcome.content)["error"]


def test_gregorian_to_hebrew_knows_rosh_hashana() -> None:
    out = gregorian_to_hebrew("2024-10-03")
    assert out["hebrew"] == "א׳ תשרי תשפ״ה"
    assert (out["hebrew_year"], out["hebrew_month_name"], out["hebrew_day"]) == (5785, "Tishrei", 1)
    assert out["holiday"] == "Rosh Hashana"
    assert out["holiday_he"] == "ראש השנה"


@pytest.mark.parametrize("month", [7, "7", "Tishrei", "תשרי"])
def test_hebrew_to_gregorian_accepts_month_numbers_and_names(month: object) -> None:
    assert hebrew_to_gregorian(5785, month, 1)["gregorian"] == "2024-10-03"


def test_round_trip_over_a_leap_year_adar_ii() -> None:
    # 5784 is a leap year: 14 Adar II is Purim, 24 March 2024.
    out = hebrew_to_gregorian(5784, "Adar II", 14)
    assert out["gregorian"] == "2024-03-24"
    assert gregorian_to_hebrew(out["gregorian"])["hebrew_month"] == 13


@pytest.mark.parametrize(("args", "fragment"), [('{"date": "03/10/2024"}', "YYYY-MM-DD"), ("not json", "JSON"), ("[1]", "object")])
def test_bad_arguments_become_readable_errors(args: str, fragment: str) -> None:
    outcome = run_tool("gregorian_to_hebrew", args)
    assert not outcome.ok
    assert fragment in json.loads(outcome.content)["error"]


def test_unknown_tool_is_an_error_result() -> None:
    outcome = run_tool("rm_rf", "{}")
    assert not outcome.ok and "unknown tool" in outcome.content


def test_specs_are_openai_function_tools() -> None:
    names = {s["function"]["name"] for s in specs()}
    assert names == set(TOOLS) == {"calculator", "current_datetime", "gregorian_to_hebrew", "hebrew_to_gregorian"}
    for spec in specs():
        assert spec["type"] == "function"
        assert spec["function"]["parameters"]["type"] == "object"


def test_results_keep_hebrew_readable() -> None:
    outcome = run_tool("gregorian_to_hebrew", '{"date": "2024-10-03"}')
    assert outcome.ok and "תשרי" in outcome.content and outcome.ms >= 0
