"""Observability: metrics on ``prometheus_client``, rolling-window percentiles, health checks.

- :class:`Counter`, :class:`Gauge` and :class:`Histogram` are ``prometheus_client``
  metrics underneath (its registry, text and OpenMetrics exposition,
  ``start_http_server``/WSGI/ASGI apps and multiprocess mode all apply);
  :class:`RollingSummary` (quantiles over the last N observations in the shared
  :class:`lukhas.primitives.window.RollingWindow`) is a custom collector; all are
  collected in a :class:`MetricsRegistry` over a ``CollectorRegistry``;
- :class:`LazyMetric` creates a metric in the process-wide registry on first use
  (the path the consciousness ticker's metrics take too);
- :meth:`MetricsRegistry.render` / :func:`render_prometheus` write the exposition,
  :meth:`MetricsRegistry.serve` serves it, :class:`PrometheusBridge` plugs a
  registry into another ``prometheus_client`` registry;
- :class:`HealthRegistry` runs sync/async health probes into a :class:`HealthReport`;
- :func:`log_event` and :class:`JsonFormatter` for structured logs (no handlers
  are installed by the library).

The package is star-importable: ``from lukhas.services.observability import *``.

Examples
--------
>>> from lukhas.services.observability import MetricsRegistry
>>> registry = MetricsRegistry()
>>> latency = registry.rolling_summary("latency_ms", "Request latency.", window=100)
>>> for ms in range(1, 101):
...     latency.observe(float(ms))
>>> latency.labels().quantiles([0.5, 0.99])
[50.5, 99.01]
"""

from __future__ import annotations

from lukhas.primitives.window import RollingWindow
from lukhas.services.observability._exposition import (
    CONTENT_TYPE,
    MetricsRegistry,
    PrometheusBridge,
    render_prometheus,
)
from lukhas.services.observability._health import (
    CheckResult,
    HealthRegistry,
    HealthReport,
    HealthStatus,
    disk_check,
    memory_check,
)
from lukhas.services.observability._lazy import LazyMetric, NoopMetric
from lukhas.services.observability._logging import JsonFormatter, log_event
from lukhas.services.observability._metrics import (
    DEFAULT_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    MetricFamily,
    RollingSummary,
)

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "CheckResult",
    "Counter",
    "Gauge",
    "HealthRegistry",
    "HealthReport",
    "HealthStatus",
    "Histogram",
    "JsonFormatter",
    "LazyMetric",
    "MetricFamily",
    "MetricsRegistry",
    "NoopMetric",
    "PrometheusBridge",
    "RollingSummary",
    "RollingWindow",
    "disk_check",
    "log_event",
    "memory_check",
    "render_prometheus",
]


def __dir__() -> list[str]:
    return list(__all__)
