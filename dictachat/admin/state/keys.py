"""Keys page: list with filters, create (raw key shown once), edit, revoke, per-key spend and usage."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from dictachat.admin.client import KeyInfo, Spend
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminForm, AdminPage, AdminState, admin_call
from dictachat.admin.state.limits import limits_prefill, number, quota_fields, rate_cost_fields, whole
from dictachat.admin.state.overview import chart_rows, ticks, totals

EMPTY_FORM = {
    "name": "", "tags": "", "ttl": "", "paths": "", "models": "", "log_request": "", "log_response": "",
    "thinking_budget": "", "queue_wait": "", "priority": "1", **limits_prefill({}),
}


@dataclass
class KeyRow:
    key_id: str = ""
    name: str = ""
    tags: list[str] | None = None
    revoked: bool = False
    revoked_reason: str = ""
    limits: list[str] = field(default_factory=list)
    share: str = ""
    spend: str = ""
    requests: int = 0
    created: str = ""
    expires: str = ""
    expired: bool = False


def key_fields(form: dict[str, Any]) -> KeyInfo:
    """The admin API body for a create/edit form; ValueError names the bad field."""
    name = str(form.get("name", "")).strip()
    if not name:
        raise ValueError("name is required")
    fields: KeyInfo = {
        "name": name,
        "tags": fmt.items(str(form.get("tags", ""))),
        "allowedPaths": [{"path": p, "method": "POST"} for p in fmt.items(str(form.get("paths", "")))],
        "allowedModels": fmt.items(str(form.get("models", ""))),
        "shouldLogRequest": bool(form.get("log_request")),
        "shouldLogResponse": bool(form.get("log_response")),
        "reasoningBudgetTokens": -1,
    }
    rate_cost_fields(form, fields)
    if str(form.get("thinking_budget", "")).strip():  # empty = no cap
        fields["reasoningBudgetTokens"] = int(number(str(form["thinking_budget"]).strip(), "thinking budget", integer=True))
    ttl = str(form.get("ttl", "")).strip()
    if ttl:
        fields["ttl"] = ttl
    return {**fields, **share_fields(form)}


def share_fields(form: dict[str, Any]) -> KeyInfo:
    """The key's share of the GPU: requests at once, tokens per window, longest queue wait, priority."""
    fields: KeyInfo = {"maxQueueWaitInSeconds": whole(form, "queue_wait", "longest queue wait"),
                       "priority": whole(form, "priority", "priority") or 1}
    quota_fields(form, fields)
    return fields


def form_from_key(key: KeyInfo) -> dict[str, str]:
    """Prefill the edit form from a key."""
    return {
        **EMPTY_FORM,
        "name": key.get("name", ""),
        "tags": ", ".join(key.get("tags") or []),
        **limits_prefill(key),
        "ttl": key.get("ttl") or "",
        "paths": ", ".join(p.get("path", "") for p in key.get("allowedPaths") or []),
        "models": ", ".join(key.get("allowedModels") or []),
        "log_request": "on" if key.get("shouldLogRequest") else "",
        "log_response": "on" if key.get("shouldLogResponse") else "",
        "queue_wait": str(int(key.get("maxQueueWaitInSeconds") or 0) or ""),
        "priority": str(key.get("priority") or 1),
        "thinking_budget": str(key["reasoningBudgetTokens"]) if key.get("reasoningBudgetTokens", -1) >= 0 else "",
    }


def key_row(key: KeyInfo, usage: Spend, now: float) -> KeyRow:
    return KeyRow(
        key_id=key.get("keyId", ""),
        name=key.get("name", ""),
        tags=list(key.get("tags") or []),
        revoked=bool(key.get("revoked")),
        revoked_reason=key.get("revokedReason", ""),
        limits=fmt.limits(key),
        share=" · ".join(fmt.share(key)),
        spend=fmt.usd(usage.get("costInUsd", 0.0)),
        requests=int(usage.get("requests", 0)),
        created=fmt.stamp(key.get("createdAt"), with_seconds=False),
        expires=fmt.stamp(key["expiresAt"], with_seconds=False) if key.get("expiresAt") else "",
        expired=(key.get("expiresAt") or 0) > 0 and (key.get("expiresAt") or 0) <= now,
    )


class KeysState(AdminForm, AdminPage, AdminState):
    rows: list[KeyRow] = []
    search: str = ""
    tag: str = ""
    status: str = "all"

    form: dict[str, str] = EMPTY_FORM
    new_key: str = ""

    revoke_id: str = ""
    revoke_name: str = ""

    usage_open: bool = False
    usage_name: str = ""
    usage_summary: dict[str, str] = totals({})
    usage_series: list[dict[str, Any]] = []
    usage_ticks: list[str] = []
    usage_spend: str = ""

    _keys: dict[str, KeyInfo] = {}

    @rx.var
    def all_tags(self) -> list[str]:
        return sorted({tag for row in self.rows for tag in row.tags or []})

    @rx.event
    @admin_call(loading=False)
    async def load(self):
        self.loading, self.error = True, ""
        yield
        revoked = {"active": False, "revoked": True}.get(self.status)
        api = self._api()
        keys, usage = await asyncio.gather(
            api.list_keys(name=self.search.strip(), tag=self.tag, revoked=revoked),
            api.top_keys(limit=1000),
        )
        by_key = {u.get("keyId", ""): u for u in usage}
        self._keys = {k.get("keyId", ""): k for k in keys}
        now = time.time()
        self.rows = [key_row(k, by_key.get(k.get("keyId", ""), {}), now)
                     for k in sorted(keys, key=lambda k: -(k.get("createdAt") or 0))]
        self.loading = False

    @rx.event
    def set_search(self, value: str):
        self.search = value
        return KeysState.load

    @rx.event
    def set_tag(self, value: str):
        self.tag = "" if value == "__all__" else value
        return KeysState.load

    @rx.event
    def set_status(self, value: str):
        self.status = value
        return KeysState.load

    @rx.event
    def open_create(self) -> None:
        self.form, self.editing_id, self.form_error, self.form_open = dict(EMPTY_FORM), "", "", True

    @rx.event
    def open_edit(self, key_id: str) -> None:
        key = self._keys.get(key_id)
        if key is not None:
            self.form, self.editing_id, self.form_error, self.form_open = form_from_key(key), key_id, "", True

    @rx.event
    @admin_call(in_dialog=True)
    async def save(self, form: dict[str, Any]):
        """Create or update a key from the dialog's form; a new key's raw value is shown once."""
        try:
            fields = key_fields(form)
        except ValueError as exc:
            self.form_error = await self._t("admin.err.form", msg=str(exc))
            return
        self.saving, self.form_error = True, ""
        yield
        api = self._api()
        if self.editing_id:
            # Sending a ttl restarts it, so send it only when it changed ("" removes the expiry).
            fields.pop("ttl", None)
            ttl = str(form.get("ttl", "")).strip()
            if ttl != self._keys[self.editing_id].get("ttl", ""):
                fields["ttl"] = ttl
            await api.update_key(self.editing_id, fields)
        else:
            created = await api.create_key(fields)
            self.new_key = created.get("key", "")
        self.saving, self.form_open = False, False
        yield rx.toast.success(await self._t("admin.keys.saved"))
        yield KeysState.load

    @rx.event
    def close_new_key(self) -> None:
        self.new_key = ""

    @rx.event
    def ask_revoke(self, key_id: str) -> None:
        key = self._keys.get(key_id, {})
        self.revoke_id, self.revoke_name = key_id, key.get("name", key_id)

    @rx.event
    def cancel_revoke(self, _open: bool = False) -> None:
        self.revoke_id = ""

    @rx.event
    @admin_call(revoke_id="")
    async def revoke(self, form: dict[str, Any]):
        await self._api().revoke_key(self.revoke_id, str(form.get("reason", "")).strip())
        self.revoke_id = ""
        yield rx.toast.success(await self._t("admin.keys.revoked_toast"))
        yield KeysState.load

    @rx.event
    @admin_call(usage_open=False)
    async def open_usage(self, key_id: str):
        """Per-key spend (all time) and the last 7 days of usage."""
        self.usage_open, self.usage_series, self.usage_ticks, self.usage_spend = True, [], [], ""
        self.usage_name = self._keys.get(key_id, {}).get("name", key_id)
        self.usage_summary = totals({})
        yield
        start, end, step = fmt.span("7d")
        api = self._api()
        report, spend = await asyncio.gather(api.report(start, end, step, key_ids=[key_id]), api.key_usage(key_id))
        self.usage_series = chart_rows(report.get("dataPoints") or [], step)
        self.usage_ticks = ticks(self.usage_series)
        self.usage_summary = totals(report)
        self.usage_spend = fmt.usd(spend.get("costInUsd", 0.0))

    @rx.event
    def set_usage_open(self, value: bool) -> None:
        self.usage_open = value
