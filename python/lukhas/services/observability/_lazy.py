"""Metrics created on first use in the process-wide registry (no import-time registration).

:class:`LazyMetric` is the one path by which library modules (the consciousness
ticker, ...) publish metrics: on first use it creates a :mod:`lukhas.services.observability`
family in :meth:`MetricsRegistry.default` (that is, in ``prometheus_client.REGISTRY``),
at most once per name and process, and falls back to a no-op stand-in when
``prometheus_client`` is not installed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["LazyMetric", "NoopMetric"]

logger = logging.getLogger(__name__)

_CREATE_LOCK = threading.Lock()
_FACTORIES = {"Counter": "counter", "Gauge": "gauge", "Histogram": "histogram",
              "RollingSummary": "rolling_summary"}


class NoopMetric:
    """Stand-in for a metric: ``labels(...)`` returns itself, updates do nothing."""

    __slots__ = ()

    def labels(self, *args: Any, **kwargs: Any) -> NoopMetric:
        return self

    def observe(self, amount: float) -> None:
        return None

    def inc(self, amount: float = 1.0) -> None:
        return None

    def dec(self, amount: float = 1.0) -> None:
        return None

    def set(self, value: float) -> None:
        return None


class LazyMetric:
    """A metric that is registered on first use, not at import.

    The first call of :meth:`labels`, :meth:`inc`, :meth:`observe` or
    :meth:`set` creates the family (``kind`` is ``"Counter"``, ``"Gauge"``,
    ``"Histogram"`` or ``"RollingSummary"``) in :meth:`MetricsRegistry.default`,
    once per proxy and thread-safely; later calls reuse it.  Without
    ``prometheus_client`` the proxy forwards to a :class:`NoopMetric`.  If the
    name is already registered (a reloaded module, a second proxy), the
    registered metric is reused, so a metric is never created twice in one process.

    Parameters
    ----------
    kind : str
        ``"Counter"``, ``"Gauge"``, ``"Histogram"`` or ``"RollingSummary"``.
    name : str
        Metric name.
    documentation : str
        Help text.
    labelnames : tuple of str, default=()
        Label names.
    **options
        Further keyword arguments of the family (e.g. ``buckets``).

    Examples
    --------
    >>> m = LazyMetric("Counter", "lukhas_doctest_lazy_total", "A doctest counter.", ("lane",))
    >>> m.created
    False
    >>> m.labels(lane="experimental").inc()
    >>> m.created
    True
    """

    __slots__ = ("_args", "_kind", "_metric", "_options")

    def __init__(self, kind: str, name: str, documentation: str,
                 labelnames: tuple[str, ...] = (), **options: Any) -> None:
        if kind not in _FACTORIES:
            raise ValueError(f"`kind` must be one of {sorted(_FACTORIES)}, got {kind!r}.")
        self._kind = kind
        self._args = (name, documentation, labelnames)
        self._options = options
        self._metric: Any = None

    def __repr__(self) -> str:
        state = "created" if self.created else "not yet created"
        return f"LazyMetric({self._kind}, {self._args[0]!r}, {state})"

    @property
    def name(self) -> str:
        """The metric's name."""
        return self._args[0]

    @property
    def created(self) -> bool:
        """Whether the underlying metric (or its no-op stand-in) exists yet."""
        return self._metric is not None

    def _get(self) -> Any:
        metric = self._metric
        if metric is None:
            with _CREATE_LOCK:
                if self._metric is None:
                    self._metric = self._create()
                metric = self._metric
        return metric

    def _create(self) -> Any:
        try:
            from lukhas.services.observability._exposition import MetricsRegistry

            registry = MetricsRegistry.default()
        except ImportError:  # prometheus_client is optional
            return NoopMetric()
        name = self._args[0]
        known = registry.get(name)
        if known is not None:
            return known
        try:
            return getattr(registry, _FACTORIES[self._kind])(*self._args, **self._options)
        except ValueError:  # a plain prometheus_client metric of that name exists: reuse it
            collectors = getattr(registry.prometheus_registry, "_names_to_collectors", {})
            for key in (name, name.removesuffix("_total"), f"{name}_total"):
                if key in collectors:
                    return collectors[key]
            logger.warning("metric %s could not be registered; using a no-op", name)
            return NoopMetric()

    def labels(self, *args: Any, **kwargs: Any) -> Any:
        """The child metric for these label values (creating the metric if needed)."""
        return self._get().labels(*args, **kwargs)

    def observe(self, amount: float) -> None:
        """Observe ``amount`` on an unlabelled histogram or summary."""
        self._get().observe(amount)

    def inc(self, amount: float = 1.0) -> None:
        """Increment an unlabelled counter or gauge."""
        self._get().inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        """Decrement an unlabelled gauge."""
        self._get().dec(amount)

    def set(self, value: float) -> None:
        """Set an unlabelled gauge."""
        self._get().set(value)
