"""The shared rolling window (lukhas.primitives.window) against plain references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.primitives.window import RollingRecords, RollingWindow
from reference.observability_ref import ref_rolling_window

finite = st.floats(-1e12, 1e12, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(st.lists(finite, min_size=1, max_size=200), st.integers(1, 64),
       st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6))
def test_quantiles_are_numpys_bit_for_bit(stream: list[float], size: int,
                                          qs: list[float]) -> None:
    window = RollingWindow(size)
    append = window.append
    for x in stream:
        append(x)
    expected = ref_rolling_window(stream, size)
    assert window.values().tolist() == expected and len(window) == len(expected)
    assert window.quantiles(qs).tolist() == np.quantile(expected, qs).tolist()
    for q in qs:
        assert window.percentile(100.0 * q) == float(np.percentile(expected, 100.0 * q))
    assert window.median() == float(np.median(expected))
    assert (window.min(), window.max()) == (min(expected), max(expected))


def test_window_is_a_deque_like_ring() -> None:
    window = RollingWindow(3)
    assert window.maxlen == window.size == 3 and not window
    assert math.isnan(window.percentile(50.0)) and math.isnan(window.median())
    for x in (1.0, 2.0, 3.0, 4.0):
        window.append(x)
    assert list(window) == [2.0, 3.0, 4.0] and window[0] == 2.0 and window[-1] == 4.0
    assert window.total_observed == 0  # append only stores
    window.observe(5.0)
    assert window.total_observed == 1 and window.values().tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="value"):
        window.observe(float("inf"))
    with pytest.raises(ValueError, match="size"):
        RollingWindow(0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 5.0), finite, st.booleans()), max_size=120),
       st.integers(1, 40), st.floats(0.0, 400.0))
def test_records_since_equals_a_filter_of_the_newest_rows(
        steps: list[tuple[float, float, bool]], size: int, start: float) -> None:
    records = RollingRecords(size, t=np.float64, value=np.float64, ok=np.uint8)
    rows = []
    t = 0.0
    for dt, value, ok in steps:
        t += dt  # a non-decreasing time column
        records.append(t, value, int(ok))
        rows.append((t, value, int(ok)))
    kept = rows[-size:] if rows else []
    assert list(records) == kept and len(records) == len(kept)
    since = records.since("t", start)
    expected = [row for row in kept if row[0] >= start]
    assert records.count_since("t", start) == len(expected)
    assert since["t"].tolist() == [r[0] for r in expected]
    assert since["value"].tolist() == [r[1] for r in expected]
    assert since["ok"].tolist() == [r[2] for r in expected]


def test_records_validate_rows_and_columns() -> None:
    records = RollingRecords(2, a=np.int64, b=np.float64)
    with pytest.raises(ValueError, match="2 values"):
        records.append(1)
    with pytest.raises(KeyError, match="no column"):
        records.column("c")
    with pytest.raises(ValueError, match="columns"):
        RollingRecords(2)
    records.append(1, 0.5)
    assert records.pop() == (1, 0.5) and len(records) == 0
