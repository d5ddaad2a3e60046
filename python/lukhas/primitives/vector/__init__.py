"""Vector memory backends: exact and HNSW search, persistent and sharded stores.

- :class:`FlatIndex`: exact top-k (BLAS products + compiled partial selection).
- :class:`HNSWIndex`: our compiled HNSW graph (add, search with ``ef``,
  delete, save/load, GIL-free batch search; ``exact=True`` for checking).
- :class:`SQLiteStore`: vectors + ids + JSON metadata in SQLite (WAL); the
  index is rebuilt on open; metadata filters in search.
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
"""

from __future__ import annotations

from lukhas.primitives.vector.flat import FlatIndex
from lukhas.primitives.vector.hnsw import HNSWIndex
from lukhas.primitives.vector.sharded import ShardedStore
from lukhas.primitives.vector.sqlite_store import SQLiteStore

__all__ = ["FlatIndex", "HNSWIndex", "SQLiteStore", "ShardedStore"]


def __dir__() -> list[str]:
    return list(__all__)
