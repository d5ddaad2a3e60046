"""The store core's filter language: its SQL rendering selects exactly the rows that
:func:`matches` accepts (SQLite runs the rendering; the fake and the sharded store run
:func:`matches`), on random metadata and filters."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.primitives.vector._core import encode_metadata, matches, parse_where, where_sql

KEYS = st.sampled_from(["a", "b", "lane", "_x1"])
SCALARS = (st.booleans() | st.integers(-3, 3) | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False, width=64)
           | st.sampled_from([0.5, 1.0, -0.0])
           | st.text(st.characters(blacklist_characters="\x00",
                                   blacklist_categories=("Cs",)), max_size=4)
           | st.sampled_from(["[1]", "[]", "{}", '{"v":1}', "1", "true"]))
JSON_VALUES = SCALARS | st.lists(st.integers(0, 2), max_size=2) | st.dictionaries(
    st.sampled_from(["v"]), st.integers(0, 2), max_size=1)


def _sql_selects(rows: list[dict[str, Any]], where: dict[str, Any]) -> list[int]:
    rendered = where_sql(where)
    if rendered is None:
        return [i for i, row in enumerate(rows) if matches(row, where)]
    clause, params = rendered
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, metadata TEXT)")
        conn.executemany("INSERT INTO items VALUES (?, ?)",
                         [(i, json.dumps(row)) for i, row in enumerate(rows)])
        found = conn.execute(f"SELECT id FROM items WHERE {clause} ORDER BY id", params)
        return [row[0] for row in found]


@given(rows=st.lists(st.dictionaries(KEYS, JSON_VALUES, max_size=3), min_size=1, max_size=8),
       where=st.dictionaries(KEYS, SCALARS, min_size=1, max_size=2))
def test_sql_rendering_selects_what_matches_accepts(rows: list[dict[str, Any]],
                                                    where: dict[str, Any]) -> None:
    parsed = parse_where(where)
    want = [i for i, row in enumerate(rows) if matches(row, parsed)]
    assert _sql_selects(rows, parsed) == want


def test_ints_beyond_64_bits_fall_back_to_the_evaluator() -> None:
    assert where_sql({"a": 2**64}) is None
    assert where_sql({"a": 2**63 - 1}) is not None


@pytest.mark.parametrize(("value", "checks_type"), [("prod", False), ("[1]", True),
                                                    ('{"v":1}', True), (1, False)])
def test_only_strings_that_could_be_json_containers_check_the_json_type(
        value: object, checks_type: bool) -> None:
    rendered = where_sql({"a": value})  # type: ignore[dict-item]
    assert rendered is not None
    assert ("json_type" in rendered[0]) is checks_type


def test_nul_characters_are_refused_where_sqlite_text_would_truncate() -> None:
    with pytest.raises(ValueError, match=r"metadata\[0\]\['b'\].*NUL"):
        encode_metadata([{"b": "a\x00b"}], 1)
    with pytest.raises(ValueError, match=r"where\['b'\].*NUL"):
        parse_where({"b": "\x00"})
    with pytest.raises(ValueError, match=r"where\['b'\].*Unicode"):
        parse_where({"b": "\ud800"})
    assert encode_metadata([{"b": ["\x00"]}], 1)  # nested values are never compared


def test_sqlite_store_filters_ints_beyond_64_bits_through_the_evaluator() -> None:
    import numpy as np

    from lukhas.primitives.vector import SQLiteStore

    with SQLiteStore(":memory:", dim=2, metric="ip") as store:
        store.add(np.eye(2, dtype=np.float32), metadata=[{"big": 2**64}, {"big": 1}])
        assert store.search([1.0, 0.0], 2, where={"big": 2**64})[0].tolist() == [0, -1]
        assert store.search([1.0, 0.0], 2, where={"big": 1})[0].tolist() == [1, -1]
