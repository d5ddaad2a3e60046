"""The README's "Use it" example runs, and its module map matches the alias table."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import numpy as np

from lukhas import _lanes

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _use_it_block() -> str:
    section = README.split("## Use it", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README: no python block under 'Use it'"
    return match.group(1)


def test_use_it_example_runs_and_gives_real_results(tmp_path: Path) -> None:
    script = tmp_path / "use_it.py"
    script.write_text(_use_it_block())
    scope = runpy.run_path(str(script))
    assert np.array_equal(scope["recent"], scope["ring"].latest(1024))
    assert scope["found"].shape == (8, 10)
    assert (scope["found"][:, 0] == np.arange(8)).all()  # each vector finds itself first
    assert scope["best"].state.sum() == 2  # two assets chosen, as asked
    assert scope["result"].fun < 10.0


def test_module_map_names_every_alias_with_its_home() -> None:
    rows = dict(re.findall(r"^\| `([\w.]+)` \| `([\w.]+)` \|", README, re.M))
    assert rows == dict(_lanes.ALIASES)
