"""Counting labels take the CLDR plural form of their number (Babel), in Python and in the browser's
JavaScript alike: Hebrew has one / two / other, English one / other."""

from __future__ import annotations

import json
import subprocess

import pytest

from dictachat.ui.i18n import PLURALS, plural, plural_js
from tests.e2e.conftest import BUN

EXPECTED = {
    ("en", "chat.thought_for"): ["Thought for 1 second", "Thought for 2 seconds", "Thought for 11 seconds"],
    ("he", "chat.thought_for"): ["חשב שנייה אחת", "חשב שתי שניות", "חשב 11 שניות"],
    ("en", "admin.n_requests"): ["1 request", "2 requests", "11 requests"],
    ("he", "admin.n_requests"): ["בקשה אחת", "שתי בקשות", "11 בקשות"],
    ("en", "admin.n_errors"): ["1 error", "2 errors", "11 errors"],
    ("he", "admin.n_errors"): ["שגיאה אחת", "שתי שגיאות", "11 שגיאות"],
    ("he", "chat.err.rate_limit"): ["הגעתם למגבלת הקצב, נסו שוב בעוד שנייה.", "הגעתם למגבלת הקצב, נסו שוב בעוד שתי שניות.",
                                    "הגעתם למגבלת הקצב, נסו שוב בעוד 11 שניות."],
}


@pytest.mark.parametrize(("lang", "key"), list(EXPECTED))
def test_one_two_and_eleven_take_their_own_forms(lang: str, key: str) -> None:
    assert [plural(key, n, lang) for n in (1, 2, 11)] == EXPECTED[(lang, key)]


def test_large_numbers_are_grouped() -> None:
    assert plural("admin.n_requests", 12345, "en") == "12,345 requests"
    assert plural("admin.n_requests", 12345, "he") == "12,345 בקשות"


def test_every_counting_label_has_the_forms_its_language_needs() -> None:
    assert set(PLURALS["en"]) == set(PLURALS["he"])
    for forms in PLURALS["en"].values():
        assert set(forms) == {"one", "other"}
    for forms in PLURALS["he"].values():
        assert set(forms) == {"one", "two", "other"}


@pytest.mark.parametrize("lang", ["en", "he"])
def test_the_browser_picks_the_same_forms_as_python(lang: str) -> None:
    numbers = [0, 1, 2, 3, 11, 20, 1000]
    script = "console.log(JSON.stringify({" + ",".join(
        f"{json.dumps(key)}: {json.dumps(numbers)}.map({plural_js(key, lang)})" for key in PLURALS[lang]) + "}))"
    out = subprocess.run([BUN, "-e", script], check=True, capture_output=True, text=True, timeout=60).stdout
    assert json.loads(out) == {key: [plural(key, n, lang) for n in numbers] for key in PLURALS[lang]}
