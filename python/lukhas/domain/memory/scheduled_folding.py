"""Periodic consolidation of memory folds: deduplication, compression levels, decay, eviction.

A :class:`ScheduledFoldingManager` keeps registered folds in two tiers:

* **active** folds hold their items in memory;
* **compressed** folds hold one compressed blob (pickle, then zlib or lzma by
  :class:`CompressionLevel`) and are restored transparently on access.

Registering content that is already present (same :attr:`ScheduledFold.content_hash`)
returns the existing fold.  When the active tier is over ``max_active_folds`` the
least valuable folds are compressed; when the compressed tier is over
``max_compressed_folds`` the least valuable are evicted.  Value decays with
idleness: ``(1 + access_count) * 0.5 ** (idle / decay_half_life)``.

A background thread runs :meth:`ScheduledFoldingManager.run_folding_cycle`
every ``folding_interval`` seconds: idle folds are compressed (heavier the
longer they idled), near-duplicate active folds are found through the exact
vector index (:func:`lukhas.domain.memory.model.cluster_near_duplicates` over
:class:`lukhas.domain.memory.model.HashingEmbedder` embeddings of their content) and all but
the most valuable of each cluster are compressed heavily, and compressed folds
whose value decayed below ``eviction_score`` are evicted.

Compressed blobs are pickles produced by this process and never leave it; do
not feed :meth:`ScheduledFold.decompress` data from elsewhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import lzma
import pickle
import sys
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import numpy as np

from lukhas._validation import check_int, check_real, describe
from lukhas.domain.memory.model import HashingEmbedder, MemoryItem, cluster_near_duplicates

__all__ = [
    "CompressionLevel",
    "FoldMetrics",
    "FoldStatus",
    "ScheduledFold",
    "ScheduledFoldingManager",
    "get_folding_manager",
]

logger = logging.getLogger(__name__)


class FoldStatus(Enum):
    """Lifecycle of a scheduled fold.

    Examples
    --------
    >>> FoldStatus("compressed") is FoldStatus.COMPRESSED
    True
    """

    ACTIVE = "active"
    COMPRESSED = "compressed"
    EVICTED = "evicted"
    ERROR = "error"


class CompressionLevel(Enum):
    """How hard to compress: zlib level 1, zlib level 6, or lzma preset 9.

    Examples
    --------
    >>> blob = CompressionLevel.HEAVY.compress(b"abc" * 100)
    >>> len(blob) < 300, CompressionLevel.HEAVY.decompress(blob) == b"abc" * 100
    (True, True)
    """

    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"

    def compress(self, raw: bytes) -> bytes:
        """Compress ``raw`` at this level."""
        if self is CompressionLevel.HEAVY:
            return lzma.compress(raw, preset=9)
        return zlib.compress(raw, 1 if self is CompressionLevel.LIGHT else 6)

    def decompress(self, blob: bytes) -> bytes:
        """Invert :meth:`compress`."""
        if self is CompressionLevel.HEAVY:
            return lzma.decompress(blob)
        return zlib.decompress(blob)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _canonical(value: Any) -> Any:
    """JSON-ready form of fold content: equal content, equal form (for hashing)."""
    if isinstance(value, MemoryItem):  # identity and bookkeeping are not content
        return {"content": _canonical(value.content), "tags": sorted(value.tags),
                "type": value.memory_type.value, "text": value.text}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "data": hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "__dict__"):
        return {"__type__": type(value).__qualname__, **_canonical(vars(value))}
    return repr(value)


def _content_text(items: Any) -> str:
    return json.dumps(_canonical(list(items)), sort_keys=True, separators=(",", ":"))


def _deep_size(value: Any, seen: set[int] | None = None) -> int:
    """Bytes held by ``value`` and everything it references (each object counted once)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return sys.getsizeof(value) + (0 if value.base is None else value.nbytes)
    size = sys.getsizeof(value)
    if isinstance(value, str | bytes | bytearray | int | float | bool) or value is None:
        return size
    if isinstance(value, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        size += sum(_deep_size(v, seen) for v in value)
    if hasattr(value, "__dict__"):
        size += _deep_size(vars(value), seen)
    for slot in getattr(type(value), "__slots__", ()):
        if isinstance(slot, str) and hasattr(value, slot):
            size += _deep_size(getattr(value, slot), seen)
    return size


@dataclass
class FoldMetrics:
    """Size and use of one fold.

    Attributes
    ----------
    item_count : int
    size_bytes : int
        In-memory footprint of the items (deep ``sys.getsizeof``), > 0.
    access_count : int
    last_accessed : datetime
    compression_ratio : float
        Compressed bytes / ``size_bytes``; 1.0 while never compressed.

    Examples
    --------
    >>> FoldMetrics(item_count=2, size_bytes=100).compression_ratio
    1.0
    """

    item_count: int
    size_bytes: int
    access_count: int = 0
    last_accessed: datetime = dataclasses.field(default_factory=_utc_now)
    compression_ratio: float = 1.0


class ScheduledFold:
    """A memory fold under the manager's care: status, content hash, metrics, compression.

    Parameters
    ----------
    fold : object
        Anything with an ``id`` and a mutable ``items`` attribute (for instance
        :class:`lukhas.domain.memory.model.MemoryFold`).
    tags : iterable of str, optional
    clock : callable, optional
        Returns the current UTC ``datetime`` (inject for tests).

    Attributes
    ----------
    status : FoldStatus
    content_hash : str
        16 hex digits of the SHA-256 of the canonical content (equal for equal content).
    metrics : FoldMetrics
    compressed_data : bytes or None
    compression_level : CompressionLevel or None
    error : str or None
        Why the last compression or restore failed.

    Examples
    --------
    >>> from lukhas.domain.memory.model import MemoryFold
    >>> sf = ScheduledFold(fold=MemoryFold("f1", [{"text": "hello " * 20}] * 3))
    >>> sf.status, len(sf.content_hash), sf.metrics.item_count
    (<FoldStatus.ACTIVE: 'active'>, 16, 3)
    >>> sf.compress(CompressionLevel.HEAVY), sf.items, sf.metrics.compression_ratio < 1
    (True, [], True)
    >>> sf.decompress(), len(sf.items), sf.compressed_data is None
    (True, 3, True)
    """

    def __init__(self, fold: Any, tags: Iterable[str] | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        if not hasattr(fold, "id") or not hasattr(fold, "items"):
            raise TypeError(f"`fold` must have `id` and `items` attributes, got {describe(fold)}.")
        self.fold = fold
        self.tags: set[str] = set() if tags is None else {str(t) for t in tags}
        self.tags.update(str(t) for t in getattr(fold, "tags", ()) or ())
        self._clock = clock
        items = fold.items
        text = _content_text(items)
        self.content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        self.metrics = FoldMetrics(item_count=len(items), size_bytes=max(1, _deep_size(items)),
                                   last_accessed=clock())
        self.status = FoldStatus.ACTIVE
        self.compressed_data: bytes | None = None
        self.compression_level: CompressionLevel | None = None
        self.error: str | None = None

    @property
    def id(self) -> Any:
        """The wrapped fold's id.

        Examples
        --------
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> ScheduledFold(MemoryFold("f", [])).id
        'f'
        """
        return self.fold.id

    @property
    def items(self) -> Any:
        """The wrapped fold's items (empty while compressed).

        Examples
        --------
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> ScheduledFold(MemoryFold("f", [1, 2])).items
        [1, 2]
        """
        return self.fold.items

    def __repr__(self) -> str:
        return (f"ScheduledFold(id={self.id!r}, status={self.status.value}, "
                f"items={self.metrics.item_count}, hash={self.content_hash})")

    def content_text(self) -> str:
        """Canonical JSON of the content (what the hash and near-duplicate search read).

        Examples
        --------
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> ScheduledFold(MemoryFold("f", [{"b": 1, "a": 2}])).content_text()
        '[{"a":2,"b":1}]'
        """
        return _content_text(self.fold.items)

    def access(self) -> None:
        """Record one access.

        Examples
        --------
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> sf = ScheduledFold(MemoryFold("f", [])); sf.access(); sf.metrics.access_count
        1
        """
        self.metrics.access_count += 1
        self.metrics.last_accessed = self._clock()

    def value(self, now: datetime, half_life_s: float) -> float:
        """Retention value: ``(1 + accesses) * 0.5 ** (idle seconds / half_life_s)``.

        Examples
        --------
        >>> from datetime import timedelta
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> sf = ScheduledFold(MemoryFold("f", []))
        >>> round(sf.value(sf.metrics.last_accessed + timedelta(seconds=60), 60.0), 3)
        0.5
        """
        idle = max(0.0, (now - self.metrics.last_accessed).total_seconds())
        return float((1 + self.metrics.access_count) * 0.5 ** (idle / half_life_s))

    def compress(self, level: CompressionLevel = CompressionLevel.MEDIUM) -> bool:
        """Replace the items by a compressed blob.

        Returns
        -------
        ok : bool
            True when the fold is compressed (also when it already was); False,
            with status ERROR and :attr:`error` set, when the items cannot be
            pickled or the fold's ``items`` cannot be replaced.

        Examples
        --------
        See :class:`ScheduledFold`.
        """
        if not isinstance(level, CompressionLevel):
            raise TypeError(f"`level` must be a CompressionLevel, got {describe(level)}.")
        if self.status is FoldStatus.COMPRESSED:
            return True
        try:
            items = self.fold.items
            blob = level.compress(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
            self.fold.items = type(items)() if isinstance(items, list | tuple) else []
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as err:
            self.status, self.error = FoldStatus.ERROR, f"compression failed: {err}"
            logger.warning("fold %r: %s", self.id, self.error)
            return False
        self.compressed_data, self.compression_level = blob, level
        self.metrics.compression_ratio = len(blob) / self.metrics.size_bytes
        self.status, self.error = FoldStatus.COMPRESSED, None
        return True

    def decompress(self) -> bool:
        """Restore the items from the blob.

        Returns
        -------
        ok : bool
            True when the items are in memory; False, with status ERROR, when
            the blob cannot be decoded.

        Examples
        --------
        See :class:`ScheduledFold`.
        """
        if self.compressed_data is None or self.compression_level is None:
            return self.status is not FoldStatus.ERROR
        try:
            items = pickle.loads(self.compression_level.decompress(self.compressed_data))
            self.fold.items = items
        except (zlib.error, lzma.LZMAError, pickle.UnpicklingError, EOFError,
                AttributeError, TypeError, ValueError) as err:
            self.status, self.error = FoldStatus.ERROR, f"restore failed: {err}"
            logger.warning("fold %r: %s", self.id, self.error)
            return False
        self.compressed_data, self.compression_level = None, None
        self.status, self.error = FoldStatus.ACTIVE, None
        return True


_METRIC_KEYS = ("folds_created", "folds_compressed", "folds_evicted", "deduplication_saves",
                "compression_saves_bytes", "near_duplicates_found", "folding_cycles")


class ScheduledFoldingManager:
    """Keeps folds within memory limits by deduplicating, compressing, decaying and evicting.

    Parameters
    ----------
    max_active_folds : int, default=100
        Folds kept uncompressed, >= 1.
    max_compressed_folds : int, default=500
        Compressed folds kept, >= 0; beyond it the least valuable are evicted.
    compression_threshold_mb : float, default=50.0
        A folding cycle compresses active folds while they hold more than this.
    folding_interval : float, default=300.0
        Seconds between background folding cycles, > 0.
    eviction_batch_size : int, default=10
        Folds evicted at once when the compressed tier overflows, >= 1.
    decay_half_life : float, default=3600.0
        Seconds of idleness that halve a fold's value, > 0.
    idle_compress_after : float, default=600.0
        A cycle compresses active folds idle longer than this (LIGHT up to
        4x, MEDIUM up to 16x, HEAVY beyond), > 0.
    eviction_score : float, default=0.05
        A cycle evicts compressed folds whose value fell below this, >= 0.
    near_duplicate_threshold : float, default=0.95
        Cosine similarity of content embeddings at which active folds are near
        duplicates, in [-1, 1].
    clock : callable, optional
        Returns the current UTC ``datetime`` (inject for tests).

    Attributes
    ----------
    active_folds, compressed_folds : dict of id to ScheduledFold
    metrics : dict
        ``folds_created``, ``folds_compressed``, ``folds_evicted``,
        ``deduplication_saves``, ``compression_saves_bytes``,
        ``near_duplicates_found``, ``folding_cycles``.
    near_duplicates : dict of id to list of ids
        For each kept fold, the near-duplicates a cycle compressed.

    Notes
    -----
    **The constructor starts the background folding thread** (a daemon named
    ``lukhas-scheduled-folding``, kept as ``_folding_thread``; the contract
    requires it alive after construction).  :meth:`shutdown` stops it.
    Importing this module starts nothing; :func:`get_folding_manager` builds
    the shared manager, and so starts its thread, on its first call.

    Examples
    --------
    >>> from lukhas.domain.memory.model import MemoryFold
    >>> manager = ScheduledFoldingManager(max_active_folds=2, max_compressed_folds=1,
    ...                                   eviction_batch_size=1)
    >>> ids = [manager.register_fold(MemoryFold(f"f{i}", [f"item {i}"])) for i in range(4)]
    >>> manager.register_fold(MemoryFold("again", ["item 3"]))   # same content as f3
    'f3'
    >>> len(manager.active_folds), len(manager.compressed_folds), manager.metrics["folds_evicted"]
    (2, 1, 1)
    >>> manager.access_fold("f3").items
    ['item 3']
    >>> manager.shutdown()
    """

    def __init__(
        self,
        max_active_folds: int = 100,
        max_compressed_folds: int = 500,
        compression_threshold_mb: float = 50.0,
        folding_interval: float = 300.0,
        eviction_batch_size: int = 10,
        *,
        decay_half_life: float = 3600.0,
        idle_compress_after: float = 600.0,
        eviction_score: float = 0.05,
        near_duplicate_threshold: float = 0.95,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.max_active_folds = check_int("max_active_folds", max_active_folds, low=1)
        self.max_compressed_folds = check_int("max_compressed_folds", max_compressed_folds,
                                              low=0)
        self.compression_threshold_mb = check_real("compression_threshold_mb",
                                                   compression_threshold_mb, low=0.0)
        self.folding_interval = check_real("folding_interval", folding_interval, low=0.0,
                                           low_inclusive=False)
        self.eviction_batch_size = check_int("eviction_batch_size", eviction_batch_size, low=1)
        self.decay_half_life = check_real("decay_half_life", decay_half_life, low=0.0,
                                          low_inclusive=False)
        self.idle_compress_after = check_real("idle_compress_after", idle_compress_after,
                                              low=0.0, low_inclusive=False)
        self.eviction_score = check_real("eviction_score", eviction_score, low=0.0)
        self.near_duplicate_threshold = check_real("near_duplicate_threshold",
                                                   near_duplicate_threshold, low=-1.0, high=1.0)
        if not callable(clock):
            raise TypeError(f"`clock` must be callable, got {describe(clock)}.")
        self._clock = clock
        self.active_folds: dict[Any, ScheduledFold] = {}
        self.compressed_folds: dict[Any, ScheduledFold] = {}
        self.metrics: dict[str, int] = dict.fromkeys(_METRIC_KEYS, 0)
        self.near_duplicates: dict[Any, list[Any]] = {}
        self._by_hash: dict[str, Any] = {}
        self._embedder = HashingEmbedder(256)
        self._lock = threading.RLock()
        self._stop_folding = threading.Event()
        self._folding_thread = threading.Thread(target=self._folding_loop,
                                                name="lukhas-scheduled-folding", daemon=True)
        self._folding_thread.start()

    def __repr__(self) -> str:
        return (f"ScheduledFoldingManager(active={len(self.active_folds)}/"
                f"{self.max_active_folds}, compressed={len(self.compressed_folds)}/"
                f"{self.max_compressed_folds})")

    # -- registration and access -------------------------------------------

    def register_fold(self, fold: Any, tags: Iterable[str] | None = None) -> Any:
        """Take a fold under management; return its id (or the id of identical content).

        Parameters
        ----------
        fold : object with ``id`` and ``items``
        tags : iterable of str, optional

        Returns
        -------
        fold_id : object
            ``fold.id``, or the id of the already registered fold with the
            same content (counted in ``deduplication_saves``; the tags are added to it).

        Raises
        ------
        TypeError
            If ``fold`` lacks ``id`` or ``items``.
        ValueError
            If another fold with different content is registered under the same id.

        Examples
        --------
        See :class:`ScheduledFoldingManager`.
        """
        scheduled = ScheduledFold(fold, tags, self._clock)
        with self._lock:
            existing_id = self._by_hash.get(scheduled.content_hash)
            if existing_id is not None:
                self._find(existing_id).tags.update(scheduled.tags)  # type: ignore[union-attr]
                self.metrics["deduplication_saves"] += 1
                return existing_id
            if self._find(scheduled.id) is not None:
                raise ValueError(f"a fold with id {scheduled.id!r} and different content is "
                                 "already registered.")
            self.active_folds[scheduled.id] = scheduled
            self._by_hash[scheduled.content_hash] = scheduled.id
            self.metrics["folds_created"] += 1
            self._enforce_limits()
            return scheduled.id

    def _find(self, fold_id: Any) -> ScheduledFold | None:
        return self.active_folds.get(fold_id) or self.compressed_folds.get(fold_id)

    def access_fold(self, fold_id: Any) -> ScheduledFold | None:
        """The fold with ``fold_id``, restored to the active tier if compressed.

        Returns
        -------
        fold : ScheduledFold or None
            None for an unknown id (or a blob that could not be restored).

        Examples
        --------
        See :class:`ScheduledFoldingManager`.
        """
        with self._lock:
            scheduled = self.active_folds.get(fold_id)
            if scheduled is None:
                scheduled = self.compressed_folds.get(fold_id)
                if scheduled is None:
                    return None
                if not scheduled.decompress():
                    return None
                del self.compressed_folds[fold_id]
                self.active_folds[fold_id] = scheduled
            scheduled.access()
            self._enforce_limits(keep=fold_id)
            return scheduled

    def find_folds_by_tags(self, tags: Iterable[str] | str,
                           match_all: bool = False) -> list[ScheduledFold]:
        """Folds (active and compressed) carrying any (or, with ``match_all``, every) tag.

        Examples
        --------
        >>> from lukhas.domain.memory.model import MemoryFold
        >>> m = ScheduledFoldingManager()
        >>> _ = m.register_fold(MemoryFold("f", ["x"]), tags={"a", "b"})
        >>> [f.id for f in m.find_folds_by_tags({"b", "z"})], m.find_folds_by_tags({"b", "z"}, True)
        (['f'], [])
        >>> m.shutdown()
        """
        wanted = {tags} if isinstance(tags, str) else set(tags)
        with self._lock:
            folds = [*self.active_folds.values(), *self.compressed_folds.values()]
        if match_all:
            return [f for f in folds if wanted <= f.tags]
        return [f for f in folds if wanted & f.tags]

    # -- tiers -----------------------------------------------------------------

    def _active_bytes(self) -> int:
        return sum(f.metrics.size_bytes for f in self.active_folds.values())

    def _level_for(self, scheduled: ScheduledFold, now: datetime) -> CompressionLevel:
        idle = (now - scheduled.metrics.last_accessed).total_seconds()
        if idle <= 4 * self.idle_compress_after:
            return CompressionLevel.LIGHT
        if idle <= 16 * self.idle_compress_after:
            return CompressionLevel.MEDIUM
        return CompressionLevel.HEAVY

    def _demote(self, fold_id: Any, level: CompressionLevel) -> None:
        """Move an active fold to the compressed tier (evict it if it cannot compress)."""
        scheduled = self.active_folds.pop(fold_id)
        if scheduled.compress(level):
            self.compressed_folds[fold_id] = scheduled
            self.metrics["folds_compressed"] += 1
            self.metrics["compression_saves_bytes"] += max(
                0, scheduled.metrics.size_bytes - len(scheduled.compressed_data or b""))
        else:
            self._drop(scheduled)

    def _drop(self, scheduled: ScheduledFold) -> None:
        self._by_hash.pop(scheduled.content_hash, None)
        self.near_duplicates.pop(scheduled.id, None)
        if scheduled.status is not FoldStatus.ERROR:
            scheduled.status = FoldStatus.EVICTED
        self.metrics["folds_evicted"] += 1

    def _evict(self, fold_ids: Iterable[Any]) -> None:
        for fold_id in list(fold_ids):
            self._drop(self.compressed_folds.pop(fold_id))

    def _enforce_limits(self, keep: Any = None) -> None:
        now = self._clock()
        while len(self.active_folds) > self.max_active_folds:
            victim = min((f for f in self.active_folds.values() if f.id != keep),
                         key=lambda f: f.value(now, self.decay_half_life))
            self._demote(victim.id, self._level_for(victim, now))
        overflow = len(self.compressed_folds) - self.max_compressed_folds
        if overflow > 0:
            batch = max(overflow, min(self.eviction_batch_size, len(self.compressed_folds)))
            ranked = sorted(self.compressed_folds.values(),
                            key=lambda f: f.value(now, self.decay_half_life))
            self._evict(f.id for f in ranked[:batch])

    # -- the folding cycle -----------------------------------------------------

    def run_folding_cycle(self) -> dict[str, int]:
        """One consolidation pass (the background thread runs it every ``folding_interval``).

        Returns
        -------
        summary : dict
            ``compressed`` (idle or over the memory threshold),
            ``near_duplicates`` (compressed as near duplicates), ``evicted`` (decayed).

        Examples
        --------
        >>> m = ScheduledFoldingManager()
        >>> m.run_folding_cycle()
        {'compressed': 0, 'near_duplicates': 0, 'evicted': 0}
        >>> m.shutdown()
        """
        with self._lock:
            now = self._clock()
            compressed = near = evicted = 0
            for scheduled in list(self.active_folds.values()):
                idle = (now - scheduled.metrics.last_accessed).total_seconds()
                if idle > self.idle_compress_after:
                    self._demote(scheduled.id, self._level_for(scheduled, now))
                    compressed += 1
            limit = self.compression_threshold_mb * 1024 * 1024
            if self._active_bytes() > limit:
                for scheduled in sorted(self.active_folds.values(),
                                        key=lambda f: f.value(now, self.decay_half_life)):
                    if self._active_bytes() <= limit:
                        break
                    self._demote(scheduled.id, self._level_for(scheduled, now))
                    compressed += 1
            near = self._fold_near_duplicates(now)
            decayed = [f.id for f in self.compressed_folds.values()
                       if f.value(now, self.decay_half_life) < self.eviction_score]
            self._evict(decayed)
            evicted = len(decayed)
            self._enforce_limits()
            self.metrics["folding_cycles"] += 1
        logger.debug("folding cycle: %d compressed, %d near duplicates, %d evicted",
                     compressed, near, evicted)
        return {"compressed": compressed, "near_duplicates": near, "evicted": evicted}

    def _fold_near_duplicates(self, now: datetime) -> int:
        folds = list(self.active_folds.values())
        if len(folds) < 2:
            return 0
        vectors = self._embedder([f.content_text() for f in folds])
        labels = cluster_near_duplicates(vectors, self.near_duplicate_threshold)
        clusters: dict[int, list[ScheduledFold]] = {}
        for label, scheduled in zip(labels.tolist(), folds, strict=True):
            clusters.setdefault(label, []).append(scheduled)
        found = 0
        for members in clusters.values():
            if len(members) < 2:
                continue
            keep = max(members, key=lambda f: f.value(now, self.decay_half_life))
            for other in members:
                if other is not keep:
                    self._demote(other.id, CompressionLevel.HEAVY)
                    self.near_duplicates.setdefault(keep.id, []).append(other.id)
                    found += 1
        self.metrics["near_duplicates_found"] += found
        return found

    def _folding_loop(self) -> None:
        while not self._stop_folding.wait(self.folding_interval):
            try:
                self.run_folding_cycle()
            except Exception:  # keep the scheduler alive; the failure is logged
                logger.exception("scheduled folding cycle failed")

    # -- status and lifecycle ----------------------------------------------------

    def get_status(self) -> dict[str, Any]:
        """Tier sizes, metrics and health.

        Returns
        -------
        status : dict
            ``active_folds``, ``compressed_folds``, ``total_folds`` (counts),
            ``metrics`` (a copy) and ``health_status``: ``memory_healthy``
            (active memory within the threshold and both tiers within limits),
            ``active_memory_mb``, ``active_utilization``,
            ``compressed_utilization``, ``folding_thread_alive``.

        Examples
        --------
        >>> m = ScheduledFoldingManager()
        >>> m.get_status()["health_status"]["memory_healthy"]
        True
        >>> m.shutdown()
        """
        with self._lock:
            active_mb = self._active_bytes() / (1024 * 1024)
            n_active, n_compressed = len(self.active_folds), len(self.compressed_folds)
            healthy = (active_mb <= self.compression_threshold_mb
                       and n_active <= self.max_active_folds
                       and n_compressed <= self.max_compressed_folds)
            return {
                "active_folds": n_active,
                "compressed_folds": n_compressed,
                "total_folds": n_active + n_compressed,
                "metrics": dict(self.metrics),
                "health_status": {
                    "memory_healthy": healthy,
                    "active_memory_mb": active_mb,
                    "active_utilization": n_active / self.max_active_folds,
                    "compressed_utilization": (n_compressed / self.max_compressed_folds
                                               if self.max_compressed_folds else 0.0),
                    "folding_thread_alive": self._folding_thread.is_alive(),
                },
            }

    @property
    def is_running(self) -> bool:
        """Whether the background folding thread is running.

        Examples
        --------
        >>> m = ScheduledFoldingManager(); m.shutdown(); m.is_running
        False
        """
        return self._folding_thread.is_alive() and not self._stop_folding.is_set()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the background thread (sets ``_stop_folding``; waits up to ``timeout`` s).

        Examples
        --------
        >>> m = ScheduledFoldingManager(); m.shutdown(); m._stop_folding.is_set()
        True
        """
        self._stop_folding.set()
        if threading.current_thread() is not self._folding_thread:
            self._folding_thread.join(timeout)


_manager: ScheduledFoldingManager | None = None
_manager_lock = threading.Lock()


def get_folding_manager() -> ScheduledFoldingManager:
    """The process-wide manager (created on first use; recreated after a shutdown).

    Returns
    -------
    manager : ScheduledFoldingManager

    Examples
    --------
    >>> get_folding_manager() is get_folding_manager()
    True
    """
    global _manager
    with _manager_lock:
        if _manager is None or not _manager.is_running:
            _manager = ScheduledFoldingManager()
        return _manager
