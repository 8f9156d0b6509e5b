"""/admin/system: GPUs, llama-server, gateway, database and Redis, refreshed every few seconds."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.ui import card, empty_state, error_callout, loading_or, ltr, mono, section, table
from dictachat.admin.state.share import SHARE_REFRESH_MS, DeploymentRow, KeyShareRow, ShareState
from dictachat.admin.state.system import REFRESH_MS, GpuRow, SystemState
from dictachat.ui.i18n import tr


def meter(label: rx.Var, value: rx.Var, percent: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(label, size="1", color_scheme="gray"), rx.spacer(), rx.text(value, size="1", weight="medium"),
                  width="100%"),
        rx.progress(value=percent, max=100, size="2", width="100%"),
        spacing="1",
        width="100%",
    )


def gpu_card(gpu: GpuRow) -> rx.Component:
    return card(
        rx.hstack(rx.icon("cpu", size=18), rx.text(gpu.name, weight="bold"), rx.spacer(),
                  rx.badge("GPU ", gpu.index, variant="soft", radius="full"), align="center", width="100%"),
        rx.vstack(
            meter(tr("admin.system.memory"), gpu.memory, gpu.memory_pct),
            meter(tr("admin.system.utilization"), gpu.utilization, gpu.utilization_pct),
            rx.hstack(
                rx.hstack(rx.icon("thermometer", size=14), rx.text(gpu.temperature, size="2"), spacing="1", align="center"),
                rx.hstack(rx.icon("zap", size=14), rx.text(gpu.power, size="2"), spacing="1", align="center"),
                spacing="4",
            ),
            spacing="3",
            margin_top="0.75rem",
            width="100%",
        ),
        data_testid="gpu-card",
    )


def gpu_panel() -> rx.Component:
    return section(
        tr("admin.system.gpus"),
        rx.cond(
            SystemState.gpus.length() > 0,
            rx.grid(rx.foreach(SystemState.gpus, gpu_card), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                    width="100%"),
            rx.box(empty_state("cpu", tr("admin.system.no_gpu"), SystemState.gpu_message), data_testid="no-gpu"),
        ),
        data_testid="gpu-panel",
    )


def status_dot(ok: rx.Var | bool, color: rx.Var | None = None) -> rx.Component:
    """Green when up, red when down; `color` (a Radix colour name) overrides both."""
    shade = color if color is not None else rx.cond(ok, "green", "red")
    return rx.box(width="8px", height="8px", border_radius="999px", background=f"var(--{shade}-9)", flex_shrink="0")


def kv(label: rx.Var | str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="8rem"), rx.data_list.value(value))


def llama_panel() -> rx.Component:
    llama = SystemState.llama
    return section(
        "llama-server",
        rx.data_list.root(
            kv(tr("admin.status"), rx.hstack(status_dot(llama.healthy), rx.text(llama.status), align="center",
                                             data_testid="llama-status")),
            kv(tr("admin.model"), mono(llama.model)),
            kv(tr("admin.system.context"), llama.context),
            kv(tr("admin.system.generation"), llama.tokens_per_second),
            kv(tr("admin.system.prompt_rate"), llama.prompt_tokens_per_second),
            kv(tr("admin.system.slots"), llama.slots),
            kv("URL", mono(llama.url)),
            size="2",
        ),
        data_testid="llama-panel",
    )


def service_tile(icon: str, title: rx.Var | str, dot: rx.Component, status: rx.Var | str, detail: rx.Var | str,
                 test_id: str) -> rx.Component:
    return card(
        rx.hstack(rx.icon(icon, size=18), rx.text(title, weight="medium"), rx.spacer(), dot, align="center", width="100%"),
        rx.text(status, size="5", weight="bold", margin_top="0.5rem"),
        rx.text(detail, size="1", color_scheme="gray"),
        data_testid=test_id,
    )


def services() -> rx.Component:
    return rx.grid(
        service_tile("waypoints", tr("admin.system.gateway"), status_dot(True), SystemState.version,
                     rx.text.span(tr("admin.system.uptime"), " ", SystemState.uptime), "gateway-tile"),
        service_tile("database", tr("admin.system.database"), status_dot(SystemState.database_ok),
                     rx.cond(SystemState.database_ok, tr("admin.system.up"), tr("admin.system.down")),
                     SystemState.database_kind, "database-tile"),
        service_tile("layers", "Redis",
                     status_dot(True, rx.match(SystemState.redis, ("ok", "green"), ("down", "red"), "gray")),
                     rx.match(SystemState.redis, ("ok", tr("admin.system.up")), ("down", tr("admin.system.down")),
                              tr("admin.system.redis_off")),
                     rx.cond(SystemState.redis == "off", tr("admin.system.redis_off_body"), ""), "redis-tile"),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="3",
        width="100%",
    )


def deployment_row(row: DeploymentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.provider, weight="medium")),
        rx.table.cell(mono(row.url, size="1")),
        rx.table.cell(rx.text(row.slots), data_testid="share-slots"),
        rx.table.cell(rx.hstack(rx.text(row.in_flight, data_testid="share-in-flight"),
                                rx.progress(value=row.busy_pct, max=100, size="1", width="4rem"), align="center")),
        rx.table.cell(rx.text(row.queued), data_testid="share-queued"),
        rx.table.cell(ltr(row.wait, white_space="nowrap"), data_testid="share-wait"),
        data_testid="share-deployment",
        align="center",
    )


def key_share_row(row: KeyShareRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(rx.text(row.in_flight)),
        rx.table.cell(rx.text(row.queued)),
        rx.table.cell(ltr(row.concurrent, white_space="nowrap"), data_testid="share-concurrent"),
        rx.table.cell(ltr(row.tokens, white_space="nowrap")),
        rx.table.cell(rx.text(row.priority)),
        data_testid="share-key",
        align="center",
    )


def user_share_row(row: KeyShareRow) -> rx.Component:
    """A user of the key above: the key's turns are shared among its users, so each has its own counts."""
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.icon("corner-down-right", size=14, color=rx.color("gray", 9), class_name="mirror-rtl"),
                                rx.text(row.name, size="2", color_scheme="gray"), align="center", spacing="1",
                                padding_inline_start="0.75rem")),
        rx.table.cell(rx.text(row.in_flight, size="2")),
        rx.table.cell(rx.text(row.queued, size="2")),
        rx.table.cell(),
        rx.table.cell(),
        rx.table.cell(),
        data_testid="share-user",
        align="center",
    )


def share_row(row: KeyShareRow) -> rx.Component:
    return rx.cond(row.user, user_share_row(row), key_share_row(row))


def share_panel() -> rx.Component:
    """Slots, requests in flight and waiting per deployment, and each busy or limited key, refreshed live."""
    return section(
        tr("admin.share.title"),
        rx.text(tr("admin.share.subtitle"), size="1", color_scheme="gray", margin_bottom="0.5rem"),
        rx.cond(~ShareState.enabled, rx.callout(tr("admin.share.off"), icon="info", size="1", margin_bottom="0.5rem")),
        rx.cond(
            ShareState.deployments.length() > 0,
            table([tr("admin.share.provider"), tr("admin.share.deployment"), tr("admin.share.slots"),
                   tr("admin.share.in_flight"), tr("admin.share.queued"), tr("admin.share.wait")],
                  rx.foreach(ShareState.deployments, deployment_row)),
            rx.text(tr("admin.share.idle"), size="2", color_scheme="gray"),
        ),
        rx.cond(
            ShareState.keys.length() > 0,
            rx.box(table([tr("admin.share.key"), tr("admin.share.in_flight"), tr("admin.share.queued"),
                          tr("admin.keys.concurrent"), tr("admin.share.tokens"), tr("admin.keys.priority")],
                         rx.foreach(ShareState.keys, share_row)), margin_top="0.75rem"),
        ),
        rx.moment(interval=SHARE_REFRESH_MS, on_change=ShareState.refresh, display="none"),
        data_testid="share-panel",
    )


def system_body() -> rx.Component:
    return rx.vstack(
        error_callout(SystemState.error, on_retry=SystemState.load),
        loading_or(
            SystemState.loading,
            SystemState.error,
            rx.vstack(
                services(),
                share_panel(),
                rx.grid(gpu_panel(), llama_panel(), columns=rx.breakpoints(initial="1", lg="2"), spacing="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            rows=8,
        ),
        rx.text(tr("admin.system.refreshed"), " ", SystemState.refreshed, size="1", color_scheme="gray"),
        # A timer that asks for fresh numbers while this page is open.
        rx.moment(interval=REFRESH_MS, on_change=SystemState.tick, display="none"),
        spacing="3",
        width="100%",
    )


@admin_page("system", "System", SystemState.load, ShareState.refresh)
def system() -> rx.Component:
    return admin_shell("system", system_body())
