"""Scatter-gather search: ShardedStore (Dask, in-process workers) beside one FlatIndex and numpy.

The sharded store pays for the round trips to its workers and the final
merge; this bench shows that cost on one machine (with real workers on other
machines the shards search in parallel on their own memory).  Every bench
asserts the ids against the single exact index.

Run: ``pytest benches/bench_memory_sharded.py --benchmark-only``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from candidate.memory.backends import FlatIndex, ShardedStore

K = 10
N, DIM, NQ = 50_000, 64, 500
GROUP = "sharded-exact-50k"


def _mixture(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((32, DIM)).astype(np.float32)
    x = centres[rng.integers(0, 32, n)] + 0.5 * rng.standard_normal((n, DIM), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    base, queries = _mixture(N, 0), _mixture(NQ, 1)
    index = FlatIndex(DIM, "ip")
    index.add(base)
    return base, queries, index.search(queries, K)[0]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.benchmark(group=GROUP)
@pytest.mark.parametrize("n_shards", [2, 4])
def test_sharded_store(benchmark: Any, data: Any, client: Any, n_shards: int) -> None:
    base, queries, truth = data
    with ShardedStore(DIM, "ip", client=client, n_shards=n_shards) as store:
        store.add(base)
        found = benchmark(lambda: store.search(queries, K)[0])
    np.testing.assert_array_equal(found, truth)


@pytest.mark.benchmark(group=GROUP)
def test_flat_index(benchmark: Any, data: Any) -> None:
    base, queries, truth = data
    index = FlatIndex(DIM, "ip")
    index.add(base)
    np.testing.assert_array_equal(benchmark(lambda: index.search(queries, K)[0]), truth)


@pytest.mark.benchmark(group=GROUP)
def test_numpy_matmul_argpartition(benchmark: Any, data: Any) -> None:
    base, queries, truth = data

    def search() -> np.ndarray:
        scores = queries @ base.T
        part = np.argpartition(-scores, K, axis=1)[:, :K]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        return np.take_along_axis(part, order, axis=1)

    found = benchmark(search)
    assert (found == truth).mean() > 0.999  # argsort is not stable across equal scores
