"""A metrics registry on a ``prometheus_client.CollectorRegistry``, and its exposition.

:class:`MetricsRegistry` registers our families in a ``CollectorRegistry`` (its own,
the process-wide ``prometheus_client.REGISTRY`` through :meth:`MetricsRegistry.default`,
or a multiprocess aggregator through :meth:`MetricsRegistry.multiprocess`), so the
text and OpenMetrics formats, ``start_http_server`` and the WSGI/ASGI apps are
``prometheus_client``'s own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from lukhas.services.observability._metrics import (
    DEFAULT_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    MetricFamily,
    RollingSummary,
    prometheus_client_module,
)

__all__ = ["CONTENT_TYPE", "MetricsRegistry", "PrometheusBridge", "render_prometheus"]

#: HTTP ``Content-Type`` of the text exposition (format 0.0.4, what :meth:`render` writes).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

M = TypeVar("M", bound=MetricFamily[Any])


class MetricsRegistry:
    """Named metric families in a ``prometheus_client.CollectorRegistry``.

    Parameters
    ----------
    registry : prometheus_client.CollectorRegistry or None, default=None
        Where the families are registered (default: a new, private one).

    Attributes
    ----------
    prometheus_registry : prometheus_client.CollectorRegistry

    Examples
    --------
    >>> registry = MetricsRegistry()
    >>> hits = registry.counter("cache_hits", "Cache hits.")
    >>> hits.inc()
    >>> "cache_hits_total 1.0" in registry.render()
    True
    """

    _default: ClassVar[MetricsRegistry | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, registry: Any = None) -> None:
        pc = prometheus_client_module()
        self.prometheus_registry = pc.CollectorRegistry() if registry is None else registry
        self._families: dict[str, MetricFamily[Any]] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> MetricsRegistry:
        """The registry over ``prometheus_client.REGISTRY`` (one per process).

        The ticker's metrics and any family registered here appear on every
        ``prometheus_client`` endpoint of the process.
        """
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls(prometheus_client_module().REGISTRY)
        return cls._default

    @classmethod
    def multiprocess(cls, path: str | os.PathLike[str] | None = None) -> MetricsRegistry:
        """A registry that reads every process's metrics (``prometheus_client`` multiprocess).

        The worker processes must run with ``PROMETHEUS_MULTIPROC_DIR`` set (before
        ``prometheus_client`` is imported); counters, gauges and histograms they
        create are then written to that directory, and this registry sums them.

        Parameters
        ----------
        path : path-like or None, default=None
            The directory (default: ``PROMETHEUS_MULTIPROC_DIR``).
        """
        pc = prometheus_client_module()
        from prometheus_client import multiprocess

        registry = pc.CollectorRegistry()
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            registry, path=None if path is None else str(path))
        return cls(registry)

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
            self.prometheus_registry.register(family)
            self._families[family.name] = family
        return family

    def unregister(self, name: str) -> None:
        """Remove the family called ``name`` (no error if absent)."""
        with self._lock:
            family = self._families.pop(name.removesuffix("_total"), None)
            if family is not None:
                self.prometheus_registry.unregister(family)

    def get(self, name: str) -> MetricFamily[Any] | None:
        """Return the family called ``name``, or None."""
        return self._families.get(name.removesuffix("_total"))

    def __iter__(self) -> Iterator[MetricFamily[Any]]:
        with self._lock:
            return iter(list(self._families.values()))

    def counter(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
        """Create and register a :class:`Counter`."""
        return self.register(Counter(name, documentation, labelnames))

    def gauge(self, name: str, documentation: str, labelnames: Sequence[str] = (),
              multiprocess_mode: str = "all") -> Gauge:
        """Create and register a :class:`Gauge`."""
        return self.register(Gauge(name, documentation, labelnames, multiprocess_mode))

    def histogram(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                  buckets: Sequence[float] = DEFAULT_BUCKETS) -> Histogram:
        """Create and register a :class:`Histogram`."""
        return self.register(Histogram(name, documentation, labelnames, buckets))

    def rolling_summary(self, name: str, documentation: str, labelnames: Sequence[str] = (),
                        window: int = 1024,
                        quantiles: Sequence[float] = (0.5, 0.9, 0.99)) -> RollingSummary:
        """Create and register a :class:`RollingSummary`."""
        return self.register(RollingSummary(name, documentation, labelnames, window, quantiles))

    def render(self, *, openmetrics: bool = False) -> str:
        """Return the exposition of every metric in :attr:`prometheus_registry`.

        Parameters
        ----------
        openmetrics : bool, default=False
            OpenMetrics text instead of the Prometheus text format 0.0.4.
        """
        if openmetrics:
            from prometheus_client.openmetrics import exposition

            data: bytes = exposition.generate_latest(  # type: ignore[no-untyped-call]
                self.prometheus_registry)
        else:
            from prometheus_client import generate_latest

            data = generate_latest(self.prometheus_registry)
        return data.decode("utf-8")

    def serve(self, port: int, addr: str = "0.0.0.0") -> tuple[Any, threading.Thread]:
        """Serve ``/metrics`` over HTTP (``prometheus_client.start_http_server``).

        Returns
        -------
        server, thread
            Call ``server.shutdown()`` to stop it.
        """
        pc = prometheus_client_module()
        server, thread = pc.start_http_server(port, addr, registry=self.prometheus_registry)
        return server, thread

    def wsgi_app(self) -> Any:
        """A WSGI app serving the metrics (``prometheus_client.make_wsgi_app``)."""
        return prometheus_client_module().make_wsgi_app(self.prometheus_registry)

    def asgi_app(self) -> Any:
        """An ASGI app serving the metrics (``prometheus_client.make_asgi_app``)."""
        return prometheus_client_module().make_asgi_app(self.prometheus_registry)


def render_prometheus(registry: MetricsRegistry) -> str:
    """Render ``registry`` in the Prometheus text exposition format 0.0.4.

    Parameters
    ----------
    registry : MetricsRegistry

    Returns
    -------
    text : str
    """
    return registry.render()


class PrometheusBridge:
    """Expose a :class:`MetricsRegistry` through another ``prometheus_client`` registry.

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

    def collect(self) -> Iterable[Any]:
        """Yield ``prometheus_client`` metric families (the Collector protocol)."""
        for family in self.registry:
            yield from family.collect()
