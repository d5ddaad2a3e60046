"""Counters, gauges and histograms on ``prometheus_client``; rolling summaries as collectors.

Every metric family has fixed label names; :meth:`MetricFamily.labels` returns
the child for one combination of label values (created on first use).  A family
without label names is its own child.

:class:`Counter`, :class:`Gauge` and :class:`Histogram` are ``prometheus_client``
metrics underneath (their children *are* ``prometheus_client`` metric objects,
with read accessors added): values, thread safety, the multiprocess mode and every
exposition format are ``prometheus_client``'s.  :class:`RollingSummary` keeps
quantiles over the most recent observations in a shared
:class:`lukhas.primitives.window.RollingWindow` and reaches ``prometheus_client``
as a custom collector.  ``prometheus_client`` is imported when the first metric
is created (``pip install 'lukhas[prometheus]'``).
"""

from __future__ import annotations

import abc
import itertools
import math
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from lukhas._validation import check_choice, check_int, check_real, check_str
from lukhas.primitives.window import RollingWindow

__all__ = [
    "DEFAULT_BUCKETS",
    "Counter",
    "Gauge",
    "Histogram",
    "MetricFamily",
    "RollingSummary",
    "prometheus_client_module",
]

#: Default histogram bucket bounds (seconds), as in the Prometheus client libraries.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_GAUGE_MODES = ("all", "liveall", "min", "livemin", "max", "livemax", "sum", "livesum",
                "mostrecent", "livemostrecent")

C = TypeVar("C")

_CLASSES: dict[str, Any] = {}
_CLASSES_LOCK = threading.Lock()


def prometheus_client_module() -> Any:
    """Import ``prometheus_client`` or raise an ImportError saying how to install it."""
    try:
        import prometheus_client
    except ImportError as err:
        raise ImportError(
            "lukhas metrics run on prometheus_client: pip install 'lukhas[prometheus]'"
        ) from err
    return prometheus_client


def _classes() -> dict[str, Any]:
    """``prometheus_client`` metric classes with read accessors (built on first use)."""
    if _CLASSES:
        return _CLASSES
    with _CLASSES_LOCK:
        if _CLASSES:
            return _CLASSES
        pc = prometheus_client_module()

        class PromCounter(pc.Counter):  # type: ignore[misc,name-defined]
            """A ``prometheus_client.Counter`` that refuses NaN and reads back its value."""

            def inc(self, amount: float = 1.0, exemplar: dict[str, str] | None = None) -> None:
                if not amount >= 0.0:  # also rejects NaN
                    raise ValueError(
                        f"counters only go up: `amount` must be >= 0, got {amount!r}.")
                if exemplar:
                    super().inc(amount, exemplar)
                    return
                self._raise_if_not_observable()
                self._value.inc(amount)

            @property
            def value(self) -> float:
                return float(self._value.get())

        class PromGauge(pc.Gauge):  # type: ignore[misc,name-defined]
            """A ``prometheus_client.Gauge`` that reads back its value."""

            @property
            def value(self) -> float:
                return float(self._value.get())

        class PromHistogram(pc.Histogram):  # type: ignore[misc,name-defined]
            """A ``prometheus_client.Histogram`` that reads back buckets, sum and count."""

            def cumulative(self) -> list[int]:
                running, out = 0, []
                for bucket in self._buckets:
                    running += int(bucket.get())
                    out.append(running)
                return out

            @property
            def sum(self) -> float:
                return float(self._sum.get())

            @property
            def count(self) -> int:
                return sum(int(b.get()) for b in self._buckets)

        _CLASSES.update(Counter=PromCounter, Gauge=PromGauge, Histogram=PromHistogram)
    return _CLASSES


class MetricFamily(abc.ABC, Generic[C]):
    """Common machinery of a named metric with fixed label names.

    A family is a ``prometheus_client`` collector: :meth:`collect` yields its
    ``prometheus_client`` metric families, so it can be registered in any
    ``CollectorRegistry`` (``MetricsRegistry`` does that for you).

    Parameters
    ----------
    name : str
        Metric name (``[a-zA-Z_:][a-zA-Z0-9_:]*``).
    documentation : str
        Help text.
    labelnames : sequence of str, default=()
        Label names (``[a-zA-Z_][a-zA-Z0-9_]*``, not starting with ``__``).
    """

    kind = "untyped"
    _reserved_labels: frozenset[str] = frozenset()

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        if not isinstance(name, str) or not _METRIC_NAME.fullmatch(name):
            raise ValueError(f"`name` must match [a-zA-Z_:][a-zA-Z0-9_:]*, got {name!r}.")
        check_str("documentation", documentation)
        labels = tuple(labelnames)
        for label in labels:
            if (not isinstance(label, str) or not _LABEL_NAME.fullmatch(label)
                    or label.startswith("__") or label in self._reserved_labels):
                raise ValueError(f"`labelnames` has an invalid label name {label!r}.")
        if len(set(labels)) != len(labels):
            raise ValueError(f"`labelnames` has duplicates: {labels}.")
        self.name = name
        self.documentation = documentation
        self.labelnames = labels
        self._children: dict[tuple[str, ...], C] = {}
        self._lock = threading.Lock()

    @abc.abstractmethod
    def _new_child(self, key: tuple[str, ...]) -> C:
        """Create the child for a new label combination."""

    @abc.abstractmethod
    def collect(self) -> Iterable[Any]:
        """Yield ``prometheus_client`` metric families (the Collector protocol)."""

    def describe(self) -> list[Any]:
        """The family's metric names without samples (lets a registry skip ``collect``)."""
        from prometheus_client.metrics_core import Metric

        return [Metric(self.name, self.documentation, self.kind)]

    def labels(self, *values: Any, **kwvalues: Any) -> C:
        """Return the child for one combination of label values (created on first use).

        Parameters
        ----------
        *values, **kwvalues
            Label values, positionally in ``labelnames`` order or by name (not both).

        Returns
        -------
        child
        """
        if kwvalues:
            if values:
                raise TypeError("pass label values positionally or by name, not both.")
            if kwvalues.keys() != set(self.labelnames):
                raise ValueError(
                    f"`labels` expects exactly {list(self.labelnames)}, got {sorted(kwvalues)}."
                )
            values = tuple(kwvalues[n] for n in self.labelnames)
        if len(values) != len(self.labelnames):
            raise ValueError(
                f"`labels` expects {len(self.labelnames)} value(s) for {list(self.labelnames)}, "
                f"got {len(values)}."
            )
        key = tuple(str(v) for v in values)
        child = self._children.get(key)
        if child is None:
            with self._lock:
                child = self._children.get(key)
                if child is None:
                    child = self._children[key] = self._new_child(key)
        return child

    def _unlabelled(self) -> C:
        if self.labelnames:
            raise ValueError(
                f"metric {self.name!r} has labels {list(self.labelnames)}; "
                "call .labels(...) first."
            )
        return self.labels()

    def children(self) -> Iterator[tuple[dict[str, str], C]]:
        """Yield ``(labels, child)`` for every label combination seen so far."""
        with self._lock:
            items = list(self._children.items())
        for key, child in items:
            yield dict(zip(self.labelnames, key, strict=True)), child

    def remove(self, *values: Any) -> None:
        """Forget the child of these label values (no error if absent)."""
        with self._lock:
            self._children.pop(tuple(str(v) for v in values), None)


class _PromFamily(MetricFamily[Any]):
    """A family whose children are ``prometheus_client`` metric objects."""

    _prom: Any
    _solo: Any = None  # the metric itself when the family has no labels (fast path)

    def _init_prom(self, prom: Any) -> None:
        self._prom = prom
        if not self.labelnames:
            self._solo = prom
            self._children[()] = prom

    def _one(self) -> Any:
        solo = self._solo
        return solo if solo is not None else self._unlabelled()

    def _new_child(self, key: tuple[str, ...]) -> Any:
        return self._prom.labels(*key) if self.labelnames else self._prom

    def collect(self) -> Iterable[Any]:
        return self._prom.collect()  # type: ignore[no-any-return]

    def describe(self) -> list[Any]:
        return self._prom.describe()  # type: ignore[no-any-return]

    def remove(self, *values: Any) -> None:
        key = tuple(str(v) for v in values)
        with self._lock:
            known = self._children.pop(key, None) is not None
        if known and self.labelnames:
            self._prom.remove(*key)

    @property
    def prometheus_metric(self) -> Any:
        """The ``prometheus_client`` metric underneath."""
        return self._prom


class Counter(_PromFamily):
    """A monotonically increasing total (exposed as ``<name>_total``).

    Examples
    --------
    >>> requests = Counter("http_requests", "Requests served.", ["route"])
    >>> requests.labels(route="/health").inc()
    >>> requests.labels("/health").inc(2)
    >>> requests.labels("/health").value
    3.0
    """

    kind = "counter"

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name.removesuffix("_total"), documentation, labelnames)
        self._init_prom(_classes()["Counter"](self.name, documentation, self.labelnames,
                                              registry=None))

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (>= 0) to an unlabelled counter."""
        self._one().inc(amount)

    @property
    def value(self) -> float:
        """Current total of an unlabelled counter."""
        return float(self._one().value)


class Gauge(_PromFamily):
    """A value that goes up and down.

    Parameters
    ----------
    name, documentation, labelnames
        As for every metric.
    multiprocess_mode : str, default="all"
        How ``prometheus_client``'s multiprocess mode combines the processes' values.

    Examples
    --------
    >>> depth = Gauge("queue_depth", "Items waiting.")
    >>> depth.set(5); depth.inc(); depth.dec(2)
    >>> depth.value
    4.0
    """

    kind = "gauge"

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                 multiprocess_mode: str = "all") -> None:
        super().__init__(name, documentation, labelnames)
        mode = check_choice("multiprocess_mode", multiprocess_mode, _GAUGE_MODES)
        self._init_prom(_classes()["Gauge"](name, documentation, self.labelnames,
                                            registry=None, multiprocess_mode=mode))

    def set(self, value: float) -> None:
        """Set an unlabelled gauge."""
        self._one().set(value)

    def inc(self, amount: float = 1.0) -> None:
        """Increase an unlabelled gauge."""
        self._one().inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        """Decrease an unlabelled gauge."""
        self._one().dec(amount)

    @property
    def value(self) -> float:
        """Current value of an unlabelled gauge."""
        return float(self._one().value)


class Histogram(_PromFamily):
    """Counts of observations in cumulative ``le`` buckets, plus their sum.

    Parameters
    ----------
    name, documentation, labelnames
        As for every metric.
    buckets : sequence of float, default=DEFAULT_BUCKETS
        Strictly increasing finite upper bounds (``+Inf`` is implied).

    Examples
    --------
    >>> latency = Histogram("latency_seconds", "Latency.", buckets=[0.1, 1.0])
    >>> for x in (0.05, 0.1, 0.5, 3.0):
    ...     latency.observe(x)
    >>> latency.labels().cumulative()
    [2, 3, 4]
    """

    kind = "histogram"
    _reserved_labels = frozenset({"le"})

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                 buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        super().__init__(name, documentation, labelnames)
        bounds = tuple(check_real(f"buckets[{i}]", b) for i, b in enumerate(buckets))
        if not bounds or any(b >= c for b, c in itertools.pairwise(bounds)):
            raise ValueError(f"`buckets` must be non-empty and strictly increasing, got {bounds}.")
        self.buckets = bounds
        self._init_prom(_classes()["Histogram"](name, documentation, self.labelnames,
                                                registry=None, buckets=(*bounds, math.inf)))

    def observe(self, value: float) -> None:
        """Record one observation in an unlabelled histogram."""
        self._one().observe(value)


class _SummaryChild:
    """Count, sum and the rolling window of one label combination."""

    __slots__ = ("_lock", "count", "sum", "window")

    def __init__(self, window: int) -> None:
        self.window = RollingWindow(window)
        self.count = 0
        self.sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        value = check_real("value", value)
        with self._lock:
            self.window.append(value)
            self.count += 1
            self.sum += value

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        with self._lock:
            return [float(v) for v in self.window.quantiles(qs)]


class RollingSummary(MetricFamily[_SummaryChild]):
    """Quantiles over the most recent ``window`` observations (a Prometheus summary).

    The window is a :class:`lukhas.primitives.window.RollingWindow`; ``_count`` and
    ``_sum`` cover every observation ever made, as Prometheus expects.  It reaches
    ``prometheus_client`` as a custom collector (in multiprocess mode each process
    reports its own window: rolling quantiles cannot be merged across processes).

    Parameters
    ----------
    name, documentation, labelnames
        As for every metric.
    window : int, default=1024
        Observations the quantiles are computed over.
    quantiles : sequence of float, default=(0.5, 0.9, 0.99)
        Reported quantiles in [0, 1].

    Examples
    --------
    >>> summary = RollingSummary("latency_ms", "Latency.", window=4, quantiles=[0.5])
    >>> for x in (100.0, 1.0, 2.0, 3.0, 4.0):
    ...     summary.observe(x)
    >>> summary.labels().quantiles([0.5]), summary.labels().count
    ([2.5], 5)
    """

    kind = "summary"
    _reserved_labels = frozenset({"quantile"})

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                 window: int = 1024, quantiles: Sequence[float] = (0.5, 0.9, 0.99)) -> None:
        super().__init__(name, documentation, labelnames)
        self.window = check_int("window", window, low=1)
        self.quantiles = tuple(
            check_real(f"quantiles[{i}]", q, low=0.0, high=1.0) for i, q in enumerate(quantiles)
        )

    def _new_child(self, key: tuple[str, ...]) -> _SummaryChild:
        return _SummaryChild(self.window)

    def observe(self, value: float) -> None:
        """Record one observation in an unlabelled summary."""
        self._unlabelled().observe(value)

    def collect(self) -> Iterable[Any]:
        from prometheus_client.metrics_core import Metric

        metric = Metric(self.name, self.documentation, self.kind)
        for labels, child in self.children():
            for q, v in zip(self.quantiles, child.quantiles(self.quantiles), strict=True):
                metric.add_sample(self.name, {**labels, "quantile": repr(q)}, v)
            metric.add_sample(f"{self.name}_count", labels, float(child.count))
            metric.add_sample(f"{self.name}_sum", labels, child.sum)
        return [metric]
