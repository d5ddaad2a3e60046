"""Demo section: memories stored and searched in an embedded SQLite store (vector memory)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from lukhas.domain.memory.model import HashingEmbedder, cluster_near_duplicates
from lukhas.domain.memory.sync import SyncResult, create_memory_synchronizer
from lukhas.primitives.vector import FlatIndex, SQLiteStore

__all__ = ["TITLE", "run"]

TITLE = "Vector memory in an embedded SQLite store (candidate.memory, memory.core)"

_DIM = 256
_SUBJECTS = ("the kettle", "my passport", "the car keys", "grandma's recipe", "the router",
             "the spare charger", "the tax forms", "the red umbrella")
_PLACES = ("in the kitchen drawer", "on the hallway hook", "in the blue folder",
           "behind the sofa", "in the glovebox", "on the top shelf")
_QUERIES = (("where did I leave the car keys?", None),
            ("tax forms folder", None),
            ("what is on the top shelf", {"kind": "location"}))


def _memories() -> tuple[list[str], list[dict[str, object]]]:
    texts: list[str] = []
    meta: list[dict[str, object]] = []
    for i, subject in enumerate(_SUBJECTS):
        for j, place in enumerate(_PLACES):
            if (i + j) % 2:
                texts.append(f"{subject} is {place}")
                meta.append({"kind": "location", "subject": subject})
    texts += ["call mom on sunday", "Call mom on Sunday!", "renew the passport in may",
              "the router password is on a sticker"]
    meta += [{"kind": "todo"}, {"kind": "todo"}, {"kind": "todo"}, {"kind": "fact"}]
    return texts, meta


def run(out: TextIO) -> None:
    """Store, reopen and search memories in a temporary SQLite store; write results to ``out``.

    Parameters
    ----------
    out : text stream
        Destination.
    """
    embed = HashingEmbedder(_DIM)
    texts, meta = _memories()
    vectors = embed(texts)
    with tempfile.TemporaryDirectory(prefix="lukhas-demo-") as tmp:
        path = Path(tmp) / "memories.db"
        t0 = time.perf_counter()
        with SQLiteStore(path, dim=_DIM, metric="cosine") as store:
            ids = store.add(vectors, metadata=[dict(m, text=t) for m, t in zip(meta, texts,
                                                                              strict=True)])
        t_add = time.perf_counter() - t0
        t0 = time.perf_counter()
        store = SQLiteStore(path)
        t_open = time.perf_counter() - t0
        with store:
            if len(store) != len(texts):
                raise RuntimeError("memory demo: the reopened store lost items")
            out.write(f"   {len(ids)} memories embedded ({_DIM}-d feature hashing) and stored "
                      f"in {t_add * 1e3:.1f} ms (one WAL transaction); reopened in "
                      f"{t_open * 1e3:.1f} ms ({path.stat().st_size // 1024} KiB on disk)\n")
            for query, where in _QUERIES:
                t0 = time.perf_counter()
                found, scores = store.search(embed(query), 2, where=where)
                elapsed = (time.perf_counter() - t0) * 1e3
                hits = store.metadata(found[found >= 0].tolist())
                label = f" where {where}" if where else ""
                out.write(f"   ? {query!r}{label} ({elapsed:.2f} ms)\n")
                for hit, score in zip(hits, scores.tolist(), strict=True):
                    out.write(f"       {score:.3f}  {hit['text']}\n")
    labels = cluster_near_duplicates(vectors, threshold=0.9)
    groups = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    dups = [[texts[i] for i in g] for g in groups if g.size > 1]
    out.write(f"   near-duplicate memories (cosine >= 0.9): {dups}\n")

    rng = np.random.default_rng(7)
    centers = rng.standard_normal((64, 128)).astype(np.float32)
    base = centers[rng.integers(0, 64, 50_000)] + 0.3 * rng.standard_normal(
        (50_000, 128)).astype(np.float32)
    queries = base[rng.integers(0, 50_000, 1_000)]
    index = FlatIndex(128, "ip")
    index.add(base)
    index.search(queries[:64], 10)  # start the selection thread, touch the pages
    t0 = time.perf_counter()
    found, _ = index.search(queries, 10)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = queries @ base.T
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    t_numpy = time.perf_counter() - t0
    if not (np.sort(found, axis=1) == np.sort(top, axis=1)).mean() > 0.999:
        raise RuntimeError("memory demo: exact search disagrees with numpy")
    out.write(f"   exact top-10 of 1,000 queries over 50,000 x 128 clustered vectors: "
              f"{t_ours * 1e3:.0f} ms (numpy matmul+argpartition {t_numpy * 1e3:.0f} ms)\n")

    sync = create_memory_synchronizer(lane="candidate")
    results = [sync.sync_fold("candidate", lane, {"fold_id": "f-demo", "content": texts[0]})
               for lane in ("prod", "experimental", "candidate")]
    if any(r.result is not SyncResult.SUCCESS for r in results):
        raise RuntimeError("memory demo: a budgeted sync failed")
    stats = sync.get_sync_stats()
    out.write(f"   synced one fold candidate -> prod/experimental/candidate: "
              f"{stats['successful_operations']} ok, mean "
              f"{np.mean([r.duration_ms for r in results]):.3f} ms, fanout now "
              f"{stats['current_fanout']}/{stats['fanout_capacity']}\n")
