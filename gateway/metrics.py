"""Prometheus metrics of the gateway; summed over its processes when the supervisor set
PROMETHEUS_MULTIPROC_DIR (each process writes its own file there)."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from gateway.event import ProxyEvent

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

# Fair share of the model's slots (gateway/scheduler.py); in-process values, one series per gateway process.
SLOTS = Gauge("gateway_deployment_slots", "Slots of a deployment (maxParallel or /props total_slots)",
              ["provider", "deployment"], registry=REGISTRY)
SLOTS_IN_FLIGHT = Gauge("gateway_deployment_in_flight", "Requests in flight on a deployment", ["provider", "deployment"],
                        registry=REGISTRY)
QUEUE_DEPTH = Gauge("gateway_queue_depth", "Requests waiting for a slot", ["provider"], registry=REGISTRY)
QUEUE_WAIT = Histogram("gateway_queue_wait_seconds", "Time a request waited for a slot", ["provider"],
                       buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120), registry=REGISTRY)
KEY_IN_FLIGHT = Gauge("gateway_key_in_flight", "Requests of a key holding a slot", ["key_id"], registry=REGISTRY)
KEY_QUEUED = Gauge("gateway_key_queued", "Requests of a key waiting for a slot", ["key_id"], registry=REGISTRY)
KEY_WINDOW_TOKENS = Gauge("gateway_key_window_tokens", "Tokens counted in a key's current token-limit window",
                          ["key_id"], registry=REGISTRY)


def metrics_response() -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def observe(event: ProxyEvent) -> None:
    """Count one proxied request from its event (upstream errors are counted per attempt, where they happen)."""
    REQUESTS.labels(event.key_id, event.model, str(event.status)).inc()
    LATENCY.labels(event.model).observe(event.latency_in_ms / 1000.0)
    if event.prompt_token_count or event.completion_token_count:
        TOKENS.labels(event.key_id, event.model, "prompt").inc(event.prompt_token_count)
        TOKENS.labels(event.key_id, event.model, "completion").inc(event.completion_token_count)
    if event.cache_hit:
        CACHE_HITS.labels(event.key_id).inc()
    if event.cost_in_usd > 0 and event.key_id:
        COST.labels(event.key_id, event.model).inc(event.cost_in_usd)
