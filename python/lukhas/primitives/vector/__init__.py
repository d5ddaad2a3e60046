"""Vector memory backends: exact and HNSW search, persistent and sharded stores.

- :class:`FlatIndex`: exact top-k (BLAS products + compiled partial selection).
- :class:`HNSWIndex`: our compiled HNSW graph (add, search with ``ef``,
  delete, save/load, GIL-free batch search; ``exact=True`` for checking).
- :class:`SQLiteStore`: vectors + ids + JSON metadata in SQLite (WAL); the
  index is rebuilt on open and follows other processes' commits; metadata
  filters in search; :class:`StoreBusyError` when another writer holds the lock.
- :class:`ShardedStore`: shards held by Dask workers (the optional
  ``dask[distributed]`` extra), scatter-gather top-k; the same API as
  :class:`SQLiteStore`.

Scores are similarities (larger first) for ``"ip"`` and ``"cosine"`` and
squared Euclidean distances (smaller first) for ``"l2"``.

Examples
--------
>>> import numpy as np
>>> from lukhas.primitives.vector import FlatIndex, HNSWIndex
>>> data = np.random.default_rng(0).standard_normal((200, 16)).astype(np.float32)
>>> flat, graph = FlatIndex(16, "cosine"), HNSWIndex(16, "cosine", seed=0)
>>> _ = flat.add(data), graph.add(data)
>>> (flat.search(data[:5], 3)[0] == graph.search(data[:5], 3)[0]).all()
np.True_

Every backend is built from one store core (:mod:`lukhas.primitives.vector._core`:
ids, queries, metrics, options, metadata filters).  The backends are imported on
first use, so importing the core (as the numpy-only in-memory fake does) loads
neither SQLite nor the compiled kernels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lukhas._exceptions import StoreBusyError

if TYPE_CHECKING:
    from lukhas.primitives.vector.flat import FlatIndex
    from lukhas.primitives.vector.hnsw import HNSWIndex
    from lukhas.primitives.vector.sharded import ShardedStore
    from lukhas.primitives.vector.sqlite_store import SQLiteStore

__all__ = ["FlatIndex", "HNSWIndex", "SQLiteStore", "ShardedStore", "StoreBusyError"]

_HOMES = {
    "FlatIndex": "lukhas.primitives.vector.flat",
    "HNSWIndex": "lukhas.primitives.vector.hnsw",
    "SQLiteStore": "lukhas.primitives.vector.sqlite_store",
    "ShardedStore": "lukhas.primitives.vector.sharded",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
