"""The ``consciousness`` lane: the consciousness modules LUKHAS imports as ``consciousness.*``
(``consciousness.awareness``, ``.dream``, ``.reflection`` and ``.resilience``).

It holds no code.  Each ``consciousness.*`` path LUKHAS uses is the same module object as
its home under :mod:`lukhas`, through the one alias table :data:`lukhas._lanes.ALIASES`;
importing this package loads nothing else, and a path is imported when it is asked for.
"""

from __future__ import annotations

import lukhas  # noqa: F401  (installs the finder that resolves the aliases)

__all__: list[str] = []
