"""Settings live in :mod:`lukhas._config`: one reader per environment variable, read on call."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lukhas import _config

PYTHON = Path(__file__).resolve().parents[2] / "python"


def test_lane_reads_the_environment_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUKHAS_LANE", raising=False)
    assert _config.lane() == _config.DEFAULT_LANE == "experimental"
    monkeypatch.setenv("LUKHAS_LANE", "Labs")
    assert _config.lane() == "Labs"  # as given: callers normalise
    monkeypatch.setenv("LUKHAS_LANE", "")
    assert _config.lane() == "experimental"


@pytest.mark.parametrize(("value", "on"), [(None, True), ("1", True), ("yes", True),
                                           ("0", False), ("false", False), ("No", False)])
def test_numba_flags_read_on_call(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                  on: bool) -> None:
    for name, reader in (("LUKHAS_NUMBA_PARALLEL", _config.numba_parallel),
                         ("LUKHAS_NUMBA_CACHE", _config.numba_cache)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
        assert reader() is on


@pytest.mark.parametrize(("value", "parallel"), [("1", True), ("0", False)])
def test_numba_parallel_reaches_the_kernels(value: str, parallel: bool) -> None:
    # The flag is read when a kernel module is first imported, after the import of lukhas.
    code = (
        "import os, lukhas\n"
        f"os.environ['LUKHAS_NUMBA_PARALLEL'] = {value!r}\n"
        "from lukhas._kernels import bifurcation\n"
        "print(bool(bifurcation._bifurcate.targetoptions.get('parallel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(parallel)


def test_config_module_reads_nothing_at_import() -> None:
    source = (PYTHON / "lukhas" / "_config.py").read_text()
    body = source.split("def ", 1)[0]  # everything before the first function
    assert "os.environ.get(" not in body and "getenv" not in body


def test_no_module_reads_the_lane_by_hand() -> None:
    offenders = [str(path.relative_to(PYTHON)) for path in PYTHON.rglob("*.py")
                 if path.name != "_config.py"
                 and re.search(r"(environ|getenv)\W+[^\n]*LUKHAS_", path.read_text())]
    assert offenders == []


def test_fastmath_comes_only_from_the_config() -> None:
    from lukhas._kernels import _jit

    kernels = PYTHON / "lukhas" / "_kernels"
    users = sorted(p.name for p in kernels.glob("*.py") if "fastmath" in p.read_text())
    assert users == ["_jit.py"]
    assert _config.NUMBA_FASTMATH is False
    with pytest.raises(TypeError, match="fastmath"):
        _jit.njit(fastmath=True)
