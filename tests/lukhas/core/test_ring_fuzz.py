"""Hypothesis fuzzing of the ring entry points with arbitrary arguments.

Each example is a random dtype, capacity and script of calls whose arguments
are drawn from anything a caller might pass (ints of any size, floats with
NaN/inf, bools, strings, None, lists, numpy arrays of other dtypes, ranks and
strides).  ``fuzz.ring_driver`` checks that only TypeError/ValueError/IndexError
escape and that the ring always equals the reference.  The atheris harness
beside the driver runs the same checks coverage-guided (see BENCHMARKS.md for
the recorded run counts).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fuzz.ring_driver import OPS, run_script

RUNS: list[int] = []

arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint64, np.uint8,
                           np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6),
)
anything = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
    st.lists(st.integers(-300, 300), max_size=8),
    st.lists(st.floats(allow_nan=False), max_size=8),
    arrays,
    arrays.map(lambda a: a[::2] if a.ndim else a),
    st.slices(10),
)


@given(
    dtype_index=st.integers(0, 9),
    capacity=st.integers(1, 8),
    script=st.lists(st.tuples(st.integers(0, len(OPS) - 1), anything), max_size=20),
)
@settings(max_examples=400, deadline=None)
def test_ring_survives_arbitrary_calls(
    dtype_index: int, capacity: int, script: list[tuple[int, object]]
) -> None:
    RUNS.append(run_script(dtype_index, capacity, script))
