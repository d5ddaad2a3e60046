"""Integer op-codes passed from the Python APIs to the Numba kernels, defined once.

A kernel branches on a small ``int`` (``if code == CX_SBX: ...``); the public
API accepts a name (``crossover="sbx"``).  Both sides import the codes from
here: the kernels the module-level constants (Numba freezes global ints into
the compiled code), the APIs the name -> code mappings.  This module imports
neither Numba nor NumPy, so the APIs can validate names without loading a
kernel.

Each family is one mapping; its values are ``0 .. len - 1``.  A kernel tests
every code of a family but (at most) one, which is its fall-through branch.

=================== ======================================== ===========================
family              names (code order)                       kernel
=================== ======================================== ===========================
:data:`SELECTION`   tournament, roulette                     ``evolve`` (``ops[0]``)
:data:`CROSSOVER`   sbx, blend, uniform, order               ``evolve`` (``ops[2]``)
:data:`MUTATION`    polynomial, gaussian, bitflip, swap      ``evolve`` (``ops[3]``)
:data:`DE_STRATEGY` rand1bin, best1bin                       ``evolve`` (DE steps)
:data:`TOPOLOGY`    global, ring                             ``swarm``
:data:`BOUNDARY`    clip, reflect, random, periodic          ``swarm``
:data:`RL_ALGORITHM` q_learning, sarsa, expected_sarsa       ``rl``
:data:`PH_MODE`     both, up, down                           ``drift`` (Page-Hinkley)
=================== ======================================== ===========================

Numba's on-disk cache keys a kernel on its own file only: after changing a
value here in a source checkout, clear the kernel cache (see
:mod:`lukhas._kernels._jit`).

Examples
--------
>>> CROSSOVER["order"] == CX_ORDER
True
>>> sorted(FAMILIES)[:3]
['boundary', 'crossover', 'de_strategy']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "BOUNDARY",
    "BOUNDARY_CLIP",
    "BOUNDARY_PERIODIC",
    "BOUNDARY_RANDOM",
    "BOUNDARY_REFLECT",
    "CROSSOVER",
    "CX_BLEND",
    "CX_ORDER",
    "CX_SBX",
    "CX_UNIFORM",
    "DE_BEST1",
    "DE_RAND1",
    "DE_STRATEGY",
    "EXPECTED_SARSA",
    "FAMILIES",
    "MUTATION",
    "MUT_BITFLIP",
    "MUT_GAUSSIAN",
    "MUT_POLYNOMIAL",
    "MUT_SWAP",
    "PH_BOTH",
    "PH_DOWN",
    "PH_MODE",
    "PH_UP",
    "Q_LEARNING",
    "RL_ALGORITHM",
    "SARSA",
    "SELECTION",
    "SELECT_ROULETTE",
    "SELECT_TOURNAMENT",
    "TOPOLOGY",
    "TOPOLOGY_GLOBAL",
    "TOPOLOGY_RING",
]

# -- GA parent selection (``ops[0]`` of the GA kernels)
SELECT_TOURNAMENT: Final = 0
SELECT_ROULETTE: Final = 1

# -- GA crossover (``ops[2]``)
CX_SBX: Final = 0
CX_BLEND: Final = 1
CX_UNIFORM: Final = 2
CX_ORDER: Final = 3

# -- GA mutation (``ops[3]``)
MUT_POLYNOMIAL: Final = 0
MUT_GAUSSIAN: Final = 1
MUT_BITFLIP: Final = 2
MUT_SWAP: Final = 3

# -- differential evolution strategy
DE_RAND1: Final = 0
DE_BEST1: Final = 1

# -- PSO neighbourhood topology
TOPOLOGY_GLOBAL: Final = 0
TOPOLOGY_RING: Final = 1

# -- PSO boundary handling
BOUNDARY_CLIP: Final = 0
BOUNDARY_REFLECT: Final = 1
BOUNDARY_RANDOM: Final = 2
BOUNDARY_PERIODIC: Final = 3

# -- tabular RL update rule
Q_LEARNING: Final = 0
SARSA: Final = 1
EXPECTED_SARSA: Final = 2

# -- Page-Hinkley alarm direction
PH_BOTH: Final = 0
PH_UP: Final = 1
PH_DOWN: Final = 2

#: GA selection name -> code.
SELECTION: Final[Mapping[str, int]] = MappingProxyType(
    {"tournament": SELECT_TOURNAMENT, "roulette": SELECT_ROULETTE}
)
#: GA crossover name -> code.
CROSSOVER: Final[Mapping[str, int]] = MappingProxyType(
    {"sbx": CX_SBX, "blend": CX_BLEND, "uniform": CX_UNIFORM, "order": CX_ORDER}
)
#: GA mutation name -> code.
MUTATION: Final[Mapping[str, int]] = MappingProxyType(
    {"polynomial": MUT_POLYNOMIAL, "gaussian": MUT_GAUSSIAN, "bitflip": MUT_BITFLIP,
     "swap": MUT_SWAP}
)
#: Differential-evolution strategy name -> code.
DE_STRATEGY: Final[Mapping[str, int]] = MappingProxyType(
    {"rand1bin": DE_RAND1, "best1bin": DE_BEST1}
)
#: PSO topology name -> code.
TOPOLOGY: Final[Mapping[str, int]] = MappingProxyType(
    {"global": TOPOLOGY_GLOBAL, "ring": TOPOLOGY_RING}
)
#: PSO boundary-handling name -> code.
BOUNDARY: Final[Mapping[str, int]] = MappingProxyType(
    {"clip": BOUNDARY_CLIP, "reflect": BOUNDARY_REFLECT, "random": BOUNDARY_RANDOM,
     "periodic": BOUNDARY_PERIODIC}
)
#: Tabular RL algorithm name -> code.
RL_ALGORITHM: Final[Mapping[str, int]] = MappingProxyType(
    {"q_learning": Q_LEARNING, "sarsa": SARSA, "expected_sarsa": EXPECTED_SARSA}
)
#: Page-Hinkley mode name -> code.
PH_MODE: Final[Mapping[str, int]] = MappingProxyType(
    {"both": PH_BOTH, "up": PH_UP, "down": PH_DOWN}
)

#: Every family by name, for checks that walk them all.
FAMILIES: Final[Mapping[str, Mapping[str, int]]] = MappingProxyType({
    "selection": SELECTION,
    "crossover": CROSSOVER,
    "mutation": MUTATION,
    "de_strategy": DE_STRATEGY,
    "topology": TOPOLOGY,
    "boundary": BOUNDARY,
    "rl_algorithm": RL_ALGORITHM,
    "ph_mode": PH_MODE,
})
