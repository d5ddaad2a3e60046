"""The in-memory fake needs numpy and the pure-Python store core, nothing heavier."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import json, sys
    import lukhas  # the package itself loads its ring kernel; the fake must add nothing
    before = set(sys.modules)
    import lukhas.domain.memory.fakes
    from lukhas.domain.memory.fakes import InMemoryBackend
    store = InMemoryBackend(2, "l2")
    store.add([[0.0, 0.0], [1.0, 1.0]], metadata=[{"a": 1}, {"a": 2}])
    store.search([1.0, 1.0], 1, where={"a": 2})
    store.remove([0])
    print(json.dumps({"new": sorted(set(sys.modules) - before), "all": sorted(sys.modules)}))
    """
)


def test_fake_imports_no_sqlite_dask_or_compiled_code() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         check=True, timeout=120)
    loaded = json.loads(out.stdout)
    new = loaded["new"]
    assert "lukhas.primitives.vector._core" in new
    heavy = [m for m in new if m.startswith(("lukhas._native", "lukhas._kernels", "dask",
                                             "distributed", "numba"))
             or m in ("sqlite3", "_sqlite3")]
    assert heavy == []
    backends = [m for m in new if m.startswith("lukhas.primitives.vector.")]
    assert backends == ["lukhas.primitives.vector._checks", "lukhas.primitives.vector._core"]
    assert "sqlite3" not in loaded["all"] and "distributed" not in loaded["all"]
