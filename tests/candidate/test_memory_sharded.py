"""ShardedStore on a LocalCluster: exactness of the merge, HNSW shards, lifecycle, bad input."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from candidate.memory.backends import FlatIndex, ShardedStore
from reference.topk_ref import recall_at_k

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((16, dim)) * 2
    return (centers[rng.integers(0, 16, n)] + rng.standard_normal((n, dim))).astype(np.float32)


def test_defaults_follow_the_cluster(client: Any) -> None:
    with ShardedStore(4, client=client) as store:
        assert store.n_shards == 2 and store.metric == "cosine"
        store.add(np.eye(4, dtype=np.float32) + 0.1)
        assert store.shard_sizes == [2, 2] and len(store) == 4
    with ShardedStore(4) as current:  # the running client is picked up
        assert current.client is client


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_merge_equals_one_exact_index(client: Any, metric: str) -> None:
    data = _clustered(1500, 24, seed=1)
    queries = _clustered(40, 24, seed=2)
    ids = np.random.default_rng(3).permutation(10_000)[:1500]
    flat = FlatIndex(24, metric)
    flat.add(data, ids)
    with ShardedStore(24, metric, client=client, n_shards=5) as store:
        store.add(data, ids)
        assert sum(store.shard_sizes) == 1500 and min(store.shard_sizes) > 200
        got_ids, got_scores = store.search(queries, 10)
    want_ids, want_scores = flat.search(queries, 10)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5, atol=1e-5)


def test_hnsw_shards_keep_recall(client: Any) -> None:
    data = _clustered(2000, 16, seed=4)
    queries = _clustered(100, 16, seed=5)
    with ShardedStore(16, "l2", client=client, index="hnsw", M=12, ef_construction=100,
                      ef=64, seed=0) as store:
        store.add(data)
        approx = store.search(queries, 10)[0]
        exact = store.search(queries, 10, exact=True)[0]
    truth = FlatIndex(16, "l2")
    truth.add(data)
    np.testing.assert_array_equal(exact, truth.search(queries, 10)[0])
    assert recall_at_k(approx, exact) >= 0.95


def test_concurrent_writers_and_readers(client: Any) -> None:
    data = _clustered(400, 8, seed=6)
    with ShardedStore(8, "ip", client=client) as store:
        errors: list[BaseException] = []

        def write(part: int) -> None:
            try:
                store.add(data[part * 100:(part + 1) * 100], np.arange(100) + part * 100)
            except BaseException as err:  # surfaced below
                errors.append(err)

        def read() -> None:
            try:
                for _ in range(5):
                    found = store.search(data[:3], 4)[0]
                    assert ((found >= -1) & (found < 400)).all()
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=write, args=(p,)) for p in range(4)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(store) == 400
        flat = FlatIndex(8, "ip")
        flat.add(data)
        np.testing.assert_array_equal(store.search(data[:20], 5)[0], flat.search(data[:20], 5)[0])


def test_metadata_lives_on_the_shards(client: Any) -> None:
    with ShardedStore(3, "l2", client=client, n_shards=3) as store:
        store.add(np.arange(30, dtype=np.float32).reshape(10, 3),
                  metadata=[{"even": i % 2 == 0, "i": i} for i in range(10)])
        assert store.metadata([9, 0]) == [{"even": False, "i": 9}, {"even": True, "i": 0}]
        found = store.search([0.0, 0.0, 0.0], 3, where={"even": False})[0]
        assert found.tolist() == [1, 3, 5]
        store.remove([1, 3])
        assert store.search([0.0, 0.0, 0.0], 2, where={"even": False})[0].tolist() == [5, 7]
        with pytest.raises(KeyError):
            store.metadata([1])


def test_missing_dask_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"lukhas\[dask\]"):
        ShardedStore(4)


def test_lifecycle_and_bad_arguments(client: Any) -> None:
    with pytest.raises(TypeError, match="client"):
        ShardedStore(4, client="tcp://nowhere")
    with pytest.raises(ValueError, match=r"ShardedStore.*`M`.*index='hnsw'"):
        ShardedStore(4, client=client, M=8)
    with pytest.raises(ValueError, match="n_shards"):
        ShardedStore(4, client=client, n_shards=0)
    with pytest.raises(ValueError, match="index"):
        ShardedStore(4, client=client, index="ivf")
    store = ShardedStore(4, client=client)
    store.add(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"ShardedStore.*`ef`.*index='hnsw'"):
        store.search(np.ones(4), 1, ef=10)
    store.close()
    store.close()
    with pytest.raises(ValueError, match="closed"):
        store.search(np.ones(4), 1)
    with pytest.raises(ValueError, match="closed"):
        store.add(np.ones((1, 4)))


@pytest.mark.slow
def test_shards_in_worker_processes() -> None:
    data = _clustered(600, 8, seed=8)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as remote, \
            ShardedStore(8, "cosine", client=remote, index="hnsw", seed=0) as store:
        store.add(data, metadata=[{"i": i} for i in range(600)])
        exact = store.search(data[:20], 5, exact=True)[0]
        assert store.metadata([599]) == [{"i": 599}]
    flat = FlatIndex(8, "cosine")
    flat.add(data)
    np.testing.assert_array_equal(exact, flat.search(data[:20], 5)[0])
