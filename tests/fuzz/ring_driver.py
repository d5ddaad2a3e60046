"""Drive the rings with arbitrary operations and arguments; shared by hypothesis and atheris.

The driver checks two things after every call: an exception is only ever a
``TypeError``/``ValueError``/``IndexError`` (never a crash or anything else), and
the ring holds exactly what the pure-Python reference holds (a rejected call
changed nothing).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._validation import exact_int_array
from lukhas.core.ring import SUPPORTED_DTYPES, EmptyRingError, RingBuffer
from reference.ring_ref import RefRing

ALLOWED = (TypeError, ValueError, IndexError)
OPS = ("append", "extend", "pop", "popleft", "latest", "getitem", "clear", "view")


def _expected_scalar(ring: RingBuffer, x: Any) -> Any:
    """What the ring must store for ``x``, or raise like the ring should."""
    dtype = ring.dtype
    if isinstance(x, (bool, np.bool_)):
        raise TypeError
    if dtype.kind == "f":
        if not isinstance(x, (int, float, np.integer, np.floating)):
            raise TypeError
        try:
            value = float(x)
        except OverflowError:
            raise ValueError from None
        if np.isfinite(value) and abs(value) > float(np.finfo(dtype).max):
            raise ValueError
        return dtype.type(value)
    if not isinstance(x, (int, np.integer)):
        raise TypeError
    info = np.iinfo(dtype)
    if not int(info.min) <= int(x) <= int(info.max):
        raise ValueError
    return dtype.type(int(x))


def run_script(dtype_index: int, capacity: int, script: list[tuple[int, Any]]) -> int:
    """Apply ``script`` to a fresh ring and its reference; return the calls made."""
    dtype = SUPPORTED_DTYPES[dtype_index % len(SUPPORTED_DTYPES)]
    ring = RingBuffer(capacity, dtype)
    ref = RefRing(capacity)
    for op_index, arg in script:
        op = OPS[op_index % len(OPS)]
        try:
            if op == "append":
                try:
                    want = _expected_scalar(ring, arg)
                except (TypeError, ValueError):
                    want = None
                ring.append(arg)
                assert want is not None, f"append accepted {arg!r}"
                ref.push(want)
            elif op == "extend":
                before = len(ref)
                ring.extend(arg)
                got = ring.to_array()
                # Accepted: the newest items are the converted input.
                exact = (exact_int_array("values", arg, dtype)
                         if np.dtype(dtype).kind in "iu" else None)
                arr = (np.asarray(arg) if exact is None else exact).astype(dtype).ravel()
                ref.extend(list(arr))
                assert len(ref) == min(capacity, before + arr.size)
                np.testing.assert_array_equal(got, np.array(ref.items, dtype=dtype))
            elif op in ("pop", "popleft"):
                try:
                    got = getattr(ring, op)()
                except EmptyRingError:
                    assert len(ref) == 0
                else:
                    want = getattr(ref, op)()
                    assert got == want or (got != got and want != want)  # NaN pops as NaN
            elif op == "latest":
                got = ring.latest(arg)
                assert got.shape == (int(arg),)
                np.testing.assert_array_equal(got, np.array(ref.latest(int(arg)), dtype=dtype))
            elif op == "getitem":
                got = ring[arg]
                np.testing.assert_array_equal(got, np.array(ref.items, dtype=dtype)[arg])
            elif op == "clear":
                ring.clear()
                ref.items.clear()
            else:
                np.testing.assert_array_equal(
                    np.concatenate(ring.view()), np.array(ref.items, dtype=dtype)
                )
        except ALLOWED:
            pass
        assert len(ring) == len(ref)
        np.testing.assert_array_equal(ring.to_array(), np.array(ref.items, dtype=dtype))
    return len(script)
