"""Atheris harness for lukhas.core.ring (coverage-guided over the Python layer).

Run: ``python tests/fuzz/fuzz_ring_atheris.py -atheris_runs=200000`` from the repo root
(with ``tests`` on ``PYTHONPATH``).  Every input is decoded into a ring, a dtype and a
script of operations with arbitrary arguments and checked by ``ring_driver``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import numpy as np

    from fuzz.ring_driver import OPS, run_script


def _value(fdp: atheris.FuzzedDataProvider) -> object:
    kind = fdp.ConsumeIntInRange(0, 7)
    if kind == 0:
        return fdp.ConsumeInt(9)
    if kind == 1:
        return fdp.ConsumeRegularFloat()
    if kind == 2:
        return fdp.ConsumeUnicode(4)
    if kind == 3:
        return fdp.ConsumeBool()
    if kind == 4:
        dtype = [np.float64, np.float32, np.int64, np.int8, np.uint64, np.uint8, np.complex64][
            fdp.ConsumeIntInRange(0, 6)
        ]
        n = fdp.ConsumeIntInRange(0, 24)
        raw = fdp.ConsumeBytes(n * np.dtype(dtype).itemsize)
        arr = np.frombuffer(raw[: len(raw) // np.dtype(dtype).itemsize * np.dtype(dtype).itemsize],
                            dtype=dtype)
        return arr[:: fdp.ConsumeIntInRange(1, 3)]
    if kind == 5:
        return [fdp.ConsumeInt(2) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    if kind == 6:
        return None
    return fdp.ConsumeIntInRange(-12, 12)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    dtype_index = fdp.ConsumeIntInRange(0, 9)
    capacity = fdp.ConsumeIntInRange(1, 9)
    script = [
        (fdp.ConsumeIntInRange(0, len(OPS) - 1), _value(fdp))
        for _ in range(fdp.ConsumeIntInRange(0, 16))
    ]
    run_script(dtype_index, capacity, script)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
