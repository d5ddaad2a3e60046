"""Replica versions and conflict handling on vector clocks and HLC stamps (``primitives.clock``).

Every (lane, fold id) pair holds a :class:`ReplicaEntry`: the fold's data, a
:class:`~lukhas.primitives.clock.VectorClock` over the lanes (which writes it has seen) and
a :class:`~lukhas.primitives.clock.HLCTimestamp` (when it was last written, close to wall
time).  Moving a fold from a source to a target replica compares the two
vector clocks:

* source AFTER target (or no target yet): the target takes the source version;
* EQUAL: nothing to do;
* BEFORE: the target is newer; the stale source version is ignored;
* CONCURRENT: both lanes wrote without seeing each other; a
  :class:`ConflictResolver` picks the data, and the result's clock is the
  merge of both, incremented at the target, so it dominates both sides.

The default resolver is :func:`last_writer_wins` (higher HLC stamp wins, ties
broken by lane name, so every replica picks the same winner).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from lukhas.primitives.clock import (
    HLCTimestamp,
    HybridLogicalClock,
    NodeIndex,
    Ordering,
    VectorClock,
)

__all__ = [
    "ConflictResolver",
    "ReconcileOutcome",
    "ReplicaEntry",
    "ReplicaStore",
    "last_writer_wins",
]


@dataclass(frozen=True)
class ReplicaEntry:
    """One lane's version of one fold.

    Attributes
    ----------
    lane : str
    fold_id : str
    data : dict
        The fold payload (a private deep copy).
    clock : VectorClock
        Writes seen, per lane (owned by ``lane``; never mutated after creation).
    stamp : HLCTimestamp
        Hybrid-logical time of the write that produced this version.

    Examples
    --------
    >>> entry = ReplicaStore().write("lane", "f", {"v": 1})
    >>> entry.lane, entry.clock.to_dict()
    ('lane', {'lane': 1})
    """

    lane: str
    fold_id: str
    data: dict[str, Any]
    clock: VectorClock
    stamp: HLCTimestamp


class ConflictResolver(Protocol):
    """Chooses the data of a fold written concurrently on two lanes.

    Called with the target's (``local``) and the source's (``remote``)
    versions; returns the data the target keeps.  It must be deterministic and
    symmetric in the sense that every replica, given the same pair, keeps the
    same data.

    Examples
    --------
    >>> def keep_local(local: ReplicaEntry, remote: ReplicaEntry, /) -> dict[str, int]:
    ...     return dict(local.data)
    >>> store = ReplicaStore(resolver=keep_local)
    """

    def __call__(self, local: ReplicaEntry, remote: ReplicaEntry, /) -> Mapping[str, Any]: ...


def last_writer_wins(local: ReplicaEntry, remote: ReplicaEntry, /) -> Mapping[str, Any]:
    """Keep the version with the later HLC stamp; on equal stamps the larger lane name.

    Parameters
    ----------
    local, remote : ReplicaEntry
        The two concurrent versions.

    Returns
    -------
    data : mapping
        The winner's data.

    Examples
    --------
    >>> nodes = NodeIndex()
    >>> a = ReplicaEntry("a", "f", {"v": 1}, VectorClock("a", nodes), HLCTimestamp(10))
    >>> b = ReplicaEntry("b", "f", {"v": 2}, VectorClock("b", nodes), HLCTimestamp(9))
    >>> last_writer_wins(a, b), last_writer_wins(b, a)
    ({'v': 1}, {'v': 1})
    """
    if (local.stamp, local.lane) >= (remote.stamp, remote.lane):
        return local.data
    return remote.data


class ReconcileOutcome(Enum):
    """What reconciling a source replica into a target replica did.

    Examples
    --------
    >>> ReconcileOutcome("stale")
    <ReconcileOutcome.STALE: 'stale'>
    """

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    RESOLVED = "resolved"


class ReplicaStore:
    """Versions of folds on every lane a synchronizer has seen, with causal reconciliation.

    Parameters
    ----------
    resolver : ConflictResolver, default=last_writer_wins
        Picks the data of concurrent versions.
    hlc : HybridLogicalClock or None, default=None
        Stamps writes; a fresh clock on the wall time by default (inject one
        with a manual physical clock in simulations).

    Attributes
    ----------
    conflicts : int
        Concurrent versions resolved so far.

    Examples
    --------
    >>> store = ReplicaStore()
    >>> _ = store.write("a", "f", {"v": 1})
    >>> _ = store.write("b", "f", {"v": 2})          # concurrent with a's write
    >>> store.reconcile("a", "b", "f")
    <ReconcileOutcome.RESOLVED: 'resolved'>
    >>> store.get("b", "f").data                      # b wrote last
    {'v': 2}
    >>> store.reconcile("b", "a", "f"), store.get("a", "f").data
    (<ReconcileOutcome.APPLIED: 'applied'>, {'v': 2})
    """

    def __init__(self, resolver: ConflictResolver = last_writer_wins,
                 hlc: HybridLogicalClock | None = None) -> None:
        if not callable(resolver):
            raise TypeError("`resolver` must be callable(local, remote) -> mapping.")
        self.resolver = resolver
        self.hlc = HybridLogicalClock() if hlc is None else hlc
        self.nodes = NodeIndex()
        self.conflicts = 0
        self._entries: dict[tuple[str, str], ReplicaEntry] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, lane: str, fold_id: str) -> ReplicaEntry | None:
        """The version of ``fold_id`` held by ``lane`` (None if it has none).

        Examples
        --------
        >>> ReplicaStore().get("a", "f") is None
        True
        """
        return self._entries.get((lane, fold_id))

    def write(self, lane: str, fold_id: str, data: Mapping[str, Any]) -> ReplicaEntry:
        """Record a local write of ``data`` on ``lane``: a new version that follows the last.

        Parameters
        ----------
        lane : str
        fold_id : str
        data : mapping
            Deep-copied into the store.

        Returns
        -------
        entry : ReplicaEntry

        Examples
        --------
        >>> store = ReplicaStore()
        >>> _ = store.write("a", "f", {"v": 1}); store.write("a", "f", {"v": 2}).clock["a"]
        2
        """
        with self._lock:
            previous = self._entries.get((lane, fold_id))
            clock = (VectorClock(lane, self.nodes) if previous is None
                     else previous.clock.copy())
            clock.increment()
            entry = ReplicaEntry(lane, fold_id, copy.deepcopy(dict(data)), clock, self.hlc.now())
            self._entries[(lane, fold_id)] = entry
            return entry

    def observe(self, lane: str, fold_id: str, data: Mapping[str, Any]) -> ReplicaEntry:
        """Write ``data`` on ``lane`` unless that lane already holds exactly this data.

        Examples
        --------
        >>> store = ReplicaStore()
        >>> first = store.observe("a", "f", {"v": 1})
        >>> store.observe("a", "f", {"v": 1}) is first
        True
        """
        with self._lock:
            current = self._entries.get((lane, fold_id))
            if current is not None and current.data == data:
                return current
            return self.write(lane, fold_id, data)

    def reconcile(self, source: str, target: str, fold_id: str) -> ReconcileOutcome:
        """Bring ``target``'s version of ``fold_id`` up to date with ``source``'s.

        Parameters
        ----------
        source, target : str
            Lanes; ``source`` must hold a version.
        fold_id : str

        Returns
        -------
        outcome : ReconcileOutcome

        Raises
        ------
        KeyError
            If ``source`` holds no version of ``fold_id``.

        Examples
        --------
        See :class:`ReplicaStore`.
        """
        with self._lock:
            remote = self._entries[(source, fold_id)]
            if source == target:
                return ReconcileOutcome.UNCHANGED
            local = self._entries.get((target, fold_id))
            if local is None:
                self._adopt(target, remote)
                return ReconcileOutcome.APPLIED
            order = remote.clock.compare(local.clock)
            if order is Ordering.EQUAL:
                return ReconcileOutcome.UNCHANGED
            if order is Ordering.BEFORE:
                return ReconcileOutcome.STALE
            if order is Ordering.AFTER:
                self._adopt(target, remote)
                return ReconcileOutcome.APPLIED
            winner = self.resolver(local, remote)
            clock = local.clock.copy()
            clock.merge(remote.clock)
            clock.increment()
            stamp = self.hlc.receive(max(local.stamp, remote.stamp))
            self._entries[(target, fold_id)] = ReplicaEntry(
                target, fold_id, copy.deepcopy(dict(winner)), clock, stamp)
            self.conflicts += 1
            return ReconcileOutcome.RESOLVED

    def _adopt(self, target: str, remote: ReplicaEntry) -> None:
        self.hlc.receive(remote.stamp)
        self._entries[(target, remote.fold_id)] = ReplicaEntry(
            target, remote.fold_id, copy.deepcopy(remote.data), remote.clock.copy(target),
            remote.stamp)

    def clear(self) -> None:
        """Forget every version.

        Examples
        --------
        >>> store = ReplicaStore(); _ = store.write("a", "f", {}); store.clear(); len(store)
        0
        """
        with self._lock:
            self._entries.clear()
            self.conflicts = 0
