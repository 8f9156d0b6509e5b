"""The limit inputs a key's and a user's form share: numbers, an amount per period, spend, requests at once and tokens."""

from __future__ import annotations

from typing import Any

import reflex as rx

from common.time_units import COST_UNITS, RATE_UNITS, TOKEN_UNITS
from dictachat.admin.components.ui import field
from dictachat.ui.i18n import tr


def number_input(form: Any, name: str, placeholder: str = "", **props: Any) -> rx.Component:
    """A non-negative number prefilled from `form[name]` (a state's dict of the form's texts)."""
    return rx.input(name=name, default_value=form[name], placeholder=placeholder, type="number", min=0, width="100%",
                    dir="ltr", **props)


def per_unit(form: Any, name: str, placeholder: str, unit: str, units: tuple[str, ...], **props: Any) -> rx.Component:
    """An amount and the period (or window) it counts over; a `data_testid` of the amount names the period `<id>-unit`."""
    test_id = {"data-testid": f"{props['data_testid']}-unit"} if "data_testid" in props else {}
    return rx.hstack(number_input(form, name, placeholder, **props),
                     rx.select(list(units), name=unit, default_value=form[unit], custom_attrs=test_id))


def rate_input(form: Any, hint: rx.Var | str, test_id: str = "") -> rx.Component:
    """Requests per second, minute, hour or day."""
    props = {"data_testid": test_id} if test_id else {}
    return field(tr("admin.keys.rate"), per_unit(form, "rate", "60", "rate_unit", RATE_UNITS, **props), hint=hint)


def cost_inputs(form: Any, total_hint: rx.Var | str | None, test_prefix: str) -> list[rx.Component]:
    """A total spend and a spend per minute, hour, day or month in USD (`<test_prefix>-cost`, `-cost-period`)."""
    return [
        field(tr("admin.keys.cost_limit"), number_input(form, "cost_limit", "10", step="any",
                                                        data_testid=f"{test_prefix}-cost"), hint=total_hint),
        field(tr("admin.keys.cost_period"),
              per_unit(form, "cost_period", "1", "cost_unit", COST_UNITS, step="any",
                       data_testid=f"{test_prefix}-cost-period"),
              hint=tr("admin.hint.cost_period")),
    ]


def quota_inputs(form: Any, test_prefix: str) -> list[rx.Component]:
    """Requests in flight at once and tokens per window (`<test_prefix>-concurrent`, `<test_prefix>-tokens`)."""
    return [
        field(tr("admin.keys.concurrent"), number_input(form, "concurrent", "4", data_testid=f"{test_prefix}-concurrent"),
              hint=tr("admin.hint.concurrent")),
        field(tr("admin.keys.tokens"),
              per_unit(form, "tokens", "100000", "token_unit", TOKEN_UNITS, data_testid=f"{test_prefix}-tokens"),
              hint=tr("admin.hint.tokens")),
    ]
