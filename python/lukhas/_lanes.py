"""The LUKHAS import paths, each the same module object as its home under :mod:`lukhas`.

LUKHAS code imports modules by the paths of its own source tree: ``core.clock``,
``candidate.memory.backends``, ``lukhas.core.ring`` and so on.  Every implementation
lives under :mod:`lukhas`, in folders that show its layer (``primitives``,
``services``, ``domain``, ``edges``); :data:`ALIASES` maps each LUKHAS path to that
home.  The lane packages (:data:`LANES`) hold no code: a meta path finder answers
for the paths in the table and hands back the home module itself, so

* ``import core.clock`` and ``import lukhas.primitives.clock`` give one module object,
  and ``unittest.mock.patch("core.clock.X")`` patches what the home's code sees;
* module-level singletons exist once, whichever path imported them first;
* a submodule of an aliased package maps the same way (``core.clock._hlc`` is
  ``lukhas.primitives.clock._hlc``);
* importing a lane loads nothing but what the imported aliases need.

Packages that only sit between a lane and an aliased path (``candidate.core``,
``lukhas.core``) are created empty on demand.  Nothing under :mod:`lukhas` imports a
lane; :func:`install` is the only thing :mod:`lukhas` does when it is imported, and it
only answers for the names in the table.

Examples
--------
>>> import core.clock, lukhas.primitives.clock
>>> core.clock is lukhas.primitives.clock
True
>>> home_of("core.clock._hlc")
'lukhas.primitives.clock._hlc'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Mapping, Sequence
from types import MappingProxyType

__all__ = ["ALIASES", "LANES", "home_of", "install"]

#: The top-level packages LUKHAS imports from besides :mod:`lukhas` (its "lanes").
LANES: tuple[str, ...] = (
    "bridge",
    "candidate",
    "cognitive_core",
    "consciousness",
    "core",
    "governance",
    "memory",
)

#: LUKHAS import path -> its home under :mod:`lukhas`.  One row per path of
#: ``MODULES.md`` that exists; a new module adds its row here and nowhere else.
ALIASES: Mapping[str, str] = MappingProxyType({
    # primitives: validated APIs over the compiled kernels
    "lukhas.core.ring": "lukhas.primitives.ring",
    "candidate.core.symbolic.symbolic_glyph_hash": "lukhas.primitives.glyphs",
    "core.clock": "lukhas.primitives.clock",
    "candidate.memory.backends": "lukhas.primitives.vector",
    "core.quantum_financial": "lukhas.primitives.anneal",
    "lukhas.bio.utils": "lukhas.primitives.evolve",
    # runtime services
    "lukhas.core.reliability": "lukhas.services.reliability",
    "candidate.trace": "lukhas.services.trace",
    "candidate.observability": "lukhas.services.observability",
    "lukhas.core.drift": "lukhas.services.drift",
    "lukhas.core.policy_guard": "lukhas.services.policy_guard",
    "core.breakthrough": "lukhas.services.breakthrough",
    "bridge.api.analysis": "lukhas.services.analytics",
    "lukhas.orchestration.kernel_bus": "lukhas.services.bus.kernel_bus",
    "lukhas.async_manager": "lukhas.services.tasks",
    "lukhas.tools.code_executor": "lukhas.services.code_executor",
    "candidate.ledger": "lukhas.services.ledger",
    "candidate.security": "lukhas.services.security",
    # domain
    "lukhas.core.consciousness_ticker": "lukhas.domain.consciousness.ticker",
    "lukhas.core.consciousness_stream": "lukhas.domain.consciousness.stream",
    "core.consciousness_stream": "lukhas.domain.consciousness.stream_hub",
    "lukhas.consciousness.consciousness_stream": "lukhas.domain.consciousness.stream_service",
    "memory.core": "lukhas.domain.memory.model",
    "memory.fakes": "lukhas.domain.memory.fakes",
    "lukhas.memory.scheduled_folding": "lukhas.domain.memory.scheduled_folding",
    "lukhas.memory.sync": "lukhas.domain.memory.sync",
    "core.collective": "lukhas.domain.collective",
    "candidate.rl": "lukhas.domain.rl",
    "lukhas.governance.schema_registry": "lukhas.domain.governance.schema_registry",
    "lukhas.governance.guardian_serializers": "lukhas.domain.governance.guardian_serializers",
    "governance.consent": "lukhas.domain.governance.consent",
    "lukhas.consciousness.registry": "lukhas.domain.consciousness.registry",
    "lukhas.consciousness.guardian_integration": "lukhas.domain.consciousness.guardian_integration",
    "lukhas.consciousness.creativity_engine": "lukhas.domain.consciousness.creativity",
    "lukhas.consciousness.reflection_engine": "lukhas.domain.consciousness.reflection_engine",
    "consciousness.awareness": "lukhas.domain.consciousness.awareness",
    "consciousness.resilience": "lukhas.domain.consciousness.resilience",
    "consciousness.dream": "lukhas.domain.consciousness.dream",
    "consciousness.reflection": "lukhas.domain.consciousness.reflection",
})


def _between(aliases: Mapping[str, str], lanes: Sequence[str]) -> frozenset[str]:
    """The packages strictly between a top-level package and an aliased path."""
    found: set[str] = set()
    for path in aliases:
        parts = path.split(".")
        found.update(".".join(parts[:i]) for i in range(2, len(parts)))
    return frozenset(found - set(aliases) - set(lanes))


_BETWEEN = _between(ALIASES, LANES)
_ROOTS = frozenset(path.partition(".")[0] for path in ALIASES)


def home_of(name: str) -> str | None:
    """The home of the LUKHAS path `name`, or None if `name` is no alias.

    Parameters
    ----------
    name : str
        A dotted module path such as ``"core.clock"`` or ``"core.clock._hlc"``.

    Returns
    -------
    str or None
        The dotted path of the module under :mod:`lukhas` that `name` stands for:
        the table's row for `name`, or for its longest aliased parent package with
        the rest of `name` appended.

    Examples
    --------
    >>> home_of("memory.core")
    'lukhas.domain.memory.model'
    >>> home_of("lukhas.primitives.ring") is None
    True
    """
    prefix = name
    while True:
        home = ALIASES.get(prefix)
        if home is not None:
            return home + name[len(prefix):]
        prefix, dot, _ = prefix.rpartition(".")
        if not dot:
            return None


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its home and returning that module object."""

    def __init__(self, home: str) -> None:
        self._home = home
        self._home_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self._home)
        self._home_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamps the alias spec on the module it was handed;
        # the module stays its home's, so give it its own spec back.
        module.__spec__ = self._home_spec


class _BetweenLoader(importlib.abc.Loader):
    """Creates an empty package for a name between a lane and its aliased paths."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(
            spec.name,
            f"``{spec.name}``: a package of LUKHAS import paths; it holds no code "
            "(see :mod:`lukhas._lanes`).",
        )
        module.__all__ = []  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the package is empty."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Answers only for the paths of :data:`ALIASES` and the packages between."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in _ROOTS:
            return None
        if fullname in _BETWEEN:
            return importlib.machinery.ModuleSpec(fullname, _BetweenLoader(), is_package=True)
        home = home_of(fullname)
        if home is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(home))


_FINDER = _AliasFinder()


def install() -> None:
    """Put the alias finder first on :data:`sys.meta_path` (once; later calls do nothing).

    It goes first so that a submodule of an aliased package resolves to the home's
    module rather than being loaded a second time under the alias's name.
    """
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
