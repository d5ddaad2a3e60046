"""API usage analytics: request counts, error rates and latency percentiles.

:class:`UsageAnalytics` records one event per API request (endpoint, latency,
HTTP status, optional user) and answers, per endpoint, per user and overall:

* request and error counts over a rolling window, and since creation;
* error rates (4xx are client errors, 5xx server errors);
* latency mean, percentiles and maximum over the window;
* the top endpoints by any of those figures, and a report dict of everything.

The window is divided into ``resolution`` buckets of ``window_seconds /
resolution`` seconds; "the window" at time ``now`` is the bucket holding
``now`` and the ``resolution - 1`` buckets before it, so it slides one bucket
at a time.  Each series keeps

* per-bucket counts in a :class:`~lukhas.primitives.window.RollingRecords` of
  ``resolution`` buckets, so window counts are exact however busy the
  endpoint is; and
* the latest ``max_samples`` (time, latency, status class) triples in
  :class:`~lukhas.primitives.window.RollingRecords`; percentiles use the samples
  inside the window, so under more than ``max_samples`` requests per window
  they describe the latest ``max_samples`` requests (``latency_samples`` in
  the stats says how many were used).

Timestamps never go backwards: an event stamped before the latest recorded
one is counted at the latest one's time, and a window asked to end before the
latest event ends at it.  All methods are thread-safe (one
lock per tracker).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_choice, check_int, check_real, check_str, describe
from lukhas.primitives.window import RollingRecords

__all__ = ["LATENCY_PERCENTILES", "TOP_KEYS", "UsageAnalytics"]

logger = logging.getLogger(__name__)

#: Latency percentiles reported in every stats dict, as ``p<q>_ms``.
LATENCY_PERCENTILES: Final[tuple[int, ...]] = (50, 90, 95, 99)
#: Figures :meth:`UsageAnalytics.top_endpoints` can rank by (all from the window).
TOP_KEYS: Final[tuple[str, ...]] = (
    "requests",
    "errors",
    "error_rate",
    "server_errors",
    "mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
)

_OK: Final[int] = 0
_CLIENT_ERROR: Final[int] = 1
_SERVER_ERROR: Final[int] = 2


def _status_class(status: int) -> int:
    if status >= 500:
        return _SERVER_ERROR
    if status >= 400:
        return _CLIENT_ERROR
    return _OK


class _Series:
    """Rolling counts and latency samples of one endpoint, one user or everything.

    Both are :class:`~lukhas.primitives.window.RollingRecords`, the services' shared
    rolling window: ``buckets`` (bucket id, requests, client and server errors) and
    ``samples`` (time, latency, status class).
    """

    __slots__ = ("buckets", "samples", "total_client", "total_requests", "total_server")

    def __init__(self, resolution: int, max_samples: int) -> None:
        self.buckets = RollingRecords(resolution, id=np.int64, requests=np.int64,
                                      client=np.int64, server=np.int64)
        self.samples = RollingRecords(max_samples, t=np.float64, latency=np.float64,
                                      cls=np.uint8)
        self.total_requests = 0
        self.total_client = 0
        self.total_server = 0

    def add(self, bucket: int, t: float, latency_ms: float, status_class: int) -> None:
        client = int(status_class == _CLIENT_ERROR)
        server = int(status_class == _SERVER_ERROR)
        buckets = self.buckets
        if len(buckets) and int(buckets.last("id")) == bucket:
            # Same bucket as the latest event: bump its counts in place (pop + append).
            _, requests, old_client, old_server = buckets.pop()
            buckets.append(bucket, int(requests) + 1, int(old_client) + client,
                           int(old_server) + server)
        else:
            buckets.append(bucket, 1, client, server)
        self.samples.append(t, latency_ms, status_class)
        self.total_requests += 1
        self.total_client += client
        self.total_server += server

    def stats(self, window: _Window) -> dict[str, Any]:
        """Figures over the window's buckets and since creation."""
        first, last = window.first_bucket, window.last_bucket
        ids = self.buckets.column("id")
        in_window = (ids >= first) & (ids <= last)
        requests = int(self.buckets.column("requests")[in_window].sum())
        client = int(self.buckets.column("client")[in_window].sum())
        server = int(self.buckets.column("server")[in_window].sum())
        times = self.samples.column("t")
        sample_buckets = np.floor(times / window.bucket_seconds)
        sample_in_window = (sample_buckets >= first) & (sample_buckets <= last)
        latencies = self.samples.column("latency")[sample_in_window]
        errors = client + server
        total_errors = self.total_client + self.total_server
        out: dict[str, Any] = {
            "requests": requests,
            "errors": errors,
            "client_errors": client,
            "server_errors": server,
            "error_rate": errors / requests if requests else 0.0,
            "server_error_rate": server / requests if requests else 0.0,
            "requests_per_second": requests / window.seconds,
        }
        out.update(_latency_summary(latencies))
        out["latency_samples"] = int(latencies.shape[0])
        out["total_requests"] = self.total_requests
        out["total_errors"] = total_errors
        out["total_error_rate"] = (
            total_errors / self.total_requests if self.total_requests else 0.0
        )
        out["last_seen"] = float(times[-1]) if times.shape[0] else None
        return out


class _Window(NamedTuple):
    first_bucket: int
    last_bucket: int
    bucket_seconds: float
    seconds: float


def _latency_summary(latencies: npt.NDArray[np.float64]) -> dict[str, float | None]:
    names = ["mean_ms", *(f"p{q}_ms" for q in LATENCY_PERCENTILES), "max_ms"]
    if latencies.shape[0] == 0:
        return dict.fromkeys(names, None)
    values = [float(latencies.mean())]
    values.extend(float(v) for v in np.percentile(latencies, LATENCY_PERCENTILES))
    values.append(float(latencies.max()))
    return dict(zip(names, values, strict=True))


def _ranked(stats: dict[str, dict[str, Any]], key: str, count: int) -> list[dict[str, Any]]:
    """Endpoints with requests in the window, by ``key`` descending, then by name."""
    rows = [{"endpoint": name, **s} for name, s in sorted(stats.items()) if s["requests"] > 0]
    # Stable sort: ties stay in name order; a figure without samples (None) ranks last.
    rows.sort(key=lambda row: (row[key] is not None, row[key] or 0.0), reverse=True)
    return rows[:count]


class UsageAnalytics:
    """Rolling per-endpoint and per-user API usage statistics.

    Parameters
    ----------
    window_seconds : float, default=300.0
        Length of the rolling window, > 0.
    resolution : int, default=60
        Buckets per window, >= 1; the window slides by ``window_seconds /
        resolution`` seconds.
    max_samples : int, default=1024
        Latency samples kept per endpoint and per user (and overall), >= 1.
    max_endpoints : int, default=256
        Endpoints tracked; the least recently used is dropped beyond it.
    max_users : int, default=1024
        Users tracked; the least recently used is dropped beyond it.
    clock : callable returning float or None, default=None
        Source of timestamps in seconds for events recorded without one
        (``time.time`` if None).

    Attributes
    ----------
    bucket_seconds : float
        ``window_seconds / resolution``.

    Examples
    --------
    >>> usage = UsageAnalytics(window_seconds=60.0, resolution=6)
    >>> for t, ms, status in [(0.0, 12.0, 200), (1.0, 30.0, 200), (2.0, 18.0, 503)]:
    ...     usage.record("GET /v1/dreams", ms, status=status, user_id="u1", timestamp=t)
    >>> s = usage.endpoint_stats("GET /v1/dreams", now=2.0)
    >>> s["requests"], s["server_errors"], round(s["error_rate"], 4), s["p50_ms"]
    (3, 1, 0.3333, 18.0)
    >>> usage.endpoint_stats("GET /v1/dreams", now=75.0)["requests"]  # window has moved on
    0
    """

    def __init__(
        self,
        *,
        window_seconds: float = 300.0,
        resolution: int = 60,
        max_samples: int = 1024,
        max_endpoints: int = 256,
        max_users: int = 1024,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.window_seconds = check_real("window_seconds", window_seconds, low=0.0,
                                         low_inclusive=False)
        self.resolution = check_int("resolution", resolution, low=1)
        self.max_samples = check_int("max_samples", max_samples, low=1)
        self.max_endpoints = check_int("max_endpoints", max_endpoints, low=1)
        self.max_users = check_int("max_users", max_users, low=1)
        if clock is not None and not callable(clock):
            raise TypeError(f"`clock` must be a callable or None, got {describe(clock)}.")
        self._clock: Callable[[], float] = clock or time.time
        self.bucket_seconds = self.window_seconds / self.resolution
        self._lock = threading.Lock()
        self._overall = self._new_series()
        self._endpoints: OrderedDict[str, _Series] = OrderedDict()
        self._users: OrderedDict[Hashable, _Series] = OrderedDict()
        self._latest: float | None = None

    def _new_series(self) -> _Series:
        return _Series(self.resolution, self.max_samples)

    def _now(self, timestamp: Any, name: str) -> float:
        if timestamp is None:
            return check_real("clock()", self._clock())
        return check_real(name, timestamp)

    def record(
        self,
        endpoint: str,
        latency_ms: float,
        *,
        status: int = 200,
        user_id: Hashable | None = None,
        timestamp: float | None = None,
    ) -> None:
        """Record one request.

        Parameters
        ----------
        endpoint : str
            Non-empty endpoint name, e.g. ``"POST /v1/analyse"``.
        latency_ms : float
            Time to serve the request in milliseconds, finite and >= 0.
        status : int, default=200
            HTTP status code in [100, 599]; 4xx count as client errors and
            5xx as server errors.
        user_id : hashable or None, default=None
            The caller; None records no per-user figures.
        timestamp : float or None, default=None
            When the request happened, in the clock's seconds (the clock if
            None).  Earlier than the latest recorded event counts as that.

        Raises
        ------
        TypeError, ValueError
            For a malformed argument; nothing is recorded then.

        Examples
        --------
        >>> usage = UsageAnalytics()
        >>> usage.record("GET /health", 0.4, timestamp=10.0)
        >>> usage.endpoint_stats("GET /health", now=10.0)["total_requests"]
        1
        """
        check_str("endpoint", endpoint, empty=False)
        latency = check_real("latency_ms", latency_ms, low=0.0)
        code = check_int("status", status, low=100, high=599)
        if user_id is not None and not isinstance(user_id, Hashable):
            raise TypeError(f"`user_id` must be hashable or None, got {describe(user_id)}.")
        t = self._now(timestamp, "timestamp")
        status_class = _status_class(code)
        with self._lock:
            if self._latest is not None and t < self._latest:
                t = self._latest
            self._latest = t
            bucket = math.floor(t / self.bucket_seconds)
            self._overall.add(bucket, t, latency, status_class)
            self._series(self._endpoints, endpoint, self.max_endpoints, "endpoint").add(
                bucket, t, latency, status_class
            )
            if user_id is not None:
                self._series(self._users, user_id, self.max_users, "user").add(
                    bucket, t, latency, status_class
                )

    def _series(
        self, table: OrderedDict[Any, _Series], key: Hashable, limit: int, kind: str
    ) -> _Series:
        series = table.get(key)
        if series is None:
            series = self._new_series()
            table[key] = series
            while len(table) > limit:
                evicted, _ = table.popitem(last=False)
                logger.debug("usage of %s %r evicted (limit %d)", kind, evicted, limit)
        else:
            table.move_to_end(key)
        return series

    def _window(self, now: Any, window: Any) -> _Window:
        """The buckets of the window ending at ``now`` (never before the latest event)."""
        t = self._now(now, "now")
        with self._lock:
            if self._latest is not None and t < self._latest:
                t = self._latest  # the rings keep no buckets older than the latest window
        if window is None:
            n_buckets = self.resolution
        else:
            span = check_real("window", window, low=0.0, high=self.window_seconds,
                              low_inclusive=False)
            n_buckets = max(1, min(self.resolution, math.ceil(span / self.bucket_seconds - 1e-9)))
        last = math.floor(t / self.bucket_seconds)
        return _Window(last - n_buckets + 1, last, self.bucket_seconds,
                       n_buckets * self.bucket_seconds)

    def endpoint_stats(
        self, endpoint: str, *, now: float | None = None, window: float | None = None
    ) -> dict[str, Any] | None:
        """Figures of one endpoint, or None if it is not tracked.

        Parameters
        ----------
        endpoint : str
            The endpoint.
        now : float or None, default=None
            End of the window (the clock if None).
        window : float or None, default=None
            Window length in seconds, in (0, window_seconds], rounded up to
            whole buckets; the full window if None.

        Returns
        -------
        stats : dict or None
            Over the window: ``requests``, ``errors``, ``client_errors``,
            ``server_errors``, ``error_rate``, ``server_error_rate``,
            ``requests_per_second``, ``mean_ms``, ``p50_ms``, ``p90_ms``,
            ``p95_ms``, ``p99_ms``, ``max_ms`` (None without samples; linear
            interpolation between order statistics) and ``latency_samples``;
            since creation: ``total_requests``, ``total_errors``,
            ``total_error_rate``; and ``last_seen`` (latest event time).

        Raises
        ------
        TypeError, ValueError
            For a malformed ``now`` or ``window``.

        Examples
        --------
        >>> UsageAnalytics().endpoint_stats("GET /nothing", now=0.0) is None
        True
        """
        bounds = self._window(now, window)
        with self._lock:
            series = self._endpoints.get(endpoint)
            return None if series is None else series.stats(bounds)

    def user_stats(
        self, user_id: Hashable, *, now: float | None = None, window: float | None = None
    ) -> dict[str, Any] | None:
        """Figures of one user, or None if the user is not tracked.

        Parameters
        ----------
        user_id : hashable
            The user.
        now : float or None, default=None
            End of the window (the clock if None).
        window : float or None, default=None
            Window length in seconds, as in :meth:`endpoint_stats`.

        Returns
        -------
        stats : dict or None
            As in :meth:`endpoint_stats`.

        Raises
        ------
        TypeError, ValueError
            For a malformed ``now`` or ``window``.

        Examples
        --------
        >>> usage = UsageAnalytics()
        >>> usage.record("GET /a", 5.0, user_id=42, timestamp=1.0)
        >>> usage.user_stats(42, now=1.0)["requests"], usage.user_stats(7, now=1.0)
        (1, None)
        """
        bounds = self._window(now, window)
        with self._lock:
            series = self._users.get(user_id)
            return None if series is None else series.stats(bounds)

    def overall_stats(
        self, *, now: float | None = None, window: float | None = None
    ) -> dict[str, Any]:
        """Figures over all endpoints together.

        Parameters
        ----------
        now : float or None, default=None
            End of the window (the clock if None).
        window : float or None, default=None
            Window length in seconds, as in :meth:`endpoint_stats`.

        Returns
        -------
        stats : dict
            As in :meth:`endpoint_stats`.

        Raises
        ------
        TypeError, ValueError
            For a malformed ``now`` or ``window``.

        Examples
        --------
        >>> UsageAnalytics().overall_stats(now=0.0)["requests"]
        0
        """
        bounds = self._window(now, window)
        with self._lock:
            return self._overall.stats(bounds)

    def top_endpoints(
        self,
        k: int = 5,
        *,
        by: str = "requests",
        now: float | None = None,
        window: float | None = None,
    ) -> list[dict[str, Any]]:
        """The ``k`` endpoints with the highest figure ``by`` over the window.

        Endpoints without requests in the window are left out; ties go to the
        endpoint name in ascending order.

        Parameters
        ----------
        k : int, default=5
            How many, >= 1.
        by : str, default="requests"
            One of :data:`TOP_KEYS`.
        now : float or None, default=None
            End of the window (the clock if None).
        window : float or None, default=None
            Window length in seconds, as in :meth:`endpoint_stats`.

        Returns
        -------
        top : list of dict
            Each the endpoint's stats (see :meth:`endpoint_stats`) with an
            ``endpoint`` key added, best first.

        Raises
        ------
        TypeError, ValueError
            For a malformed argument.

        Examples
        --------
        >>> usage = UsageAnalytics()
        >>> for ep, n in [("GET /a", 3), ("GET /b", 5), ("GET /c", 1)]:
        ...     for _ in range(n):
        ...         usage.record(ep, 1.0, timestamp=0.0)
        >>> [row["endpoint"] for row in usage.top_endpoints(2, now=0.0)]
        ['GET /b', 'GET /a']
        """
        count = check_int("k", k, low=1)
        key = check_choice("by", by, TOP_KEYS)
        bounds = self._window(now, window)
        with self._lock:
            stats = {name: series.stats(bounds) for name, series in self._endpoints.items()}
        return _ranked(stats, key, count)

    def snapshot(
        self, *, now: float | None = None, top: int = 5, by: str = "requests"
    ) -> dict[str, Any]:
        """A report of everything, consistent at one instant.

        Parameters
        ----------
        now : float or None, default=None
            End of the window (the clock if None).
        top : int, default=5
            Length of the ``top_endpoints`` list, >= 1.
        by : str, default="requests"
            Ranking of ``top_endpoints``, one of :data:`TOP_KEYS`.

        Returns
        -------
        report : dict
            ``timestamp`` (``now``), ``window_seconds``, ``bucket_seconds``,
            ``overall`` (stats), ``endpoints`` (endpoint -> stats), ``users``
            (user -> stats) and ``top_endpoints`` (as from
            :meth:`top_endpoints`).

        Raises
        ------
        TypeError, ValueError
            For a malformed argument.

        Examples
        --------
        >>> usage = UsageAnalytics()
        >>> usage.record("GET /a", 2.0, status=404, user_id="u", timestamp=5.0)
        >>> report = usage.snapshot(now=5.0)
        >>> report["overall"]["client_errors"], list(report["users"])
        (1, ['u'])
        >>> report["top_endpoints"][0]["endpoint"]
        'GET /a'
        """
        count = check_int("top", top, low=1)
        key = check_choice("by", by, TOP_KEYS)
        t = self._now(now, "now")
        bounds = self._window(t, None)
        with self._lock:
            endpoints = {name: s.stats(bounds) for name, s in self._endpoints.items()}
            users = {user: s.stats(bounds) for user, s in self._users.items()}
            overall = self._overall.stats(bounds)
        return {
            "timestamp": t,
            "window_seconds": self.window_seconds,
            "bucket_seconds": self.bucket_seconds,
            "overall": overall,
            "endpoints": endpoints,
            "users": users,
            "top_endpoints": _ranked(endpoints, key, count),
        }

    def reset(self) -> None:
        """Forget every event.

        Examples
        --------
        >>> usage = UsageAnalytics()
        >>> usage.record("GET /a", 1.0, timestamp=0.0)
        >>> usage.reset()
        >>> usage.endpoint_stats("GET /a", now=0.0) is None
        True
        """
        with self._lock:
            self._overall = self._new_series()
            self._endpoints.clear()
            self._users.clear()
            self._latest = None

    @property
    def endpoints(self) -> list[str]:
        """Tracked endpoints, least recently used first."""
        with self._lock:
            return list(self._endpoints)

    @property
    def users(self) -> list[Hashable]:
        """Tracked users, least recently used first."""
        with self._lock:
            return list(self._users)

    def __repr__(self) -> str:
        return (
            f"UsageAnalytics(window_seconds={self.window_seconds}, resolution={self.resolution}, "
            f"endpoints={len(self._endpoints)}, users={len(self._users)})"
        )
