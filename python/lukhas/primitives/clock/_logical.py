"""Lamport and vector clocks on the compiled cores of ``lukhas._native.clock``.

The compiled cores hold the counters and run the loops; the classes here
validate their inputs, map node ids to dense slots (:class:`NodeIndex`) and
(de)serialise.  Clocks that share one :class:`NodeIndex` compare and merge in a
single C loop; clocks of different indexes are aligned by node id first (slower,
but still correct).
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt

from lukhas._native import clock as _clock
from lukhas._validation import check_int, describe
from lukhas.primitives.clock._counters import as_clock_matrix, check_counter

__all__ = [
    "DEFAULT_NODES",
    "LamportClock",
    "NodeId",
    "NodeIndex",
    "Ordering",
    "VectorClock",
]

logger = logging.getLogger(__name__)

#: A node id: a str, or an int that fits in int64.
NodeId: TypeAlias = str | int

Ordering = _clock.Ordering

_I64_MIN: Final[int] = -(1 << 63)
_I64_MAX: Final[int] = (1 << 63) - 1
_MAGIC: Final[bytes] = b"LKVC"
_VERSION: Final[int] = 1


def _check_node(name: str, node: Any) -> NodeId:
    if isinstance(node, str):
        return node
    if isinstance(node, (int, np.integer)) and not isinstance(node, bool):
        return check_int(name, node, low=_I64_MIN, high=_I64_MAX)
    raise TypeError(f"`{name}` must be a str or an int node id, got {describe(node)}.")


class NodeIndex:
    """Append-only map from node ids to dense slots, shared by vector clocks.

    Every clock built on one index stores its counters in the index's slot
    order, so comparing or merging two such clocks is one loop over two
    arrays.  Slots are assigned in first-seen order and never change;
    registration is thread-safe.

    Examples
    --------
    >>> nodes = NodeIndex(["a", "b"])
    >>> nodes.slot("c"), len(nodes), nodes.ids
    (2, 3, ('a', 'b', 'c'))
    >>> nodes.find("z") is None
    True
    """

    __slots__ = ("_ids", "_lock", "_slot_of")

    def __init__(self, ids: Any = ()) -> None:
        self._slot_of: dict[NodeId, int] = {}
        self._ids: list[NodeId] = []
        self._lock = threading.Lock()
        for node in ids:
            self.slot(node)

    def slot(self, node: Any) -> int:
        """Return the slot of ``node``, registering it when new.

        Parameters
        ----------
        node : str or int
            Node id (ints must fit in int64).

        Returns
        -------
        slot : int

        Raises
        ------
        TypeError
            If ``node`` is neither a str nor an int.

        Examples
        --------
        >>> NodeIndex().slot("n1")
        0
        """
        if type(node) is not str and type(node) is not int:
            node = _check_node("node", node)
        found = self._slot_of.get(node)
        if found is not None:
            return found
        node = _check_node("node", node)
        with self._lock:  # two threads registering one id must get one slot
            found = self._slot_of.get(node)
            if found is not None:
                return found
            slot = len(self._ids)
            self._ids.append(node)
            self._slot_of[node] = slot
        return slot

    def find(self, node: Any) -> int | None:
        """Return the slot of ``node``, or None when it is not registered.

        Examples
        --------
        >>> NodeIndex(["a"]).find("a")
        0
        """
        if isinstance(node, bool):
            return None
        return self._slot_of.get(node)

    @property
    def ids(self) -> tuple[NodeId, ...]:
        """tuple of str or int: The node ids in slot order."""
        return tuple(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, node: object) -> bool:
        return node in self._slot_of

    def __iter__(self) -> Iterator[NodeId]:
        return iter(tuple(self._ids))

    def __repr__(self) -> str:
        return f"NodeIndex({self._ids!r})"

    def __reduce__(self) -> str | tuple[Any, ...]:
        # The default index unpickles as itself, so restored clocks share its slots.
        if self is DEFAULT_NODES:
            return "DEFAULT_NODES"
        return (NodeIndex, (tuple(self._ids),))

    def dense(self, counts: Mapping[Any, Any], name: str = "counts") -> npt.NDArray[np.uint64]:
        """Lay out ``{node: counter}`` as a uint64 array in slot order.

        Unknown nodes are registered.

        Parameters
        ----------
        counts : mapping of node id to int
            Counters in [0, 2**64 - 1].
        name : str, default="counts"
            Parameter name for error messages.

        Returns
        -------
        dense : ndarray of shape (len(self),), dtype=uint64

        Examples
        --------
        >>> NodeIndex(["a", "b"]).dense({"b": 3})
        array([0, 3], dtype=uint64)
        """
        if not isinstance(counts, Mapping):
            raise TypeError(
                f"`{name}` must be a mapping of node id to int, got {describe(counts)}."
            )
        pairs = [
            (self.slot(node), check_counter(f"{name}[{node!r}]", v)) for node, v in counts.items()
        ]
        dense = np.zeros(len(self._ids), dtype=np.uint64)
        for slot, value in pairs:
            dense[slot] = value
        return dense


#: The index used by vector clocks built without an explicit one.
DEFAULT_NODES: Final[NodeIndex] = NodeIndex()


class LamportClock(_clock.LamportClockCore):
    """Lamport's logical clock: one counter, ``receive`` takes the max plus one.

    Parameters
    ----------
    start : int, default=0
        Initial time in [0, 2**64 - 1].

    Attributes
    ----------
    value : int
        The current time.

    Examples
    --------
    >>> a, b = LamportClock(), LamportClock()
    >>> a.tick(), a.tick()
    (1, 2)
    >>> b.receive(a.value)
    3
    >>> b.merge(10), b.value
    (10, 10)
    """

    __slots__ = ()

    def __new__(cls, start: int = 0) -> LamportClock:
        clock: LamportClock = super().__new__(cls, check_counter("start", start))
        return clock

    def __repr__(self) -> str:
        return f"LamportClock(value={self.value})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.value,))

    # -- hooks the compiled core calls -------------------------------------------------
    def _coerce_time(self, name: str, value: Any) -> int:
        return check_counter(name, value)

    def _raise_overflow(self) -> NoReturn:
        raise OverflowError("LamportClock overflow: the time is already 2**64 - 1.")


class VectorClock(_clock.VectorClockCore):
    """Vector clock of one node, over a shared :class:`NodeIndex` of node ids.

    Parameters
    ----------
    node : str or int
        The id of the node that owns this clock (``increment`` counts its events).
    nodes : NodeIndex or None, default=None
        Slot layout shared with the clocks it meets; ``None`` uses
        :data:`DEFAULT_NODES`.
    counts : mapping of node id to int or None, default=None
        Initial counters (zero elsewhere).

    Attributes
    ----------
    node : str or int
        Owner id.
    nodes : NodeIndex
        Slot layout.
    slot : int
        The owner's slot.

    Notes
    -----
    ``compare`` returns an :class:`Ordering`; the rich comparisons follow the
    partial order (``a < b`` means ``a`` happened before ``b``; for concurrent
    clocks ``<``, ``>`` and ``==`` are all False).  Comparing or merging with a
    clock of another index registers that clock's node ids in this one's.

    Examples
    --------
    >>> nodes = NodeIndex()
    >>> a, b = VectorClock("a", nodes), VectorClock("b", nodes)
    >>> a.increment()
    1
    >>> b.receive(a)
    1
    >>> a.compare(b), b.compare(a)
    (<Ordering.BEFORE: 1>, <Ordering.AFTER: 2>)
    >>> a.increment(); a.compare(b)
    2
    <Ordering.CONCURRENT: 3>
    >>> b.to_dict()
    {'a': 1, 'b': 1}
    """

    __slots__ = ()

    def __new__(
        cls,
        node: NodeId,
        nodes: NodeIndex | None = None,
        counts: Mapping[NodeId, int] | None = None,
    ) -> VectorClock:
        if nodes is None:
            nodes = DEFAULT_NODES
        elif not isinstance(nodes, NodeIndex):
            raise TypeError(f"`nodes` must be a NodeIndex or None, got {describe(nodes)}.")
        node = _check_node("node", node)
        clock: VectorClock = super().__new__(cls, node, nodes, nodes.slot(node))
        if counts is not None:
            clock._assign_dense(nodes.dense(counts))
        return clock

    def __repr__(self) -> str:
        return f"VectorClock({self.node!r}, {self.to_dict()!r})"

    if TYPE_CHECKING:  # attributes of the compiled core, typed for the checker
        @property
        def node(self) -> NodeId: ...
        @property
        def nodes(self) -> NodeIndex: ...

    def __getitem__(self, node: NodeId) -> int:
        slot = self.nodes.find(node)
        return 0 if slot is None else int(self.counter(slot))

    def copy(self, node: NodeId | None = None) -> VectorClock:
        """Return an independent copy (optionally owned by another node).

        Parameters
        ----------
        node : str or int or None, default=None
            Owner of the copy; ``None`` keeps this clock's owner.

        Returns
        -------
        clock : VectorClock

        Examples
        --------
        >>> a = VectorClock("a", NodeIndex())
        >>> _ = a.increment()
        >>> b = a.copy(); _ = b.increment()
        >>> a["a"], b["a"]
        (1, 2)
        """
        clone = VectorClock(self.node if node is None else node, self.nodes)
        clone._assign_dense(self.to_array(self.width))
        return clone

    def to_array(self, width: int | None = None) -> npt.NDArray[np.uint64]:
        """The counters in slot order as a new uint64 array.

        Parameters
        ----------
        width : int or None, default=None
            Length of the result, at least ``self.width``; ``None`` means
            ``len(self.nodes)``.

        Returns
        -------
        counts : ndarray of shape (width,), dtype=uint64

        Examples
        --------
        >>> nodes = NodeIndex(["x", "y"])
        >>> c = VectorClock("y", nodes)
        >>> _ = c.increment()
        >>> c.to_array()
        array([0, 1], dtype=uint64)
        """
        size = len(self.nodes) if width is None else check_int("width", width, low=self.width)
        arr: npt.NDArray[np.uint64] = super().to_array(size)
        return arr

    def to_dict(self) -> dict[NodeId, int]:
        """The non-zero counters as ``{node: counter}`` in slot order.

        Examples
        --------
        >>> c = VectorClock("n", NodeIndex(), counts={"n": 2, "m": 0})
        >>> c.to_dict()
        {'n': 2}
        """
        ids = self.nodes.ids
        counts = self.to_array(self.width)
        return {ids[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    @classmethod
    def from_dict(
        cls, counts: Mapping[NodeId, int], node: NodeId, nodes: NodeIndex | None = None
    ) -> VectorClock:
        """Build a clock owned by ``node`` from ``{node id: counter}``.

        Parameters
        ----------
        counts : mapping of node id to int
            Counters in [0, 2**64 - 1].
        node : str or int
            Owner of the new clock.
        nodes : NodeIndex or None, default=None
            Slot layout (``None``: :data:`DEFAULT_NODES`).

        Returns
        -------
        clock : VectorClock

        Examples
        --------
        >>> VectorClock.from_dict({"a": 3, "b": 1}, node="a", nodes=NodeIndex())
        VectorClock('a', {'a': 3, 'b': 1})
        """
        return cls(node, nodes, counts=counts)

    @classmethod
    def from_array(
        cls, counts: Any, node: NodeId, nodes: NodeIndex | None = None
    ) -> VectorClock:
        """Build a clock from counters in slot order (a row of a batch matrix).

        Parameters
        ----------
        counts : array_like of shape (k,), unsigned integers
            Counter of slot ``j`` of ``nodes`` at position ``j``; ``k`` must
            not exceed ``len(nodes)``.
        node : str or int
            Owner of the new clock.
        nodes : NodeIndex or None, default=None
            Slot layout (``None``: :data:`DEFAULT_NODES`).

        Returns
        -------
        clock : VectorClock

        Examples
        --------
        >>> idx = NodeIndex(["a", "b", "c"])
        >>> VectorClock.from_array(np.array([2, 0, 1], dtype=np.uint64), "a", idx)
        VectorClock('a', {'a': 2, 'c': 1})
        """
        layout = DEFAULT_NODES if nodes is None else nodes
        row = as_clock_matrix("counts", counts, ndim=1)
        clock = cls(node, nodes)
        if row.shape[0] > len(layout):
            raise ValueError(
                f"`counts` has {row.shape[0]} slots but `nodes` holds {len(layout)} node(s)."
            )
        clock._assign_dense(row)
        return clock

    def to_bytes(self) -> bytes:
        """Serialise the owner and the non-zero counters.

        Layout (little-endian): ``b"LKVC"``, version byte, the owner id, a
        uint32 entry count, then per entry the node id and a uint64 counter.
        An id is ``b"s"`` + uint16 length + UTF-8, or ``b"i"`` + int64.

        Returns
        -------
        data : bytes

        Examples
        --------
        >>> c = VectorClock("a", NodeIndex(), counts={"a": 5, 7: 1})
        >>> VectorClock.from_bytes(c.to_bytes(), nodes=NodeIndex())
        VectorClock('a', {'a': 5, 7: 1})
        """
        entries = self.to_dict()
        parts = [_MAGIC, bytes([_VERSION]), _pack_id(self.node), struct.pack("<I", len(entries))]
        for node, value in entries.items():
            parts.append(_pack_id(node))
            parts.append(struct.pack("<Q", value))
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes, nodes: NodeIndex | None = None) -> VectorClock:
        """Rebuild a clock written by :meth:`to_bytes`.

        Parameters
        ----------
        data : bytes-like
            The serialised clock.
        nodes : NodeIndex or None, default=None
            Slot layout (``None``: :data:`DEFAULT_NODES`).

        Returns
        -------
        clock : VectorClock

        Raises
        ------
        TypeError
            If ``data`` is not bytes-like.
        ValueError
            If ``data`` is truncated, has trailing bytes or is not a vector clock.

        Examples
        --------
        >>> VectorClock.from_bytes(b"JSON{}")
        Traceback (most recent call last):
        ...
        ValueError: `data` is not a serialised VectorClock (bad header b'JSON{').
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"`data` must be bytes, got {describe(data)}.")
        reader = _Reader(bytes(data))
        head = reader.take(5)
        if head[:4] != _MAGIC or head[4] != _VERSION:
            raise ValueError(f"`data` is not a serialised VectorClock (bad header {head!r}).")
        owner = reader.node_id()
        (count,) = struct.unpack("<I", reader.take(4))
        counts: dict[NodeId, int] = {}
        for _ in range(count):
            node = reader.node_id()
            (counts[node],) = struct.unpack("<Q", reader.take(8))
        if reader.pos != len(reader.data):
            raise ValueError(
                f"`data` has {len(reader.data) - reader.pos} trailing byte(s) after the clock."
            )
        return cls(owner, nodes, counts=counts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_vector_clock, (type(self), self.node, self.nodes, self.to_dict()))

    # -- hooks the compiled core calls -------------------------------------------------
    def _align(self, other: Any) -> npt.NDArray[np.uint64]:
        if isinstance(other, VectorClock):
            return self.nodes.dense(other.to_dict(), "other")
        if isinstance(other, Mapping):
            return self.nodes.dense(other, "other")
        raise TypeError(
            f"`other` must be a VectorClock or a mapping of node id to int, got {describe(other)}."
        )

    def _raise_overflow(self) -> NoReturn:
        raise OverflowError(f"VectorClock overflow: node {self.node!r} is already at 2**64 - 1.")


def _rebuild_vector_clock(
    cls: type[VectorClock], node: NodeId, nodes: NodeIndex, counts: dict[NodeId, int]
) -> VectorClock:
    return cls(node, nodes, counts=counts)


def _pack_id(node: NodeId) -> bytes:
    if isinstance(node, str):
        raw = node.encode("utf-8")
        if len(raw) > 0xFFFF:
            raise ValueError(f"node id of {len(raw)} UTF-8 bytes is too long to serialise.")
        return b"s" + struct.pack("<H", len(raw)) + raw
    return b"i" + struct.pack("<q", node)


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(
                f"`data` is truncated: needed {n} byte(s) at offset {self.pos}, "
                f"{len(self.data) - self.pos} left."
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def node_id(self) -> NodeId:
        tag = self.take(1)
        if tag == b"s":
            (length,) = struct.unpack("<H", self.take(2))
            try:
                return self.take(length).decode("utf-8")
            except UnicodeDecodeError as err:
                raise ValueError(f"`data` holds a node id that is not UTF-8: {err}.") from err
        if tag == b"i":
            value: int = struct.unpack("<q", self.take(8))[0]
            return value
        raise ValueError(f"`data` holds an unknown node-id tag {tag!r} at offset {self.pos - 1}.")
