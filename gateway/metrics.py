"""Prometheus metrics of this gateway process."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
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
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
