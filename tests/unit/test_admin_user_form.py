"""What the Users page's form sends to /api/users, and the limits its table shows: the same fields, words
and refusals as the key form."""

from __future__ import annotations

import pytest

from dictachat.admin.state.keys import EMPTY_FORM, form_from_key, key_fields
from dictachat.admin.state.limits import limits_prefill
from dictachat.admin.state.users import limit_fields, user_fields, user_row

FORM = {"name": " gina ", "email": "", "password": "", "role": "user", **limits_prefill({})}


def test_user_form_sends_every_own_limit() -> None:
    body = user_fields({**FORM, "rate": "6", "rate_unit": "h", "cost_limit": "2.5", "cost_period": "0.5",
                        "cost_unit": "mo", "concurrent": "2", "tokens": "5000", "token_unit": "d"})
    assert body == {"name": "gina", "email": "", "role": "user", "rateLimitOverTime": 6, "rateLimitUnit": "h",
                    "costLimitInUsd": 2.5, "costLimitInUsdOverTime": 0.5, "costLimitInUsdUnit": "mo",
                    "maxConcurrentRequests": 2, "tokenLimitOverTime": 5000, "tokenLimitUnit": "d"}


def test_empty_user_limits_clear_them() -> None:
    assert limit_fields(limits_prefill({})) == {"rateLimitOverTime": 0, "rateLimitUnit": "", "costLimitInUsd": 0.0,
                                               "costLimitInUsdOverTime": 0.0, "costLimitInUsdUnit": "",
                                               "maxConcurrentRequests": 0, "tokenLimitOverTime": 0, "tokenLimitUnit": ""}


def test_an_emptied_amount_clears_its_limit_whatever_period_the_select_shows() -> None:
    user = {"costLimitInUsdOverTime": 2.0, "costLimitInUsdUnit": "h", "rateLimitOverTime": 5, "rateLimitUnit": "s"}
    form = {**limits_prefill(user), "cost_period": " ", "rate": ""}
    assert form["cost_unit"] == "h" and form["rate_unit"] == "s"
    body = limit_fields(form)
    assert (body["costLimitInUsdOverTime"], body["costLimitInUsdUnit"]) == (0.0, "")
    assert (body["rateLimitOverTime"], body["rateLimitUnit"]) == (0, "")


def test_a_cost_per_period_without_a_known_period_counts_per_day() -> None:
    body = limit_fields({**FORM, "cost_period": "3", "cost_unit": "w"})
    assert (body["costLimitInUsdOverTime"], body["costLimitInUsdUnit"]) == (3.0, "d")


def test_the_limits_dialog_round_trips_a_user() -> None:
    user = {"rateLimitOverTime": 3, "rateLimitUnit": "s", "costLimitInUsd": 1.0, "costLimitInUsdOverTime": 0.25,
            "costLimitInUsdUnit": "h", "maxConcurrentRequests": 1, "tokenLimitOverTime": 900, "tokenLimitUnit": "m"}
    assert limit_fields(limits_prefill(user)) == user
    assert form_from_key(user)["cost_period"] == limits_prefill(user)["cost_period"] == "0.25"  # one prefill for both


@pytest.mark.parametrize(("typed", "message"), [
    ({"concurrent": "two"}, "requests at once: 'two' is not a number"),
    ({"tokens": "-5"}, "token limit cannot be negative"),
    ({"tokens": "1.5"}, "token limit: '1.5' is not a number"),
    ({"rate": "-1"}, "rate limit cannot be negative"),
    ({"cost_period": "lots"}, "cost limit per period: 'lots' is not a number"),
    ({"cost_period": "-0.5", "cost_unit": "h"}, "cost limit per period cannot be negative"),
])
def test_bad_user_limits_are_refused_in_the_key_forms_words(typed: dict, message: str) -> None:
    with pytest.raises(ValueError) as user_error:
        limit_fields({**FORM, **typed})
    with pytest.raises(ValueError) as key_error:
        key_fields({**EMPTY_FORM, "name": "k", **typed})
    assert str(user_error.value) == str(key_error.value) == message


def test_user_rows_show_share_limits_beside_rate_and_cost() -> None:
    row = user_row({"id": "u1", "name": "gina", "rateLimitOverTime": 20, "rateLimitUnit": "m", "costLimitInUsd": 5,
                    "costLimitInUsdOverTime": 1.5, "costLimitInUsdUnit": "d", "maxConcurrentRequests": 2,
                    "tokenLimitOverTime": 10000, "tokenLimitUnit": "h"})
    assert row.limits == "20 / m · $5.00 · $1.50 / d · ≤2 at once · 10,000 tok / h"
    assert user_row({"id": "u2"}).limits == ""
