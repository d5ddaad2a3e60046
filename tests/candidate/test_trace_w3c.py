"""W3C traceparent/tracestate rules, property round trips and span behaviour."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidate.trace import (
    SpanContext,
    SpanRecorder,
    StatusCode,
    Tracer,
    TraceState,
    extract,
    format_traceparent,
    inject,
    parse_traceparent,
)

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # uppercase
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        VALID + "-extra",  # version 00 must be exactly 55 characters
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  # future, bad suffix
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # short trace id
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
    ],
)
def test_invalid_traceparent_is_rejected(header: str) -> None:
    assert parse_traceparent(header) is None


def test_valid_and_future_versions() -> None:
    ctx = parse_traceparent(f" {VALID}\t")
    assert ctx is not None and ctx.is_remote and ctx.sampled
    assert format_traceparent(ctx) == VALID
    future = parse_traceparent(VALID.replace("00-", "cc-", 1) + "-what-the-future-holds")
    assert future is not None and future.trace_id == ctx.trace_id
    assert parse_traceparent(VALID.replace("00-", "cc-", 1)) is not None
    unsampled = parse_traceparent(VALID[:-2] + "00")
    assert unsampled is not None and not unsampled.sampled


@given(st.integers(1, 2**128 - 1), st.integers(1, 2**64 - 1), st.integers(0, 255))
def test_traceparent_round_trip(trace_id: int, span_id: int, flags: int) -> None:
    header = format_traceparent(SpanContext(trace_id, span_id, flags))
    assert len(header) == 55
    parsed = parse_traceparent(header)
    assert parsed is not None
    assert (parsed.trace_id, parsed.span_id, parsed.trace_flags) == (trace_id, span_id, flags)


def test_tracestate_rules() -> None:
    state = TraceState.parse("rojo=00f067aa0ba902b7,  ,congo=t61rcWkgMzE\t, tenant@vendor=x")
    assert list(state) == [("rojo", "00f067aa0ba902b7"), ("congo", "t61rcWkgMzE"),
                           ("tenant@vendor", "x")]
    assert TraceState.parse(["a=1", "b=2"]).get("b") == "2"
    # invalid members discard the whole header
    for bad in ("Upper=1", "a", "a=b=c", "a=", "a=x\x01", "@abc=2", "_a=1",
                ",".join(f"k{i}=v" for i in range(33))):
        assert TraceState.parse(bad) == TraceState(), bad
    # current key grammar: a digit may lead, "@" may appear anywhere after the first character
    assert list(TraceState.parse("1abc=2,a@=3,a@@b@c=4")) == [("1abc", "2"), ("a@", "3"),
                                                                ("a@@b@c", "4")]
    # a repeated key keeps its leftmost member (the spec lets duplicates be discarded)
    assert list(TraceState.parse("a=1,b=2,a=3")) == [("a", "1"), ("b", "2")]
    assert len(TraceState.parse(",".join(f"k{i}=v" for i in range(32)))) == 32
    updated = state.set("congo", "new")
    assert next(iter(updated)) == ("congo", "new") and len(updated) == 3
    assert updated.delete("rojo").get("rojo") is None
    full = TraceState(tuple((f"k{i}", "v") for i in range(32))).set("new", "1")
    assert len(full) == 32 and next(iter(full)) == ("new", "1") and full.get("k31") is None
    with pytest.raises(ValueError, match="key"):
        TraceState((("Bad", "v"),))


def test_tracestate_truncation() -> None:
    long_value = "v" * 200
    entries = [("big", long_value)] + [(f"k{i:02d}", "x" * 20) for i in range(24)]
    state = TraceState(tuple(entries))
    header = str(state)
    assert len(header) <= 512
    assert "big=" not in header  # long members go first
    assert header.startswith("k00=")
    small = TraceState(tuple((f"key{i:02d}", "y" * 30) for i in range(20)))
    text = str(small)
    assert len(text) <= 512 and text.split(",")[0] == f"key00={'y' * 30}"
    assert len(text.split(",")) == 512 // 37  # whole members dropped from the right


def test_extract_ignores_tracestate_of_invalid_parent() -> None:
    assert extract({"traceparent": "garbage", "tracestate": "a=1"}) is None
    assert extract({"TRACEPARENT": VALID}) is not None
    assert extract({"traceparent": [VALID, VALID]}) is None
    ctx = extract({"traceparent": VALID, "tracestate": ["a=1", "b=2"]})
    assert ctx is not None and ctx.trace_state.get("b") == "2"


def test_span_lifecycle_with_fake_clock() -> None:
    now = [1_000_000_000]
    recorder = SpanRecorder()
    tracer = Tracer("t", on_end=recorder, time_ns=lambda: now[0])
    with pytest.raises(KeyError), tracer.start_as_current_span("op", attributes={"n": 1}) as span:
        span.set_attribute("tags", ["a", "b"])
        span.add_event("checkpoint", {"step": 2})
        now[0] += 2_500_000
        raise KeyError("missing")
    assert span.duration_ms == pytest.approx(2.5)
    assert span.status is StatusCode.ERROR and "KeyError" in (span.status_description or "")
    assert [e[0] for e in span.events] == ["checkpoint", "exception"]
    assert span.attributes["tags"] == ("a", "b") and span.attributes["n"] == 1
    assert recorder.spans() == [span]
    span.end()  # a second end is ignored
    span.set_attribute("late", 1)
    assert len(recorder) == 1 and "late" not in span.attributes
    with pytest.raises(TypeError, match="attribute"):
        span.set_attribute("bad", {"nested": 1})
    with pytest.raises(TypeError, match="attribute"):
        span.set_attribute("mixed", [1, "a"])
    data = span.to_dict()
    assert data["status"] == "error" and data["parent_span_id"] is None


def test_status_ok_is_final_and_contexts_validate() -> None:
    span = Tracer("t").start_span("s")
    span.set_status(StatusCode.OK).set_status(StatusCode.ERROR, "late")
    assert span.status is StatusCode.OK and span.status_description is None
    with pytest.raises(ValueError, match="trace_id"):
        SpanContext(0, 1)
    with pytest.raises(ValueError, match="trace_flags"):
        SpanContext(1, 1, 256)
    with pytest.raises(TypeError, match="span_id"):
        SpanContext(1, "1")  # type: ignore[arg-type]


def test_inject_without_context_writes_nothing() -> None:
    assert inject({}) == {}
    tracer = Tracer("t", sampled=False)
    root = tracer.start_span("root")
    assert not root.context.sampled
    child = tracer.start_span("child", parent=root)
    assert child.context.trace_flags == root.context.trace_flags
    assert tracer.start_span("fresh", root=True).context.trace_id != root.context.trace_id
