"""A metrics registry and its Prometheus text exposition (format 0.0.4).

:func:`render_prometheus` writes the text that Prometheus scrapes; the
``prometheus_client`` parser reads it back (the tests check this).  When
``prometheus_client`` is installed, :class:`PrometheusBridge` also exposes a
registry through a ``prometheus_client.CollectorRegistry``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from lukhas.services.observability._metrics import (
    DEFAULT_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    MetricFamily,
    RollingSummary,
)

__all__ = ["CONTENT_TYPE", "MetricsRegistry", "PrometheusBridge", "render_prometheus"]

#: HTTP ``Content-Type`` of the text exposition.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

M = TypeVar("M", bound=MetricFamily[Any])


class MetricsRegistry:
    """Named metric families; each name may be registered once.

    Examples
    --------
    >>> registry = MetricsRegistry()
    >>> hits = registry.counter("cache_hits", "Cache hits.")
    >>> hits.inc()
    >>> print(registry.render(), end="")
    # HELP cache_hits_total Cache hits.
    # TYPE cache_hits_total counter
    cache_hits_total 1.0
    """

    def __init__(self) -> None:
        self._families: dict[str, MetricFamily[Any]] = {}
        self._lock = threading.Lock()

    def register(self, family: M) -> M:
        """Add ``family``; return it.

        Raises
        ------
        ValueError
            If a family of that name is already registered.
        """
        with self._lock:
            if family.name in self._families:
                raise ValueError(f"a metric named {family.name!r} is already registered.")
            self._families[family.name] = family
        return family

    def unregister(self, name: str) -> None:
        """Remove the family called ``name`` (no error if absent)."""
        with self._lock:
            self._families.pop(name, None)

    def get(self, name: str) -> MetricFamily[Any] | None:
        """Return the family called ``name``, or None."""
        return self._families.get(name.removesuffix("_total"))

    def __iter__(self) -> Iterator[MetricFamily[Any]]:
        with self._lock:
            return iter(list(self._families.values()))

    def counter(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
        """Create and register a :class:`Counter`."""
        return self.register(Counter(name, documentation, labelnames))

    def gauge(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
        """Create and register a :class:`Gauge`."""
        return self.register(Gauge(name, documentation, labelnames))

    def histogram(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                  buckets: Sequence[float] = DEFAULT_BUCKETS) -> Histogram:
        """Create and register a :class:`Histogram`."""
        return self.register(Histogram(name, documentation, labelnames, buckets))

    def rolling_summary(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                        window: int = 1024,
                        quantiles: Sequence[float] = (0.5, 0.9, 0.99)) -> RollingSummary:
        """Create and register a :class:`RollingSummary`."""
        return self.register(RollingSummary(name, documentation, labelnames, window, quantiles))

    def render(self) -> str:
        """Return the Prometheus text exposition of every family."""
        return render_prometheus(self)


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items()) + "}"


def _samples(family: MetricFamily[Any]) -> Iterator[tuple[str, dict[str, str], float]]:
    """Yield ``(sample name, labels, value)`` for every sample of one family."""
    name = family.name
    for labels, child in family.children():
        if isinstance(family, Counter):
            yield f"{name}_total", labels, child.value
        elif isinstance(family, Gauge):
            yield name, labels, child.value
        elif isinstance(family, Histogram):
            cumulative = child.cumulative()
            bounds = [*family.buckets, math.inf]
            for bound, count in zip(bounds, cumulative, strict=True):
                yield f"{name}_bucket", {**labels, "le": _number(bound)}, count
            yield f"{name}_count", labels, cumulative[-1]
            yield f"{name}_sum", labels, child.sum
        elif isinstance(family, RollingSummary):
            values = child.quantiles(family.quantiles)
            for q, v in zip(family.quantiles, values, strict=True):
                yield name, {**labels, "quantile": _number(q)}, v
            yield f"{name}_count", labels, child.count
            yield f"{name}_sum", labels, child.sum


def render_prometheus(registry: MetricsRegistry) -> str:
    """Render ``registry`` in the Prometheus text exposition format 0.0.4.

    Parameters
    ----------
    registry : MetricsRegistry

    Returns
    -------
    text : str
        ``# HELP`` / ``# TYPE`` lines and samples for every family, ending in a newline.
    """
    lines: list[str] = []
    for family in registry:
        # in format 0.0.4 a counter's samples carry the name, so HELP/TYPE name them too
        name = f"{family.name}_total" if isinstance(family, Counter) else family.name
        lines.append(f"# HELP {name} {_escape_help(family.documentation)}")
        lines.append(f"# TYPE {name} {family.kind}")
        lines.extend(f"{sample}{_labels(labels)} {_number(value)}"
                     for sample, labels, value in _samples(family))
    return "\n".join(lines) + "\n" if lines else ""


class PrometheusBridge:
    """Expose a :class:`MetricsRegistry` through ``prometheus_client``.

    Register an instance with a ``prometheus_client.CollectorRegistry`` (or the
    global ``REGISTRY``) and our metrics appear in ``generate_latest`` and on
    every ``prometheus_client`` HTTP endpoint.

    Parameters
    ----------
    registry : MetricsRegistry

    Examples
    --------
    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> ours = MetricsRegistry()
    >>> ours.gauge("temperature", "Degrees.").set(21.5)
    >>> prom = CollectorRegistry()
    >>> prom.register(PrometheusBridge(ours))
    >>> b"temperature 21.5" in generate_latest(prom)
    True
    """

    def __init__(self, registry: MetricsRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        """Yield ``prometheus_client`` metric families (the Collector protocol)."""
        from prometheus_client.metrics_core import Metric

        for family in self.registry:
            metric = Metric(family.name, family.documentation, family.kind)
            for sample, labels, value in _samples(family):
                metric.add_sample(sample, labels, value)
            yield metric
