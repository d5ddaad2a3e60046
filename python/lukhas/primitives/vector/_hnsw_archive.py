"""Reading an ``HNSWIndex`` archive: every invariant the graph kernels rely on, checked.

The kernels trust the graph (``lukhas._native.hnsw``): a link is followed without a
bounds check, a node's upper-layer rows are found through its offset, and so on.  A
damaged archive must therefore be refused *before* it becomes a graph, and refused
the same way whatever is wrong with it: :class:`ValueError` naming the file and the
first broken invariant.  The invariants:

* every array is present, integer or float as saved, with the shapes that ``dim``,
  ``M`` and the node count imply;
* layer-0 and upper-layer link counts lie in ``[0, 2M]`` and ``[0, M]``, and every
  counted link names a node that exists;
* a node of level ``L >= 1`` owns rows ``offset .. offset + L - 1`` of the upper
  table, inside the table and disjoint from every other node's rows; a level-0 node
  has offset -1;
* a link on layer ``l >= 1`` points at a node whose level is at least ``l``;
* the entry point is a node of the top level (-1 with ``max_level`` 0 when empty);
* deletion marks are 0 or 1; labels are ids in ``[0, 2**63 - 2]``, unique among live
  nodes, and ``next_id`` lies above every label;
* the stored vectors are finite and fit the metric (unit rows under cosine, norms
  within the overflow limits under ``l2``/``ip``), and the graph's distance kernel is
  the one the metric names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._native import hnsw as _hnsw
from lukhas.primitives.vector._checks import MAX_ID, check_magnitude
from lukhas.primitives.vector._core import METRICS

__all__ = ["FORMAT", "KERNEL_CODE", "HNSWArchive", "read_archive"]

#: The archive format this module reads and :meth:`HNSWIndex.save` writes.
FORMAT = "lukhas-hnsw-1"
#: Graph distance kernel code by the metric's kernel (cosine is "ip" over unit rows).
KERNEL_CODE = {"l2": _hnsw.METRIC_L2, "ip": _hnsw.METRIC_IP}
#: Highest node level accepted (HNSW levels are logarithmic in the node count).
MAX_LEVEL = 64
_SCALARS = ("dim", "M", "ef_construction", "metric", "rng_state", "entry", "max_level")
_ARRAYS = ("data", "links0", "levels", "upper_offset", "upper", "deleted", "labels")


class _DamagedError(ValueError):
    """One broken invariant (internal; becomes the ValueError naming the file)."""


@dataclass(frozen=True)
class HNSWArchive:
    """A checked archive: what :meth:`HNSWGraph.from_state` and the index need.

    Attributes
    ----------
    state : dict
        Graph scalars (ints) and arrays in the kernels' dtypes.
    labels : ndarray of shape (size,), dtype=int64
        Id of each node.
    config : dict
        ``metric`` (str), ``seed`` (int), ``ef`` (int), ``rebuild_ratio``
        (float) and ``next_id`` (int).
    """

    state: dict[str, Any]
    labels: npt.NDArray[np.int64]
    config: dict[str, Any]


def read_archive(path: str | os.PathLike[str]) -> HNSWArchive:
    """Read and check an archive written by :meth:`HNSWIndex.save`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    archive : HNSWArchive

    Raises
    ------
    FileNotFoundError, PermissionError, IsADirectoryError
        When the file cannot be opened at all.
    ValueError
        For anything else: not an archive, another format, or a damaged one.
    """
    where = os.fspath(path)
    try:
        arrays, config = _load(Path(path))
        if config.get("format") != FORMAT:
            raise _DamagedError(f"has format {config.get('format')!r}, expected {FORMAT!r}")
        return _check(arrays, config)
    except _DamagedError as err:
        raise ValueError(f"{where!r} is not a valid lukhas HNSW archive: {err}.") from None


def _load(path: Path) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    with open(path, "rb") as fh:  # ours to close, even when NumPy fails half-way
        return _parse(fh)


def _parse(fh: Any) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    try:
        with np.load(fh, allow_pickle=False) as archive:
            files = set(archive.files)
            missing = [key for key in ("config", *_SCALARS, *_ARRAYS) if key not in files]
            if missing:
                raise _DamagedError(f"it lacks {', '.join(missing)}")
            arrays = {key: np.asarray(archive[key]) for key in (*_SCALARS, *_ARRAYS)}
            raw = archive["config"]
    except _DamagedError:
        raise
    except Exception as err:
        # NumPy parses untrusted .npy headers with ast.literal_eval and zip members with
        # zlib: a damaged file surfaces as OSError, ValueError, EOFError, KeyError,
        # BadZipFile, zlib.error, SyntaxError, MemoryError (an absurd shape) and more.
        raise _DamagedError(
            f"it cannot be read as an .npz archive ({type(err).__name__})") from None
    if raw.shape != () or raw.dtype.kind != "U":
        raise _DamagedError("its config is not one JSON string")
    try:
        config = json.loads(str(raw))
    except ValueError:
        raise _DamagedError("its config is not valid JSON") from None
    if not isinstance(config, dict):
        raise _DamagedError("its config is not a JSON object")
    return arrays, config


def _int_scalar(arrays: dict[str, npt.NDArray[Any]], key: str, low: int, high: int) -> int:
    value = arrays[key]
    if value.shape != () or value.dtype.kind not in "iu":
        raise _DamagedError(f"{key} is not an integer scalar")
    number = int(value)
    if not low <= number <= high:
        raise _DamagedError(f"{key}={number} is outside [{low}, {high}]")
    return number


def _int_array(arrays: dict[str, npt.NDArray[Any]], key: str, shape: tuple[int, ...],
               low: int, high: int) -> npt.NDArray[np.int64]:
    value = arrays[key]
    if value.dtype.kind not in "iub" or value.shape != shape:
        raise _DamagedError(f"{key} has shape {value.shape} and dtype {value.dtype}, "
                       f"expected integers of shape {shape}")
    wide = value.astype(np.int64) if value.dtype.kind != "u" or value.itemsize < 8 else None
    if wide is None:  # uint64: range-check before the signed view
        if value.size and int(value.max()) > high:
            raise _DamagedError(f"{key} holds {int(value.max())}, above {high}")
        wide = value.astype(np.int64)
    if wide.size and (int(wide.min()) < low or int(wide.max()) > high):
        raise _DamagedError(f"{key} holds values outside [{low}, {high}]")
    return wide


def _config(config: dict[str, Any]) -> dict[str, Any]:
    def typed(key: str, kinds: tuple[type, ...]) -> Any:
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise _DamagedError(f"config {key}={value!r} has the wrong type")
        return value

    metric = typed("metric", (str,))
    if metric not in METRICS:
        raise _DamagedError(f"config metric={metric!r} is not one of {sorted(METRICS)}")
    seed, ef, next_id = typed("seed", (int,)), typed("ef", (int,)), typed("next_id", (int,))
    ratio = typed("rebuild_ratio", (int, float))
    if not 0 <= seed < 2**64 or ef < 1 or not 0 < ratio <= 1 or not 0 <= next_id <= MAX_ID + 1:
        raise _DamagedError("config seed, ef, rebuild_ratio or next_id is out of range")
    return {"metric": metric, "seed": seed, "ef": ef, "rebuild_ratio": float(ratio),
            "next_id": next_id}


def _check(arrays: dict[str, npt.NDArray[Any]], raw_config: dict[str, Any]) -> HNSWArchive:
    config = _config(raw_config)
    metric = METRICS[config["metric"]]
    dim = _int_scalar(arrays, "dim", 1, 2**31 - 1)
    m = _int_scalar(arrays, "M", 2, 256)
    ef_construction = _int_scalar(arrays, "ef_construction", 1, 2**31 - 1)
    kernel = _int_scalar(arrays, "metric", -(2**31), 2**31 - 1)
    if kernel != KERNEL_CODE[metric.kernel]:
        raise _DamagedError(f"the graph's distance kernel {kernel} is not the one metric "
                       f"{metric.name!r} uses")
    rng_state = _int_scalar(arrays, "rng_state", 0, 2**64 - 1)
    data = arrays["data"]
    if data.ndim != 2 or data.shape[1] != dim or data.dtype != np.float32:
        raise _DamagedError(f"data has shape {data.shape} and dtype {data.dtype}, "
                       f"expected float32 of shape (n, {dim})")
    size = data.shape[0]
    if size >= 2**31 - 1:
        raise _DamagedError(f"it holds {size} nodes, more than the graph's int32 node ids allow")
    if not np.isfinite(data).all():
        raise _DamagedError("data holds NaN or infinity")
    if metric.unit_rows:
        norms = np.sqrt(np.einsum("ij,ij->i", data, data, dtype=np.float64))
        if size and float(np.abs(norms - 1.0).max()) > 1e-3:
            raise _DamagedError("data rows are not unit norm, as the cosine metric stores them")
    else:
        try:
            check_magnitude("data", data, metric.kernel)
        except ValueError as err:
            raise _DamagedError(str(err)) from None
    levels = _int_array(arrays, "levels", (size,), 0, MAX_LEVEL)
    offsets = _int_array(arrays, "upper_offset", (size,), -1, 2**62)
    upper_value = arrays["upper"]
    if upper_value.ndim != 2 or upper_value.shape[1] != m + 1:
        raise _DamagedError(f"upper has shape {upper_value.shape}, expected (rows, {m + 1})")
    rows = upper_value.shape[0]
    upper = _int_array(arrays, "upper", (rows, m + 1), -(2**31), 2**31 - 1)
    links0 = _int_array(arrays, "links0", (size, 2 * m + 1), -(2**31), 2**31 - 1)
    deleted = _int_array(arrays, "deleted", (size,), 0, 1)
    labels = _int_array(arrays, "labels", (size,), 0, MAX_ID)
    _check_links(links0, 2 * m, size, "layer-0")
    _check_links(upper, m, size, "upper-layer")
    _check_rows(levels, offsets, rows)
    _check_link_levels(upper, levels, offsets)
    entry = _int_scalar(arrays, "entry", -1, max(size - 1, -1))
    max_level = _int_scalar(arrays, "max_level", 0, MAX_LEVEL)
    if size and (entry < 0 or levels[entry] != max_level or max_level != int(levels.max())):
        raise _DamagedError(
            f"entry {entry} at max_level {max_level} is not a node of the top level")
    if not size and (entry != -1 or max_level != 0):
        raise _DamagedError("an empty graph must have entry -1 and max_level 0")
    live = labels[deleted == 0]
    if np.unique(live).size != live.size:
        raise _DamagedError("two live nodes share a label")
    if size and config["next_id"] <= int(labels.max()):
        raise _DamagedError(f"next_id {config['next_id']} is not above every label")
    state: dict[str, Any] = {
        "dim": dim, "M": m, "ef_construction": ef_construction, "metric": kernel,
        "rng_state": rng_state, "entry": entry, "max_level": max_level,
        "data": np.ascontiguousarray(data),
        "links0": links0.astype(np.int32), "levels": levels.astype(np.int32),
        "upper_offset": offsets, "upper": upper.astype(np.int32),
        "deleted": deleted.astype(np.uint8),
    }
    return HNSWArchive(state, labels, config)


def _check_links(table: npt.NDArray[np.int64], most: int, size: int, what: str) -> None:
    """Counts in [0, most]; the counted entries of every row name existing nodes."""
    if not table.shape[0]:
        return
    counts = table[:, 0]
    if int(counts.min()) < 0 or int(counts.max()) > most:
        raise _DamagedError(f"a {what} link count is outside [0, {most}]")
    used = np.arange(1, table.shape[1])[None, :] <= counts[:, None]
    targets = table[:, 1:][used]
    if targets.size and (int(targets.min()) < 0 or int(targets.max()) >= size):
        raise _DamagedError(f"a {what} link names a node outside [0, {size})")


def _check_rows(levels: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64],
                rows: int) -> None:
    """Each node of level L >= 1 owns L rows of its own inside the table; others -1."""
    high = levels > 0
    if (offsets[~high] != -1).any():
        raise _DamagedError("a level-0 node has an upper-layer offset")
    starts, counts = offsets[high], levels[high]
    if starts.size and (int(starts.min()) < 0 or int((starts + counts).max()) > rows):
        raise _DamagedError("an upper-layer offset points outside the upper table")
    order = np.argsort(starts, kind="stable")
    ends = (starts + counts)[order]
    if starts.size > 1 and (starts[order][1:] < ends[:-1]).any():
        raise _DamagedError("two nodes share upper-layer rows")


def _check_link_levels(upper: npt.NDArray[np.int64], levels: npt.NDArray[np.int64],
                       offsets: npt.NDArray[np.int64]) -> None:
    """A link on layer l >= 1 points at a node whose level is at least l."""
    if not upper.shape[0]:
        return
    layer = np.zeros(upper.shape[0], dtype=np.int64)  # rows no node owns stay layer 0
    owners = np.flatnonzero(levels > 0)
    spans = levels[owners]
    first = np.repeat(np.cumsum(spans) - spans, spans)   # where each owner's run starts
    within = np.arange(first.size) - first               # 0 .. L - 1 inside each run
    layer[np.repeat(offsets[owners], spans) + within] = within + 1
    owned = layer > 0
    counts = upper[owned, 0]
    used = np.arange(1, upper.shape[1])[None, :] <= counts[:, None]
    targets = upper[owned, 1:]
    need = np.broadcast_to(layer[owned][:, None], targets.shape)
    if (levels[targets[used]] < need[used]).any():
        raise _DamagedError("an upper-layer link points at a node whose level is below that layer")
