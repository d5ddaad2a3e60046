"""API usage analytics against a slow reference that keeps every event in a list."""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.api.analysis import LATENCY_PERCENTILES, TOP_KEYS, UsageAnalytics


# -- slow reference -------------------------------------------------------------------------
# Kept here until tests/reference/ grows a module for bridge.api.analysis.
def _ref_percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    rank = q / 100.0 * (len(sorted_values) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (rank - lo)


class _RefUsage:
    """Every event in one list; every figure recomputed by scanning it."""

    def __init__(self, window_seconds: float, resolution: int, max_samples: int) -> None:
        self.width = window_seconds / resolution
        self.resolution = resolution
        self.max_samples = max_samples
        self.events: list[tuple[float, str, Any, float, int]] = []

    def record(self, t: float, endpoint: str, user: Any, latency: float, status: int) -> None:
        if self.events:
            t = max(t, self.events[-1][0])
        self.events.append((t, endpoint, user, latency, status))

    def stats(self, events: list[tuple[float, str, Any, float, int]], now: float,
              n_buckets: int) -> dict[str, Any]:
        if self.events:  # a window never ends before the latest event
            now = max(now, self.events[-1][0])
        last = math.floor(now / self.width)
        first = last - n_buckets + 1

        def inside(t: float) -> bool:
            return first <= math.floor(t / self.width) <= last

        window = [e for e in events if inside(e[0])]
        client = sum(1 for e in window if 400 <= e[4] < 500)
        server = sum(1 for e in window if e[4] >= 500)
        kept = events[-self.max_samples:]
        latencies = sorted(e[3] for e in kept if inside(e[0]))
        out: dict[str, Any] = {
            "requests": len(window),
            "errors": client + server,
            "client_errors": client,
            "server_errors": server,
            "error_rate": (client + server) / len(window) if window else 0.0,
            "server_error_rate": server / len(window) if window else 0.0,
            "requests_per_second": len(window) / (n_buckets * self.width),
            "latency_samples": len(latencies),
            "total_requests": len(events),
            "total_errors": sum(1 for e in events if e[4] >= 400),
            "last_seen": events[-1][0] if events else None,
        }
        out["total_error_rate"] = out["total_errors"] / len(events) if events else 0.0
        if latencies:
            out["mean_ms"] = sum(latencies) / len(latencies)
            for q in LATENCY_PERCENTILES:
                out[f"p{q}_ms"] = _ref_percentile(latencies, q)
            out["max_ms"] = latencies[-1]
        else:
            for name in ["mean_ms", *(f"p{q}_ms" for q in LATENCY_PERCENTILES), "max_ms"]:
                out[name] = None
        return out

    def endpoint(self, name: str, now: float, n_buckets: int) -> dict[str, Any] | None:
        events = [e for e in self.events if e[1] == name]
        return self.stats(events, now, n_buckets) if events else None

    def user(self, user: Any, now: float, n_buckets: int) -> dict[str, Any] | None:
        events = [e for e in self.events if e[2] == user]
        return self.stats(events, now, n_buckets) if events else None


def _assert_stats_equal(ours: dict[str, Any] | None, ref: dict[str, Any] | None) -> None:
    if ref is None:
        assert ours is None
        return
    assert ours is not None
    assert set(ours) == set(ref)
    for key, expected in ref.items():
        if isinstance(expected, float):
            assert ours[key] == pytest.approx(expected, rel=1e-12, abs=1e-12), key
        else:
            assert ours[key] == expected, key


# -- property test against the reference ------------------------------------------------------
ENDPOINTS = ["GET /a", "GET /b", "POST /c"]
events_strategy = st.lists(
    st.tuples(
        st.floats(0.0, 12.0),  # time step since the previous event
        st.sampled_from(ENDPOINTS),
        st.sampled_from([None, "u1", "u2", 3]),
        st.floats(0.0, 500.0),
        st.sampled_from([200, 201, 301, 404, 429, 500, 503]),
        st.booleans(),  # stamp slightly in the past (clamped to the latest event)
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(events_strategy, st.integers(1, 6), st.integers(1, 8), st.data())
def test_stats_match_reference(events: list[tuple[Any, ...]], resolution: int,
                               max_samples: int, data: st.DataObject) -> None:
    usage = UsageAnalytics(window_seconds=30.0, resolution=resolution, max_samples=max_samples)
    ref = _RefUsage(30.0, resolution, max_samples)
    t = 100.0
    for step, endpoint, user, latency, status, stale in events:
        t += step
        stamp = t - 3.0 if stale else t
        usage.record(endpoint, latency, status=status, user_id=user, timestamp=stamp)
        ref.record(stamp, endpoint, user, latency, status)
        t = max(t, stamp)
    width = 30.0 / resolution
    now = t + data.draw(st.floats(-20.0, 40.0))  # past windows too
    window = data.draw(st.one_of(st.none(), st.floats(0.5, 30.0)))
    n_buckets = resolution if window is None else max(
        1, min(resolution, math.ceil(window / width - 1e-9)))
    for name in [*ENDPOINTS, "GET /missing"]:
        _assert_stats_equal(usage.endpoint_stats(name, now=now, window=window),
                            ref.endpoint(name, now, n_buckets))
    for user in ["u1", "u2", 3, "nobody"]:
        _assert_stats_equal(usage.user_stats(user, now=now, window=window),
                            ref.user(user, now, n_buckets))
    _assert_stats_equal(usage.overall_stats(now=now, window=window),
                        ref.stats(ref.events, now, n_buckets))
    by = data.draw(st.sampled_from(TOP_KEYS))
    top = usage.top_endpoints(2, by=by, now=now, window=window)
    rows = [(name, ref.endpoint(name, now, n_buckets)) for name in sorted(ENDPOINTS)]
    active = [(name, s) for name, s in rows if s is not None and s["requests"] > 0]
    active.sort(key=lambda r: (r[1][by] is not None, r[1][by] or 0.0), reverse=True)
    assert [row["endpoint"] for row in top] == [name for name, _ in active[:2]]


def test_counts_stay_exact_beyond_the_sample_rings() -> None:
    """Bucketed counts are exact under load; percentiles cover the latest samples."""
    usage = UsageAnalytics(window_seconds=10.0, resolution=10, max_samples=50)
    rng = np.random.default_rng(0)
    latencies = rng.exponential(20.0, 1000)
    for i, ms in enumerate(latencies.tolist()):
        usage.record("GET /busy", ms, status=500 if i % 10 == 0 else 200, timestamp=i * 0.005)
    s = usage.endpoint_stats("GET /busy", now=5.0)
    assert s is not None
    assert s["requests"] == s["total_requests"] == 1000
    assert s["server_errors"] == 100 and s["error_rate"] == pytest.approx(0.1)
    assert s["latency_samples"] == 50
    assert s["p95_ms"] == pytest.approx(float(np.percentile(latencies[-50:], 95)))
    assert s["requests_per_second"] == pytest.approx(100.0)
    # At now=10.999 the window is the 1-s buckets 1..10: the 200 events of second 0 are out.
    later = usage.endpoint_stats("GET /busy", now=10.999)
    assert later is not None and later["requests"] == 800 and later["total_requests"] == 1000


def test_window_slides_by_buckets_and_short_windows() -> None:
    usage = UsageAnalytics(window_seconds=60.0, resolution=6)
    for t in range(60):  # one request per second, latency = t
        usage.record("GET /tick", float(t), timestamp=float(t))
    s = usage.endpoint_stats("GET /tick", now=59.5)
    assert s is not None and s["requests"] == 60 and s["max_ms"] == 59.0
    assert usage.endpoint_stats("GET /tick", now=65.0)["requests"] == 50  # type: ignore[index]
    short = usage.endpoint_stats("GET /tick", now=59.5, window=15.0)  # 2 buckets of 10 s
    assert short is not None and short["requests"] == 20 and short["mean_ms"] == 49.5
    assert usage.endpoint_stats("GET /tick", now=200.0)["p50_ms"] is None  # type: ignore[index]


def test_snapshot_report_is_consistent() -> None:
    clock_time = [1000.0]
    usage = UsageAnalytics(clock=lambda: clock_time[0])
    usage.record("GET /a", 10.0, user_id="alice")
    usage.record("GET /a", 30.0, status=502, user_id="bob")
    usage.record("GET /b", 5.0, status=404, user_id="alice")
    clock_time[0] = 1001.0
    report = usage.snapshot(by="errors")
    assert report["timestamp"] == 1001.0 and report["window_seconds"] == 300.0
    assert report["bucket_seconds"] == 5.0
    assert report["overall"]["requests"] == 3 and report["overall"]["errors"] == 2
    assert set(report["endpoints"]) == {"GET /a", "GET /b"}
    assert report["users"]["alice"]["requests"] == 2
    assert report["users"]["alice"]["client_errors"] == 1
    assert report["endpoints"]["GET /a"]["p50_ms"] == 20.0
    assert [row["endpoint"] for row in report["top_endpoints"]] == ["GET /a", "GET /b"]
    assert report["top_endpoints"][0] == {"endpoint": "GET /a", **report["endpoints"]["GET /a"]}
    assert usage.users == ["bob", "alice"] and usage.endpoints == ["GET /a", "GET /b"]
    assert "endpoints=2" in repr(usage)
    usage.reset()
    assert usage.snapshot()["overall"]["total_requests"] == 0


def test_least_recently_used_keys_are_evicted() -> None:
    usage = UsageAnalytics(max_endpoints=2, max_users=1)
    usage.record("GET /a", 1.0, user_id="u1", timestamp=0.0)
    usage.record("GET /b", 1.0, user_id="u2", timestamp=0.0)
    usage.record("GET /a", 1.0, timestamp=0.0)  # /a is now the most recent
    usage.record("GET /c", 1.0, timestamp=0.0)
    assert usage.endpoints == ["GET /a", "GET /c"]
    assert usage.users == ["u2"]
    assert usage.overall_stats(now=0.0)["requests"] == 4


def test_concurrent_recording_loses_nothing() -> None:
    usage = UsageAnalytics(window_seconds=3600.0, max_samples=64)
    n_threads, per_thread = 4, 500
    barrier = threading.Barrier(n_threads)

    def worker(k: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            usage.record(f"GET /{i % 3}", float(i), status=500 if i % 5 == 0 else 200,
                         user_id=k, timestamp=10.0)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    overall = usage.overall_stats(now=10.0)
    assert overall["requests"] == overall["total_requests"] == n_threads * per_thread
    assert overall["server_errors"] == n_threads * per_thread // 5
    assert sum(usage.endpoint_stats(f"GET /{j}", now=10.0)["requests"]  # type: ignore[index]
               for j in range(3)) == n_threads * per_thread
    for k in range(n_threads):
        assert usage.user_stats(k, now=10.0)["requests"] == per_thread  # type: ignore[index]


def test_validation_names_the_parameter() -> None:
    usage = UsageAnalytics()
    with pytest.raises(ValueError, match="`endpoint`"):  # empty: a wrong value, not type
        usage.record("", 1.0)
    with pytest.raises(TypeError, match="`endpoint`"):
        usage.record(3, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`latency_ms`"):
        usage.record("GET /a", -1.0)
    with pytest.raises(ValueError, match="`latency_ms`"):
        usage.record("GET /a", float("nan"))
    with pytest.raises(ValueError, match="`status`"):
        usage.record("GET /a", 1.0, status=600)
    with pytest.raises(TypeError, match="`user_id`"):
        usage.record("GET /a", 1.0, user_id=["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`timestamp`"):
        usage.record("GET /a", 1.0, timestamp="now")  # type: ignore[arg-type]
    assert usage.overall_stats(now=0.0)["total_requests"] == 0  # nothing recorded
    with pytest.raises(ValueError, match="`window`"):
        usage.endpoint_stats("GET /a", now=0.0, window=301.0)
    with pytest.raises(ValueError, match="`by`"):
        usage.top_endpoints(by="popularity")
    with pytest.raises(ValueError, match="`k`"):
        usage.top_endpoints(0)
    with pytest.raises(ValueError, match="`window_seconds`"):
        UsageAnalytics(window_seconds=0.0)
    with pytest.raises(ValueError, match="`resolution`"):
        UsageAnalytics(resolution=0)
    with pytest.raises(TypeError, match="`clock`"):
        UsageAnalytics(clock=5)  # type: ignore[arg-type]
