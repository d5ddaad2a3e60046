"""Observability: metrics, rolling-window percentiles, Prometheus exposition, health checks.

- :class:`Counter`, :class:`Gauge`, :class:`Histogram` and :class:`RollingSummary`
  (quantiles over the last N observations on :class:`lukhas.primitives.ring.RingBuffer`)
  with labels, collected in a :class:`MetricsRegistry`;
- :func:`render_prometheus` writes the Prometheus text format (``prometheus_client``'s
  parser reads it back), and :class:`PrometheusBridge` plugs a registry into a
  ``prometheus_client`` registry when that package is installed;
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
from lukhas.services.observability._logging import JsonFormatter, log_event
from lukhas.services.observability._metrics import (
    DEFAULT_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    MetricFamily,
    RollingSummary,
)
from lukhas.services.observability._rolling import RollingWindow

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
    "MetricFamily",
    "MetricsRegistry",
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
