"""The store core every vector backend is built from (pure Python and numpy).

Each backend composes these parts instead of carrying its own copy:

* the **metric table** (:data:`METRICS`): per metric name, the kernel that
  computes it, the "larger is better" convention, its padding score and a
  float64 reference scorer;
* **backend profiles** (:data:`BACKENDS`, :class:`Profile`): which metrics,
  index kinds, index options and search options each backend takes, and the
  option validation that refuses anything else with a ``ValueError`` naming
  the option and the backend;
* the **id ledger** (:class:`IdLedger`): fresh ids, clash and removal checks;
  an id handed out once is never handed out again, even after a delete;
* **query preparation** (:func:`prepare_vectors`, :func:`prepare_search`,
  :func:`unwrap`, :func:`empty_result`): one 1-D query in, 1-D results out;
* the **metadata filter language** (:func:`encode_metadata`,
  :func:`decode_metadata`, :func:`parse_where`, :func:`matches`): one JSON
  object per item, ``where={key: value}`` equality filters on top-level keys;
* :class:`Closing`, the ``with store:`` protocol of the stores that hold a
  connection or a cluster.

Nothing here imports SQLite, Dask or a compiled module, so the in-memory fake
can use it on numpy alone.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_choice, check_int, describe
from lukhas.primitives.vector._checks import (
    MAX_ID,
    check_ids,
    check_k,
    check_magnitude,
    check_queries,
    check_vectors,
    normalize_rows,
)

__all__ = [
    "BACKENDS",
    "INDEX_OPTIONS",
    "METRICS",
    "SEARCH_OPTIONS",
    "Backend",
    "Closing",
    "IdLedger",
    "Metric",
    "Profile",
    "SearchOptions",
    "decode_metadata",
    "empty_result",
    "encode_metadata",
    "matches",
    "parse_where",
    "prepare_search",
    "prepare_vectors",
    "unwrap",
    "where_sql",
]

Scalar = str | int | float | bool


# -- the metric table ------------------------------------------------------------------


def _inner(queries: npt.NDArray[np.float64], base: npt.NDArray[np.float64]
           ) -> npt.NDArray[np.float64]:
    scores: npt.NDArray[np.float64] = queries @ base.T
    return scores


def _squared_l2(queries: npt.NDArray[np.float64], base: npt.NDArray[np.float64]
                ) -> npt.NDArray[np.float64]:
    diff = queries[:, None, :] - base[None, :, :]
    scores: npt.NDArray[np.float64] = np.einsum("qnd,qnd->qn", diff, diff)
    return scores


@dataclass(frozen=True)
class Metric:
    """One metric: how it is computed and which way its scores point.

    Attributes
    ----------
    name : {"ip", "cosine", "l2"}
        The key in :data:`METRICS`.
    kernel : {"ip", "l2"}
        What the compiled kernels compute: an inner product (cosine is an
        inner product of unit rows) or a squared Euclidean distance.
    larger_is_better : bool
        True for similarities, False for distances.
    unit_rows : bool
        Stored vectors and queries are normalised to unit length first.
    reference : callable
        ``reference(queries, base)`` with float64 arrays of shapes (nq, dim)
        and (n, dim) returns the (nq, n) float64 scores, straight numpy.
    """

    name: str
    kernel: str
    larger_is_better: bool
    unit_rows: bool
    reference: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]],
                        npt.NDArray[np.float64]]

    @property
    def pad(self) -> float:
        """Score of an unfilled result slot: -inf for similarities, +inf for distances.

        Examples
        --------
        >>> METRICS["ip"].pad, METRICS["l2"].pad
        (-inf, inf)
        """
        return float("-inf") if self.larger_is_better else float("inf")


#: Every metric by name.  Scores are similarities (larger first) for ``"ip"`` and
#: ``"cosine"`` and squared Euclidean distances (smaller first) for ``"l2"``.
METRICS: Mapping[str, Metric] = MappingProxyType({
    "ip": Metric("ip", "ip", True, False, _inner),
    "cosine": Metric("cosine", "ip", True, True, _inner),
    "l2": Metric("l2", "l2", False, False, _squared_l2),
})


# -- backend profiles and option validation ---------------------------------------------


#: Index options by index kind: the keywords of :class:`HNSWIndex` for ``"hnsw"``.
INDEX_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "flat": (),
    "hnsw": ("M", "ef_construction", "seed", "ef", "rebuild_ratio", "n_threads"),
})
#: Search options by index kind (``where`` is added for backends with metadata).
SEARCH_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "flat": (),
    "hnsw": ("ef", "exact"),
})


@dataclass(frozen=True)
class SearchOptions:
    """Validated search options.

    Attributes
    ----------
    where : dict or None
        A parsed metadata filter (:func:`parse_where`), or None for no filter.
    ef : int or None
        HNSW beam width, or None for the index default.
    exact : bool
        Brute-force search over the HNSW vectors.
    """

    where: dict[str, Scalar] | None = None
    ef: int | None = None
    exact: bool = False

    def index_kwargs(self) -> dict[str, Any]:
        """The options an index's ``search`` takes, as keywords (only those given).

        Examples
        --------
        >>> SearchOptions(ef=32).index_kwargs(), SearchOptions().index_kwargs()
        ({'ef': 32}, {})
        """
        kwargs: dict[str, Any] = {}
        if self.ef is not None:
            kwargs["ef"] = self.ef
        if self.exact:
            kwargs["exact"] = True
        return kwargs


@dataclass(frozen=True)
class Profile:
    """What one backend with one index kind takes: metrics and options.

    Attributes
    ----------
    backend : str
        Class name, e.g. ``"SQLiteStore"``.
    index : str
        Index kind, ``"flat"`` or ``"hnsw"``.
    kinds : tuple of str
        Every index kind the backend offers.
    metadata : bool
        Whether the backend keeps metadata (and so takes ``where``).
    metrics : tuple of str
        Supported metric names.
    """

    backend: str
    index: str
    kinds: tuple[str, ...]
    metadata: bool
    metrics: tuple[str, ...]

    @property
    def label(self) -> str:
        """How messages name the backend, e.g. ``"SQLiteStore(index='flat')"``."""
        return self.backend if len(self.kinds) == 1 else f"{self.backend}(index={self.index!r})"

    @property
    def index_options(self) -> tuple[str, ...]:
        """Names of the index options taken at construction."""
        return INDEX_OPTIONS[self.index]

    @property
    def search_options(self) -> tuple[str, ...]:
        """Names of the options ``search`` takes."""
        return SEARCH_OPTIONS[self.index] + (("where",) if self.metadata else ())

    def check_metric(self, metric: Any) -> Metric:
        """Validate a metric name this backend supports and return its table entry.

        Examples
        --------
        >>> BACKENDS["FlatIndex"].profile().check_metric("l2").larger_is_better
        False
        """
        return METRICS[check_choice("metric", metric, self.metrics)]

    def _refuse(self, kind: str, given: Mapping[str, Any], allowed: tuple[str, ...],
                table: Mapping[str, tuple[str, ...]]) -> None:
        unknown = sorted(name for name in given if name not in allowed)
        if not unknown:
            return
        name = unknown[0]
        others = [k for k in self.kinds if k != self.index and name in table[k]]
        hint = f" (`{name}` needs index={others[0]!r})" if others else ""
        takes = ", ".join(f"`{a}`" for a in allowed) or "none"
        raise ValueError(f"{self.label} does not take the {kind} option `{name}`{hint}; "
                         f"it takes {takes}.")

    def check_index_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Refuse index options this backend does not take; return the rest.

        Raises
        ------
        ValueError
            Naming the first unknown option and the backend.

        Examples
        --------
        >>> BACKENDS["SQLiteStore"].profile("flat").check_index_options({"M": 8})
        Traceback (most recent call last):
        ...
        ValueError: SQLiteStore(index='flat') does not take the index option `M` (`M` \
needs index='hnsw'); it takes none.
        """
        self._refuse("index", options, self.index_options, INDEX_OPTIONS)
        return dict(options)

    def check_search_options(self, options: Mapping[str, Any]) -> SearchOptions:
        """Validate ``search`` keywords: refuse unknown ones, check the values.

        Parameters
        ----------
        options : mapping of str to object
            ``where`` (a filter or None), ``ef`` (an int >= 1 or None),
            ``exact`` (a bool), as far as the backend takes them.

        Returns
        -------
        options : SearchOptions

        Raises
        ------
        ValueError
            An option the backend does not take (named, with the backend), or
            a bad value.
        TypeError
            A value of the wrong type.

        Examples
        --------
        >>> BACKENDS["HNSWIndex"].profile().check_search_options({"ef": 40}).ef
        40
        >>> BACKENDS["FlatIndex"].profile().check_search_options({"ef": 40})
        Traceback (most recent call last):
        ...
        ValueError: FlatIndex does not take the search option `ef`; it takes none.
        """
        self._refuse("search", options, self.search_options, SEARCH_OPTIONS)
        where = options.get("where")
        ef = options.get("ef")
        exact = options.get("exact", False)
        if not isinstance(exact, bool | np.bool_):
            raise TypeError(f"`exact` must be a bool, got {describe(exact)}.")
        return SearchOptions(None if where is None else parse_where(where),
                             None if ef is None else check_int("ef", ef, low=1), bool(exact))


@dataclass(frozen=True)
class Backend:
    """A backend's row of the table: its index kinds, metadata support and metrics.

    Attributes
    ----------
    name : str
    kinds : tuple of str
        Index kinds offered; the first is the default.
    metadata : bool
    metrics : tuple of str
    """

    name: str
    kinds: tuple[str, ...]
    metadata: bool
    metrics: tuple[str, ...] = tuple(METRICS)

    def profile(self, index: Any = None) -> Profile:
        """The profile for one index kind (validated; default the first kind).

        Examples
        --------
        >>> BACKENDS["ShardedStore"].profile("hnsw").search_options
        ('ef', 'exact', 'where')
        """
        kind = self.kinds[0] if index is None else check_choice("index", index, self.kinds)
        return Profile(self.name, kind, self.kinds, self.metadata, self.metrics)


#: Every backend: which index kinds, metadata and metrics it supports.
BACKENDS: Mapping[str, Backend] = MappingProxyType({
    "InMemoryBackend": Backend("InMemoryBackend", ("flat",), True),
    "FlatIndex": Backend("FlatIndex", ("flat",), False),
    "HNSWIndex": Backend("HNSWIndex", ("hnsw",), False),
    "SQLiteStore": Backend("SQLiteStore", ("flat", "hnsw"), True),
    "ShardedStore": Backend("ShardedStore", ("flat", "hnsw"), True),
})


class Closing(abc.ABC):
    """Base of the stores that hold a resource: ``with store:`` calls ``close()`` on exit.

    Examples
    --------
    >>> class Store(Closing):
    ...     def close(self) -> None:
    ...         print("closed")
    >>> with Store():
    ...     pass
    closed
    """

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the store holds (idempotent)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# -- the id ledger ------------------------------------------------------------------------


class IdLedger:
    """Id bookkeeping of one store: fresh ids, clash checks, removal checks.

    Fresh ids continue from the highest id ever stored, so an id freed by
    ``remove`` is never handed out again (it may still be stored again
    explicitly).  The ledger does not lock: call it under the store's lock.

    Parameters
    ----------
    stored : callable
        ``stored(ids)`` takes an int64 array of shape (n,) and returns the
        list of those ids the store holds now.
    next_id : int, default=0
        The first fresh id.

    Examples
    --------
    >>> held = {0, 1, 2}
    >>> ledger = IdLedger(lambda ids: [i for i in ids.tolist() if i in held], next_id=3)
    >>> ledger.removable([2]).tolist()
    [2]
    >>> held.discard(2)
    >>> new = ledger.claim(2); ledger.commit(new); new.tolist()
    [3, 4]
    """

    def __init__(self, stored: Callable[[npt.NDArray[np.int64]], list[int]],
                 next_id: int = 0) -> None:
        self._stored = stored
        self._next = next_id

    @property
    def next_id(self) -> int:
        """The next fresh id."""
        return self._next

    def advance(self, floor: int) -> None:
        """Make sure fresh ids start at ``floor`` or later (never moves back)."""
        self._next = max(self._next, int(floor))

    def following(self, ids: npt.NDArray[np.int64]) -> int:
        """The next fresh id once ``ids`` are stored."""
        return max(self._next, int(ids.max()) + 1) if ids.size else self._next

    def claim(self, n: int, ids: Any = None) -> npt.NDArray[np.int64]:
        """Ids for a batch of ``n``: the next fresh ids, or checked explicit ones.

        Nothing changes until :meth:`commit`.

        Parameters
        ----------
        n : int
            Batch size.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids, none of them stored now.

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64, not yet recorded

        Raises
        ------
        TypeError, ValueError
            Ids that are not n unique non-negative ints, or are already stored.
        """
        if ids is None:
            if self._next + n - 1 > MAX_ID:
                raise ValueError(
                    f"no {n} fresh ids are left: the next is {self._next} and ids stop at "
                    f"{MAX_ID}; pass explicit `ids` below it.")
            return np.arange(self._next, self._next + n, dtype=np.int64)
        new_ids = check_ids(ids, n)
        clash = self._stored(new_ids)
        if clash:
            raise ValueError(f"`ids` {sorted(clash)[:5]} are already stored; remove them first.")
        return new_ids

    def commit(self, ids: npt.NDArray[np.int64]) -> None:
        """Record that ``ids`` are stored (fresh ids continue after them)."""
        self._next = self.following(ids)

    def removable(self, ids: Any) -> npt.NDArray[np.int64]:
        """Validate ids to delete: unique (sorted) stored ids.

        Parameters
        ----------
        ids : array_like of int
            Ids to delete (repeats are folded).

        Returns
        -------
        ids : ndarray of shape (m,), dtype=int64
            Sorted and unique.

        Raises
        ------
        KeyError
            If one is not stored (then nothing must be deleted).
        TypeError, ValueError
            Non-integer or negative ids.
        """
        doomed = np.unique(np.atleast_1d(np.asarray(ids)))
        doomed = check_ids(doomed, doomed.size)
        held = set(self._stored(doomed))
        missing = [i for i in doomed.tolist() if i not in held]
        if missing:
            raise KeyError(f"ids {missing[:5]} are not stored; nothing was removed.")
        return doomed


# -- vectors, queries and results -----------------------------------------------------------


def prepare_vectors(name: str, value: Any, dim: int, dtype: np.dtype[Any], metric: Metric,
                    *, normalize: bool = True) -> npt.NDArray[Any]:
    """Validate a batch of vectors and, for unit-row metrics, normalise it.

    Parameters
    ----------
    name : str
        Argument name for messages.
    value : array_like of shape (n, dim) or (dim,)
        Finite values.
    dim : int
    dtype : numpy dtype
        Float dtype the batch is cast to.
    metric : Metric
    normalize : bool, default=True
        Return unit rows under cosine; False returns the rows as given (zero
        rows are refused all the same).

    Returns
    -------
    vectors : ndarray of shape (n, dim), dtype ``dtype``, C-contiguous

    Raises
    ------
    TypeError, ValueError
        As :func:`~lukhas.primitives.vector._checks.check_vectors`, or a zero
        row under cosine.

    Examples
    --------
    >>> prepare_vectors("v", [3.0, 4.0], 2, np.dtype(np.float64), METRICS["cosine"]).tolist()
    [[0.6, 0.8]]
    """
    arr = check_vectors(name, value, dim, dtype)
    if not metric.unit_rows:
        check_magnitude(name, arr, metric.kernel)
    if metric.unit_rows:
        unit = normalize_rows(name, arr)
        return unit if normalize else arr
    return arr


def prepare_search(queries: Any, k: Any, dim: int, dtype: np.dtype[Any], metric: Metric
                   ) -> tuple[npt.NDArray[Any], int, bool]:
    """Validate ``k`` and the queries of a search.

    Parameters
    ----------
    queries : array_like of shape (nq, dim) or (dim,)
    k : int
        Neighbours per query, >= 1.
    dim : int
    dtype : numpy dtype
    metric : Metric

    Returns
    -------
    queries : ndarray of shape (nq, dim), dtype ``dtype``
        Unit rows for unit-row metrics.
    k : int
    single : bool
        Whether one 1-D query was given (see :func:`unwrap`).

    Examples
    --------
    >>> q, k, single = prepare_search([1.0, 0.0], 3, 2, np.dtype(np.float32), METRICS["ip"])
    >>> q.shape, k, single
    ((1, 2), 3, True)
    """
    k = check_k(k)
    q, single = check_queries(queries, dim, dtype)
    if metric.unit_rows:
        q = normalize_rows("queries", q)
    else:
        check_magnitude("queries", q, metric.kernel)
    return q, k, single


def unwrap(single: bool, ids: npt.NDArray[np.int64], scores: npt.NDArray[Any]
           ) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Return row 0 of (nq, k) results when one 1-D query was given, else them as they are.

    Examples
    --------
    >>> ids, scores = empty_result(1, 2, METRICS["l2"], np.dtype(np.float32))
    >>> unwrap(True, ids, scores)[0].shape, unwrap(False, ids, scores)[0].shape
    ((2,), (1, 2))
    """
    if single:
        return ids[0], scores[0]
    return ids, scores


def empty_result(nq: int, k: int, metric: Metric, dtype: np.dtype[Any]
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Results of a search over nothing: ids -1 and the metric's padding score.

    Returns
    -------
    ids : ndarray of shape (nq, k), dtype=int64
    scores : ndarray of shape (nq, k), dtype ``dtype``

    Examples
    --------
    >>> empty_result(1, 2, METRICS["ip"], np.dtype(np.float32))[1].tolist()
    [[-inf, -inf]]
    """
    return (np.full((nq, k), -1, dtype=np.int64), np.full((nq, k), metric.pad, dtype=dtype))


# -- the metadata filter language -------------------------------------------------------------


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def encode_metadata(metadata: Sequence[Mapping[str, Any]] | None, n: int) -> list[str]:
    """Validate ``n`` metadata mappings and return their JSON texts (sorted keys).

    Parameters
    ----------
    metadata : sequence of n mappings, or None
        JSON-serialisable mappings; None stores ``{}`` for every item.
    n : int
        Batch size.

    Returns
    -------
    texts : list of n str

    Raises
    ------
    TypeError
        Not a sequence of mappings.
    ValueError
        Not one mapping per vector, not JSON-serialisable (NaN included), or a
        top-level string value holding a NUL character.

    Examples
    --------
    >>> encode_metadata([{"b": 1, "a": None}], 1), encode_metadata(None, 2)
    (['{"a": null, "b": 1}'], ['{}', '{}'])
    """
    if metadata is None:
        return ["{}"] * n
    if isinstance(metadata, Mapping | str | bytes) or not isinstance(metadata, Sequence):
        raise TypeError(f"`metadata` must be a sequence of mappings, got {describe(metadata)}.")
    if len(metadata) != n:
        raise ValueError(f"`metadata` must hold one mapping per vector ({n}), got {len(metadata)}.")
    texts = []
    for j, item in enumerate(metadata):
        if not isinstance(item, Mapping):
            raise TypeError(f"`metadata[{j}]` must be a mapping, got {describe(item)}.")
        for key, value in item.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"`metadata[{j}][{key!r}]` must be a str without NUL "
                                 "characters (filters compare values as SQLite text).")
        try:
            texts.append(json.dumps(dict(item), allow_nan=False, sort_keys=True))
        except (TypeError, ValueError) as err:
            raise ValueError(f"`metadata[{j}]` must be JSON-serialisable: {err}") from err
    return texts


def decode_metadata(metadata: Sequence[Mapping[str, Any]] | None, n: int) -> list[dict[str, Any]]:
    """Validate ``n`` metadata mappings and return JSON-round-tripped copies.

    Examples
    --------
    >>> decode_metadata([{"a": (1, 2)}], 1)
    [{'a': [1, 2]}]
    """
    return [json.loads(text) for text in encode_metadata(metadata, n)]


def _is_utf8(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_where(where: Any) -> dict[str, Scalar]:
    """Parse a filter: a non-empty mapping of identifier keys to scalars.

    Parameters
    ----------
    where : mapping of str to str, int, float or bool
        Every ``key: value`` must hold (top-level keys, equality).

    Returns
    -------
    where : dict

    Raises
    ------
    TypeError
        Not a non-empty mapping, or a value that is not a scalar.
    ValueError
        A key that is not an identifier, or a string value with a NUL character
        or a lone surrogate.

    Examples
    --------
    >>> parse_where({"lane": "prod", "hot": True})
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
        if isinstance(value, str) and ("\x00" in value or not _is_utf8(value)):
            raise ValueError(f"`where[{key!r}]` must be a str of Unicode text without NUL "
                             f"characters, got {value!r}.")
    return dict(where)


def matches(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether ``metadata`` holds every ``key: value`` of a parsed ``where``.

    Values compare as JSON read back by SQLite does: ``True == 1`` and
    ``1 == 1.0``, but a string never equals a number, and objects and arrays
    equal nothing.

    Examples
    --------
    >>> matches({"hot": 1, "x": 2}, {"hot": True}), matches({"x": 2}, {"hot": True})
    (True, False)
    >>> matches({"x": "1"}, {"x": 1})
    False
    """
    missing = object()
    for key, value in where.items():
        found = metadata.get(key, missing)
        if found is missing or isinstance(found, dict | list) or found != value:
            return False
        if isinstance(found, str) != isinstance(value, str):
            return False
    return True


_INT64 = (-(1 << 63), (1 << 63) - 1)


def where_sql(where: Mapping[str, Scalar], column: str = "metadata"
              ) -> tuple[str, list[Scalar]] | None:
    """The same filter as :func:`matches`, rendered as an SQLite condition on a JSON column.

    The two renderings of one parsed filter agree on every row (a property
    test checks it), so SQLite can select the matching rows itself instead of
    calling back into Python once per row.

    Parameters
    ----------
    where : mapping
        A filter returned by :func:`parse_where`.
    column : str, default="metadata"
        The column that holds each row's JSON object.

    Returns
    -------
    clause, params : tuple of (str, list) or None
        A condition with ``?`` placeholders and its parameters, or None for a
        filter SQLite cannot express exactly (an int beyond 64 bits): evaluate
        :func:`matches` on the rows instead.

    Examples
    --------
    >>> clause, params = where_sql({"lane": "prod", "hot": True})
    >>> clause
    'json_extract(metadata, ?) = ? AND json_extract(metadata, ?) = ?'
    >>> params
    ['$.lane', 'prod', '$.hot', 1]
    """
    terms: list[str] = []
    params: list[Scalar] = []
    for key, value in where.items():
        path = f"$.{key}"
        if isinstance(value, int) and not isinstance(value, bool) and not (
                _INT64[0] <= value <= _INT64[1]):
            return None
        # json_extract gives SQL text for JSON strings, numbers for numbers and
        # booleans, and JSON text for arrays and objects.  Text never equals a
        # number, so only a string that could be an array's or object's JSON
        # text needs its JSON type checked.
        if isinstance(value, str) and value[:1] in ("[", "{"):
            terms.append(f"(json_type({column}, ?) = 'text' AND json_extract({column}, ?) = ?)")
            params += [path, path, value]
        else:
            terms.append(f"json_extract({column}, ?) = ?")
            params += [path, int(value) if isinstance(value, bool) else value]
    return " AND ".join(terms), params
