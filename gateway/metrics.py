"""Prometheus metrics of the gateway; summed over its processes when the supervisor set
PROMETHEUS_MULTIPROC_DIR (each process writes its own file there)."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

REGISTRY = CollectorRegistry()

REQUESTS = Counter("gateway_requests_total", "Proxied requests", ["key_id", "model", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "gateway_request_latency_seconds",
    "Time from request to last byte",
    ["model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
TOKENS = Counter("gateway_tokens_total", "Tokens reported by upstreams", ["key_id", "model", "kind"], registry=REGISTRY)
COST = Counter("gateway_cost_usd_total", "Spend in USD", ["key_id", "model"], registry=REGISTRY)
CACHE_HITS = Counter("gateway_cache_hits_total", "Responses served from the cache", ["key_id"], registry=REGISTRY)
UPSTREAM_ERRORS = Counter("gateway_upstream_errors_total", "Failed upstream attempts", ["upstream"], registry=REGISTRY)
EVENTS_PENDING = Counter("gateway_events_spooled_total", "Events spooled to disk while the database was away", registry=REGISTRY)


def metrics_response() -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
