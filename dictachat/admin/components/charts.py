"""Time-series charts (Recharts) in the dashboard's card style."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.ui import section

Series = tuple[str, rx.Var | str, str]  # (data key, legend label, Radix colour)

_AXIS = {"font_size": 11, "stroke": rx.color("gray", 9), "tick_line": False}


def _axes(unit: str = "") -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False, stroke=rx.color("gray", 5)),
        rx.recharts.x_axis(data_key="label", min_tick_gap=24, **_AXIS),
        rx.recharts.y_axis(width=64, unit=unit, allow_decimals=True, **_AXIS),
        rx.recharts.graphing_tooltip(
            content_style={"background": "var(--color-panel-solid)", "border": "1px solid var(--gray-a5)",
                           "border_radius": "8px", "font_size": "12px"},
        ),
        rx.recharts.legend(icon_type="circle", icon_size=8, wrapper_style={"font_size": "12px"}),
    ]


def area_chart(data: rx.Var, series: list[Series], unit: str = "", stacked: bool = False) -> rx.Component:
    """Filled lines, one per series, over the `label` axis."""
    return rx.recharts.area_chart(
        *[
            rx.recharts.area(
                data_key=key, name=label, type_="monotone", stroke=rx.color(color, 9), fill=rx.color(color, 4),
                fill_opacity=0.6, stroke_width=2, stack_id="s" if stacked else None, dot=False,
            )
            for key, label, color in series
        ],
        *_axes(unit),
        data=data,
        height=220,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def line_chart(data: rx.Var, series: list[Series], unit: str = "") -> rx.Component:
    return rx.recharts.line_chart(
        *[
            rx.recharts.line(data_key=key, name=label, type_="monotone", stroke=rx.color(color, 9), stroke_width=2, dot=False)
            for key, label, color in series
        ],
        *_axes(unit),
        data=data,
        height=220,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def bar_chart(data: rx.Var, series: list[Series], unit: str = "") -> rx.Component:
    """Stacked bars (e.g. prompt vs completion tokens)."""
    return rx.recharts.bar_chart(
        *[
            rx.recharts.bar(data_key=key, name=label, fill=rx.color(color, 8), stack_id="s", radius=[2, 2, 0, 0])
            for key, label, color in series
        ],
        *_axes(unit),
        data=data,
        height=220,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def chart_card(title: rx.Var | str, chart: rx.Component, test_id: str) -> rx.Component:
    """A chart in a card; charts keep left-to-right time even in the Hebrew layout."""
    return section(title, rx.box(chart, dir="ltr", width="100%"), data_testid=test_id)
