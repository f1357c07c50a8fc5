"""Prometheus metrics for a worker, and the ``/metrics`` and ``/healthz`` endpoint.

The only module of wrapupkit that imports ``prometheus_client``.  Each :class:`FleetMetrics`
has its own ``CollectorRegistry`` (never the process-global one), so several workers, or a
worker inside an application with its own metrics, do not collide.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


__all__ = ["FleetMetrics", "MetricsServer"]

# Event to write on loopback takes tens of milliseconds; over the Internet, a few hundred.
_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class FleetMetrics:
    """A worker's Prometheus metrics (pass it to ``Worker(observers=(metrics,))``).

    Exported (all prefixed ``wrapupkit_``): ``intent_transitions_total{state}`` (intents
    that reached each final state), ``intents{state}`` (how many intents the store holds in each state, set by
    :meth:`set_intents`), ``event_to_write_seconds`` (histogram), ``requests_total`` and
    ``rate_limited_total`` (HTTP 429), ``events_total{kind}``, ``events_ignored_total{reason}``,
    ``claim_conflicts_total``.

    Args:
        registry: a ``prometheus_client.CollectorRegistry`` to register in; default a new one.

    .. versionadded:: 0.1.0
    """

    def __init__(self, registry: Any = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        reg = self.registry
        self._transitions = Counter(
            "wrapupkit_intent_transitions", "Intents that reached a final state", ["state"], registry=reg
        )
        self._intents = Gauge("wrapupkit_intents", "Intents in the store by state", ["state"], registry=reg)
        self._latency = Histogram(
            "wrapupkit_event_to_write_seconds",
            "Seconds from the event's time to the wrap-up write",
            buckets=_LATENCY_BUCKETS,
            registry=reg,
        )
        self._requests = Counter("wrapupkit_requests", "HTTP requests answered by Genesys", registry=reg)
        self._throttled = Counter("wrapupkit_rate_limited", "HTTP 429 answers", registry=reg)
        self._events = Counter("wrapupkit_events", "Events received", ["kind"], registry=reg)
        self._ignored = Counter(
            "wrapupkit_events_ignored", "Events that concerned no pending intent", ["reason"], registry=reg
        )
        self._conflicts = Counter(
            "wrapupkit_claim_conflicts", "Claims refused because another holder had the intent", registry=reg
        )

    # Observer --------------------------------------------------------------------------------------

    def event(self, kind: str) -> None:
        self._events.labels(kind=kind).inc()

    def ignored(self, reason: str) -> None:
        self._ignored.labels(reason=reason).inc()

    def claim_conflict(self) -> None:
        self._conflicts.inc()

    def transition(self, state: str) -> None:
        self._transitions.labels(state=state).inc()

    def latency(self, seconds: float) -> None:
        self._latency.observe(seconds)

    def response(self, status: int) -> None:
        self._requests.inc()
        if status == 429:
            self._throttled.inc()

    def set_intents(self, counts: dict[str, int]) -> None:
        """Set the ``wrapupkit_intents{state}`` gauge from a count per state."""
        for state, count in counts.items():
            self._intents.labels(state=state).set(count)

    def render(self) -> bytes:
        """The text exposition format of every metric."""
        return bytes(generate_latest(self.registry))


class MetricsServer:
    """``GET /metrics`` and ``GET /healthz`` on ``127.0.0.1:port``, served from a daemon thread.

    Args:
        metrics: what ``/metrics`` shows.
        healthy: ``/healthz`` answers 200 ``ok`` while it returns true, else 503.
        port: the TCP port; 0 picks a free one (read ``port`` after :meth:`start`).
        host: the interface (keep the loopback default unless a scraper elsewhere needs it).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, metrics: FleetMetrics, healthy: Callable[[], bool], *, port: int = 0, host: str = "127.0.0.1"
    ) -> None:
        self.metrics = metrics
        self.healthy = healthy
        self.host = host
        self.port = port
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MetricsServer:
        """Bind and serve."""
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, owner.metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    ok = owner.healthy()
                    self._send(200 if ok else 503, b"ok\n" if ok else b"unhealthy\n", "text/plain")
                else:
                    self._send(404, b"not found\n", "text/plain")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wrapupkit-metrics", daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
