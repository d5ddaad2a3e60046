"""Metric semantics, label handling, thread safety, and rolling windows vs references."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candidate.observability import (
    Counter,
    Gauge,
    Histogram,
    MetricsRegistry,
    RollingSummary,
    RollingWindow,
)
from reference.observability_ref import ref_cumulative_buckets, ref_rolling_window
from reference.reliability_ref import ref_percentile

finite = st.floats(-1e6, 1e6, allow_nan=False)


def test_counter_gauge_semantics() -> None:
    c = Counter("jobs_total", "Jobs.", ["queue"])
    assert c.name == "jobs"  # the _total suffix belongs to the sample, not the family
    c.labels("a").inc()
    c.labels(queue="a").inc(2.5)
    c.labels("b").inc()
    assert c.labels("a").value == 3.5
    with pytest.raises(ValueError, match="only go up"):
        c.labels("a").inc(-1)
    with pytest.raises(ValueError, match="labels"):
        c.inc()  # labelled family used without labels
    with pytest.raises(ValueError, match="expects"):
        c.labels("a", "b")
    with pytest.raises(ValueError, match="expects exactly"):
        c.labels(other="x")
    with pytest.raises(TypeError, match="positionally or by name"):
        c.labels("a", queue="a")
    g = Gauge("temp", "Temperature.")
    g.set(3)
    g.inc(0.5)
    g.dec(1)
    assert g.value == 2.5
    c.remove("b")
    assert [labels for labels, _ in c.children()] == [{"queue": "a"}]


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: Counter("bad name", "x"), "name"),
        (lambda: Gauge("ok", "x", ["__reserved"]), "label"),
        (lambda: Gauge("ok", "x", ["a", "a"]), "duplicates"),
        (lambda: Histogram("h", "x", ["le"]), "label"),
        (lambda: RollingSummary("s", "x", ["quantile"]), "label"),
        (lambda: Histogram("h", "x", buckets=[1.0, 1.0]), "increasing"),
        (lambda: Histogram("h", "x", buckets=[]), "increasing"),
        (lambda: RollingSummary("s", "x", quantiles=[1.5]), "quantiles"),
        (lambda: RollingSummary("s", "x", window=0), "window"),
    ],
)
def test_invalid_definitions(factory: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory()  # type: ignore[operator]


def test_registry_refuses_duplicates() -> None:
    registry = MetricsRegistry()
    registry.counter("a", "x")
    with pytest.raises(ValueError, match="already registered"):
        registry.gauge("a", "y")
    assert registry.get("a_total") is registry.get("a")
    registry.unregister("a")
    assert registry.get("a") is None and registry.render() == ""


@settings(max_examples=60)
@given(st.lists(finite, max_size=60),
       st.lists(finite, min_size=1, max_size=8, unique=True).map(sorted))
def test_histogram_matches_reference(values: list[float], bounds: list[float]) -> None:
    h = Histogram("h", "x", buckets=bounds)
    for v in values:
        h.observe(v)
    child = h.labels()
    assert child.cumulative() == ref_cumulative_buckets(values, bounds)
    assert child.sum == pytest.approx(math.fsum(values), abs=1e-6)
    assert child.count == len(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=80), st.integers(1, 20))
def test_rolling_window_equals_batch_on_every_prefix(stream: list[float], size: int) -> None:
    window = RollingWindow(size)
    for i, x in enumerate(stream):
        window.observe(x)
        expected = ref_rolling_window(stream[: i + 1], size)
        assert window.values().tolist() == expected
        for q in (0.0, 25.0, 50.0, 95.0, 100.0):
            expected_q = ref_percentile(expected, q)
            assert window.percentile(q) == pytest.approx(expected_q, rel=1e-12, abs=1e-9)
    assert window.mean() == pytest.approx(float(np.mean(expected)))
    assert window.min() == min(expected) and window.max() == max(expected)
    batch = RollingWindow(size)
    batch.extend(stream)  # extend == a loop of observe
    assert batch.values().tolist() == window.values().tolist()
    assert batch.total_observed == window.total_observed == len(stream)


def test_rolling_window_edges() -> None:
    window = RollingWindow(3)
    assert math.isnan(window.percentile(50)) and math.isnan(window.mean())
    with pytest.raises(ValueError, match="value"):
        window.observe(float("nan"))
    with pytest.raises(ValueError, match="values"):
        window.extend([1.0, float("inf")])
    with pytest.raises(ValueError, match="qs"):
        window.quantiles([1.5])
    with pytest.raises(ValueError, match="size"):
        RollingWindow(0)
    window.extend(np.arange(10.0))
    window.clear()
    assert len(window) == 0 and window.total_observed == 10


def test_rolling_summary_counts_everything_but_windows_quantiles() -> None:
    s = RollingSummary("lat", "x", window=10, quantiles=[0.5, 1.0])
    for x in range(100):
        s.observe(float(x))
    child = s.labels()
    assert child.count == 100 and child.sum == sum(range(100))
    assert child.quantiles([0.5, 1.0]) == [94.5, 99.0]


def test_concurrent_updates_are_not_lost() -> None:
    c = Counter("hits", "x")
    h = Histogram("h", "x", buckets=[0.5])

    def work() -> None:
        for _ in range(2000):
            c.inc()
            h.observe(1.0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert c.value == 8000.0
    assert h.labels().cumulative() == [0, 8000]
