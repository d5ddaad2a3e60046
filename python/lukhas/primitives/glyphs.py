"""Stable glyph hashing: XXH3-64 and XXH64 digests of glyphs, one or millions at a time.

A glyph is a ``str`` (hashed as its UTF-8 bytes) or a ``bytes`` value.  Digests are
bit-exact with the ``xxhash`` package (``xxh3_64_intdigest`` / ``xxh64_intdigest``) for
every length and every seed in ``[0, 2**64)``, so they are stable across processes,
machines and releases, unlike the built-in ``hash``.

- :func:`glyph_hash` hashes one glyph (through ``xxhash``, the fastest path for one item).
- :func:`glyph_hash_many` hashes a batch with the compiled kernel
  (:mod:`lukhas._native.glyphs`, written from the xxHash specification): a list or tuple
  of ``str``/``bytes``, a numpy ``str_``/``bytes_`` array, or a packed
  ``(buffer, offsets)`` pair (see :func:`pack_glyphs`), which is hashed without the GIL.
- :func:`compute_glyph_hash` is the LUKHAS contract: a 16-hex-digit digest of any value.
- :class:`GlyphTable` interns glyphs as dense integer ids and detects hash collisions by
  comparing glyphs in full.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import xxhash

from lukhas._exceptions import GlyphCollisionError
from lukhas._native import glyphs as _native
from lukhas._validation import check_array, check_choice, check_int, check_str, describe

__all__ = [
    "ALGORITHMS",
    "GlyphTable",
    "compute_glyph_hash",
    "glyph_hash",
    "glyph_hash_many",
    "pack_glyphs",
]

logger = logging.getLogger(__name__)

ALGORITHMS: Final[tuple[str, ...]] = ("xxh3_64", "xxh64")
"""Names accepted by the ``algorithm`` parameters."""

_SEED_MAX: Final = 2**64 - 1
_TABLE_FORMAT: Final = "lukhas.GlyphTable/1"

Glyph: TypeAlias = str | bytes
GlyphBatch: TypeAlias = Any  # list/tuple of glyphs, numpy str_/bytes_ array, or (buffer, offsets)


class _Algorithm:
    """One registry entry: the kernel's id and the single-item ``xxhash`` function."""

    __slots__ = ("kernel_id", "single")

    def __init__(self, kernel_id: int, single: Callable[[bytes, int], int]) -> None:
        self.kernel_id = kernel_id
        self.single = single


_REGISTRY: Final[dict[str, _Algorithm]] = {
    "xxh3_64": _Algorithm(_native.XXH3_64, xxhash.xxh3_64_intdigest),
    "xxh64": _Algorithm(_native.XXH64, xxhash.xxh64_intdigest),
}


def _resolve(seed: Any, algorithm: Any) -> tuple[int, _Algorithm]:
    algo = _REGISTRY.get(algorithm) if type(algorithm) is str else None
    if type(seed) is int and 0 <= seed <= _SEED_MAX and algo is not None:
        return seed, algo  # the common case, without the helpers' generality
    seed = check_int("seed", seed, low=0, high=_SEED_MAX)
    return seed, _REGISTRY[check_choice("algorithm", algorithm, ALGORITHMS)]


_UINT8: Final = np.dtype(np.uint8)
_INT64: Final = np.dtype(np.int64)


def _is_ready_array(value: Any, dtype: np.dtype[Any]) -> bool:
    """Whether ``value`` is already a 1-D C-contiguous ``dtype`` array (no checks needed)."""
    return (
        type(value) is np.ndarray
        and value.dtype is dtype
        and value.ndim == 1
        and value.flags.c_contiguous
    )


def _encode(name: str, glyph: Any) -> bytes:
    """UTF-8 bytes of a ``str`` glyph, or the bytes of a bytes-like one."""
    if isinstance(glyph, str):
        try:
            return glyph.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(
                f"`{name}` cannot be encoded as UTF-8 (position {err.start}: {err.reason})."
            ) from err
    if isinstance(glyph, bytes):
        return glyph
    if isinstance(glyph, (bytearray, memoryview)):
        return bytes(glyph)
    raise TypeError(f"`{name}` must be a str or bytes, got {describe(glyph)}.")


def glyph_hash(glyph: Glyph, seed: int = 0, algorithm: str = "xxh3_64") -> int:
    """Return the 64-bit digest of one glyph.

    Parameters
    ----------
    glyph : str or bytes
        A ``str`` is hashed as its UTF-8 bytes; ``bytes``, ``bytearray`` and
        ``memoryview`` as they are.
    seed : int, default=0
        Seed in ``[0, 2**64)``.
    algorithm : {"xxh3_64", "xxh64"}, default="xxh3_64"
        The xxHash variant.

    Returns
    -------
    digest : int
        In ``[0, 2**64)``; equal to ``xxhash.<algorithm>_intdigest(utf8_bytes, seed)``.

    Raises
    ------
    TypeError
        If ``glyph`` is not a str or bytes-like, or ``seed`` / ``algorithm`` has the wrong type.
    ValueError
        If ``glyph`` holds a lone surrogate, ``seed`` is out of range or ``algorithm`` unknown.

    Examples
    --------
    >>> glyph_hash("ΛUKHAS")
    7601528848459257984
    >>> glyph_hash("ΛUKHAS") == glyph_hash("ΛUKHAS".encode())
    True
    >>> glyph_hash(b"", seed=1, algorithm="xxh64")
    15397730242686860875
    """
    seed, algo = _resolve(seed, algorithm)
    return algo.single(_encode("glyph", glyph), seed)


def _is_packed_pair(glyphs: Any) -> bool:
    """A 2-tuple whose second item is not a glyph is a ``(buffer, offsets)`` pair."""
    return (
        type(glyphs) is tuple
        and len(glyphs) == 2
        and not isinstance(glyphs[1], (str, bytes, bytearray, memoryview))
    )


def _check_string_array(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if arr.ndim != 1:
        raise ValueError(f"`glyphs` must be a 1-dimensional array, got {describe(arr)}.")
    if not arr.flags.c_contiguous:
        raise ValueError(
            "`glyphs` must be C-contiguous, got a strided view; pass np.ascontiguousarray(...)."
        )
    if not arr.dtype.isnative:
        return arr.astype(arr.dtype.newbyteorder("="))
    return arr


def _packed_arrays(
    buffer: Any, offsets: Any
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    if _is_ready_array(buffer, _UINT8) and _is_ready_array(offsets, _INT64):
        return buffer, offsets
    if isinstance(buffer, (bytes, bytearray, memoryview)):
        if isinstance(buffer, memoryview) and not buffer.c_contiguous:
            raise ValueError(
                "`buffer` must be a contiguous bytes-like object, got a strided memoryview."
            )
        buf = np.frombuffer(buffer, dtype=np.uint8)
    elif isinstance(buffer, np.ndarray):
        buf = check_array("buffer", buffer, dtype=np.uint8, ndim=1, contiguous=True, copy_ok=False)
    else:
        raise TypeError(f"`buffer` must be bytes-like or a uint8 ndarray, got {describe(buffer)}.")
    if isinstance(offsets, np.ndarray):
        offs = check_array(
            "offsets", offsets, dtype=np.int64, ndim=1, contiguous=True, copy_ok=False
        )
    else:  # a list of ints; an empty list has no dtype of its own
        offs = check_array("offsets", offsets, ndim=1)
        offs = check_array("offsets", offs if offs.size else offs.astype(np.int64), dtype=np.int64)
    return buf, offs


def glyph_hash_many(
    glyphs: GlyphBatch, seed: int = 0, algorithm: str = "xxh3_64"
) -> npt.NDArray[np.uint64]:
    """Return the 64-bit digests of a batch of glyphs, computed by the compiled kernel.

    Parameters
    ----------
    glyphs : list or tuple of str/bytes, ndarray of shape (n,), or (buffer, offsets)
        One of:

        - a list or tuple of ``str`` (hashed as UTF-8) and/or ``bytes``;
        - a 1-D C-contiguous numpy array of dtype ``str_`` (``U``) or ``bytes_`` (``S``);
          trailing NULs of each fixed-width item are stripped, as numpy does when it
          returns an item; an ``object`` array is read as a list;
        - a packed pair ``(buffer, offsets)``, a 2-tuple whose second item is not a
          glyph: ``buffer`` is bytes-like or a C-contiguous uint8 array, ``offsets`` an
          int64 array of shape (n + 1,), non-decreasing within ``[0, len(buffer)]``;
          glyph ``i`` is ``buffer[offsets[i]:offsets[i + 1]]``.  This form is hashed
          without the GIL (see :func:`pack_glyphs`).
    seed : int, default=0
        Seed in ``[0, 2**64)``.
    algorithm : {"xxh3_64", "xxh64"}, default="xxh3_64"
        The xxHash variant.

    Returns
    -------
    digests : ndarray of shape (n,), dtype=uint64
        ``digests[i] == glyph_hash(glyphs[i], seed, algorithm)``.

    Raises
    ------
    TypeError
        For an unsupported container, a non-str/bytes item, or a wrong dtype.
    ValueError
        For a lone surrogate, a wrong rank, a non-contiguous array, bad offsets, an
        out-of-range seed or an unknown algorithm.

    Examples
    --------
    >>> glyph_hash_many(["ΛUKHAS", "", "α"]).tolist()[0] == glyph_hash("ΛUKHAS")
    True
    >>> glyph_hash_many(np.array(["ab", "c"])).tolist() == glyph_hash_many(["ab", "c"]).tolist()
    True
    >>> packed = (b"abc", np.array([0, 2, 3]))
    >>> glyph_hash_many(packed).tolist() == glyph_hash_many(["ab", "c"]).tolist()
    True
    """
    seed, algo = _resolve(seed, algorithm)
    kernel = algo.kernel_id
    if _is_packed_pair(glyphs):
        ready = _native.hash_packed_arrays(glyphs[0], glyphs[1], seed, kernel)
        if ready is not None:
            return ready
        buf, offs = _packed_arrays(*glyphs)
        out = np.empty(max(offs.shape[0] - 1, 0), dtype=np.uint64)
        _native.hash_packed(buf, offs, seed, kernel, out)
        return out
    if isinstance(glyphs, (list, tuple)):
        out = np.empty(len(glyphs), dtype=np.uint64)
        _native.hash_sequence(glyphs, seed, kernel, out)
        return out
    if isinstance(glyphs, np.ndarray):
        if glyphs.dtype.kind == "O":
            if glyphs.ndim != 1:
                raise ValueError(f"`glyphs` must be a 1-dimensional array, got {describe(glyphs)}.")
            return glyph_hash_many(glyphs.tolist(), seed, algorithm)
        if glyphs.dtype.kind not in "US":
            raise TypeError(
                "`glyphs` must be an array of dtype str_ (U) or bytes_ (S), "
                f"got {describe(glyphs)}."
            )
        arr = _check_string_array(glyphs)
        out = np.empty(arr.shape[0], dtype=np.uint64)
        if arr.dtype.kind == "U":
            _native.hash_fixed_ucs4(arr.view(np.uint32), arr.dtype.itemsize // 4, seed, kernel, out)
        else:
            _native.hash_fixed_bytes(arr.view(np.uint8), arr.dtype.itemsize, seed, kernel, out)
        return out
    raise TypeError(
        "`glyphs` must be a list or tuple of str/bytes, a numpy str_/bytes_ array, or a "
        f"(buffer, offsets) pair, got {describe(glyphs)}."
    )


def pack_glyphs(glyphs: Iterable[Glyph]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Pack glyphs back to back as UTF-8: the ``(buffer, offsets)`` form of :func:`glyph_hash_many`.

    Parameters
    ----------
    glyphs : iterable of str or bytes
        The glyphs, in order.

    Returns
    -------
    buffer : ndarray of shape (total_bytes,), dtype=uint8
        The encoded glyphs, concatenated.
    offsets : ndarray of shape (n + 1,), dtype=int64
        Glyph ``i`` is ``buffer[offsets[i]:offsets[i + 1]]``.

    Raises
    ------
    TypeError
        If an item is not a str or bytes-like.
    ValueError
        If a ``str`` holds a lone surrogate.

    Examples
    --------
    >>> buffer, offsets = pack_glyphs(["ab", "", "α"])
    >>> buffer.tobytes(), offsets.tolist()
    (b'ab\\xce\\xb1', [0, 2, 2, 4])
    """
    encoded = [_encode(f"glyphs[{i}]", glyph) for i, glyph in enumerate(glyphs)]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return buffer, offsets


def compute_glyph_hash(data: Any) -> str:
    """Return a deterministic 16-hex-digit XXH3-64 digest of any JSON-like value.

    The bytes hashed are: a ``str``'s UTF-8 encoding; a bytes-like value as it is; for
    anything else, its canonical JSON text (keys sorted, separators ``","`` and ``":"``,
    non-ASCII kept as UTF-8, NaN and infinity refused).  The digest is
    ``format(xxhash.xxh3_64_intdigest(payload), "016x")``, identical in every process and
    on every machine.  Note that ``"a"`` hashes its one byte while ``["a"]`` hashes the
    JSON text ``["a"]``; that ``1`` and ``"1"`` (JSON text and string alike) share a
    digest; and that tuples hash like lists.

    Parameters
    ----------
    data : str, bytes-like, or JSON-serialisable value
        dict (str keys), list, tuple, str, int, float, bool or None, nested freely.

    Returns
    -------
    digest : str
        16 lowercase hex digits.

    Raises
    ------
    TypeError
        If ``data`` holds something JSON cannot encode (a set, an object, a non-str key
        that cannot be sorted against the others, ...).
    ValueError
        If ``data`` holds NaN or infinity, or a string with a lone surrogate.

    Examples
    --------
    >>> compute_glyph_hash("ΛUKHAS")
    '697e0e368a4c5880'
    >>> compute_glyph_hash({"b": 1, "a": [None]}) == compute_glyph_hash({"a": [None], "b": 1})
    True
    >>> len(compute_glyph_hash(b"\\x00\\x01"))
    16
    """
    if isinstance(data, (str, bytes, bytearray, memoryview)):
        payload = _encode("data", data)
    else:
        try:
            text = json.dumps(
                data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except TypeError as err:
            raise TypeError(
                f"`data` must be a str, bytes-like or JSON-serialisable value, got "
                f"{describe(data)}: {err}"
            ) from err
        except ValueError as err:
            raise ValueError(f"`data` must not contain NaN or infinity: {err}") from err
        payload = _encode("data", text)
    return format(xxhash.xxh3_64_intdigest(payload), "016x")


class GlyphTable:
    """Intern ``str`` glyphs as dense integer ids ``0, 1, 2, ...`` keyed by their digests.

    Each glyph is stored once, under its 64-bit digest.  Every lookup that finds a
    digest compares the glyphs in full, so a collision (two different glyphs with one
    digest, about one chance in 2**64 per pair) is detected, never silently merged:
    :meth:`add` raises :class:`~lukhas._exceptions.GlyphCollisionError`, and lookups of
    the colliding glyph report it as absent.  The digest therefore identifies an
    interned glyph uniquely, in this table and in any table loaded from its file.

    Parameters
    ----------
    glyphs : iterable of str, optional
        Initial glyphs, interned in order.
    seed : int, default=0
        Seed of the digests, in ``[0, 2**64)``.
    algorithm : {"xxh3_64", "xxh64"}, default="xxh3_64"
        The xxHash variant.

    Examples
    --------
    >>> table = GlyphTable(["α", "β"])
    >>> table.add("γ"), table.add("α")
    (2, 0)
    >>> table.ids_of(["β", "missing", "γ"]).tolist()
    [1, -1, 2]
    >>> table.glyph_of(2), "β" in table, len(table)
    ('γ', True, 3)
    """

    __slots__ = ("_algorithm", "_glyphs", "_hashes", "_id_by_hash", "_lookup", "_seed")

    def __init__(
        self, glyphs: Iterable[str] = (), *, seed: int = 0, algorithm: str = "xxh3_64"
    ) -> None:
        self._seed, _ = _resolve(seed, algorithm)
        self._algorithm: str = algorithm
        self._glyphs: list[str] = []
        self._hashes: list[int] = []
        self._id_by_hash: dict[int, int] = {}
        self._lookup: tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]] | None = None
        batch = glyphs if isinstance(glyphs, (list, tuple, np.ndarray)) else list(glyphs)
        if len(batch):
            self.add_many(batch)

    @property
    def seed(self) -> int:
        """The digests' seed."""
        return self._seed

    @property
    def algorithm(self) -> str:
        """The digests' xxHash variant."""
        return self._algorithm

    def __len__(self) -> int:
        return len(self._glyphs)

    def __iter__(self) -> Iterator[str]:
        return iter(self._glyphs)

    def __contains__(self, glyph: object) -> bool:
        if not isinstance(glyph, str):
            return False
        try:
            return self._find(glyph, glyph_hash(glyph, self._seed, self._algorithm)) >= 0
        except ValueError:  # not encodable, so never interned
            return False

    def __repr__(self) -> str:
        return f"GlyphTable(<{len(self)} glyphs>, seed={self._seed}, algorithm={self._algorithm!r})"

    def _find(self, glyph: str, digest: int) -> int:
        """Id of ``glyph`` (with digest ``digest``), -1 if absent or only colliding."""
        gid = self._id_by_hash.get(digest, -1)
        if gid >= 0 and self._glyphs[gid] != glyph:
            logger.warning("glyph %r collides with interned glyph id %d", glyph, gid)
            return -1
        return gid

    def _intern(self, glyph: str, digest: int) -> int:
        gid = self._id_by_hash.get(digest)
        if gid is not None:
            if self._glyphs[gid] != glyph:
                raise GlyphCollisionError(
                    f"glyph {glyph!r} and interned glyph {self._glyphs[gid]!r} (id {gid}) share "
                    f"the {self._algorithm} digest {digest:#018x} (seed {self._seed}); use "
                    "another seed or algorithm for this table."
                )
            return gid
        gid = len(self._glyphs)
        self._glyphs.append(glyph)
        self._hashes.append(digest)
        self._id_by_hash[digest] = gid
        self._lookup = None
        return gid

    def add(self, glyph: str) -> int:
        """Intern ``glyph`` and return its id (the existing id if already present).

        Parameters
        ----------
        glyph : str
            The glyph.

        Returns
        -------
        id : int
            Dense id in ``[0, len(self))``.

        Raises
        ------
        TypeError
            If ``glyph`` is not a str.
        ValueError
            If ``glyph`` holds a lone surrogate.
        GlyphCollisionError
            If a different interned glyph has the same digest.

        Examples
        --------
        >>> table = GlyphTable()
        >>> table.add("🜁"), table.add("🜂"), table.add("🜁")
        (0, 1, 0)
        """
        check_str("glyph", glyph)
        return self._intern(glyph, glyph_hash(glyph, self._seed, self._algorithm))

    def _str_items(self, glyphs: GlyphBatch) -> list[str]:
        items: list[Any] | None
        if isinstance(glyphs, np.ndarray) and glyphs.dtype.kind in "UO":
            items = glyphs.tolist() if glyphs.ndim == 1 else None
        elif isinstance(glyphs, (list, tuple)):
            items = list(glyphs)
        else:
            items = None
        if items is None:
            raise TypeError(
                "`glyphs` must be a list or tuple of str or a 1-dimensional numpy str_ array, "
                f"got {describe(glyphs)}."
            )
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise TypeError(f"`glyphs[{i}]` must be a str, got {describe(item)}.")
        return items

    def add_many(self, glyphs: GlyphBatch) -> npt.NDArray[np.int64]:
        """Intern a batch of glyphs; return their ids.

        Parameters
        ----------
        glyphs : list or tuple of str, or ndarray of shape (n,), dtype=str_
            The glyphs, hashed in one kernel call.

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64

        Raises
        ------
        TypeError
            If ``glyphs`` is not a batch of str.
        ValueError
            If a glyph holds a lone surrogate.
        GlyphCollisionError
            If two different glyphs share a digest; glyphs before the colliding one stay
            interned.

        Examples
        --------
        >>> GlyphTable(["x"]).add_many(["y", "x", "y"]).tolist()
        [1, 0, 1]
        """
        items = self._str_items(glyphs)
        digests = glyph_hash_many(items, self._seed, self._algorithm).tolist()
        return np.array(
            [self._intern(g, d) for g, d in zip(items, digests, strict=True)], dtype=np.int64
        )

    def id_of(self, glyph: str) -> int:
        """Return the id of an interned glyph.

        Parameters
        ----------
        glyph : str
            The glyph.

        Returns
        -------
        id : int

        Raises
        ------
        KeyError
            If ``glyph`` is not interned (including a glyph that merely collides with one).
        TypeError
            If ``glyph`` is not a str.

        Examples
        --------
        >>> GlyphTable(["x", "y"]).id_of("y")
        1
        """
        check_str("glyph", glyph)
        gid = self._find(glyph, glyph_hash(glyph, self._seed, self._algorithm))
        if gid < 0:
            raise KeyError(glyph)
        return gid

    def ids_of(self, glyphs: GlyphBatch, default: int = -1) -> npt.NDArray[np.int64]:
        """Return the ids of a batch of glyphs, ``default`` for those not interned.

        Digests are computed by the compiled kernel and matched with a binary search;
        every match is then confirmed by comparing the glyphs in full.

        Parameters
        ----------
        glyphs : list or tuple of str, or ndarray of shape (n,), dtype=str_
            The glyphs to look up.
        default : int, default=-1
            Id reported for glyphs that are not interned.

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64

        Raises
        ------
        TypeError
            If ``glyphs`` is not a batch of str or ``default`` is not an int.
        ValueError
            If a glyph holds a lone surrogate.

        Examples
        --------
        >>> GlyphTable(["x", "y"]).ids_of(np.array(["y", "z", "x"])).tolist()
        [1, -1, 0]
        """
        default = check_int("default", default)
        items = self._str_items(glyphs)
        digests = glyph_hash_many(items, self._seed, self._algorithm)
        if self._lookup is None:
            keys = np.array(self._hashes, dtype=np.uint64)
            order = np.argsort(keys, kind="stable")
            self._lookup = (keys[order], order.astype(np.int64))
        sorted_keys, sorted_ids = self._lookup
        ids = np.full(len(items), default, dtype=np.int64)
        if sorted_keys.size == 0:
            return ids
        pos = np.minimum(np.searchsorted(sorted_keys, digests), sorted_keys.size - 1)
        hit = np.flatnonzero(sorted_keys[pos] == digests)
        hit_ids = sorted_ids[pos[hit]]
        stored = self._glyphs
        pairs = zip(hit.tolist(), hit_ids.tolist(), strict=True)
        confirmed = [stored[gid] == items[i] for i, gid in pairs]
        keep = np.array(confirmed, dtype=bool)
        ids[hit[keep]] = hit_ids[keep]
        if not keep.all():
            logger.warning("%d glyph(s) collide with interned glyphs", int((~keep).sum()))
        return ids

    def glyph_of(self, glyph_id: int) -> str:
        """Return the glyph with id ``glyph_id``.

        Parameters
        ----------
        glyph_id : int
            In ``[0, len(self))``.

        Returns
        -------
        glyph : str

        Raises
        ------
        TypeError
            If ``glyph_id`` is not an int.
        ValueError
            If ``glyph_id`` is out of range.

        Examples
        --------
        >>> GlyphTable(["x", "y"]).glyph_of(1)
        'y'
        """
        gid = check_int("glyph_id", glyph_id, low=0, high=len(self._glyphs) - 1)
        return self._glyphs[gid]

    def hashes(self) -> npt.NDArray[np.uint64]:
        """Return the digests of the interned glyphs, in id order.

        Returns
        -------
        digests : ndarray of shape (len(self),), dtype=uint64

        Examples
        --------
        >>> int(GlyphTable(["ΛUKHAS"]).hashes()[0]) == glyph_hash("ΛUKHAS")
        True
        """
        return np.array(self._hashes, dtype=np.uint64)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the table to ``path`` (a numpy ``.npz`` archive; no pickle inside).

        Parameters
        ----------
        path : str or path-like
            Destination file, written as given (no suffix is added).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     file = pathlib.Path(tmp) / "glyphs.npz"
        ...     GlyphTable(["α", "β"]).save(file)
        ...     list(GlyphTable.load(file))
        ['α', 'β']
        """
        buffer, offsets = pack_glyphs(self._glyphs)
        with open(path, "wb") as fh:
            np.savez(
                fh,
                format=np.array(_TABLE_FORMAT),
                algorithm=np.array(self._algorithm),
                seed=np.array(self._seed, dtype=np.uint64),
                buffer=buffer,
                offsets=offsets,
                hashes=self.hashes(),
            )
        logger.debug("saved %d glyphs to %s", len(self), path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GlyphTable:
        """Read a table written by :meth:`save`, verifying every digest.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        table : GlyphTable
            The same glyphs with the same ids, seed and algorithm.

        Raises
        ------
        ValueError
            If the file is not a saved GlyphTable or its contents are inconsistent
            (digests that do not match the glyphs, duplicate glyphs).

        Examples
        --------
        See :meth:`save`.
        """
        with np.load(path, allow_pickle=False) as archive:
            fields = {"format", "algorithm", "seed", "buffer", "offsets", "hashes"}
            if set(archive.files) != fields or str(archive["format"]) != _TABLE_FORMAT:
                raise ValueError(f"`path` is not a saved GlyphTable ({_TABLE_FORMAT}): {path}")
            algorithm = str(archive["algorithm"])
            seed = int(archive["seed"])
            buffer, offsets, saved = archive["buffer"], archive["offsets"], archive["hashes"]
        digests = glyph_hash_many((buffer, offsets), seed, algorithm)
        if not np.array_equal(digests, saved):
            raise ValueError(f"`path` holds digests that do not match its glyphs: {path}")
        raw = buffer.tobytes()
        bounds = offsets.tolist()
        table = cls(seed=seed, algorithm=algorithm)
        for start, stop, digest in zip(bounds[:-1], bounds[1:], digests.tolist(), strict=True):
            glyph = raw[start:stop].decode("utf-8")
            size = len(table)
            table._intern(glyph, digest)
            if len(table) == size:
                raise ValueError(f"`path` holds the glyph {glyph!r} twice: {path}")
        logger.debug("loaded %d glyphs from %s", len(table), path)
        return table
