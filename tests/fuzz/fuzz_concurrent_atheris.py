"""Atheris harness: every GIL-free batch entry point under concurrent mutation.

Run: ``PYTHONPATH=tests python tests/fuzz/fuzz_concurrent_atheris.py -atheris_runs=2000``
from the repo root.  Each input picks a case of :mod:`fuzz.concurrent_driver`, a seed and
a size; the driver runs the entry point while a thread rewrites its inputs.  A crash
(SIGSEGV, heap corruption) ends the run with the input that caused it; anything but
``TypeError``/``ValueError`` from a call is a finding too.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from fuzz.concurrent_driver import CASES, run_case


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    case = CASES[fdp.ConsumeIntInRange(0, len(CASES) - 1)]
    run_case(case, fdp.ConsumeIntInRange(0, 2**32 - 1), fdp.ConsumeIntInRange(1, 3000), 0.05)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
