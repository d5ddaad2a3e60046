"""``WorkingMemory``: a bounded buffer that forgets by ACT-R base-level activation.

Each held key remembers when it was stored or rehearsed, on a logical clock that
advances by one at every :meth:`~WorkingMemory.add` and
:meth:`~WorkingMemory.access`.  Its *activation* at clock ``t`` is the ACT-R
base-level learning equation (Anderson & Schooler, 1991)::

    A(key) = ln( sum_j (t - t_j) ** -decay )

over its last ``max_traces`` use times ``t_j``: recent and frequent use both
raise it, and it falls like a power law with disuse.  When an :meth:`add`
exceeds the capacity, the held key of lowest activation is forgotten (ties:
the earliest stored); the key just added is never the one forgotten.  Unlike a
least-recently-used buffer, an item rehearsed often survives a burst of
newcomers.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator

from lukhas._validation import check_int, check_real

__all__ = ["WorkingMemory"]


class WorkingMemory:
    """Capacity-bounded keys, forgotten lowest base-level activation first.

    Parameters
    ----------
    capacity : int, default=7
        Keys held at most, >= 1.
    decay : float, default=0.5
        ACT-R decay ``d > 0`` (0.5 is the customary value).
    max_traces : int, default=32
        Use times kept per key (the oldest are dropped), >= 1.

    Attributes
    ----------
    clock : int
        Logical time: the number of adds and accesses so far.

    Examples
    --------
    >>> wm = WorkingMemory(capacity=2)
    >>> wm.add("plan"); wm.access("plan"); wm.access("plan")
    []
    >>> wm.add("noise")
    []
    >>> wm.add("more noise")  # "plan" was rehearsed: the older newcomer goes
    ['noise']
    >>> list(wm)
    ['plan', 'more noise']
    """

    def __init__(self, capacity: int = 7, decay: float = 0.5, *, max_traces: int = 32) -> None:
        self.capacity = check_int("capacity", capacity, low=1)
        self.decay = check_real("decay", decay, low=0.0, low_inclusive=False)
        self.max_traces = check_int("max_traces", max_traces, low=1)
        self.clock = 0
        self._traces: dict[Hashable, list[int]] = {}  # insertion order = storage order

    def __len__(self) -> int:
        return len(self._traces)

    def __contains__(self, key: object) -> bool:
        return key in self._traces

    def __iter__(self) -> Iterator[Hashable]:
        """The held keys in storage order."""
        return iter(list(self._traces))

    def __repr__(self) -> str:
        return f"WorkingMemory(capacity={self.capacity}, held={len(self)}, clock={self.clock})"

    def _use(self, key: Hashable) -> None:
        traces = self._traces.setdefault(key, [])
        traces.append(self.clock)
        if len(traces) > self.max_traces:
            del traces[0]
        self.clock += 1

    def activation(self, key: Hashable) -> float:
        """Base-level activation of ``key`` now.

        Raises
        ------
        KeyError
            When ``key`` is not held.
        """
        now, d = self.clock, self.decay
        return math.log(math.fsum((now - t) ** -d for t in self._traces[key]))

    def add(self, key: Hashable) -> list[Hashable]:
        """Store ``key`` (a rehearsal when already held); return the keys forgotten.

        Returns
        -------
        forgotten : list
            At most one key: the held key of lowest activation other than ``key``,
            when the buffer is over capacity.
        """
        self._use(key)
        if len(self._traces) <= self.capacity:
            return []
        victim = min(
            (k for k in self._traces if k != key),
            key=self.activation,  # min keeps the first of equal values: the earliest stored
        )
        del self._traces[victim]
        return [victim]

    def access(self, key: Hashable) -> None:
        """Rehearse a held ``key`` (raises ``KeyError`` when it is not held)."""
        if key not in self._traces:
            raise KeyError(f"{key!r} is not in working memory.")
        self._use(key)

    def remove(self, key: Hashable) -> bool:
        """Forget ``key`` now; return whether it was held."""
        return self._traces.pop(key, None) is not None

    def ranked(self) -> list[tuple[Hashable, float]]:
        """Held keys with their activations, most active first (ties: storage order)."""
        scored = [(k, self.activation(k)) for k in self._traces]
        return sorted(scored, key=lambda kv: -kv[1])
