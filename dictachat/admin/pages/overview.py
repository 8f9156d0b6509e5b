"""/admin/overview: the numbers of the chosen window, charts over time, top keys and models."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.charts import bar_chart, chart_card, line_chart
from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.ui import (
    choice,
    empty_state,
    error_callout,
    loading_or,
    ltr,
    mono,
    section,
    stat_card,
    table,
)
from dictachat.admin.components.user_filter import user_select
from dictachat.admin.state.overview import OverviewState
from dictachat.ui.i18n import tr, tr_n


def window_picker() -> rx.Component:
    return rx.flex(
        choice([(w, tr(f"admin.window.{w}")) for w in ("1h", "24h", "7d", "30d", "custom")], OverviewState.window,
               OverviewState.set_window, test_id="window"),
        rx.cond(
            OverviewState.window == "custom",
            rx.hstack(
                rx.input(type="datetime-local", value=OverviewState.custom_start, on_change=OverviewState.set_custom_start,
                         size="1"),
                rx.text("→", color_scheme="gray"),
                rx.input(type="datetime-local", value=OverviewState.custom_end, on_change=OverviewState.set_custom_end, size="1"),
                rx.button(tr("admin.apply"), size="1", on_click=OverviewState.load),
                align="center",
                wrap="wrap",
            ),
        ),
        user_select(OverviewState),
        rx.cond(OverviewState.user_id != "", rx.text(tr("admin.filter.user_note"), size="1", color_scheme="gray")),
        rx.icon_button(rx.icon("refresh-cw", size=14), variant="soft", size="1", on_click=OverviewState.load,
                       loading=OverviewState.loading, aria_label="refresh"),
        gap="0.5rem",
        align="center",
        wrap="wrap",
    )


def stats() -> rx.Component:
    s, n = OverviewState.summary, OverviewState.numbers
    return rx.grid(
        stat_card(tr("admin.stat.requests"), s["requests"], "activity", test_id="stat-requests"),
        stat_card(tr("admin.stat.tokens"), s["tokens"], "text",
                  hint=rx.text.span(tr("admin.prompt"), " ", s["prompt"], " · ", tr("admin.completion"), " ", s["completion"]),
                  test_id="stat-tokens"),
        stat_card(tr("admin.stat.cost"), s["cost"], "circle-dollar-sign", test_id="stat-cost"),
        stat_card(tr("admin.stat.latency"), s["p50"], "timer",
                  hint=rx.text.span("p95 ", s["p95"], " · p99 ", s["p99"]), test_id="stat-latency"),
        stat_card(tr("admin.stat.errors"), s["error_rate"], "octagon-alert",
                  hint=rx.text.span(tr_n("admin.n_errors", n["errors"]), " · ", tr_n("admin.n_cancelled", n["cancelled"]),
                                    data_testid="stat-errors-hint"),
                  test_id="stat-errors"),
        stat_card(tr("admin.stat.cache"), s["cache_rate"], "database-zap",
                  hint=tr_n("admin.n_hits", n["cache_hits"]), test_id="stat-cache"),
        columns=rx.breakpoints(initial="2", md="3", xl="6"),
        spacing="3",
        width="100%",
    )


def charts() -> rx.Component:
    data, ticks = OverviewState.series, OverviewState.ticks
    return rx.grid(
        chart_card(tr("admin.chart.requests"),
                   bar_chart(data, [("succeeded", tr("admin.succeeded"), "accent"), ("errors", tr("admin.errors"), "red"),
                                    ("cancelled", tr("admin.cancelled"), "gray")], ticks),
                   "chart-requests"),
        chart_card(tr("admin.chart.tokens"), bar_chart(data, [("prompt", tr("admin.prompt"), "indigo"),
                                                                ("completion", tr("admin.completion"), "cyan")], ticks),
                   "chart-tokens"),
        chart_card(tr("admin.chart.cost"), bar_chart(data, [("cost", tr("admin.stat.cost"), "green")], ticks, whole=False),
                   "chart-cost", empty=~OverviewState.has_cost, empty_text=tr("admin.empty.cost")),
        chart_card(tr("admin.chart.latency"),
                   line_chart(data, [("p50", "p50", "blue"), ("p95", "p95", "orange"), ("p99", "p99", "red")], ticks),
                   "chart-latency"),
        rx.box(
            chart_card(tr("admin.chart.errors"), line_chart(data, [("error_rate", tr("admin.stat.errors"), "red"),
                                                                    ("cache_rate", tr("admin.stat.cache"), "grass")], ticks,
                                                            unit="%"),
                       "chart-rates"),
            grid_column=rx.breakpoints(initial="auto", lg="span 2"),
        ),
        columns=rx.breakpoints(initial="1", lg="2"),
        spacing="3",
        width="100%",
    )


def ranking(title_key: str, rows: rx.Var, label_key: str, icon: str, test_id: str) -> rx.Component:
    return section(
        tr(title_key),
        rx.cond(
            rows.length() > 0,
            table(
                [tr(label_key), tr("admin.stat.requests"), tr("admin.stat.tokens"), tr("admin.stat.cost")],
                rx.foreach(rows, lambda r: rx.table.row(
                    rx.table.cell(rx.vstack(rx.text(r["label"], weight="medium"),
                                            # The id in one piece: shortened with an ellipsis (whole on hover), never wrapped.
                                            mono(r["sub"], size="1", color_scheme="gray", title=r["sub"], display="inline-block",
                                                 max_width="14ch", overflow="hidden", text_overflow="ellipsis"),
                                            spacing="0")),
                    rx.table.cell(ltr(r["requests"])),
                    rx.table.cell(ltr(r["tokens"])),
                    rx.table.cell(ltr(r["cost"])),
                )),
            ),
            empty_state(icon, tr("admin.empty.ranking"), tr("admin.empty.ranking_body")),
        ),
        data_testid=test_id,
    )


def no_traffic() -> rx.Component:
    return rx.box(
        empty_state("chart-no-axes-column", tr("admin.empty.traffic"), tr("admin.empty.traffic_body"),
                    rx.link(rx.button(tr("admin.keys.create"), variant="soft"), href="/admin/keys")),
        style={"border": "1px dashed var(--gray-a6)", "border_radius": "12px"},
        width="100%",
    )


def overview_body() -> rx.Component:
    return rx.vstack(
        error_callout(OverviewState.error, on_retry=OverviewState.load),
        loading_or(
            OverviewState.loading & ~OverviewState.has_traffic,
            OverviewState.error,
            rx.vstack(
                stats(),
                rx.cond(OverviewState.has_traffic, charts(), no_traffic()),
                rx.grid(
                    ranking("admin.top_keys", OverviewState.top_keys, "admin.key", "key-round", "top-keys"),
                    ranking("admin.top_models", OverviewState.top_models, "admin.model", "box", "top-models"),
                    ranking("admin.top_users", OverviewState.top_users, "admin.user", "users", "top-users"),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            rows=8,
        ),
        spacing="4",
        width="100%",
    )


@admin_page("overview", "Admin", OverviewState.load)
def overview() -> rx.Component:
    return admin_shell("overview", overview_body(), actions=window_picker())
