"""Structure-aware mutations of an ``HNSWIndex`` archive; shared by hypothesis and atheris.

A valid archive is taken apart into its arrays and config; a mutation script changes
elements (to hostile values), dtypes, shapes, config fields, or drops a member; the
result is written back and loaded.  The contract: ``HNSWIndex.load`` raises
``ValueError`` or returns an index that answers searches and inserts.
"""

from __future__ import annotations

import functools
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from candidate.memory.backends import HNSWIndex

DIM = 6
KINDS = ("element", "dtype", "shape", "drop", "config")
HOSTILE = (-(2**63), -(2**31) - 1, -2, -1, 0, 1, 2, 3, 5, 8, 17, 63, 64, 299, 300, 301,
           2**31 - 1, 2**31, 2**40, 2**63 - 1)
DTYPES = ("int8", "int64", "uint64", "float32", "float64")


@functools.cache
def good_archive() -> dict[str, np.ndarray]:
    """Arrays of a valid archive with deletions and several levels (built once)."""
    rng = np.random.default_rng(3)
    index = HNSWIndex(DIM, "l2", M=4, ef_construction=20, seed=5, ef=32)
    index.add(rng.standard_normal((300, DIM)))
    index.remove(list(range(0, 40, 3)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "good.npz"
        index.save(path)
        with np.load(path) as archive:
            return {key: archive[key].copy() for key in archive.files}


def mutate(arrays: dict[str, Any], script: list[tuple[int, int, int, int, int]]) -> None:
    """Apply ``(kind, key, value, where, dtype)`` index tuples to ``arrays`` in place."""
    keys = sorted(k for k in good_archive() if k != "config")
    for kind_i, key_i, value_i, where, dtype_i in script:
        kind, key = KINDS[kind_i % len(KINDS)], keys[key_i % len(keys)]
        value, dtype = HOSTILE[value_i % len(HOSTILE)], DTYPES[dtype_i % len(DTYPES)]
        if key not in arrays:
            continue
        arr = arrays[key]
        if kind == "element" and arr.size:
            flat = arr.reshape(-1).copy()
            with np.errstate(all="ignore"):  # wrap as a corrupted file would
                flat[where % flat.size] = np.array(float(value)).astype(flat.dtype)
            arrays[key] = flat.reshape(arr.shape)
        elif kind == "dtype":
            with np.errstate(all="ignore"):
                arrays[key] = arr.astype(dtype)
        elif kind == "shape":
            arrays[key] = arr[: max(0, arr.shape[0] - 1)] if arr.ndim else arr.reshape(1)
        elif kind == "drop":
            arrays.pop(key)
        else:
            config = json.loads(str(arrays["config"]))
            config[sorted(config)[where % len(config)]] = value
            arrays["config"] = np.array(json.dumps(config))


def load_and_use(arrays: dict[str, Any], directory: Path) -> bool:
    """Write, load and use; True when the archive loaded (False: refused with ValueError)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = directory / "mutated.npz"
    path.write_bytes(buf.getvalue())
    try:
        index = HNSWIndex.load(path)
    except ValueError:
        return False
    queries = np.random.default_rng(0).standard_normal((4, DIM))
    ids, _ = index.search(queries, k=3)
    assert ids.shape == (4, 3)
    try:
        index.add(queries)
    except ValueError as err:  # a loaded counter at the end of the id space: a clear refusal
        assert "fresh ids" in str(err), err
    index.search(queries, k=3)
    return True
