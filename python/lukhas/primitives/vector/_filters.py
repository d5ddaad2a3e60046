"""Metadata for stores that keep it in Python: JSON encoding and equality filters.

The rules are :class:`SQLiteStore`'s, so every metadata backend agrees: one JSON
object per item, and ``where={key: value}`` keeps items whose top-level
``key`` equals ``value`` (a str, int, float or bool; ``True == 1`` as in JSON
read back by SQLite).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from lukhas._validation import describe
from lukhas.primitives.vector.sqlite_store import _metadata_texts

__all__ = ["check_where", "decode_metadata", "matches"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def decode_metadata(metadata: Sequence[Mapping[str, Any]] | None, n: int) -> list[dict[str, Any]]:
    """Validate ``n`` metadata mappings and return JSON-round-tripped copies.

    Raises
    ------
    TypeError, ValueError
        Not a sequence of n JSON-serialisable mappings.

    Examples
    --------
    >>> decode_metadata([{"a": (1, 2)}], 1)
    [{'a': [1, 2]}]
    """
    return [json.loads(text) for text in _metadata_texts(metadata, n)]


def check_where(where: Any) -> dict[str, str | int | float | bool]:
    """Validate a filter: a non-empty mapping of identifier keys to scalars.

    Examples
    --------
    >>> check_where({"lane": "prod", "hot": True})
    {'lane': 'prod', 'hot': True}
    """
    if not isinstance(where, Mapping) or not where:
        raise TypeError(f"`where` must be a non-empty mapping, got {describe(where)}.")
    for key, value in where.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"`where` keys must be identifiers, got {key!r}.")
        if not isinstance(value, str | int | float | bool):
            raise TypeError(f"`where[{key!r}]` must be a str, int, float or bool, "
                            f"got {describe(value)}.")
    return dict(where)


def matches(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether ``metadata`` holds every ``key: value`` of a checked ``where``.

    Examples
    --------
    >>> matches({"hot": 1, "x": 2}, {"hot": True}), matches({"x": 2}, {"hot": True})
    (True, False)
    """
    missing = object()
    for key, value in where.items():
        found = metadata.get(key, missing)
        if found is missing or isinstance(found, dict | list) or found != value:
            return False
        if isinstance(found, str) != isinstance(value, str):
            return False
    return True
