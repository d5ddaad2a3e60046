"""Every library module sits in a layer of the import-linter contract, and the README's
promises about the package hold (lane packages, no shadowed SDKs, a cheap import)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / "python"
LANES = {"lukhas", "core", "candidate", "consciousness", "governance", "memory", "bridge",
         "cognitive_core"}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _layer_entries() -> set[str]:
    """Every module a layers contract names, with its container prefixed."""
    entries: set[str] = set()
    for contract in _config()["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            prefixes = [f"{c}." for c in contract.get("containers", [])] or [""]
            for layer in contract["layers"]:
                for member in layer.replace("|", ":").split(":"):
                    entries.update(prefix + member.strip() for prefix in prefixes)
    return entries


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted((PYTHON / "lukhas").rglob("*.py")):
        parts = list(path.relative_to(PYTHON).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def test_every_module_is_in_a_layer() -> None:
    entries = _layer_entries()
    missing = []
    for name, _ in _modules():
        parts = name.split(".")
        covered = any(".".join(parts[:i]) in entries for i in range(1, len(parts) + 1))
        if not covered and name != "lukhas":
            missing.append(name)
    assert not missing, f"modules outside every import-linter layer: {missing}"


def test_layer_entries_exist() -> None:
    names = {name for name, _ in _modules()}
    assert not [e for e in _layer_entries() if e not in names]


def test_layer_folders_are_the_only_homes() -> None:
    # Below lukhas: the kernels, the base modules, and the four layer folders.
    children = {p.stem for p in (PYTHON / "lukhas").iterdir()
                if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert children == {"__init__", "__main__", "_config", "_exceptions", "_kernels", "_lanes",
                        "_native", "_validation", "_version", "domain", "edges", "primitives",
                        "services"}


def test_wheel_ships_every_lane_and_no_sdk() -> None:
    packages = _config()["tool"]["scikit-build"]["wheel"]["packages"]
    shipped = {Path(p).name for p in packages}
    present = {p.name for p in PYTHON.iterdir() if (p / "__init__.py").exists()}
    assert present <= LANES, f"unexpected top-level packages: {present - LANES}"
    assert shipped == present
    assert not {"mcp", "dropbox"} & present


def test_import_is_cheap_and_loads_no_numba() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); import lukhas, lukhas.core.ring; "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["lukhas._kernels._jit"])
def test_numba_cache_dir_that_cannot_be_written_does_not_break_imports(
    module: str, tmp_path: Path
) -> None:
    # A cache dir numba cannot create: kernels must still import and compile.
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"NUMBA_CACHE_DIR": str(blocker / "cache"), "PATH": "/usr/bin:/bin"}
    code = (
        f"import {module} as j\n"
        "@j.njit()\n"
        "def f(x):\n    return x + 1\n"
        "print(f(1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
