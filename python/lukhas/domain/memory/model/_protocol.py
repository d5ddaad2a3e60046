"""The vector-backend protocols every memory store satisfies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["MemoryBackend", "MetadataBackend"]


@runtime_checkable
class MemoryBackend(Protocol):
    """A k-nearest-neighbour store of vectors under integer ids.

    Implemented by :class:`lukhas.primitives.vector.FlatIndex`,
    ``HNSWIndex``, ``SQLiteStore``, ``ShardedStore`` and
    :class:`lukhas.domain.memory.fakes.InMemoryBackend`; ``tests/conformance`` checks them
    all against the same behaviour:

    * ``add`` stores a batch (all or nothing), assigns the next free ids when
      none are given and refuses ids already stored (ValueError);
    * ``search`` returns ``(ids, scores)`` of shape (nq, k) -- or (k,) for
      one 1-D query -- best first, padded with id -1 past the store size;
      scores are similarities for ``"ip"``/``"cosine"`` and squared distances
      for ``"l2"``;
    * ``remove`` deletes by id (KeyError, and nothing deleted, if one is missing).

    Most backends also answer ``ident in store``; it is not part of the protocol.

    Attributes
    ----------
    dim : int
    metric : str
    """

    dim: int
    metric: str

    def __len__(self) -> int: ...

    def add(self, vectors: Any, ids: Any = None) -> npt.NDArray[np.int64]: ...

    def search(self, queries: Any, k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]: ...

    def remove(self, ids: Any) -> None: ...


@runtime_checkable
class MetadataBackend(MemoryBackend, Protocol):
    """A :class:`MemoryBackend` that also keeps one JSON object of metadata per item.

    ``search(..., where={key: value})`` returns exact top-k among the items whose
    metadata holds every given key with an equal value.
    """

    def add(
        self, vectors: Any, ids: Any = None,
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> npt.NDArray[np.int64]: ...

    def search(
        self, queries: Any, k: int, *, where: Mapping[str, Any] | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]: ...

    def metadata(self, ids: Any) -> list[dict[str, Any]]: ...
