"""Compiled Cython kernels (built from ``native/lukhas/_native/*.pyx``).

Each extension module here has a hand-written ``.pyi`` stub beside it.  The
modules are private: the public, validated APIs live in the lane packages
(``lukhas.primitives.ring``, ``lukhas.primitives.glyphs``, ...).
"""

from __future__ import annotations

__all__: list[str] = []
