"""Import time: ``import lukhas`` (and the ring API) beside ``import numpy`` alone.

Each round starts a fresh interpreter, so the figure includes interpreter start-up;
the ``python`` entry (an empty ``-c``) is that floor.  The lukhas figure must stay
within a few tens of milliseconds of numpy's: the package imports no Numba and
compiles nothing at import.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

SNIPPETS = {
    "python": "pass",
    "numpy": "import numpy",
    "lukhas": "import lukhas, lukhas.core.ring; import sys; assert 'numba' not in sys.modules",
}


@pytest.mark.benchmark(group="import-time")
@pytest.mark.parametrize("entry", list(SNIPPETS))
def test_import_time(benchmark: Any, entry: str) -> None:
    cmd = [sys.executable, "-c", SNIPPETS[entry]]
    result = benchmark.pedantic(
        subprocess.run, args=(cmd,), kwargs={"check": True}, rounds=5, iterations=1
    )
    assert result.returncode == 0
