"""Primitives: validated APIs over the compiled kernels (layer 2 of 5).

Ring buffers (:mod:`.ring`), glyph hashing (:mod:`.glyphs`), logical, vector and
hybrid clocks (:mod:`.clock`), vector search and stores (:mod:`.vector`), QUBO
annealing (:mod:`.anneal`) and evolutionary optimisers (:mod:`.evolve`).  They
import only the kernels and the base modules (``lukhas._validation``, ...).

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
