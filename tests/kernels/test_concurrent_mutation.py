"""Every GIL-free batch entry point, called while another thread rewrites its inputs.

Regression for issue 12 item 1: ``glyph_hash_many((buffer, offsets))`` checked the
offsets, released the GIL and read them again, so a thread changing them in between
made the kernel read out of bounds (SIGSEGV).  Each case runs the shared driver
(``tests/fuzz/concurrent_driver.py``) in a subprocess, so a crash shows up here as a
failed test with the signal, not as a dead test run; the same driver backs the longer
atheris run (``tests/fuzz/fuzz_concurrent_atheris.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.concurrent_driver import CASES

DRIVER = Path(__file__).resolve().parents[1] / "fuzz" / "concurrent_driver.py"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_entry_point_survives_concurrent_mutation(case: str, seed: int) -> None:
    env = dict(os.environ)
    tests_dir = str(DRIVER.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tests_dir, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, str(DRIVER), case, str(seed), "2000", "1.5"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert proc.returncode == 0, (
        f"{case} died with return code {proc.returncode} (negative: killed by that signal)\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )
    assert "calls answered, none crashed" in proc.stdout
