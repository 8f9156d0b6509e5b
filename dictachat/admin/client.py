"""A typed client for the gateway admin API, used only by the Reflex backend.

The admin password travels from this process to the gateway in `X-API-KEY`; it never reaches the browser.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict, cast

import httpx

from common.settings import get_settings
from dictachat.ui.http import client as shared_client

JSON = dict[str, Any]
Kind = Literal["setting", "provider", "route"]
# The providers page's collections: where each lives and how one is created (PUT for settings, as in BricksLLM).
COLLECTIONS: dict[Kind, tuple[str, str]] = {
    "setting": ("/api/provider-settings", "PUT"),
    "provider": ("/api/custom/providers", "POST"),
    "route": ("/api/routes", "POST"),
}


class Limits(TypedDict, total=False):
    """The limits a key and a user both have (a user's on top of the vouching key's)."""

    rateLimitOverTime: int
    rateLimitUnit: str
    costLimitInUsd: float
    costLimitInUsdOverTime: float
    costLimitInUsdUnit: str
    maxConcurrentRequests: int
    tokenLimitOverTime: int
    tokenLimitUnit: str


class KeyInfo(Limits, total=False):
    keyId: str
    name: str
    key: str
    tags: list[str]
    createdAt: int
    updatedAt: int
    revoked: bool
    revokedReason: str
    ttl: str
    expiresAt: int | None
    settingIds: list[str]
    allowedPaths: list[JSON]
    allowedModels: list[str]
    shouldLogRequest: bool
    shouldLogResponse: bool
    maxQueueWaitInSeconds: float
    priority: int
    reasoningBudgetTokens: int


class UserInfo(Limits, total=False):
    """A chat account; `password` only in the answer that generated it."""

    id: str
    name: str
    email: str
    role: str
    disabled: bool
    createdAt: float
    updatedAt: float
    lastSeenAt: float | None
    password: str | None
    requests: int
    promptTokenCount: int
    completionTokenCount: int
    costInUsd: float


class SignUpPolicy(TypedDict):
    """Whether the chat's sign-in page offers self sign-up, and the e-mail domain it is limited to."""

    enabled: bool
    domain: str


class EventInfo(TypedDict, total=False):
    id: str
    created_at: float
    key_id: str
    user_id: str
    provider: str
    model: str
    path: str
    status: int
    stream: bool
    prompt_token_count: int
    completion_token_count: int
    cost_in_usd: float
    latency_in_ms: float
    time_to_first_token_ms: float | None
    cache_hit: bool
    upstream: str
    error: str
    request: str | None
    response: str | None


class EventsPage(TypedDict):
    events: list[EventInfo]
    total: int | None  # None when the query asked for no count (includeTotal: false)
    nextCursor: str | None  # None on the last page


class DataPoint(TypedDict, total=False):
    timeStamp: int
    numberOfRequests: int
    promptTokenCount: int
    completionTokenCount: int
    costInUsd: float
    latencyInMs: float
    latencyInMsMedian: float
    latencyInMs95th: float
    latencyInMs99th: float
    errorCount: int
    cancelledCount: int
    cacheHitCount: int


class Report(TypedDict, total=False):
    dataPoints: list[DataPoint]
    latencyInMsMedian: float
    latencyInMs95th: float
    latencyInMs99th: float


class Spend(TypedDict, total=False):
    """Spend, requests and tokens of one key (keyId, name), one user (userId, name, lastSeen) or one model (model)."""

    keyId: str
    userId: str
    lastSeen: float | None
    name: str
    model: str
    costInUsd: float
    requests: int
    promptTokenCount: int
    completionTokenCount: int


class ConnectionResult(TypedDict, total=False):
    ok: bool
    url: str
    status: int
    latencyMs: float
    message: str


class AdminError(Exception):
    """The admin API refused a call or could not be reached; `message` is fit to show a person,
    `code` is the API's error code (what the chat's sign-up form words itself)."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _error_code(resp: httpx.Response) -> str:
    try:
        err = resp.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return str(err.get("code") or "") if isinstance(err, dict) else ""


def _error_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300] or resp.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if body.get("detail"):
            return str(body["detail"])
    return resp.reason_phrase


def _items(body: Any, name: str = "") -> list[JSON]:
    """A list answer: the body itself, or its `name` field."""
    if isinstance(body, dict):
        body = body.get(name)
    return body if isinstance(body, list) else []


class AdminClient:
    """Calls the admin API at `base_url` with `password`, on the process-wide httpx client."""

    def __init__(self, base_url: str, password: str, http: httpx.AsyncClient | None = None, timeout_s: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self._password = password
        self._http = http
        self._timeout = timeout_s

    async def _call(self, method: str, path: str, *, params: JSON | None = None, body: Any = None) -> Any:
        http = self._http or shared_client()
        query = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        try:
            resp = await http.request(
                method, self.base_url + path, params=query, json=body,
                headers={"X-API-KEY": self._password}, timeout=self._timeout,
            )
        except httpx.TimeoutException:
            raise AdminError(504, f"The gateway admin API at {self.base_url} did not answer in time.") from None
        except httpx.HTTPError:
            raise AdminError(503, f"The gateway admin API at {self.base_url} is not reachable.") from None
        if resp.status_code == 401:
            raise AdminError(401, "The admin password was not accepted by the gateway.")
        if resp.status_code >= 400:
            raise AdminError(resp.status_code, _error_message(resp), _error_code(resp))
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise AdminError(502, "The gateway admin API sent a reply that is not JSON.") from None

    async def verify(self) -> bool:
        """True if the gateway accepts this password, False if it refuses it; AdminError if unreachable."""
        try:
            await self._call("GET", "/api/key-management/keys", params={"limit": 1})
        except AdminError as exc:
            if exc.status == 401:
                return False
            raise
        return True

    # Keys
    async def list_keys(
        self, *, name: str = "", tag: str = "", revoked: bool | None = None,
        key_ids: list[str] | None = None,
    ) -> list[KeyInfo]:
        params: JSON = {"name": name, "tag": tag}
        if revoked is not None:
            params["revoked"] = "true" if revoked else "false"
        if key_ids:
            params["keyIds"] = ",".join(key_ids)
        return _items(await self._call("GET", "/api/key-management/keys", params=params))  # type: ignore[return-value]

    async def create_key(self, fields: KeyInfo) -> KeyInfo:
        return await self._call("PUT", "/api/key-management/keys", body=fields)

    async def update_key(self, key_id: str, fields: KeyInfo) -> KeyInfo:
        return await self._call("PATCH", f"/api/key-management/keys/{key_id}", body=fields)

    async def revoke_key(self, key_id: str, reason: str) -> KeyInfo:
        return await self.update_key(key_id, {"revoked": True, "revokedReason": reason})

    async def key_usage(self, key_id: str) -> Spend:
        """All-time spend, requests and tokens of one key."""
        return cast(Spend, await self._call("GET", f"/api/reporting/keys/{key_id}") or {})

    # Users (chat accounts)
    async def list_users(self, *, name: str = "") -> list[UserInfo]:
        return _items(await self._call("GET", "/api/users", params={"name": name}))  # type: ignore[return-value]

    async def create_user(self, fields: JSON) -> UserInfo:
        return await self._call("PUT", "/api/users", body=fields)

    async def update_user(self, user_id: str, fields: JSON) -> UserInfo:
        return await self._call("PATCH", f"/api/users/{user_id}", body=fields)

    async def delete_user(self, user_id: str) -> None:
        await self._call("DELETE", f"/api/users/{user_id}")

    async def sign_up_policy(self) -> SignUpPolicy:
        body = await self._call("GET", "/api/users/sign-up") or {}
        return {"enabled": bool(body.get("enabled")), "domain": str(body.get("domain") or "")}

    async def sign_up(self, name: str, email: str, password: str) -> UserInfo:
        """A person's own account (role user); AdminError with the refusal's `code` when refused."""
        return await self._call("POST", "/api/users/sign-up", body={"name": name, "email": email, "password": password})

    # Provider settings, custom providers, routes: one collection each (COLLECTIONS)
    async def list_items(self, kind: Kind) -> list[JSON]:
        return _items(await self._call("GET", COLLECTIONS[kind][0]))

    async def create_item(self, kind: Kind, fields: JSON) -> JSON:
        path, method = COLLECTIONS[kind]
        return await self._call(method, path, body=fields)

    async def update_item(self, kind: Kind, item_id: str, fields: JSON) -> JSON:
        """Change the fields sent (routes have no PATCH: the providers page replaces them)."""
        return await self._call("PATCH", f"{COLLECTIONS[kind][0]}/{item_id}", body=fields)

    async def delete_item(self, kind: Kind, item_id: str) -> None:
        await self._call("DELETE", f"{COLLECTIONS[kind][0]}/{item_id}")

    # Events and reporting
    async def events(self, query: JSON) -> EventsPage:
        """One page of events matching `query` (POST /api/v2/events filters), the number of all matches
        and the cursor of the next page."""
        body = await self._call("POST", "/api/v2/events", body=query) or {}
        total = body.get("total")
        return {"events": body.get("events", []), "total": None if total is None else int(total),
                "nextCursor": body.get("nextCursor") or None}

    async def report(self, start: int, end: int, increment: int, key_ids: list[str] | None = None,
                     user_ids: list[str] | None = None) -> Report:
        body = {"start": start, "end": end, "increment": increment, "keyIds": key_ids or [], "tags": []}
        if user_ids:
            body["userIds"] = user_ids
        return cast(Report, await self._call("POST", "/api/reporting/events", body=body) or {})

    async def top_keys(self, start: int | None = None, end: int | None = None, limit: int = 5) -> list[Spend]:
        """Keys by spend over [start, end), all time when both are None."""
        body = await self._call("POST", "/api/reporting/top-keys", body={"start": start, "end": end, "limit": limit})
        return _items(body, "dataPoints")  # type: ignore[return-value]

    async def top_users(self, start: int | None = None, end: int | None = None, limit: int = 5) -> list[Spend]:
        """Users (named by keys that vouch for them) by spend over [start, end), all time when both are None."""
        body = await self._call("POST", "/api/reporting/top-users", body={"start": start, "end": end, "limit": limit})
        return _items(body, "dataPoints")  # type: ignore[return-value]

    async def top_models(self, start: int | None = None, end: int | None = None, limit: int = 5) -> list[Spend]:
        body = await self._call("GET", "/api/reporting/top-models", params={"start": start, "end": end, "limit": limit})
        return _items(body, "dataPoints")  # type: ignore[return-value]

    # System
    async def system(self) -> JSON:
        return await self._call("GET", "/api/system") or {}

    async def scheduler(self) -> JSON:
        """The live fair share: slots, in flight and queues per provider and per key."""
        return await self._call("GET", "/api/system/scheduler") or {}

    async def test_connection(self, url: str = "", apikey: str = "", setting_id: str = "") -> ConnectionResult:
        """Time a call to an upstream URL, or to a stored provider setting's URL with its own key."""
        body = {"url": url, "apikey": apikey, "settingId": setting_id}
        return await self._call("POST", "/api/system/test-connection", body=body)


def admin_client(password: str | None = None) -> AdminClient:
    """A client for the configured gateway; `password` defaults to this process's ADMIN_PASS."""
    settings = get_settings()
    return AdminClient(settings.chat.gateway_admin_url, settings.gateway.admin_pass if password is None else password)
