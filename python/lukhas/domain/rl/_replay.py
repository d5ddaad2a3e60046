"""Experience replay on :class:`lukhas.primitives.ring.RingBuffer` columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe
from lukhas.primitives.ring import RingBuffer

__all__ = ["ReplayBatch", "ReplayBuffer"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ReplayBatch:
    """Transitions sampled from a :class:`ReplayBuffer` (row ``i`` is one transition)."""

    obs: FloatArray
    actions: npt.NDArray[np.int64]
    rewards: FloatArray
    next_obs: FloatArray
    dones: npt.NDArray[np.bool_]


def _gather(ring: RingBuffer, idx: npt.NDArray[np.intp], width: int) -> npt.NDArray[Any]:
    """Rows ``idx`` (oldest = 0) of a ring holding ``width`` values per transition.

    Reads the ring's zero-copy segments; a write of ``width`` values at a time
    keeps every segment boundary on a transition boundary.
    """
    segments = [seg.reshape(-1, width) for seg in ring.view()]
    if len(segments) == 1:
        return segments[0][idx]
    first = segments[0].shape[0]
    out = np.empty((idx.size, width), dtype=ring.dtype)
    low = idx < first
    out[low] = segments[0][idx[low]]
    out[~low] = segments[1][idx[~low] - first]
    return out


class ReplayBuffer:
    """Fixed-capacity transition store; the newest transition overwrites the oldest.

    Each field is a typed :class:`~lukhas.primitives.ring.RingBuffer` column
    (observations flattened, ``obs_dim`` values per transition), so adding is
    a copy into preallocated memory and sampling gathers from the rings' views.

    Parameters
    ----------
    capacity : int
        Transitions kept (>= 1).
    obs_dim : int
        Length of an observation vector (>= 1).
    seed : int or None, default=None
        Seeds :meth:`sample`.

    Examples
    --------
    >>> buf = ReplayBuffer(capacity=3, obs_dim=2, seed=0)
    >>> for t in range(5):
    ...     buf.add([t, t], action=t % 2, reward=float(t), next_obs=[t + 1, t + 1], done=t == 4)
    >>> len(buf), buf.latest(1).rewards.tolist()
    (3, [4.0])
    >>> sorted(buf.sample(3, replace=False).rewards.tolist())
    [2.0, 3.0, 4.0]
    """

    def __init__(self, capacity: int, obs_dim: int, *, seed: int | None = None) -> None:
        self.capacity = check_int("capacity", capacity, low=1)
        self.obs_dim = check_int("obs_dim", obs_dim, low=1)
        self._obs = RingBuffer(self.capacity * self.obs_dim, np.float64)
        self._next_obs = RingBuffer(self.capacity * self.obs_dim, np.float64)
        self._actions = RingBuffer(self.capacity, np.int64)
        self._rewards = RingBuffer(self.capacity, np.float64)
        self._dones = RingBuffer(self.capacity, np.uint8)
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self._rewards)

    def _vector(self, name: str, value: Any) -> FloatArray:
        arr = check_array(name, value, dtype=np.float64, finite=True).reshape(-1)
        if arr.size != self.obs_dim:
            raise ValueError(f"`{name}` must hold {self.obs_dim} values, got {describe(value)}.")
        return arr

    def add(self, obs: Any, action: int, reward: float, next_obs: Any, done: bool) -> None:
        """Store one transition (validated before anything is written)."""
        o = self._vector("obs", obs)
        o2 = self._vector("next_obs", next_obs)
        a = check_int("action", action)
        r = check_real("reward", reward)
        if not isinstance(done, (bool, np.bool_)):
            raise TypeError(f"`done` must be a bool, got {describe(done)}.")
        self._obs.extend(o)
        self._next_obs.extend(o2)
        self._actions.append(a)
        self._rewards.append(r)
        self._dones.append(int(done))

    def _batch(self, idx: npt.NDArray[np.intp]) -> ReplayBatch:
        return ReplayBatch(
            obs=_gather(self._obs, idx, self.obs_dim),
            actions=_gather(self._actions, idx, 1)[:, 0],
            rewards=_gather(self._rewards, idx, 1)[:, 0],
            next_obs=_gather(self._next_obs, idx, self.obs_dim),
            dones=_gather(self._dones, idx, 1)[:, 0].astype(bool),
        )

    def sample(self, batch_size: int, *, replace: bool = True) -> ReplayBatch:
        """Uniformly sampled transitions (with or without replacement)."""
        n = len(self)
        if n == 0:
            raise ValueError("sample() from an empty ReplayBuffer; add transitions first.")
        size = check_int("batch_size", batch_size, low=1, high=None if replace else n)
        idx = self._rng.choice(n, size=size, replace=replace).astype(np.intp)
        return self._batch(idx)

    def latest(self, n: int) -> ReplayBatch:
        """The newest ``n`` transitions, oldest first."""
        n = check_int("n", n, low=0, high=len(self))
        return self._batch(np.arange(len(self) - n, len(self), dtype=np.intp))

    def clear(self) -> None:
        """Drop every transition."""
        for ring in (self._obs, self._next_obs, self._actions, self._rewards, self._dones):
            ring.clear()
