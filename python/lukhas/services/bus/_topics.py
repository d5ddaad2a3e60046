"""Topic names, wildcard patterns and the trie that routes one to the other.

Topics are dot-separated words (``"consciousness.tick"``).  Subscription
patterns may use two wildcards, with the AMQP topic-exchange meaning:

* ``*`` matches exactly one word (``"memory.*"`` matches ``"memory.fold"``,
  not ``"memory"`` nor ``"memory.fold.done"``);
* ``#`` matches zero or more words (``"memory.#"`` matches all three).

A wildcard must be a whole word: ``"mem*"`` is rejected rather than silently
treated as a literal.  :class:`TopicTrie` stores patterns in a trie keyed by
word and returns, for a concrete topic, every stored value whose pattern
matches, each value once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from lukhas._validation import describe

__all__ = ["MULTI_WILDCARD", "SINGLE_WILDCARD", "TopicTrie", "check_pattern", "check_topic"]

#: Matches exactly one word of a topic.
SINGLE_WILDCARD = "*"
#: Matches zero or more words of a topic.
MULTI_WILDCARD = "#"

_V = TypeVar("_V", bound=Hashable)


def _split(name: str, value: object) -> tuple[str, list[str]]:
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str of dot-separated words, got {describe(value)}.")
    words = value.split(".")
    if not value or any(not w for w in words):
        raise ValueError(
            f"`{name}` must be non-empty dot-separated words with no empty word, got {value!r}."
        )
    return value, words


def check_topic(name: str, value: object) -> str:
    """Check that ``value`` is a concrete topic (no wildcards) and return it.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Candidate topic.

    Returns
    -------
    topic : str

    Raises
    ------
    TypeError
        If ``value`` is not a ``str``.
    ValueError
        If it is empty, has an empty word or contains a wildcard.

    Examples
    --------
    >>> check_topic("topic", "memory.fold")
    'memory.fold'
    >>> check_topic("topic", "memory.*")
    Traceback (most recent call last):
    ...
    ValueError: `topic` is published to and cannot contain the wildcards '*' or '#', got 'memory.*'.
    """
    topic, _ = _split(name, value)
    if SINGLE_WILDCARD in topic or MULTI_WILDCARD in topic:
        raise ValueError(
            f"`{name}` is published to and cannot contain the wildcards "
            f"'{SINGLE_WILDCARD}' or '{MULTI_WILDCARD}', got {topic!r}."
        )
    return topic


def check_pattern(name: str, value: object) -> list[str]:
    """Check a subscription pattern and return its words.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Candidate pattern, e.g. ``"memory.*.done"`` or ``"#"``.

    Returns
    -------
    words : list of str

    Raises
    ------
    TypeError
        If ``value`` is not a ``str``.
    ValueError
        If it is empty, has an empty word, or uses a wildcard inside a word.

    Examples
    --------
    >>> check_pattern("pattern", "memory.*.done")
    ['memory', '*', 'done']
    """
    _, words = _split(name, value)
    for word in words:
        if word not in (SINGLE_WILDCARD, MULTI_WILDCARD) and (
            SINGLE_WILDCARD in word or MULTI_WILDCARD in word
        ):
            raise ValueError(
                f"`{name}` may use '{SINGLE_WILDCARD}' and '{MULTI_WILDCARD}' only as whole "
                f"words, got {value!r}."
            )
    return words


class _Node(Generic[_V]):
    __slots__ = ("children", "multi", "single", "values")

    def __init__(self) -> None:
        self.children: dict[str, _Node[_V]] = {}
        self.single: _Node[_V] | None = None
        self.multi: _Node[_V] | None = None
        self.values: list[_V] = []

    def child(self, word: str) -> _Node[_V]:
        if word == SINGLE_WILDCARD:
            if self.single is None:
                self.single = _Node()
            return self.single
        if word == MULTI_WILDCARD:
            if self.multi is None:
                self.multi = _Node()
            return self.multi
        node = self.children.get(word)
        if node is None:
            node = self.children[word] = _Node()
        return node

    def is_empty(self) -> bool:
        return not (self.values or self.children or self.single or self.multi)


class TopicTrie(Generic[_V]):
    """Patterns with wildcards, stored in a trie; :meth:`match` finds those matching a topic.

    Matching costs time proportional to the trie paths a topic can follow, not to
    the number of patterns; callers that route the same topics repeatedly should
    cache the result (the kernel bus does).

    Examples
    --------
    >>> trie = TopicTrie()
    >>> trie.add(["memory", "*"], "one-word")
    >>> trie.add(["memory", "#"], "any-depth")
    >>> sorted(trie.match("memory.fold"))
    ['any-depth', 'one-word']
    >>> trie.match("memory")
    ['any-depth']
    >>> trie.remove(["memory", "#"], "any-depth")
    True
    >>> trie.match("memory")
    []
    """

    __slots__ = ("_root",)

    def __init__(self) -> None:
        self._root: _Node[_V] = _Node()

    def add(self, words: list[str], value: _V) -> None:
        """Store ``value`` under the pattern ``words`` (already checked)."""
        node = self._root
        for word in words:
            node = node.child(word)
        node.values.append(value)

    def remove(self, words: list[str], value: _V) -> bool:
        """Remove one ``value`` stored under ``words``; return whether it was there."""
        path: list[tuple[_Node[_V], str]] = []
        node = self._root
        for word in words:
            path.append((node, word))
            if word == SINGLE_WILDCARD:
                nxt = node.single
            elif word == MULTI_WILDCARD:
                nxt = node.multi
            else:
                nxt = node.children.get(word)
            if nxt is None:
                return False
            node = nxt
        if value not in node.values:
            return False
        node.values.remove(value)
        # Prune the branch that just became empty, deepest node first.
        for parent, word in reversed(path):
            if not node.is_empty():
                break
            if word == SINGLE_WILDCARD:
                parent.single = None
            elif word == MULTI_WILDCARD:
                parent.multi = None
            else:
                del parent.children[word]
            node = parent
        return True

    def match(self, topic: str) -> list[_V]:
        """Return every stored value whose pattern matches ``topic``, each once.

        The order is that of a depth-first walk; callers sort as they need.
        """
        found: list[_V] = []
        seen: set[_V] = set()
        self._collect(self._root, topic.split("."), 0, found, seen)
        return found

    def _collect(
        self, node: _Node[_V], words: list[str], i: int, found: list[_V], seen: set[_V]
    ) -> None:
        if node.multi is not None:
            # '#' swallows words[i:j] for every j, the empty run included.
            for j in range(i, len(words) + 1):
                self._collect(node.multi, words, j, found, seen)
        if i == len(words):
            for value in node.values:
                if value not in seen:
                    seen.add(value)
                    found.append(value)
            return
        child = node.children.get(words[i])
        if child is not None:
            self._collect(child, words, i + 1, found, seen)
        if node.single is not None:
            self._collect(node.single, words, i + 1, found, seen)
