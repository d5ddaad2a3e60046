"""Memory items, folds and memory types: the data model every memory service shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

__all__ = ["MemoryFold", "MemoryItem", "MemoryType", "new_memory_id"]


class MemoryType(Enum):
    """Kinds of memory, after the usual cognitive split.

    ``EPISODIC``: events as they happened; ``SEMANTIC``: consolidated facts;
    ``WORKING``: short-lived context with a bounded capacity; ``PROCEDURAL``:
    how-to knowledge.

    Examples
    --------
    >>> MemoryType("episodic") is MemoryType.EPISODIC
    True
    """

    EPISODIC = "episodic"
    SEMANTIC = "semantic"
    WORKING = "working"
    PROCEDURAL = "procedural"


def new_memory_id() -> str:
    """A fresh memory id (``mem-`` and 32 hex digits).

    Examples
    --------
    >>> a, b = new_memory_id(), new_memory_id()
    >>> a != b and a.startswith("mem-") and len(a) == 36
    True
    """
    return f"mem-{uuid.uuid4().hex}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class MemoryItem:
    """One stored memory.

    Parameters
    ----------
    id : str
        Unique within its store.
    content : object
        The memory itself (any Python object; JSON-ready content persists best).
    tags : frozenset of str, default=frozenset()
    memory_type : MemoryType, default=MemoryType.EPISODIC
    importance : float, default=0.5
        In [0, 1]; drives attention and retention.
    text : str or None, default=None
        Text the embedding was computed from, if any.
    created_at : datetime
        UTC creation time.
    metadata : dict, default={}
        Anything else the caller attached (e.g. ``image_content``).

    Attributes
    ----------
    access_count : int
        Times the memory was returned by a retrieval.
    last_accessed : datetime or None

    Examples
    --------
    >>> item = MemoryItem("m1", {"said": "hello"}, frozenset({"greeting"}))
    >>> item.touch(); item.access_count
    1
    """

    id: str
    content: Any
    tags: frozenset[str] = frozenset()
    memory_type: MemoryType = MemoryType.EPISODIC
    importance: float = 0.5
    text: str | None = None
    created_at: datetime = field(default_factory=_utc_now)
    metadata: dict[str, Any] = field(default_factory=dict)
    access_count: int = 0
    last_accessed: datetime | None = None

    def touch(self) -> None:
        """Record one access (count and time).

        Examples
        --------
        >>> item = MemoryItem("m", "x"); item.touch(); item.last_accessed is not None
        True
        """
        self.access_count += 1
        self.last_accessed = _utc_now()


@dataclass(eq=False)
class MemoryFold:
    """A group of memory items consolidated together (by tag, by similarity, ...).

    Parameters
    ----------
    id : str
    items : list
        The folded items (usually :class:`MemoryItem`; any objects are allowed,
        which is what :mod:`lukhas.domain.memory.scheduled_folding` compresses).
    tags : frozenset of str, default=frozenset()
    created_at : datetime

    Examples
    --------
    >>> fold = MemoryFold("f1", [MemoryItem("m1", "a"), MemoryItem("m2", "b")])
    >>> len(fold), fold.item_ids()
    (2, ['m1', 'm2'])
    """

    id: str
    items: list[Any]
    tags: frozenset[str] = frozenset()
    created_at: datetime = field(default_factory=_utc_now)

    def __len__(self) -> int:
        return len(self.items)

    def item_ids(self) -> list[str]:
        """Ids of the items that are :class:`MemoryItem` objects, in order.

        Examples
        --------
        >>> MemoryFold("f", [MemoryItem("m1", "a"), "loose text"]).item_ids()
        ['m1']
        """
        return [item.id for item in self.items if isinstance(item, MemoryItem)]
