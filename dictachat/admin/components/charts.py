"""Time-series charts (Recharts) in the dashboard's card style.

Bars for what is counted per bucket (requests, tokens, cost, errors); lines only for rates and
latencies, drawn straight and broken where a bucket had no requests. Every chart of a page gets the
same ticks (round clock times, from the state) so their axes line up.
"""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.ui import empty_state, section

Series = tuple[str, rx.Var | str, str]  # (data key, legend label, Radix colour)

_AXIS = {"font_size": 11, "stroke": rx.color("gray", 9), "tick_line": False}
# Labels are "dd/mm HH:MM" (unique per bucket, shown whole in the tooltip); a tick shows the time of
# day, or the date at midnight and for whole-day buckets.
_SHORT_LABEL = "(v) => { const [day, time] = String(v).split(' '); return !time || time === '00:00' ? day : time; }"
_MARGIN = {"top": 8, "right": 8, "left": 0, "bottom": 0}


def _axes(ticks: rx.Var, unit: str, whole: bool) -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False, stroke=rx.color("gray", 5)),
        rx.recharts.x_axis(data_key="label", ticks=ticks, interval=0, tick_formatter=_SHORT_LABEL, **_AXIS),
        rx.recharts.y_axis(width=64, unit=unit, allow_decimals=not whole, **_AXIS),
        rx.recharts.graphing_tooltip(
            content_style={"background": "var(--color-panel-solid)", "border": "1px solid var(--gray-a5)",
                           "border_radius": "8px", "font_size": "12px"},
        ),
        rx.recharts.legend(icon_type="circle", icon_size=8, wrapper_style={"font_size": "12px"}),
    ]


def bar_chart(data: rx.Var, series: list[Series], ticks: rx.Var, unit: str = "", whole: bool = True) -> rx.Component:
    """Stacked bars, one bar per bucket (e.g. succeeded / errors / cancelled requests)."""
    return rx.recharts.bar_chart(
        *[
            rx.recharts.bar(data_key=key, name=label, fill=rx.color(color, 8), stack_id="s", is_animation_active=False)
            for key, label, color in series
        ],
        *_axes(ticks, unit, whole),
        data=data,
        height=220,
        bar_category_gap="12%",
        margin=_MARGIN,
    )


def line_chart(data: rx.Var, series: list[Series], ticks: rx.Var, unit: str = "") -> rx.Component:
    """Straight lines for rates and latencies; a bucket without requests leaves a gap."""
    return rx.recharts.line_chart(
        *[
            rx.recharts.line(data_key=key, name=label, type_="linear", stroke=rx.color(color, 9), stroke_width=2,
                             dot=False, connect_nulls=False, is_animation_active=False)
            for key, label, color in series
        ],
        *_axes(ticks, unit, whole=False),
        data=data,
        height=220,
        margin=_MARGIN,
    )


def chart_card(title: rx.Var | str, chart: rx.Component, test_id: str,
               empty: rx.Var | None = None, empty_text: rx.Var | str = "") -> rx.Component:
    """A chart in a card (left-to-right time even in the Hebrew layout), or a sentence instead of
    empty axes when `empty`."""
    body = rx.box(chart, dir="ltr", width="100%")
    if empty is not None:
        body = rx.cond(empty, empty_state("chart-no-axes-column", empty_text, ""), body)
    return section(title, body, data_testid=test_id)
