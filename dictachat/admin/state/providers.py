"""Providers page: custom providers (upstream URLs), provider settings (credentials, prices), routes; connection tests."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import reflex as rx

from dictachat.admin.client import AdminError, Kind
from dictachat.admin.state.base import AdminForm, AdminPage, AdminState, NotSignedIn, admin_call
from dictachat.admin.state.format import items

JSON = dict[str, Any]
EMPTY_FORM = {"kind": "", "provider": "", "name": "", "url": "", "apikey": "", "models": "", "prices": "",
              "urls": "", "path": "", "steps": "", "retries": "0", "cache": "", "ttl": ""}


@dataclass
class SettingRow:
    id: str = ""
    provider: str = ""
    name: str = ""
    url: str = ""
    apikey: str = ""
    models: str = ""
    prices: str = ""


@dataclass
class ProviderRow:
    id: str = ""
    provider: str = ""
    urls: list[str] | None = None


@dataclass
class RouteRow:
    id: str = ""
    name: str = ""
    path: str = ""
    steps: str = ""
    retries: int = 0
    cache: str = ""


def cost_map_from_text(text: str) -> JSON:
    """Lines of `model prompt completion` (USD per 1k tokens; `*` for every other model) to a costMap."""
    prompt: dict[str, float] = {}
    completion: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.replace(",", " ").replace("=", " ").split()
        if not parts:
            continue
        if len(parts) != 3:
            raise ValueError(f"'{line.strip()}': write 'model prompt_price completion_price'")
        try:
            prompt[parts[0]], completion[parts[0]] = float(parts[1]), float(parts[2])
        except ValueError:
            raise ValueError(f"'{line.strip()}': prices must be numbers") from None
        if prompt[parts[0]] < 0 or completion[parts[0]] < 0:
            raise ValueError(f"'{line.strip()}': prices cannot be negative")
    return {"promptCostPerModel": prompt, "completionCostPerModel": completion}


def cost_map_to_text(cost_map: JSON) -> str:
    prompt = cost_map.get("promptCostPerModel") or {}
    completion = cost_map.get("completionCostPerModel") or {}
    models = list(dict.fromkeys([*prompt, *completion]))
    return "\n".join(f"{m} {prompt.get(m, 0)} {completion.get(m, 0)}" for m in models)


def steps_from_text(text: str) -> list[JSON]:
    """Lines of `provider model` (or `provider/model`) to route steps, in order."""
    steps = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 1 and "/" in parts[0]:
            parts = parts[0].split("/", 1)
        if not parts:
            continue
        if len(parts) != 2:
            raise ValueError(f"'{line.strip()}': write 'provider model'")
        steps.append({"provider": parts[0], "model": parts[1]})
    if not steps:
        raise ValueError("a route needs at least one step")
    return steps


def setting_row(row: JSON) -> SettingRow:
    cost_map = row.get("costMap") or {}
    return SettingRow(
        id=row.get("id", ""),
        provider=row.get("provider", ""),
        name=row.get("name", ""),
        url=str((row.get("setting") or {}).get("url", "")),
        apikey=str((row.get("setting") or {}).get("apikey", "")),
        models=", ".join(row.get("allowedModels") or []),
        prices=cost_map_to_text(cost_map).replace("\n", " · "),
    )


def route_row(row: JSON) -> RouteRow:
    cache = row.get("cacheConfig") or {}
    return RouteRow(
        id=row.get("id", ""),
        name=row.get("name", ""),
        path=row.get("path", "").strip("/"),
        steps=" → ".join(f"{s.get('provider')}/{s.get('model')}" for s in row.get("steps") or []),
        retries=int(row.get("retries", 0)),
        cache=(f"{cache.get('ttl') or 'default'} s" if cache.get("enabled") else ""),
    )


def result_text(result: Mapping[str, Any]) -> str:
    return f"{result.get('message', '')} · {result.get('latencyMs', 0):.0f} ms"


class ProvidersState(AdminForm, AdminPage, AdminState):
    settings: list[SettingRow] = []
    providers: list[ProviderRow] = []
    routes: list[RouteRow] = []
    tab: str = "providers"

    form: dict[str, str] = EMPTY_FORM

    test_ok: dict[str, bool] = {}
    test_text: dict[str, str] = {}
    testing: str = ""

    _raw: dict[str, JSON] = {}

    @rx.event
    @admin_call(loading=False)
    async def load(self):
        self.loading, self.error = True, ""
        yield
        api = self._api()
        settings, providers, routes = await asyncio.gather(
            api.list_items("setting"), api.list_items("provider"), api.list_items("route")
        )
        self._raw = {row["id"]: row for row in [*settings, *providers, *routes]}
        self.settings = [setting_row(s) for s in settings]
        self.providers = [ProviderRow(id=p["id"], provider=p.get("provider", ""), urls=list(p.get("urls") or []))
                          for p in providers]
        self.routes = [route_row(r) for r in routes]
        self.loading = False

    @rx.event
    def set_tab(self, value: str) -> None:
        self.tab = value

    @rx.event
    def open_form(self, kind: str, row_id: str = "") -> None:
        """Open the create (no id) or edit dialog for a custom provider, setting or route."""
        row = self._raw.get(row_id, {})
        form = {**EMPTY_FORM, "kind": kind}
        if kind == "provider" and row:
            form.update(provider=row.get("provider", ""), urls="\n".join(row.get("urls") or []))
        elif kind == "setting" and row:
            setting = row.get("setting") or {}
            form.update(provider=row.get("provider", ""), name=row.get("name", ""), url=str(setting.get("url", "")),
                        apikey=str(setting.get("apikey", "")), models=", ".join(row.get("allowedModels") or []),
                        prices=cost_map_to_text(row.get("costMap") or {}))
        elif kind == "route" and row:
            cache = row.get("cacheConfig") or {}
            form.update(name=row.get("name", ""), path=row.get("path", "").strip("/"), retries=str(row.get("retries", 0)),
                        steps="\n".join(f"{s['provider']} {s['model']}" for s in row.get("steps") or []),
                        cache="on" if cache.get("enabled") else "", ttl=str(cache.get("ttl") or ""))
        self.form, self.editing_id, self.form_error, self.form_open = form, row_id, "", True

    async def _save(self, form: JSON) -> None:
        api = self._api()
        kind = cast(Kind, self.form["kind"])
        if kind == "provider":
            body: JSON = {"provider": form.get("provider", "").strip(), "urls": items(form.get("urls", ""))}
        elif kind == "setting":
            body = {
                "provider": form.get("provider", "").strip(),
                "name": form.get("name", "").strip(),
                "setting": {"url": form.get("url", "").strip(), "apikey": form.get("apikey", "")},
                "allowedModels": items(form.get("models", "")),
                "costMap": cost_map_from_text(form.get("prices", "")),
            }
        else:
            body = {
                "name": form.get("name", "").strip(),
                "path": form.get("path", "").strip().strip("/"),
                "steps": steps_from_text(form.get("steps", "")),
                "retries": int(form.get("retries") or 0),
                "cacheConfig": {"enabled": bool(form.get("cache")), "ttl": int(form.get("ttl") or 0)},
            }
            await self._replace_route(body)
            return
        if self.editing_id:
            await api.update_item(kind, self.editing_id, body)
        else:
            await api.create_item(kind, body)

    async def _replace_route(self, body: JSON) -> None:
        """Create a route; editing replaces it (the admin API has no PATCH for routes) and restores it on failure."""
        api = self._api()
        if not self.editing_id:
            await api.create_item("route", body)
            return
        old = self._raw[self.editing_id]
        await api.delete_item("route", self.editing_id)
        try:
            await api.create_item("route", body)
        except AdminError:
            await api.create_item("route", {k: old[k] for k in ("name", "path", "steps", "keyIds", "cacheConfig", "retries") if k in old})
            raise

    @rx.event
    @admin_call(in_dialog=True)
    async def save(self, form: JSON):
        self.saving, self.form_error = True, ""
        yield
        try:
            await self._save(form)
        except ValueError as exc:
            self.saving, self.form_error = False, await self._t("admin.err.form", msg=str(exc))
            return
        self.saving, self.form_open = False, False
        yield rx.toast.success(await self._t("admin.saved"))
        yield ProvidersState.load

    @rx.event
    @admin_call()
    async def delete_route(self, route_id: str):
        await self._api().delete_item("route", route_id)
        yield rx.toast.success(await self._t("admin.routes.deleted"))
        yield ProvidersState.load

    @rx.event
    async def test(self, target: str, url: str = "", setting_id: str = ""):
        """Test one upstream URL (custom provider deployment) or a provider setting; `target` names the result."""
        self.testing = target
        yield
        try:
            result = await self._api().test_connection(url=url, setting_id=setting_id)
        except (NotSignedIn, AdminError) as exc:
            self.testing = ""
            if isinstance(exc, AdminError) and exc.status != 401:
                self._record(target, False, exc.message)
                return
            yield await self._fail(exc)
            return
        self._record(target, bool(result.get("ok")), result_text(result))
        self.testing = ""

    def _record(self, target: str, ok: bool, text: str) -> None:
        self.test_ok = {**self.test_ok, target: ok}
        self.test_text = {**self.test_text, target: text}
