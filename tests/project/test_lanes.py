"""The LUKHAS import paths are aliases of their homes under ``lukhas``.

Every row of the one alias table imports as the very module object of its home,
`unittest.mock.patch` through the alias changes what the home's code sees, a lane
loads nothing beyond what its aliases need, and ``lukhas`` works with decoy packages
named like the lanes ahead of it on ``sys.path``.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from unittest import mock

import pytest

from lukhas import _lanes

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / "python"
ROWS = sorted(_lanes.ALIASES.items())


def _run(code: str, cwd: Path | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=cwd, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize(("alias", "home"), ROWS, ids=[a for a, _ in ROWS])
def test_alias_is_the_home_module(alias: str, home: str) -> None:
    module = importlib.import_module(alias)
    assert module is importlib.import_module(home)
    assert sys.modules[alias] is sys.modules[home]
    assert module.__name__ == home
    assert module.__spec__ is not None and module.__spec__.name == home
    parent, _, child = alias.rpartition(".")
    assert getattr(sys.modules[parent], child) is module


@pytest.mark.parametrize(("alias", "home"), ROWS, ids=[a for a, _ in ROWS])
def test_patch_through_the_alias_reaches_the_home(alias: str, home: str) -> None:
    home_module = importlib.import_module(home)
    sentinel = object()
    with mock.patch(f"{alias}._lanes_probe", sentinel, create=True):
        assert home_module._lanes_probe is sentinel
    assert not hasattr(home_module, "_lanes_probe")


def test_submodules_of_an_aliased_package_map_to_the_home() -> None:
    import core.clock._hlc
    import lukhas.primitives.clock._hlc

    assert core.clock._hlc is lukhas.primitives.clock._hlc
    assert _lanes.home_of("core.clock._hlc") == "lukhas.primitives.clock._hlc"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("core.clock._no_such_module")


def test_packages_between_a_lane_and_its_aliases_are_empty() -> None:
    import candidate.core
    import lukhas.core

    for package in (candidate.core, lukhas.core):
        assert package.__path__ == []
        assert package.__all__ == []
        public = {n for n in vars(package) if not n.startswith("__")}
        assert public <= {"symbolic", "ring", "reliability", "drift", "policy_guard",
                          "consciousness_ticker", "consciousness_stream"}


def test_names_that_are_no_alias_are_left_to_other_finders() -> None:
    assert _lanes.home_of("lukhas.primitives.ring") is None
    assert _lanes.home_of("numpy") is None
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("core.no_such_module")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("lukhas.orchestration._topics")  # private, never a LUKHAS path


def test_lanes_hold_no_code() -> None:
    present = sorted(p.name for p in PYTHON.iterdir() if (p / "__init__.py").exists())
    assert present == sorted(["lukhas", *_lanes.LANES])
    allowed = (ast.Expr, ast.ImportFrom, ast.Import, ast.AnnAssign)
    for lane in _lanes.LANES:
        files = sorted(p.relative_to(PYTHON / lane).as_posix()
                       for p in (PYTHON / lane).rglob("*") if "__pycache__" not in p.parts)
        assert files == ["__init__.py"], f"{lane}: {files}"
        body = ast.parse((PYTHON / lane / "__init__.py").read_text()).body
        assert all(isinstance(node, allowed) for node in body), lane
        imports = [ast.unparse(n) for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert imports == ["from __future__ import annotations", "import lukhas"], lane


def test_every_alias_lives_in_a_lane_or_lukhas() -> None:
    roots = {alias.partition(".")[0] for alias in _lanes.ALIASES}
    assert roots <= {"lukhas", *_lanes.LANES}
    assert all(home.startswith("lukhas.") for home in _lanes.ALIASES.values())
    assert not [a for a in _lanes.ALIASES if _lanes.home_of(a) is not None
                and a in _lanes.ALIASES.values()]


def test_lane_lists_in_the_config_match_the_table() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    linter = config["tool"]["importlinter"]
    assert sorted(linter["root_packages"]) == sorted(["lukhas", *_lanes.LANES])
    forbidden = [c for c in linter["contracts"] if c["type"] == "forbidden"]
    assert [sorted(c["forbidden_modules"]) for c in forbidden] == [sorted(_lanes.LANES)]
    shipped = {Path(p).name for p in config["tool"]["scikit-build"]["wheel"]["packages"]}
    assert shipped == {"lukhas", *_lanes.LANES}


@pytest.mark.parametrize("lane", _lanes.LANES)
def test_importing_a_lane_loads_nothing_else(lane: str) -> None:
    code = (
        "import sys, json, lukhas; before = set(sys.modules); "
        f"import {lane}; print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    assert json.loads(_run(code)) == [lane]


@pytest.mark.parametrize(("alias", "home"), ROWS, ids=[a for a, _ in ROWS])
def test_an_alias_loads_only_what_its_home_needs(alias: str, home: str) -> None:
    code = (
        "import sys, json, importlib, lukhas; before = set(sys.modules); "
        "importlib.import_module(sys.argv[1]); "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    through_home = set(json.loads(_run(code.replace("sys.argv[1]", repr(home)))))
    through_alias = set(json.loads(_run(code.replace("sys.argv[1]", repr(alias)))))
    parts = alias.split(".")
    alias_names = {".".join(parts[:i]) for i in range(1, len(parts) + 1)} - {"lukhas"}
    assert through_alias - alias_names == through_home


def test_lukhas_ignores_decoy_packages_named_like_the_lanes(tmp_path: Path) -> None:
    for lane in _lanes.LANES:
        (tmp_path / lane).mkdir()
        (tmp_path / lane / "__init__.py").write_text(
            f"raise ImportError('decoy {lane} was imported')\n")
        (tmp_path / lane / "clock.py").write_text("raise ImportError('decoy')\n")
    code = """
import importlib, pkgutil, sys
import lukhas
from lukhas import _lanes
names = [m.name for m in pkgutil.walk_packages(lukhas.__path__, "lukhas.")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
for alias in _lanes.ALIASES:
    if alias.startswith("lukhas."):
        importlib.import_module(alias)
assert not any(lane in sys.modules for lane in _lanes.LANES), "a lane was imported"
print(len(names))
"""
    assert int(_run(code, cwd=tmp_path)) > 100
