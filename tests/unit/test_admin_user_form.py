"""What the Users page's form sends to /api/users, and the limits its table shows: the same fields, words
and refusals as the key form."""

from __future__ import annotations

import pytest

from dictachat.admin.state.keys import EMPTY_FORM, key_fields
from dictachat.admin.state.limits import limits_prefill
from dictachat.admin.state.users import limit_fields, user_fields, user_row

FORM = {"name": " gina ", "email": "", "password": "", "role": "user", **limits_prefill({})}


def test_user_form_sends_every_own_limit() -> None:
    body = user_fields({**FORM, "rate": "6", "rate_unit": "h", "cost_limit": "2.5", "concurrent": "2",
                        "tokens": "5000", "token_unit": "d"})
    assert body == {"name": "gina", "email": "", "role": "user", "rateLimitOverTime": 6, "rateLimitUnit": "h",
                    "costLimitInUsd": 2.5, "maxConcurrentRequests": 2, "tokenLimitOverTime": 5000,
                    "tokenLimitUnit": "d"}


def test_empty_user_limits_clear_them() -> None:
    assert limit_fields(limits_prefill({})) == {"rateLimitOverTime": 0, "rateLimitUnit": "", "costLimitInUsd": 0.0,
                                               "maxConcurrentRequests": 0, "tokenLimitOverTime": 0, "tokenLimitUnit": ""}


def test_the_limits_dialog_round_trips_a_user() -> None:
    user = {"rateLimitOverTime": 3, "rateLimitUnit": "s", "costLimitInUsd": 1.0, "maxConcurrentRequests": 1,
            "tokenLimitOverTime": 900, "tokenLimitUnit": "m"}
    assert limit_fields(limits_prefill(user)) == user


@pytest.mark.parametrize(("typed", "message"), [
    ({"concurrent": "two"}, "requests at once: 'two' is not a number"),
    ({"tokens": "-5"}, "token limit cannot be negative"),
    ({"tokens": "1.5"}, "token limit: '1.5' is not a number"),
    ({"rate": "-1"}, "rate limit cannot be negative"),
])
def test_bad_user_limits_are_refused_in_the_key_forms_words(typed: dict, message: str) -> None:
    with pytest.raises(ValueError) as user_error:
        limit_fields({**FORM, **typed})
    with pytest.raises(ValueError) as key_error:
        key_fields({**EMPTY_FORM, "name": "k", **typed})
    assert str(user_error.value) == str(key_error.value) == message


def test_user_rows_show_share_limits_beside_rate_and_cost() -> None:
    row = user_row({"id": "u1", "name": "gina", "rateLimitOverTime": 20, "rateLimitUnit": "m", "costLimitInUsd": 5,
                    "maxConcurrentRequests": 2, "tokenLimitOverTime": 10000, "tokenLimitUnit": "h"})
    assert row.limits == "20 / m · $5.00 · ≤2 at once · 10,000 tok / h"
    assert user_row({"id": "u2"}).limits == ""
