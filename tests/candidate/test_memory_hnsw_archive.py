"""``HNSWIndex.load`` against damaged archives: structure-aware fuzzing and the reported cases.

Regression for issue 12 item 2: an archive whose upper-layer link pointed at a node of a
lower level (or whose level-0 node had an out-of-range upper offset) loaded, and
``search`` then crashed; other damage raised KeyError, AttributeError, TypeError or
OverflowError.  Now every damaged archive raises ValueError, and whatever loads
answers searches and inserts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidate.memory.backends import HNSWIndex
from fuzz.hnsw_archive_driver import good_archive, load_and_use, mutate

DIM = 6


def _saved(tmp_path: Path, metric: str = "l2") -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    index = HNSWIndex(DIM, metric, M=4, ef_construction=20, seed=5, ef=32)
    index.add(rng.standard_normal((300, DIM)))
    index.remove(list(range(0, 40, 3)))
    path = tmp_path / "good.npz"
    index.save(path)
    with np.load(path) as archive:
        return {key: archive[key].copy() for key in archive.files}


def _write(arrays: dict[str, Any]) -> io.BytesIO:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    return buf


def _load_and_use(arrays: dict[str, Any], tmp_path: Path, name: str = "x.npz") -> None:
    path = tmp_path / name
    path.write_bytes(_write(arrays).getvalue())
    try:
        index = HNSWIndex.load(path)
    except ValueError:
        return
    queries = np.random.default_rng(0).standard_normal((4, DIM))
    ids, _ = index.search(queries, k=3)
    assert ids.shape == (4, 3)
    index.add(queries)
    index.search(queries, k=3)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    return _saved(tmp_path_factory.mktemp("hnsw"))


def test_good_archive_loads(good: dict[str, np.ndarray], tmp_path: Path) -> None:
    path = tmp_path / "g.npz"
    path.write_bytes(_write(good).getvalue())
    index = HNSWIndex.load(path)
    assert len(index) == 300 - len(range(0, 40, 3))


def _upper_owner_rows(good: dict[str, np.ndarray]) -> tuple[int, int]:
    levels, offsets = good["levels"], good["upper_offset"]
    node = int(np.flatnonzero(levels >= 1)[0])
    return node, int(offsets[node])


def test_upper_link_to_a_lower_level_node_is_refused(
    good: dict[str, np.ndarray], tmp_path: Path
) -> None:
    arrays = {k: v.copy() for k, v in good.items()}
    _, row = _upper_owner_rows(arrays)
    low = int(np.flatnonzero(arrays["levels"] == 0)[0])
    arrays["upper"][row, 0] = max(1, arrays["upper"][row, 0])
    arrays["upper"][row, 1] = low
    path = tmp_path / "bad.npz"
    path.write_bytes(_write(arrays).getvalue())
    with pytest.raises(ValueError, match="level is below that layer"):
        HNSWIndex.load(path)


def test_level0_node_with_an_upper_offset_is_refused(
    good: dict[str, np.ndarray], tmp_path: Path
) -> None:
    arrays = {k: v.copy() for k, v in good.items()}
    low = int(np.flatnonzero(arrays["levels"] == 0)[0])
    arrays["upper_offset"][low] = 10**9
    path = tmp_path / "bad.npz"
    path.write_bytes(_write(arrays).getvalue())
    with pytest.raises(ValueError, match="level-0 node has an upper-layer offset"):
        HNSWIndex.load(path)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda a: a.pop("levels"), "lacks levels"),
        (lambda a: a.update(config=np.array("not json")), "not valid JSON"),
        (lambda a: a.update(config=np.array(json.dumps([1]))), "not a JSON object"),
        (lambda a: a.update(labels=a["labels"].astype(np.float64)), "labels has shape"),
        (lambda a: a.update(M=np.array(2**40)), "M="),
        (lambda a: a.update(rng_state=np.array(-1)), "rng_state"),
        (lambda a: a.update(metric=np.array(1 - int(a["metric"]))), "distance kernel"),
        (lambda a: a["labels"].__setitem__(slice(0, 2), [7, 7]), "share a label"),
        (lambda a: a["labels"].__setitem__(0, -5), "labels holds values"),
        (lambda a: a["data"].__setitem__((0, 0), np.nan), "NaN"),
        (lambda a: a["deleted"].__setitem__(0, 2), "deleted"),
        (lambda a: a["links0"].__setitem__((0, 0), 99), "layer-0 link count"),
        (lambda a: a["links0"].__setitem__((0, 1), 10**6), "names a node outside"),
        (lambda a: a.update(entry=np.array(int(np.argmin(a["levels"])))), "entry"),
    ],
)
def test_each_damage_is_a_value_error(good, tmp_path, mutate, match) -> None:
    arrays = {k: v.copy() for k, v in good.items()}
    if "labels" in str(match) or match == "share a label":
        arrays["deleted"][:] = 0
    mutate(arrays)
    path = tmp_path / "bad.npz"
    path.write_bytes(_write(arrays).getvalue())
    with pytest.raises(ValueError, match=match):
        HNSWIndex.load(path)


def test_config_fields_are_checked(good: dict[str, np.ndarray], tmp_path: Path) -> None:
    config = json.loads(str(good["config"]))
    for key, value in [("next_id", 3), ("next_id", "9"), ("ef", 0), ("metric", "manhattan"),
                       ("rebuild_ratio", None), ("seed", -1), ("format", "other")]:
        arrays = dict(good, config=np.array(json.dumps({**config, key: value})))
        path = tmp_path / "bad.npz"
        path.write_bytes(_write(arrays).getvalue())
        with pytest.raises(ValueError):
            HNSWIndex.load(path)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(*[st.integers(0, 2**20)] * 5), min_size=1, max_size=4))
def test_structure_aware_fuzz(tmp_path: Path, script: list[tuple[int, ...]]) -> None:
    # The same mutation driver as the longer atheris run (tests/fuzz/).
    arrays = {k: v.copy() for k, v in good_archive().items()}
    mutate(arrays, script)  # type: ignore[arg-type]
    load_and_use(arrays, tmp_path)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=8))
def test_byte_flips_are_value_errors_or_work(
    good: dict[str, np.ndarray], tmp_path: Path, flips: list[tuple[int, int]]
) -> None:
    raw = bytearray(_write(good).getvalue())
    for at, byte in flips:
        raw[at % len(raw)] = byte
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(raw))
    try:
        index = HNSWIndex.load(path)
    except ValueError:
        return
    index.search(np.ones((2, DIM)), k=2)
