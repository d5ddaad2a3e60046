"""Memory services of the production lane: scheduled folding and replica sync.

Import the submodules directly (``from lukhas.memory import sync``); this package
itself imports nothing, so loading one service never loads the other.

- :mod:`lukhas.memory.scheduled_folding`: periodic consolidation of memory folds
  (deduplication, near-duplicate clustering, compression levels, decay).
- :mod:`lukhas.memory.sync`: budgeted replica sync between lanes, with
  vector-clock / HLC conflict handling.
"""

from __future__ import annotations

__all__: list[str] = []
