"""Hostile trace headers (issue 12, item 10): anchors, non-string members, oversized input.

Each test covers a class of input with hypothesis, not only the reported example:

* a key, value or ``traceparent`` ending in a newline (``$`` matched before it) must be
  rejected, so ``inject`` can never write a header containing a line break;
* non-``str`` items among several header values are discarded, never a ``TypeError``;
* a header longer than any valid one is discarded whole *before* it is split (checked by
  the memory the parse allocates, not by time).
"""

from __future__ import annotations

import re
import tracemalloc

from hypothesis import example, given
from hypothesis import strategies as st

from candidate.trace import SpanContext, TraceState, extract, inject, parse_traceparent

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
# The W3C grammar (the current key rule: lcalpha or DIGIT, then up to 255 of
# lcalpha / DIGIT / _ - * / @), written out independently and always matched in full.
KEY = re.compile(r"[a-z0-9][a-z0-9_\-*/@]{0,255}")
VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")
HEADER_SAFE = re.compile(r"[\x20-\x7e]*")

# Mostly grammar characters, plus the line breaks and controls that must never pass.
chars = st.sampled_from("abcxyz019_-*/@=, \t\n\r\x0b\x0c\x00\x85")
texts = st.text(chars, max_size=40)


@given(texts)
@example("rojo=00f067aa0ba902b7\n")
@example("rojo\n=1")
@example("a=1,b=2\n")
def test_parsed_tracestate_only_holds_grammar_members(text: str) -> None:
    state = TraceState.parse(text)
    for key, value in state:
        assert KEY.fullmatch(key), key
        assert VALUE.fullmatch(value), value
    written = inject({}, SpanContext(1, 1, 1, state)).get("tracestate", "")
    assert HEADER_SAFE.fullmatch(written), written


@given(st.sampled_from(["\n", "\r\n", "\n\n", "-\n", "\x00"]), st.booleans())
def test_traceparent_with_trailing_garbage_is_rejected(tail: str, future: bool) -> None:
    header = (VALID.replace("00-", "cc-", 1) if future else VALID) + tail
    assert parse_traceparent(header) is None
    assert extract({"traceparent": header}) is None


members = st.one_of(
    st.sampled_from(["a=1", "b=2", "c=3", ""]),
    st.integers(), st.none(), st.binary(max_size=4), st.floats(allow_nan=False),
    st.lists(st.just("x=1"), max_size=2),
)


@given(st.lists(members, max_size=8))
@example(["a=1", 3])
@example([None, b"b=2", "c=3"])
def test_non_string_members_are_discarded(items: list[object]) -> None:
    strings = [item for item in items if isinstance(item, str)]
    assert TraceState.parse(items) == TraceState.parse(strings)  # type: ignore[arg-type]
    ctx = extract({"traceparent": VALID, "tracestate": items})
    assert ctx is not None and ctx.trace_state == TraceState.parse(strings)


@given(st.integers(0, 3), st.integers(20_000, 200_000))
def test_oversized_tracestate_is_discarded_whole(valid_members: int, padding: int) -> None:
    head = ",".join(f"k{i}=v" for i in range(valid_members))
    for header in (head + " ," * padding, [head, *([" "] * padding)]):
        assert TraceState.parse(header) == TraceState()  # type: ignore[arg-type]


def test_oversized_header_is_capped_before_splitting() -> None:
    header = "a=1" + "," * 4_000_000  # 4 MB of empty members
    tracemalloc.start()
    try:
        state = TraceState.parse(header)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state == TraceState()
    assert peak < 1_000_000  # splitting it would allocate ~200 MB
    long_parent = VALID.replace("00-", "cc-", 1) + "-" + "x" * 4_000_000
    assert parse_traceparent(long_parent) is None


def test_valid_headers_still_parse() -> None:
    state = TraceState.parse(["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"])
    assert state.get("congo") == "t61rcWkgMzE"
    longest = ",".join(f"k{i:02d}{'k' * 250}={'v' * 256}" for i in range(32))
    assert len(TraceState.parse(longest)) == 32
    assert parse_traceparent(VALID) is not None
