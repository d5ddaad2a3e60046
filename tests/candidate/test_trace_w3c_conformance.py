"""W3C Trace Context conformance of ``candidate.trace`` (issue 19 §4).

The cases of the official suite (github.com/w3c/trace-context, ``test/``, at
``STRICT_LEVEL=2`` and ``SPEC_LEVEL=2``), restated here so they run without it:
a "service" extracts the incoming headers, continues the trace in a span and
injects into each outgoing call; the outgoing headers are then read back with a
parser written independently below.

Every case runs against the header objects frameworks hand a service: a list of
``(name, value)`` lines, ``http.client.HTTPMessage`` (``http.server``), multidict's
``CIMultiDict`` (aiohttp) and Starlette's ``Headers``, so repeated lines and
names in any case reach ``extract`` as those objects hold them.  Two tests drive
the loopback service (``w3c_trace_service.py``) over real HTTP.
"""

from __future__ import annotations

import http.client
import importlib.util
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from candidate.trace import FLAG_RANDOM, SpanKind, Tracer, TraceState, extract, inject

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
SAMPLED = f"00-{TRACE}-{PARENT}-01"
UNSAMPLED = f"00-{TRACE}-{PARENT}-00"

Lines = list[tuple[str, str]]

# -- the header objects a service receives -------------------------------------------------


def as_pairs(lines: Lines) -> Any:
    return list(lines)


def as_http_message(lines: Lines) -> Any:
    raw = "".join(f"{name}: {value}\r\n" for name, value in lines) + "\r\n"
    return http.client.parse_headers(io.BytesIO(raw.encode("latin-1")))


def as_multidict(lines: Lines) -> Any:
    multidict = pytest.importorskip("multidict")
    return multidict.CIMultiDictProxy(multidict.CIMultiDict(lines))


def as_starlette(lines: Lines) -> Any:
    datastructures = pytest.importorskip("starlette.datastructures")
    return datastructures.Headers(
        raw=[(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in lines])


def as_dict_of_lists(lines: Lines) -> Any:
    """One key per header (spelt as first seen), its lines in order."""
    spelling: dict[str, str] = {}
    grouped: dict[str, list[str]] = {}
    for name, value in lines:
        grouped.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
    return grouped


CARRIERS: dict[str, Callable[[Lines], Any]] = {
    "pairs": as_pairs,
    "http.server": as_http_message,
    "aiohttp": as_multidict,
    "starlette": as_starlette,
    "dict-of-lists": as_dict_of_lists,
}


@pytest.fixture(params=list(CARRIERS))
def carrier_of(request: pytest.FixtureRequest) -> Callable[[Lines], Any]:
    return CARRIERS[request.param]


# -- the service and an independent reading of what it sends -----------------------------

TRACER = Tracer("conformance", backend="w3c")
OUT_PARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def serve(carrier: Any, calls: int = 1) -> list[dict[str, str]]:
    """Continue the incoming trace and return the headers of ``calls`` outgoing requests."""
    remote = extract(carrier)
    out = []
    with TRACER.start_as_current_span("server", parent=remote, root=remote is None,
                                      kind=SpanKind.SERVER):
        for _ in range(calls):
            with TRACER.start_as_current_span("client", kind=SpanKind.CLIENT):
                out.append(inject({}))
    return out


def read_parent(headers: dict[str, str]) -> tuple[str, str, int]:
    """(trace id, parent id, flags) of an outgoing traceparent, which must be well formed."""
    match = OUT_PARENT.fullmatch(headers["traceparent"])
    assert match is not None, headers
    version, trace, parent, flags = match.groups()
    assert version == "00" and trace != "0" * 32 and parent != "0" * 16
    return trace, parent, int(flags, 16)


def read_state(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The members of an outgoing tracestate, in order (empty when none was sent)."""
    text = headers.get("tracestate", "")
    assert len(text) <= 512 and "\n" not in text and "\r" not in text
    members = []
    for item in text.split(","):
        item = item.strip(" \t")
        if item:
            key, sep, value = item.partition("=")
            assert sep and key and value, text
            members.append((key, value))
    return members


def one_call(carrier_of: Callable[[Lines], Any], lines: Lines) -> tuple[str, str, int,
                                                                        dict[str, str]]:
    (headers,) = serve(carrier_of(lines))
    trace, parent, flags = read_parent(headers)
    return trace, parent, flags, dict(read_state(headers))


def continues(carrier_of: Callable[[Lines], Any], lines: Lines) -> dict[str, str]:
    """Assert the trace is continued under a new parent id; return the tracestate sent."""
    trace, parent, _, state = one_call(carrier_of, lines)
    assert trace == TRACE and parent != PARENT, lines
    return state


def restarts(carrier_of: Callable[[Lines], Any], lines: Lines) -> None:
    """Assert a new trace was started (the incoming ids and tracestate are not used)."""
    trace, _, _, state = one_call(carrier_of, lines)
    assert trace != TRACE and state == {}, lines


# -- traceparent -------------------------------------------------------------------------------


def test_no_headers_starts_a_trace(carrier_of: Callable[[Lines], Any]) -> None:
    _, _, flags, state = one_call(carrier_of, [])
    assert state == {} and flags & FLAG_RANDOM  # new ids are random: say so


def test_valid_parent_is_continued(carrier_of: Callable[[Lines], Any]) -> None:
    assert continues(carrier_of, [("traceparent", SAMPLED)]) == {}


@pytest.mark.parametrize("name", ["TraceParent", "TRACEPARENT", "tRaCePaReNt"])
def test_parent_name_in_any_case(carrier_of: Callable[[Lines], Any], name: str) -> None:
    continues(carrier_of, [(name, SAMPLED)])


@pytest.mark.parametrize("name", ["trace-parent", "trace.parent", "traceparent2", "parent"])
def test_parent_under_another_name_is_not_read(carrier_of: Callable[[Lines], Any],
                                               name: str) -> None:
    restarts(carrier_of, [(name, SAMPLED)])


def test_two_parent_lines_are_invalid(carrier_of: Callable[[Lines], Any]) -> None:
    other = f"00-{TRACE[:-1]}5-{PARENT}-01"
    for lines in ([("traceparent", other), ("traceparent", SAMPLED)],
                  [("traceparent", SAMPLED), ("TraceParent", SAMPLED)]):
        trace, _, _, _ = one_call(carrier_of, lines)
        assert trace not in (TRACE, TRACE[:-1] + "5")


@pytest.mark.parametrize("value", [
    f" {SAMPLED}", f"\t{SAMPLED}", f"{SAMPLED} ", f"{SAMPLED}\t", f"\t {SAMPLED} \t",
])
def test_white_space_around_parent(carrier_of: Callable[[Lines], Any], value: str) -> None:
    continues(carrier_of, [("traceparent", value)])


def _mutations() -> Iterator[str]:
    """Invalid traceparent values: each field too short, too long, with a stray character."""
    fields = ["00", TRACE, PARENT, "01"]
    for i, field in enumerate(fields):
        for bad in (field[:-1], field + field[-1], "." + field[1:], field[:-1] + ".",
                    field.upper() if any(c.isalpha() for c in field) else "x" + field[1:]):
            if bad != field:
                yield "-".join([*fields[:i], bad, *fields[i + 1:]])
    yield f"00-{'0' * 32}-{PARENT}-01"  # zero trace id
    yield f"00-{TRACE}-{'0' * 16}-01"  # zero parent id
    yield f"ff-{TRACE}-{PARENT}-01"  # the forbidden version
    yield SAMPLED + "."  # version 00 has exactly four fields
    yield SAMPLED + "-and-more"
    yield f"cc-{TRACE}-{PARENT}-01.more"  # a future version may only append "-" fields
    yield f"000-{TRACE}-{PARENT}-01"
    yield ""


@pytest.mark.parametrize("value", list(_mutations()))
def test_invalid_parent_restarts(carrier_of: Callable[[Lines], Any], value: str) -> None:
    restarts(carrier_of, [("traceparent", value), ("tracestate", "rojo=1")])


@pytest.mark.parametrize("value", [f"cc-{TRACE}-{PARENT}-01",
                                   f"cc-{TRACE}-{PARENT}-01-fields-of-the-future"])
def test_future_versions_are_read_as_version_00(carrier_of: Callable[[Lines], Any],
                                                value: str) -> None:
    continues(carrier_of, [("traceparent", value)])


def test_several_calls_share_the_trace_with_distinct_parents(
        carrier_of: Callable[[Lines], Any]) -> None:
    for lines, same_trace in (([("traceparent", SAMPLED)], True), ([], None),
                              ([("traceparent", f"00-{'0' * 32}-{PARENT}-01")], False)):
        read = [read_parent(h) for h in serve(carrier_of(lines), calls=3)]
        assert len({parent for _, parent, _ in read}) == 3
        traces = {trace for trace, _, _ in read}
        assert len(traces) == 1
        if same_trace is not None:
            assert (TRACE in traces) is same_trace


@pytest.mark.parametrize(("flags", "sent"), [("02", 0x02), ("03", 0x03), ("01", 0x01),
                                             ("00", 0x00), ("ff", 0x03), ("06", 0x02)])
def test_random_flag_is_kept_and_reserved_flags_are_zeroed(
        carrier_of: Callable[[Lines], Any], flags: str, sent: int) -> None:
    trace, parent, out_flags, _ = one_call(carrier_of, [("traceparent", SAMPLED[:-2] + flags)])
    assert trace == TRACE and parent != PARENT and out_flags == sent


# -- tracestate --------------------------------------------------------------------------------


def test_state_without_parent_is_dropped(carrier_of: Callable[[Lines], Any]) -> None:
    for state in ("rojo=1", "rojo=1,congo=2"):
        trace, _, _, sent = one_call(carrier_of, [("tracestate", state)])
        assert trace != TRACE and sent == {}


def test_state_is_inherited_in_order(carrier_of: Callable[[Lines], Any]) -> None:
    (headers,) = serve(carrier_of([("traceparent", UNSAMPLED),
                                   ("tracestate", "rojo=1,congo=2")]))
    assert read_state(headers) == [("rojo", "1"), ("congo", "2")]


@pytest.mark.parametrize("name", ["TraceState", "TRACESTATE", "tRaCeStAtE"])
def test_state_name_in_any_case(carrier_of: Callable[[Lines], Any], name: str) -> None:
    assert continues(carrier_of, [("traceparent", UNSAMPLED), (name, "rojo=1")]) == {"rojo": "1"}


@pytest.mark.parametrize("name", ["trace-state", "trace.state", "state"])
def test_state_under_another_name_is_not_read(carrier_of: Callable[[Lines], Any],
                                              name: str) -> None:
    assert continues(carrier_of, [("traceparent", UNSAMPLED), (name, "rojo=1")]) == {}


def test_repeated_state_lines_are_combined_in_order(carrier_of: Callable[[Lines], Any]) -> None:
    lines = [("traceparent", UNSAMPLED), ("tracestate", "a=1,b=2"), ("TraceState", "c=3,d=4"),
             ("tracestate", "e=5")]
    (headers,) = serve(carrier_of(lines))
    assert read_state(headers) == [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]


@pytest.mark.parametrize("lines", [
    [("tracestate", "")],
    [("tracestate", "rojo=1"), ("tracestate", "")],
    [("tracestate", ""), ("tracestate", "rojo=1")],
    [("tracestate", " , ,\t,rojo=1, ")],
])
def test_empty_lines_and_members_are_accepted(carrier_of: Callable[[Lines], Any],
                                              lines: Lines) -> None:
    expected = {"rojo": "1"} if any("rojo" in v for _, v in lines) else {}
    assert continues(carrier_of, [("traceparent", UNSAMPLED), *lines]) == expected


@pytest.mark.parametrize("lines", [
    [("tracestate", "rojo=1,rojo=1")],
    [("tracestate", "rojo=1,rojo=2")],
    [("tracestate", "rojo=1"), ("tracestate", "rojo=1")],
    [("tracestate", "rojo=1"), ("tracestate", "rojo=2")],
])
def test_duplicate_keys_keep_the_state(carrier_of: Callable[[Lines], Any], lines: Lines) -> None:
    (headers,) = serve(carrier_of([("traceparent", UNSAMPLED), *lines]))
    assert read_parent(headers)[0] == TRACE
    assert read_state(headers) == [("rojo", "1")]  # the leftmost member wins


def test_every_allowed_character(carrier_of: Callable[[Lines], Any]) -> None:
    key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
    value = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ",=")
    for k in (key, key + "@" + key, "0" + key + "@@"):
        state = continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", f"{k}={value}")])
        assert state == {k: value}  # the value's leading space is part of it


@pytest.mark.parametrize("text", ["a=1 \t , \t b=2, \t c=3", "a=1\t \t,\t \tb=2,\t \tc=3"])
def test_white_space_between_members(carrier_of: Callable[[Lines], Any], text: str) -> None:
    assert continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", text)]) == {
        "a": "1", "b": "2", "c": "3"}


@pytest.mark.parametrize("text", [" rojo=1", "\trojo=1", "rojo=1 ", "rojo=1\t", "\t rojo=1 \t"])
def test_white_space_around_state(carrier_of: Callable[[Lines], Any], text: str) -> None:
    assert continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", text)]) == {
        "rojo": "1"}


@pytest.mark.parametrize("text", [
    "rojo =1,congo=2",  # space inside the member
    "ROJO=1,congo=2",  # upper case
    "ro.jo=1,congo=2",  # a character keys may not hold
    "@rojo=1,congo=2",  # "@" may not lead
    "_rojo=1,congo=2",
    "rojo=a=b,congo=2",  # "=" inside a value
    "rojo=,congo=2",  # empty value
    "rojo,congo=2",  # no "="
    "rojo=\x7f,congo=2",  # not printable
])
def test_malformed_member_discards_the_whole_state(carrier_of: Callable[[Lines], Any],
                                                   text: str) -> None:
    assert continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", text)]) == {}


@pytest.mark.parametrize("text", ["rojo@=1,congo=2", "rojo@@vendor=1,congo=2",
                                  "rojo@x@y=1,congo=2", "9rojo=1,congo=2"])
def test_keys_of_the_current_grammar(carrier_of: Callable[[Lines], Any], text: str) -> None:
    key = text.split("=")[0]
    assert continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", text)]) == {
        key: "1", "congo": "2"}


@pytest.mark.parametrize("members", [32, 33])
def test_at_most_32_members(carrier_of: Callable[[Lines], Any], members: int) -> None:
    items = [f"k{i:02d}={i:02d}" for i in range(1, members + 1)]
    lines = [("tracestate", ",".join(items[i:i + 10])) for i in range(0, members, 10)]
    state = continues(carrier_of, [("traceparent", UNSAMPLED), *lines])
    assert len(state) == (32 if members == 32 else 0)


@pytest.mark.parametrize(("key", "kept"), [
    ("k" * 256, True), ("k" * 257, False),
    ("t" * 241 + "@" + "v" * 14, True), ("t" * 242 + "@v", True), ("t@" + "v" * 15, True),
    ("t" * 200 + "@" + "v" * 56, False),
])
def test_key_length(carrier_of: Callable[[Lines], Any], key: str, kept: bool) -> None:
    state = continues(carrier_of, [("traceparent", UNSAMPLED), ("tracestate", "rojo=1"),
                                   ("tracestate", key + "=1")])
    assert state == ({"rojo": "1", key: "1"} if kept else {})


def test_value_length() -> None:
    assert TraceState.parse("rojo=" + "v" * 256).get("rojo") == "v" * 256
    assert TraceState.parse("rojo=" + "v" * 257) == TraceState()


# -- the loopback service over real HTTP -----------------------------------------------------


class _Callbacks(BaseHTTPRequestHandler):
    received: ClassVar[list[list[tuple[str, str]]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(list(self.headers.items()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[int, int]]:
    path = Path(__file__).with_name("w3c_trace_service.py")
    spec = importlib.util.spec_from_file_location("w3c_trace_service", path)
    assert spec is not None and spec.loader is not None
    service_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(service_module)
    service = service_module.make_http_server()
    callbacks = ThreadingHTTPServer(("127.0.0.1", 0), _Callbacks)
    threads = [threading.Thread(target=s.serve_forever, daemon=True)
               for s in (service, callbacks)]
    for thread in threads:
        thread.start()
    try:
        yield service.server_address[1], callbacks.server_address[1]
    finally:
        for server in (service, callbacks):
            server.shutdown()
            server.server_close()


def _through_http(ports: tuple[int, int], lines: Lines, calls: int = 1) -> list[dict[str, str]]:
    service_port, callback_port = ports
    _Callbacks.received = []
    body = json.dumps([{"url": f"http://127.0.0.1:{callback_port}/cb/{i}", "arguments": []}
                       for i in range(calls)]).encode()
    connection = http.client.HTTPConnection("127.0.0.1", service_port, timeout=10)
    try:
        connection.putrequest("POST", "/test")
        for name, value in lines:  # repeated lines go out as repeated lines
            connection.putheader(name, value)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    return [{k.lower(): v for k, v in got if k.lower() in ("traceparent", "tracestate")}
            for got in _Callbacks.received]


def test_service_combines_repeated_state_lines(loopback: tuple[int, int]) -> None:
    sent = _through_http(loopback, [("traceparent", UNSAMPLED), ("TraceState", "a@=1,b=2"),
                                    ("tracestate", "c=3"), ("tracestate", "a@=4")], calls=2)
    assert len(sent) == 2
    for headers in sent:
        assert read_parent(headers)[0] == TRACE
        assert read_state(headers) == [("a@", "1"), ("b", "2"), ("c", "3")]
    assert len({read_parent(h)[1] for h in sent}) == 2


def test_service_refuses_repeated_parent_lines(loopback: tuple[int, int]) -> None:
    (headers,) = _through_http(loopback, [("traceparent", SAMPLED), ("traceparent", SAMPLED),
                                          ("tracestate", "rojo=1")])
    assert read_parent(headers)[0] != TRACE and read_state(headers) == []
    (headers,) = _through_http(loopback, [("TRACEPARENT", SAMPLED[:-2] + "02")])
    trace, _, flags = read_parent(headers)
    assert trace == TRACE and flags == FLAG_RANDOM


def test_carrier_that_is_not_headers_is_a_type_error() -> None:
    for bad in ("traceparent: x", b"traceparent", 42):
        with pytest.raises(TypeError, match="carrier"):
            extract(bad)
    assert extract([("traceparent", SAMPLED), ("broken",), 7, (b"tracestate", b"a=1")]) is not None
