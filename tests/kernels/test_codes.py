"""The op-codes of :mod:`lukhas._kernels._codes` are the only codes on both sides.

The APIs accept exactly a family's names and map them through the family's
mapping; the kernels import the constants (they define none of their own) and
branch on every code of a family but the one that falls through.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lukhas._kernels import _codes as codes

KERNELS = Path(codes.__file__).resolve().parent

#: family -> the constants that name its codes, and the kernel modules that branch on them.
CONSTANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "selection": (("SELECT_TOURNAMENT", "SELECT_ROULETTE"), ("evolve",)),
    "crossover": (("CX_SBX", "CX_BLEND", "CX_UNIFORM", "CX_ORDER"), ("evolve",)),
    "mutation": (("MUT_POLYNOMIAL", "MUT_GAUSSIAN", "MUT_BITFLIP", "MUT_SWAP"), ("evolve",)),
    "de_strategy": (("DE_RAND1", "DE_BEST1"), ("evolve",)),
    "topology": (("TOPOLOGY_GLOBAL", "TOPOLOGY_RING"), ("swarm",)),
    "boundary": (("BOUNDARY_CLIP", "BOUNDARY_REFLECT", "BOUNDARY_RANDOM",
                  "BOUNDARY_PERIODIC"), ("swarm",)),
    "rl_algorithm": (("Q_LEARNING", "SARSA", "EXPECTED_SARSA"), ("rl",)),
    "ph_mode": (("PH_BOTH", "PH_UP", "PH_DOWN"), ("drift",)),
}
ALL_CONSTANTS = {name for names, _ in CONSTANTS.values() for name in names}


def test_importing_the_codes_loads_no_numba() -> None:
    code = "import sys, lukhas._kernels._codes; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_every_family_is_listed_and_dense() -> None:
    assert set(codes.FAMILIES) == set(CONSTANTS)
    for family, mapping in codes.FAMILIES.items():
        names, _ = CONSTANTS[family]
        assert sorted(mapping.values()) == list(range(len(mapping))), family
        # the constants, in code order, are the mapping's values in name order
        assert [getattr(codes, n) for n in names] == list(mapping.values()), family
        assert all(type(getattr(codes, n)) is int for n in names)
    for family, mapping in codes.FAMILIES.items():
        assert getattr(codes, family.upper()) is mapping
    assert set(codes.__all__) == ALL_CONSTANTS | {f.upper() for f in codes.FAMILIES} | {
        "FAMILIES"}


def test_the_mappings_are_read_only() -> None:
    with pytest.raises(TypeError):
        codes.CROSSOVER["new"] = 9  # type: ignore[index]


def _kernel_tree(module: str) -> ast.Module:
    return ast.parse((KERNELS / f"{module}.py").read_text())


def _imported_codes(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module == "lukhas._kernels._codes"
            for alias in node.names}


def _compared_names(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and all(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Name):
                    found.add(side.id)
    return found


@pytest.mark.parametrize("module", sorted({m for _, ms in CONSTANTS.values() for m in ms}))
def test_kernels_define_no_codes_of_their_own(module: str) -> None:
    tree = _kernel_tree(module)
    assigned = {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)}
    assert not assigned & ALL_CONSTANTS


@pytest.mark.parametrize("family", sorted(CONSTANTS))
def test_kernels_branch_on_every_code_but_the_fall_through(family: str) -> None:
    names, modules = CONSTANTS[family]
    compared: set[str] = set()
    for module in modules:
        tree = _kernel_tree(module)
        used = _compared_names(tree) & set(names)
        assert used <= _imported_codes(tree), f"{module} compares codes it does not import"
        compared |= used
    # a family of n codes needs n - 1 tests; the last code is the else branch
    assert len(compared) >= len(names) - 1, (family, sorted(compared))


def test_kernel_sources_use_no_literal_codes_in_the_old_places() -> None:
    drift = (KERNELS / "drift.py").read_text()
    assert not re.search(r"mode\s*[!=]=\s*\d", drift)


# -- the APIs accept exactly the family's names ------------------------------------------


def _choices_in(err: pytest.ExceptionInfo[ValueError], name: str) -> set[str]:
    match = re.search(rf"`{name}` must be one of (\(.*?\))", str(err.value))
    assert match, str(err.value)
    return set(ast.literal_eval(match.group(1)))


def _sphere(x: Any) -> float:
    return float(np.sum(np.asarray(x) ** 2))


def _ga(**kw: Any) -> Any:
    from lukhas.primitives.evolve import ga_minimize
    return ga_minimize(_sphere, [(-1.0, 1.0)] * 2, maxiter=1, seed=0, **kw)


def _de(**kw: Any) -> Any:
    from lukhas.primitives.evolve import de_minimize
    return de_minimize(_sphere, [(-1.0, 1.0)] * 2, maxiter=1, seed=0, **kw)


def _pso(**kw: Any) -> Any:
    from lukhas.primitives.evolve import pso_minimize
    return pso_minimize(_sphere, [(-1.0, 1.0)] * 2, maxiter=1, seed=0, **kw)


def _rl(**kw: Any) -> Any:
    from lukhas.domain.rl import GridWorld, train_tabular
    return train_tabular(GridWorld(), episodes=1, seed=0, **kw)


def _ph(**kw: Any) -> Any:
    from lukhas.services.drift import PageHinkley
    return PageHinkley(**kw)


API_CASES: list[tuple[str, Callable[..., Any], str]] = [
    ("selection", _ga, "selection"),
    ("de_strategy", _de, "strategy"),
    ("topology", _pso, "topology"),
    ("boundary", _pso, "boundary"),
    ("rl_algorithm", _rl, "algorithm"),
    ("ph_mode", _ph, "mode"),
]


@pytest.mark.parametrize(("family", "api", "param"), API_CASES,
                         ids=[case[0] for case in API_CASES])
def test_api_accepts_exactly_the_family_names(family: str, api: Callable[..., Any],
                                              param: str) -> None:
    with pytest.raises(ValueError, match=param) as err:
        api(**{param: "no-such-name"})
    assert _choices_in(err, param) == set(codes.FAMILIES[family])


def test_ga_operators_cover_exactly_the_families() -> None:
    from lukhas.primitives.evolve import _ga

    crossovers = {name for cx, _ in _ga._ENCODINGS.values() for name in cx}
    mutations = {name for _, mut in _ga._ENCODINGS.values() for name in mut}
    assert crossovers == set(codes.CROSSOVER)
    assert mutations == set(codes.MUTATION)
    for kind, family in (("crossover", codes.CROSSOVER), ("mutation", codes.MUTATION)):
        with pytest.raises(ValueError) as err:
            _ga._resolve_operator(kind, "no-such-name", (), "real")
        assert _choices_in(err, kind) == set(family)


def test_the_apis_map_names_through_the_one_table() -> None:
    from lukhas.domain.rl import ALGORITHMS
    from lukhas.primitives.evolve import _de, _ga, _pso
    from lukhas.services.drift import _page_hinkley

    assert ALGORITHMS is codes.RL_ALGORITHM
    assert _ga._SELECTION is codes.SELECTION
    assert _ga._CROSSOVER is codes.CROSSOVER
    assert _ga._MUTATION is codes.MUTATION
    assert _de._STRATEGIES is codes.DE_STRATEGY
    assert _pso._TOPOLOGIES is codes.TOPOLOGY
    assert _pso._BOUNDARIES is codes.BOUNDARY
    assert _page_hinkley._MODES is codes.PH_MODE
