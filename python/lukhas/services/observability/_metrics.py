"""Counters, gauges, histograms and rolling summaries with labels, in a registry.

Every metric family has fixed label names; :meth:`labels` returns the child
for one combination of label values (created on first use).  A family without
label names is its own child.  All updates are thread-safe.
"""

from __future__ import annotations

import abc
import bisect
import itertools
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from lukhas._validation import check_int, check_real, check_str
from lukhas.services.observability._rolling import RollingWindow

__all__ = [
    "DEFAULT_BUCKETS",
    "Counter",
    "Gauge",
    "Histogram",
    "MetricFamily",
    "RollingSummary",
]

#: Default histogram bucket bounds (seconds), as in the Prometheus client libraries.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

C = TypeVar("C")


class MetricFamily(abc.ABC, Generic[C]):
    """Common machinery of a named metric with fixed label names.

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
        if not isinstance(name, str) or not _METRIC_NAME.match(name):
            raise ValueError(f"`name` must match [a-zA-Z_:][a-zA-Z0-9_:]*, got {name!r}.")
        check_str("documentation", documentation)
        labels = tuple(labelnames)
        for label in labels:
            if (not isinstance(label, str) or not _LABEL_NAME.match(label)
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
    def _new_child(self) -> C:
        """Create the child for a new label combination."""

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
        if values and kwvalues:
            raise TypeError("pass label values positionally or by name, not both.")
        if kwvalues:
            if set(kwvalues) != set(self.labelnames):
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
                child = self._children.setdefault(key, self._new_child())
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


class _CounterChild:
    __slots__ = ("_lock", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0) -> None:
        if not amount >= 0.0:  # also rejects NaN
            raise ValueError(f"counters only go up: `amount` must be >= 0, got {amount!r}.")
        with self._lock:
            self.value += amount


class Counter(MetricFamily[_CounterChild]):
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

    def _new_child(self) -> _CounterChild:
        return _CounterChild()

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (>= 0) to an unlabelled counter."""
        self._unlabelled().inc(amount)

    @property
    def value(self) -> float:
        """Current total of an unlabelled counter."""
        return self._unlabelled().value


class _GaugeChild:
    __slots__ = ("_lock", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self._lock = threading.Lock()

    def set(self, value: float) -> None:
        self.value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        with self._lock:
            self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        with self._lock:
            self.value -= amount


class Gauge(MetricFamily[_GaugeChild]):
    """A value that goes up and down.

    Examples
    --------
    >>> depth = Gauge("queue_depth", "Items waiting.")
    >>> depth.set(5); depth.inc(); depth.dec(2)
    >>> depth.value
    4.0
    """

    kind = "gauge"

    def _new_child(self) -> _GaugeChild:
        return _GaugeChild()

    def set(self, value: float) -> None:
        """Set an unlabelled gauge."""
        self._unlabelled().set(value)

    def inc(self, amount: float = 1.0) -> None:
        """Increase an unlabelled gauge."""
        self._unlabelled().inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        """Decrease an unlabelled gauge."""
        self._unlabelled().dec(amount)

    @property
    def value(self) -> float:
        """Current value of an unlabelled gauge."""
        return self._unlabelled().value


class _HistogramChild:
    __slots__ = ("_bounds", "_lock", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # per bucket; the last is +Inf
        self.sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self._bounds, value)
        with self._lock:
            self.counts[index] += 1
            self.sum += value

    def cumulative(self) -> list[int]:
        with self._lock:
            counts = list(self.counts)
        running, out = 0, []
        for c in counts:
            running += c
            out.append(running)
        return out

    @property
    def count(self) -> int:
        return sum(self.counts)


class Histogram(MetricFamily[_HistogramChild]):
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

    def _new_child(self) -> _HistogramChild:
        return _HistogramChild(self.buckets)

    def observe(self, value: float) -> None:
        """Record one observation in an unlabelled histogram."""
        self._unlabelled().observe(value)


class _SummaryChild:
    __slots__ = ("_lock", "count", "sum", "window")

    def __init__(self, window: int) -> None:
        self.window = RollingWindow(window)
        self.count = 0
        self.sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        with self._lock:
            self.window.observe(value)
            self.count += 1
            self.sum += value

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        with self._lock:
            return [float(v) for v in self.window.quantiles(qs)]


class RollingSummary(MetricFamily[_SummaryChild]):
    """Quantiles over the most recent ``window`` observations (a Prometheus summary).

    The window lives in a :class:`lukhas.primitives.ring.RingBuffer`; ``_count`` and
    ``_sum`` cover every observation ever made, as Prometheus expects.

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

    def _new_child(self) -> _SummaryChild:
        return _SummaryChild(self.window)

    def observe(self, value: float) -> None:
        """Record one observation in an unlabelled summary."""
        self._unlabelled().observe(value)
