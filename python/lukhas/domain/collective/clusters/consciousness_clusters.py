"""k-means clustering of agent state vectors, assigned exactly through the vector index.

:class:`ConsciousnessClusteringEngine` groups the state vectors of a collective
(one per agent, mind or memory) into ``k`` clusters with Lloyd's algorithm:

1. **Seeding** by k-means++ (Arthur & Vassilvitskii, 2007): the first centre is a
   uniformly drawn point, each next one a point drawn with probability
   proportional to its squared distance from the nearest centre chosen so far.
2. **Assignment**: the centres go into an exact
   :class:`~lukhas.primitives.vector.FlatIndex` (``"l2"``) and every point is
   searched against it with ``k = 1`` -- its nearest centre by squared
   Euclidean distance, ties to the lower centre index.
3. **Update**: each centre moves to the mean of its points; a centre left
   without points is moved to the point farthest from its own centre (which
   strictly lowers the inertia).
4. Repeat 2-3 until no assignment changes or ``max_iter`` rounds; keep the
   best of ``n_init`` seeded runs (lowest inertia, the sum of squared
   distances of points to their centres).

Each round costs one exact index search (BLAS products and a compiled top-k),
so the engine scales to many agents with wide states.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, describe
from lukhas.primitives.vector import FlatIndex

__all__ = ["ClusteringResult", "ConsciousnessClusteringEngine"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ClusteringResult:
    """A k-means partition.

    Attributes
    ----------
    labels : ndarray of shape (n,), dtype=int64
        Cluster of each point, in ``0 .. k-1``.
    centroids : ndarray of shape (k, dim), dtype=float64
        Cluster centres (the mean of each cluster's points).
    inertia : float
        Sum of squared Euclidean distances of points to their centre.
    iterations : int
        Lloyd rounds of the run kept.
    converged : bool
        Whether that run stopped because no assignment changed.
    members : dict of int to tuple
        Cluster -> keys of its points (row numbers, or the mapping keys given
        to :meth:`ConsciousnessClusteringEngine.cluster_agents`).
    """

    labels: IntArray
    centroids: FloatArray
    inertia: float
    iterations: int
    converged: bool
    members: dict[int, tuple[Hashable, ...]]

    @property
    def sizes(self) -> IntArray:
        """Points per cluster, shape (k,)."""
        return np.bincount(self.labels, minlength=self.centroids.shape[0]).astype(np.int64)


def _nearest(centroids: FloatArray, points: FloatArray) -> tuple[IntArray, FloatArray]:
    """Each point's nearest centre and squared distance, through an exact index."""
    index = FlatIndex(points.shape[1], "l2", dtype=np.float64)
    index.add(centroids)  # ids 0 .. k-1
    ids, dist = index.search(points, 1)
    return ids[:, 0].astype(np.int64), np.maximum(dist[:, 0], 0.0)


class ConsciousnessClusteringEngine:
    """Group state vectors into ``n_clusters`` clusters (k-means++ seeding, Lloyd rounds).

    Parameters
    ----------
    n_clusters : int
        Clusters ``k >= 1``.
    n_init : int, default=4
        Seeded runs; the one of lowest inertia is kept.
    max_iter : int, default=100
        Lloyd rounds per run.
    seed : int or None, default=None
        Seed of the k-means++ draws (None: fresh entropy).

    Attributes
    ----------
    result : ClusteringResult or None
        The last :meth:`fit`; :meth:`predict` assigns new points to its centres.

    Examples
    --------
    >>> import numpy as np
    >>> states = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 4.9]])
    >>> engine = ConsciousnessClusteringEngine(2, seed=0)
    >>> res = engine.fit(states)
    >>> res.labels[0] == res.labels[1], res.labels[0] != res.labels[2]
    (np.True_, np.True_)
    >>> engine.predict([[4.8, 5.2]]).tolist() == [int(res.labels[2])]
    True
    """

    def __init__(
        self, n_clusters: int, *, n_init: int = 4, max_iter: int = 100, seed: int | None = None
    ) -> None:
        self.n_clusters = check_int("n_clusters", n_clusters, low=1)
        self.n_init = check_int("n_init", n_init, low=1)
        self.max_iter = check_int("max_iter", max_iter, low=1)
        if seed is not None:
            check_int("seed", seed, low=0)
        self.seed = seed
        self.result: ClusteringResult | None = None

    def __repr__(self) -> str:
        return (
            f"ConsciousnessClusteringEngine(n_clusters={self.n_clusters}, n_init={self.n_init}, "
            f"max_iter={self.max_iter}, seed={self.seed})"
        )

    def _points(self, vectors: Any) -> FloatArray:
        arr = check_array("vectors", vectors, dtype=np.float64, ndim=2, finite=True)
        if arr.shape[0] < self.n_clusters or arr.shape[1] == 0:
            raise ValueError(
                f"`vectors` must have at least n_clusters={self.n_clusters} rows and one "
                f"column, got {describe(arr)}."
            )
        return np.ascontiguousarray(arr)

    def seed_centroids(self, points: FloatArray, rng: np.random.Generator) -> FloatArray:
        """k-means++ seeding: ``k`` rows of ``points`` drawn by squared distance.

        Parameters
        ----------
        points : ndarray of shape (n, dim), dtype=float64
        rng : numpy.random.Generator

        Returns
        -------
        centroids : ndarray of shape (k, dim), dtype=float64
            When fewer than ``k`` distinct points remain at positive distance,
            the rest are drawn uniformly.
        """
        n = points.shape[0]
        chosen = [int(rng.integers(n))]
        nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
        for _ in range(1, self.n_clusters):
            total = float(nearest.sum())
            nxt = int(rng.choice(n, p=nearest / total)) if total > 0.0 else int(rng.integers(n))
            chosen.append(nxt)
            nearest = np.minimum(nearest, ((points - points[nxt]) ** 2).sum(axis=1))
        return points[chosen].copy()

    def lloyd(
        self, points: FloatArray, centroids: FloatArray
    ) -> tuple[IntArray, FloatArray, float, int, bool]:
        """Lloyd rounds from ``centroids``; return (labels, centroids, inertia, rounds, converged).

        Parameters
        ----------
        points : ndarray of shape (n, dim), dtype=float64
        centroids : ndarray of shape (k, dim), dtype=float64
            Starting centres (not modified).
        """
        centroids = centroids.copy()
        labels, dist = _nearest(centroids, points)
        k = centroids.shape[0]
        for rounds in range(1, self.max_iter + 1):
            counts = np.bincount(labels, minlength=k)
            sums = np.zeros_like(centroids)
            np.add.at(sums, labels, points)
            filled = counts > 0
            centroids[filled] = sums[filled] / counts[filled, None]
            taken = np.zeros(points.shape[0], dtype=bool)
            for empty in np.flatnonzero(~filled).tolist():
                far = np.where(taken, -1.0, dist)
                row = int(np.argmax(far))
                taken[row] = True
                centroids[empty] = points[row]
            new_labels, dist = _nearest(centroids, points)
            if np.array_equal(new_labels, labels):
                return labels, centroids, float(dist.sum()), rounds, True
            labels = new_labels
        return labels, centroids, float(dist.sum()), self.max_iter, False

    def fit(self, vectors: Any, keys: Any = None) -> ClusteringResult:
        """Cluster ``vectors``; keep and return the best of ``n_init`` runs.

        Parameters
        ----------
        vectors : array_like of shape (n, dim)
            Finite state vectors, ``n >= n_clusters``.
        keys : sequence of hashable, optional
            A key per row for :attr:`ClusteringResult.members` (default: row numbers).

        Returns
        -------
        result : ClusteringResult

        Raises
        ------
        TypeError, ValueError
            Non-finite or mis-shaped vectors, fewer rows than clusters, keys of the wrong length.
        """
        points = self._points(vectors)
        names: list[Hashable] = list(range(points.shape[0])) if keys is None else list(keys)
        if len(names) != points.shape[0]:
            raise ValueError(f"`keys` must have {points.shape[0]} entries, got {len(names)}.")
        rng = np.random.default_rng(self.seed)
        best: tuple[IntArray, FloatArray, float, int, bool] | None = None
        for _ in range(self.n_init):
            run = self.lloyd(points, self.seed_centroids(points, rng))
            if best is None or run[2] < best[2]:
                best = run
        assert best is not None
        labels, centroids, inertia, rounds, converged = best
        members: dict[int, list[Hashable]] = {c: [] for c in range(self.n_clusters)}
        for key, label in zip(names, labels.tolist(), strict=True):
            members[label].append(key)
        self.result = ClusteringResult(
            labels, centroids, inertia, rounds, converged,
            {c: tuple(m) for c, m in members.items()},
        )  # fmt: skip
        logger.debug("k-means: k=%d inertia=%.6g rounds=%d", self.n_clusters, inertia, rounds)
        return self.result

    def cluster_agents(self, states: Mapping[Hashable, Any]) -> ClusteringResult:
        """Cluster agents by their state vectors; ``members`` names the agents.

        Parameters
        ----------
        states : Mapping
            Agent -> state vector (all of one width).

        Returns
        -------
        result : ClusteringResult

        Examples
        --------
        >>> engine = ConsciousnessClusteringEngine(2, seed=1)
        >>> res = engine.cluster_agents({"a": [0, 0], "b": [0, 1], "c": [9, 9]})
        >>> sorted(sorted(m) for m in res.members.values())
        [['a', 'b'], ['c']]
        """
        if not isinstance(states, Mapping):
            raise TypeError(f"`states` must be a Mapping, got {describe(states)}.")
        keys = list(states)
        return self.fit(np.array([np.asarray(states[k], dtype=np.float64) for k in keys]), keys)

    def predict(self, vectors: Any) -> IntArray:
        """Nearest fitted centre of each row (exact search on the centre index).

        Parameters
        ----------
        vectors : array_like of shape (m, dim)

        Returns
        -------
        labels : ndarray of shape (m,), dtype=int64

        Raises
        ------
        RuntimeError
            Before :meth:`fit`.
        """
        if self.result is None:
            raise RuntimeError("predict() needs a fitted engine: call fit() first.")
        dim = self.result.centroids.shape[1]
        arr = check_array("vectors", vectors, dtype=np.float64, ndim=2, finite=True)
        if arr.shape[1] != dim:
            raise ValueError(f"`vectors` must have {dim} columns, got {describe(arr)}.")
        return _nearest(self.result.centroids, np.ascontiguousarray(arr))[0]
