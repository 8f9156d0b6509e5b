"""The limit fields a key and a user share, from a form to admin API fields, with the same sentences for bad input."""

from __future__ import annotations

from typing import Any

from common.time_units import COST_UNITS, RATE_UNITS, TOKEN_UNITS
from dictachat.admin.client import Limits


def number(text: str, what: str, integer: bool = False) -> float | int:
    """A form field's number; ValueError names the field when it is not one or is negative."""
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{what}: '{text}' is not a number") from None
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return value


def _text(form: dict[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


def whole(form: dict[str, Any], name: str, what: str) -> int:
    """A whole number field, 0 when empty."""
    return int(number(_text(form, name), what, integer=True)) if _text(form, name) else 0


def unit(form: dict[str, Any], name: str, units: tuple[str, ...], default: str) -> str:
    """A period field, `default` when it is not one of `units`."""
    return str(form[name]) if form.get(name) in units else default


def rate_cost_fields(form: dict[str, Any], fields: Limits) -> None:
    """Set requests per period, a total spend and a spend per period in USD from the form in `fields`."""
    # An empty amount is no limit whatever its period select shows: emptying the amount is how one is cleared.
    fields["rateLimitOverTime"], fields["rateLimitUnit"], fields["costLimitInUsd"] = 0, "", 0.0
    fields["costLimitInUsdOverTime"], fields["costLimitInUsdUnit"] = 0.0, ""
    if _text(form, "rate"):
        fields["rateLimitOverTime"] = int(number(_text(form, "rate"), "rate limit", integer=True))
        fields["rateLimitUnit"] = unit(form, "rate_unit", RATE_UNITS, "m")
    if _text(form, "cost_limit"):
        fields["costLimitInUsd"] = float(number(_text(form, "cost_limit"), "cost limit"))
    if _text(form, "cost_period"):
        fields["costLimitInUsdOverTime"] = float(number(_text(form, "cost_period"), "cost limit per period"))
        fields["costLimitInUsdUnit"] = unit(form, "cost_unit", COST_UNITS, "d")


def quota_fields(form: dict[str, Any], fields: Limits) -> None:
    """Set requests in flight at once and tokens per window from the form (empty = no cap) in `fields`."""
    fields["maxConcurrentRequests"] = whole(form, "concurrent", "requests at once")
    fields["tokenLimitOverTime"], fields["tokenLimitUnit"] = whole(form, "tokens", "token limit"), ""
    if fields["tokenLimitOverTime"]:
        fields["tokenLimitUnit"] = unit(form, "token_unit", TOKEN_UNITS, "h")


def limits_prefill(owner: Limits) -> dict[str, str]:
    """Prefill a form's shared limit fields from a key or a user (`{}` for an empty form)."""
    return {"rate": str(owner.get("rateLimitOverTime") or ""), "rate_unit": owner.get("rateLimitUnit") or "m",
            "cost_limit": str(owner.get("costLimitInUsd") or ""),
            "cost_period": str(owner.get("costLimitInUsdOverTime") or ""),
            "cost_unit": owner.get("costLimitInUsdUnit") or "d",
            "concurrent": str(owner.get("maxConcurrentRequests") or ""),
            "tokens": str(owner.get("tokenLimitOverTime") or ""),
            "token_unit": owner.get("tokenLimitUnit") or "h"}
