"""W3C Trace Context: ``traceparent`` and ``tracestate`` parsing and formatting.

Implements the W3C Trace Context Recommendation (Level 1, with the Level 2
random-trace-id flag and the current ``tracestate`` key grammar) as the official
test suite checks it at ``SPEC_LEVEL=2``, ``STRICT_LEVEL=2``:

* ``traceparent``: lowercase hex only, all-zero ids and version ``ff`` rejected,
  exactly 55 characters for version ``00``, forward-compatible parsing of higher
  versions (extra fields only after a ``-``);
* ``tracestate`` keys: ``(lcalpha / DIGIT) 0*255(keychar)`` with ``keychar`` any of
  ``a-z 0-9 _ - * / @``, so a key is at most 256 characters and ``@`` may appear
  anywhere but first; values: up to 256 printable ASCII characters other than
  ``,`` and ``=``, not ending in a space;
* a received ``tracestate`` (the comma-joined text of all its header lines) with a
  malformed member or more than 32 distinct keys is discarded whole; a repeated
  key keeps its leftmost member and later ones are dropped (the spec lets a
  vendor discard duplicates it did not generate); empty and white-space-only
  members are skipped;
* updated keys move to the front, and over-long headers are truncated as the
  spec prescribes (members over 128 characters first, then from the right).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = [
    "FLAG_RANDOM",
    "FLAG_SAMPLED",
    "KNOWN_FLAGS",
    "SpanContext",
    "TraceState",
    "format_traceparent",
    "new_span_id",
    "new_trace_id",
    "parse_traceparent",
    "traceparent_fields",
]

#: ``trace-flags`` bit 0: the caller may have recorded the trace.
FLAG_SAMPLED = 0x01
#: ``trace-flags`` bit 1 (Trace Context level 2): the trace id's right 7 bytes are random.
FLAG_RANDOM = 0x02
#: The flags this version defines; the others are reserved and sent as zero.
KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM

_TRACEPARENT = re.compile(
    r"^(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<parent_id>[0-9a-f]{16})"
    r"-(?P<flags>[0-9a-f]{2})(?P<rest>.*)\Z"
)
# The current key grammar: ``(lcalpha / DIGIT) 0*255(keychar)``, ``keychar`` adding
# ``_ - * / @``.  (The older ``tenant@vendor`` form with its 241/14 limits is a subset.)
# ``\Z``, not ``$``: ``$`` also matches before a trailing newline, which would let
# ``"key\n"`` through and into every header ``inject`` writes.
_KEY_TEXT = r"[a-z0-9][a-z0-9_\-*/@]{0,255}"
_VALUE_TEXT = r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]"
_KEY = re.compile(_KEY_TEXT + r"\Z")
#: One list member, key and value in one match (the parse path).
_MEMBER = re.compile(rf"({_KEY_TEXT})=({_VALUE_TEXT})\Z")
_VALUE = re.compile(_VALUE_TEXT + r"\Z")
_MAX_MEMBERS = 32
_MAX_HEADER = 512
_LONG_MEMBER = 128
_OWS = " \t"
#: Longest ``tracestate`` text parsed: 32 members of the longest key (256) and value (256)
#: with their separators, plus room for optional white space.  Longer input is discarded
#: whole *before* it is split, so an oversized header costs nothing.
_MAX_TRACESTATE_TEXT = 32 * (256 + 1 + 256) + 31 + 1024
#: Longest ``traceparent`` text parsed (version 00 is 55 characters; later versions may
#: append fields).  Longer input is rejected before matching.
_MAX_TRACEPARENT_TEXT = 512


def _joined(header: object) -> str | None:
    """The tracestate text of one or several header values, or None if absent or too long.

    Non-``str`` items are dropped; the length cap applies before anything is joined.
    """
    if isinstance(header, str):
        return header if len(header) <= _MAX_TRACESTATE_TEXT else None
    if header is None or isinstance(header, (bytes, bytearray, memoryview)):
        return None
    try:
        items = iter(header)  # type: ignore[call-overload]
    except TypeError:
        return None
    parts: list[str] = []
    size = 0
    for item in items:
        if not isinstance(item, str):
            continue
        size += len(item) + 1
        if size > _MAX_TRACESTATE_TEXT + 1:
            return None
        parts.append(item)
    return ",".join(parts)


def new_trace_id() -> int:
    """Return a random, non-zero 128-bit trace id.

    Returns
    -------
    trace_id : int

    Examples
    --------
    >>> 0 < new_trace_id() < 2**128
    True
    """
    while (value := secrets.randbits(128)) == 0:
        pass
    return value


def new_span_id() -> int:
    """Return a random, non-zero 64-bit span id.

    Returns
    -------
    span_id : int

    Examples
    --------
    >>> 0 < new_span_id() < 2**64
    True
    """
    while (value := secrets.randbits(64)) == 0:
        pass
    return value


@dataclass(frozen=True)
class TraceState:
    """An immutable, validated ``tracestate``: ordered vendor key/value pairs.

    Parameters
    ----------
    entries : tuple of (str, str), default=()
        Members, leftmost (most recently updated) first.

    Raises
    ------
    ValueError
        If a key or value breaks the grammar, a key repeats, or there are more
        than 32 members.

    Examples
    --------
    >>> state = TraceState.parse("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE")
    >>> state.get("congo")
    't61rcWkgMzE'
    >>> str(state.set("congo", "new"))
    'congo=new,rojo=00f067aa0ba902b7'
    """

    entries: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.entries) > _MAX_MEMBERS:
            raise ValueError(
                f"`tracestate` may hold at most {_MAX_MEMBERS} members, got {len(self.entries)}."
            )
        seen: set[str] = set()
        for key, value in self.entries:
            if not isinstance(key, str) or not _KEY.match(key):
                raise ValueError(f"`tracestate` key {key!r} is not a valid W3C key.")
            if not isinstance(value, str) or not _VALUE.match(value):
                raise ValueError(f"`tracestate` value {value!r} of key {key!r} is not valid.")
            if key in seen:
                raise ValueError(f"`tracestate` key {key!r} appears more than once.")
            seen.add(key)

    @classmethod
    def parse(cls, header: str | Iterable[str] | None) -> TraceState:
        """Parse one or several ``tracestate`` header values (joined with commas).

        Several values are the lines of a repeated header, in the order received;
        they are combined as RFC 9110 combines field lines (joined with commas).

        Parameters
        ----------
        header : str, iterable of str, or None
            The header value(s).  Empty and white-space-only members are
            skipped; items of an iterable that are not ``str`` are discarded
            (never a ``TypeError``).

        Returns
        -------
        state : TraceState
            The members, leftmost first; a repeated key keeps its leftmost
            member.  Empty when the header is absent, **invalid** (a member
            breaking the grammar, or more than 32 distinct keys: the spec lets
            an invalid tracestate be discarded as a whole), or longer than any
            valid tracestate can be (checked before the text is split, so an
            oversized header costs no memory).

        Examples
        --------
        >>> TraceState.parse(["foo=1,bar=2", " foo=3 , baz@vendor@x=4"]).entries
        (('foo', '1'), ('bar', '2'), ('baz@vendor@x', '4'))
        >>> TraceState.parse("foo=1,@bad=2") == TraceState()
        True
        """
        text = _joined(header)
        if not text:
            return cls._trusted(())
        entries: dict[str, str] = {}
        match = _MEMBER.match
        for member in text.split(","):
            member = member.strip(_OWS)
            if not member:
                continue
            found = match(member)
            if found is None:
                return cls._trusted(())
            key, value = found.groups()
            if key not in entries:
                if len(entries) == _MAX_MEMBERS:
                    return cls._trusted(())
                entries[key] = value
        return cls._trusted(tuple(entries.items()))

    @classmethod
    def _trusted(cls, entries: tuple[tuple[str, str], ...]) -> TraceState:
        """An instance of entries already validated (skips ``__post_init__``)."""
        state = cls.__new__(cls)
        object.__setattr__(state, "entries", entries)
        return state

    def get(self, key: str) -> str | None:
        """Return the value of ``key``, or None."""
        for k, v in self.entries:
            if k == key:
                return v
        return None

    def set(self, key: str, value: str) -> TraceState:
        """Return a copy with ``key`` set to ``value`` and moved to the front.

        When the state is full (32 members), the rightmost member is dropped.
        """
        rest = tuple((k, v) for k, v in self.entries if k != key)
        return TraceState(((key, value), *rest[: _MAX_MEMBERS - 1]))

    def delete(self, key: str) -> TraceState:
        """Return a copy without ``key``."""
        return TraceState(tuple((k, v) for k, v in self.entries if k != key))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __str__(self) -> str:
        """The header value, truncated to 512 characters as the spec prescribes."""
        members = [f"{k}={v}" for k, v in self.entries]

        def size(items: list[str]) -> int:
            return sum(map(len, items)) + max(len(items) - 1, 0)

        if size(members) > _MAX_HEADER:
            # first drop members longer than 128 characters, from the right ...
            for i in range(len(members) - 1, -1, -1):
                if size(members) <= _MAX_HEADER:
                    break
                if len(members[i]) > _LONG_MEMBER:
                    del members[i]
            # ... then whole members from the right until it fits
            while size(members) > _MAX_HEADER:
                members.pop()
        return ",".join(members)


@dataclass(frozen=True)
class SpanContext:
    """The propagated part of a span: ids, flags and vendor state.

    Parameters
    ----------
    trace_id : int
        128-bit trace id, non-zero.
    span_id : int
        64-bit span id, non-zero.
    trace_flags : int, default=FLAG_SAMPLED
        8-bit flags (see :data:`FLAG_SAMPLED`, :data:`FLAG_RANDOM`).
    trace_state : TraceState, default=TraceState()
    is_remote : bool, default=False
        Whether it was extracted from a carrier rather than created here.

    Raises
    ------
    ValueError
        If an id is zero or out of range, or the flags exceed 8 bits.

    Examples
    --------
    >>> ctx = SpanContext(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7)
    >>> ctx.sampled
    True
    >>> format_traceparent(ctx)
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    """

    trace_id: int
    span_id: int
    trace_flags: int = FLAG_SAMPLED
    trace_state: TraceState = field(default_factory=TraceState)
    is_remote: bool = False

    def __post_init__(self) -> None:
        for name, value, bits in (("trace_id", self.trace_id, 128), ("span_id", self.span_id, 64),
                                  ("trace_flags", self.trace_flags, 8)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"`{name}` must be an int, got {type(value).__name__}.")
            low = 0 if name == "trace_flags" else 1
            if not low <= value < 2**bits:
                raise ValueError(f"`{name}` must be in [{low}, 2**{bits}), got {value}.")

    @property
    def sampled(self) -> bool:
        """Whether the sampled flag is set."""
        return bool(self.trace_flags & FLAG_SAMPLED)

    @property
    def trace_id_hex(self) -> str:
        """The trace id as 32 lowercase hex digits."""
        return f"{self.trace_id:032x}"

    @property
    def span_id_hex(self) -> str:
        """The span id as 16 lowercase hex digits."""
        return f"{self.span_id:016x}"


def parse_traceparent(header: str | None) -> SpanContext | None:
    """Parse a ``traceparent`` header value by the W3C rules.

    Parameters
    ----------
    header : str or None
        The header value (surrounding spaces and tabs are ignored; anything
        else after the flags, a newline included, makes it invalid).

    Returns
    -------
    context : SpanContext or None
        A remote context, or None when the header is absent or invalid.

    Examples
    --------
    >>> ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    >>> ctx.span_id_hex, ctx.is_remote
    ('00f067aa0ba902b7', True)
    >>> parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01") is None
    True
    """
    fields = traceparent_fields(header)
    return None if fields is None else SpanContext(*fields, is_remote=True)


def traceparent_fields(header: object) -> tuple[int, int, int] | None:
    """``(trace_id, span_id, trace_flags)`` of a ``traceparent`` value, or None if invalid.

    The checks of :func:`parse_traceparent`, without building a :class:`SpanContext`
    (``extract`` builds one, with the tracestate, from these).
    """
    if not isinstance(header, str) or len(header) > _MAX_TRACEPARENT_TEXT:
        return None
    match = _TRACEPARENT.match(header.strip(_OWS))
    if match is None:
        return None
    version, rest = match["version"], match["rest"]
    if version == "ff":
        return None
    if version == "00" and rest:
        return None  # version 00 is exactly 55 characters
    if rest and not rest.startswith("-"):
        return None  # a future version may only append "-"-separated fields
    trace_id, span_id = int(match["trace_id"], 16), int(match["parent_id"], 16)
    if trace_id == 0 or span_id == 0:
        return None
    return trace_id, span_id, int(match["flags"], 16)


def format_traceparent(context: SpanContext) -> str:
    """Format ``context`` as a version-00 ``traceparent`` value.

    Parameters
    ----------
    context : SpanContext

    Returns
    -------
    header : str
        ``"00-<32 hex>-<16 hex>-<2 hex>"``.
    """
    return f"00-{context.trace_id_hex}-{context.span_id_hex}-{context.trace_flags:02x}"
