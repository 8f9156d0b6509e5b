"""Gregorian ↔ Hebrew calendar conversion with pyluach (holidays included)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pyluach import dates

from dictachat.tools.base import Tool, ToolError

# pyluach numbers months from Nisan (1) to Adar (12) / Adar II (13).
_MONTHS: dict[str, int] = {
    "nisan": 1, "iyar": 2, "iyyar": 2, "sivan": 3, "tammuz": 4, "tamuz": 4, "av": 5, "elul": 6,
    "tishrei": 7, "tishri": 7, "cheshvan": 8, "heshvan": 8, "marcheshvan": 8, "kislev": 9, "tevet": 10,
    "teves": 10, "shevat": 11, "shvat": 11, "adar": 12, "adar i": 12, "adar 1": 12, "adar ii": 13, "adar 2": 13,
    "ניסן": 1, "אייר": 2, "סיון": 3, "סיוון": 3, "תמוז": 4, "אב": 5, "אלול": 6, "תשרי": 7, "חשון": 8,
    "חשוון": 8, "מרחשון": 8, "מרחשוון": 8, "כסלו": 9, "טבת": 10, "שבט": 11, "אדר": 12, "אדר א": 12,
    "אדר א׳": 12, "אדר ב": 13, "אדר ב׳": 13,
}


def _describe(heb: dates.HebrewDate, greg: dates.GregorianDate) -> dict[str, Any]:
    return {
        "gregorian": greg.to_pydate().isoformat(),
        "weekday": greg.to_pydate().strftime("%A"),
        "hebrew": heb.hebrew_date_string(),
        "hebrew_year": heb.year,
        "hebrew_month": heb.month,
        "hebrew_month_name": heb.month_name(),
        "hebrew_month_name_he": heb.month_name(hebrew=True),
        "hebrew_day": heb.day,
        "holiday": heb.holiday(israel=True) or "",
        "holiday_he": heb.holiday(israel=True, hebrew=True) or "",
    }


def gregorian_to_hebrew(iso_date: str) -> dict[str, Any]:
    try:
        day = date.fromisoformat(iso_date.strip())
    except ValueError:
        raise ToolError(f"date must be YYYY-MM-DD, got {iso_date!r}") from None
    greg = dates.GregorianDate(day.year, day.month, day.day)
    return _describe(greg.to_heb(), greg)


def _month_number(month: Any) -> int:
    if isinstance(month, int) or (isinstance(month, str) and month.strip().isdigit()):
        return int(month)
    key = str(month).strip().lower().replace("'", "׳")
    if key not in _MONTHS:
        raise ToolError(f"unknown Hebrew month {month!r}; use a number (Nisan=1 … Adar=12, Adar II=13) or a name like 'Tishrei'")
    return _MONTHS[key]


def hebrew_to_gregorian(year: Any, month: Any, day: Any) -> dict[str, Any]:
    try:
        heb = dates.HebrewDate(int(year), _month_number(month), int(day))
    except (TypeError, ValueError) as exc:
        raise ToolError(f"not a valid Hebrew date: {exc}") from None
    return _describe(heb, heb.to_greg())


TO_HEBREW = Tool(
    name="gregorian_to_hebrew",
    description="Convert a Gregorian date to the Hebrew (Jewish) calendar date, with the holiday if there is one.",
    properties={"date": {"type": "string", "description": "Gregorian date as YYYY-MM-DD"}},
    required=("date",),
    run=lambda args: gregorian_to_hebrew(str(args.get("date", ""))),
)

TO_GREGORIAN = Tool(
    name="hebrew_to_gregorian",
    description="Convert a Hebrew (Jewish) calendar date to the Gregorian date.",
    properties={
        "year": {"type": "integer", "description": "Hebrew year, e.g. 5785"},
        "month": {"type": ["integer", "string"], "description": "Month number (Nisan=1 … Adar=12, Adar II=13) or name, e.g. 'Tishrei' or 'תשרי'"},
        "day": {"type": "integer", "description": "Day of the month, 1-30"},
    },
    required=("year", "month", "day"),
    run=lambda args: hebrew_to_gregorian(args.get("year"), args.get("month"), args.get("day")),
)
