"""Consciousness states as numeric vectors, and the distance between two of them.

LUKHAS passes consciousness states as dicts, dataclasses, plain objects or arrays.
:func:`state_features` keeps their finite-or-not numeric fields by name (booleans
excluded, nested mappings flattened with dotted keys), so two states can be
aligned by key and compared.  :func:`state_distance` is the normalised L2 distance
``||a - b|| / (||a|| + ||b||)`` over the union of keys (a missing key counts as 0):
0 for identical states, 1 for opposite ones, scale free.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np

__all__ = ["state_distance", "state_features", "state_level"]

_MAX_DEPTH = 3


def _walk(prefix: str, value: Any, out: dict[str, float], depth: int) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, numbers.Real):
        out[prefix] = float(value)
    elif isinstance(value, enum.Enum):
        inner: Any = value.value
        if type(inner) is not bool and isinstance(inner, numbers.Real):
            out[prefix] = float(inner)
    elif isinstance(value, Mapping) and depth < _MAX_DEPTH:
        for key, item in value.items():
            _walk(f"{prefix}.{key}" if prefix else str(key), item, out, depth + 1)
    elif isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "fiu":
        for i, item in enumerate(value.tolist()):
            out[f"{prefix}[{i}]"] = float(item)


def state_features(state: Any) -> dict[str, float]:
    """The numeric fields of a consciousness state, by (dotted) name.

    Parameters
    ----------
    state : mapping, dataclass, object, 1-D array or None
        A consciousness state.

    Returns
    -------
    features : dict of str to float
        May hold NaN or infinities if the state does (callers decide).

    Examples
    --------
    >>> state_features({"level": 0.7, "mode": "focus", "emotion": {"valence": -0.2}})
    {'level': 0.7, 'emotion.valence': -0.2}
    """
    out: dict[str, float] = {}
    if state is None:
        return out
    if isinstance(state, np.ndarray):
        _walk("", state, out, 0)
        return {k.lstrip("."): v for k, v in out.items()}
    if isinstance(state, (list, tuple)):
        _walk("", np.asarray(state, dtype=np.float64), out, 0)
        return out
    if isinstance(state, Mapping):
        for key, value in state.items():  # flat numeric fields first, without the walk
            kind = type(value)
            if kind is float or kind is int:
                out[key if type(key) is str else str(key)] = float(value)
            else:
                _walk(str(key), value, out, 1)
    elif is_dataclass(state) and not isinstance(state, type):
        _walk("", asdict(state), out, 0)
    elif hasattr(state, "__dict__"):
        _walk("", {k: v for k, v in vars(state).items() if not k.startswith("_")}, out, 0)
    else:
        _walk("value", state, out, 0)
    return out


def state_distance(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Normalised L2 distance between two feature maps, in [0, 1].

    Examples
    --------
    >>> state_distance({"x": 1.0}, {"x": 1.0}), state_distance({"x": 1.0}, {"x": -1.0})
    (0.0, 1.0)
    """
    keys = a.keys() | b.keys()
    diff = math.sqrt(sum((a.get(k, 0.0) - b.get(k, 0.0)) ** 2 for k in keys))
    scale = math.sqrt(sum(v * v for v in a.values())) + math.sqrt(sum(v * v for v in b.values()))
    return 0.0 if scale == 0.0 else min(1.0, diff / scale)


def state_level(state: Any) -> Any:
    """The state's ``level`` (attribute or key), or None."""
    if isinstance(state, Mapping):
        return state.get("level")
    return getattr(state, "level", None)
