"""Kernel bus throughput (events/s) beside a plain-Python baseline and PyPI peers.

Every bench counts deliveries and asserts them.  Peers:

* ``dict-baseline``: ``dict`` of topic -> list of callbacks, exact topics only;
* ``regex-baseline``: the obvious wildcard bus, one compiled regex per subscription
  scanned for every event;
* ``blinker`` / ``pyee`` (exact names) and ``pypubsub`` (hierarchical topics:
  a subscriber of ``"mind"`` hears ``"mind.dream.start"``), when installed.

Exact-topic families (``bus-exact-*``): one topic with 3 handlers, 1000 topics with 2
handlers each, one topic with 32 handlers, and 50 topics beside 60 wildcard
subscriptions that match none of them; every handler is a distinct object.

Run: ``pytest benches/bench_bus.py --benchmark-only --benchmark-columns=mean,ops``
(ops is batches/s; multiply by ``N_EVENTS`` for events/s).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest

from lukhas.orchestration.kernel_bus import KernelBus

N_EVENTS = 10_000
N_HANDLERS = 3
TOPICS = ("mind.tick", "mind.dream.start", "memory.fold", "guardian.alert", "mind.dream.end")
# Patterns and, for pypubsub, the parent topic with the same reach.
WILDCARDS = (("mind.#", "mind"), ("memory.*", "memory"), ("guardian.alert", "guardian.alert"))
PAYLOAD = {"tick": 1}


class Counter:
    """A handler that only counts (so the bus, not the handler, is measured)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.n += 1


def _expected_wildcard_deliveries(stream: list[str]) -> int:
    return sum(
        (t.startswith("mind.")) + (t.startswith("memory.")) + (t == "guardian.alert")
        for t in stream
    )


# -- one exact topic, several handlers ------------------------------------------------------
def _exact_lukhas(method: str) -> tuple[Callable[[], None], Counter]:
    bus, counters = KernelBus(mode="live", history_capacity=0), [Counter() for _ in range(3)]
    for c in counters:  # distinct handlers, as the pyee and blinker peers have
        bus.subscribe("mind.tick", c)
    send = getattr(bus, method)
    total = Counter()

    def run() -> None:
        for _ in range(N_EVENTS):
            send("mind.tick", PAYLOAD)
        total.n = sum(c.n for c in counters)

    return run, total


def _exact_dict() -> tuple[Callable[[], None], Counter]:
    counter = Counter()
    table: dict[str, list[Callable[..., None]]] = {"mind.tick": [counter] * N_HANDLERS}

    def run() -> None:
        for _ in range(N_EVENTS):
            for callback in table.get("mind.tick", ()):
                callback(PAYLOAD)

    return run, counter


def _exact_blinker() -> tuple[Callable[[], None], Counter]:
    blinker = pytest.importorskip("blinker")
    signal, counters = blinker.Namespace().signal("mind.tick"), [Counter() for _ in range(3)]
    for c in counters:  # blinker keeps one connection per receiver object
        signal.connect(c, weak=False)
    total = Counter()

    def run() -> None:
        for _ in range(N_EVENTS):
            signal.send(None, payload=PAYLOAD)
        total.n = sum(c.n for c in counters)

    return run, total


def _exact_pyee() -> tuple[Callable[[], None], Counter]:
    pyee = pytest.importorskip("pyee")
    emitter, counters = pyee.EventEmitter(), [Counter() for _ in range(3)]
    for c in counters:
        emitter.on("mind.tick", c)
    total = Counter()

    def run() -> None:
        for _ in range(N_EVENTS):
            emitter.emit("mind.tick", PAYLOAD)
        total.n = sum(c.n for c in counters)

    return run, total


def _exact_pypubsub() -> tuple[Callable[[], None], Counter]:
    core = pytest.importorskip("pubsub.core")
    publisher, counters = core.Publisher(), []
    for _ in range(N_HANDLERS):
        counter = Counter()

        def listener(payload: Any, counter: Counter = counter) -> None:
            counter.n += 1

        counters.append((counter, listener))  # pypubsub holds listeners weakly
        publisher.subscribe(listener, "mind.tick")
    total = Counter()

    def run() -> None:
        for _ in range(N_EVENTS):
            publisher.sendMessage("mind.tick", payload=PAYLOAD)
        total.n = sum(c.n for c, _ in counters)

    return run, total


EXACT_PEERS: dict[str, Callable[[], tuple[Callable[[], None], Counter]]] = {
    "lukhas-publish": lambda: _exact_lukhas("publish"),
    "lukhas-emit": lambda: _exact_lukhas("emit"),
    "dict-baseline": _exact_dict,
    "blinker": _exact_blinker,
    "pyee": _exact_pyee,
    "pypubsub": _exact_pypubsub,
}


@pytest.mark.benchmark(group="bus-exact-topic")
@pytest.mark.parametrize("peer", list(EXACT_PEERS))
def test_exact_topic(benchmark: Any, peer: str) -> None:
    run, counter = EXACT_PEERS[peer]()
    rounds = [0]

    def timed() -> None:
        run()
        rounds[0] += 1

    benchmark(timed)
    assert counter.n == rounds[0] * N_EVENTS * N_HANDLERS


# -- exact topics at scale: many topics, many handlers, wildcards subscribed elsewhere -----
#: family -> (topics, handlers per topic, wildcard subscriptions that match none of them).
EXACT_FAMILIES: dict[str, tuple[int, int, int]] = {
    "many-topics": (1000, 2, 0),
    "many-handlers": (1, 32, 0),
    "wildcards-elsewhere": (50, 3, 60),
}


def _family_stream(n_topics: int) -> list[str]:
    """``N_EVENTS`` topics of the form ``svc<i>.event``, spread over all of them."""
    return [f"svc{(i * 7919 + i // 3) % n_topics}.event" for i in range(N_EVENTS)]


def _family_counters(n_topics: int, n_handlers: int) -> dict[str, list[Counter]]:
    return {f"svc{t}.event": [Counter() for _ in range(n_handlers)] for t in range(n_topics)}


def _family_total(counters: dict[str, list[Counter]]) -> Counter:
    total = Counter()
    total.n = sum(c.n for cs in counters.values() for c in cs)
    return total


def _family_lukhas(family: str) -> tuple[Callable[[list[str]], None], Callable[[], Counter]]:
    n_topics, n_handlers, n_wild = EXACT_FAMILIES[family]
    bus, counters = (
        KernelBus(mode="live", history_capacity=0),
        _family_counters(n_topics, n_handlers),
    )
    for topic, cs in counters.items():
        for c in cs:
            bus.subscribe(topic, c)
    for i in range(n_wild):  # other namespaces: they match no published topic
        bus.subscribe(f"audit{i}.*" if i % 2 else f"audit{i}.#", Counter())

    def run(stream: list[str]) -> None:
        publish = bus.publish
        for topic in stream:
            publish(topic, PAYLOAD)

    return run, lambda: _family_total(counters)


def _family_dict(family: str) -> tuple[Callable[[list[str]], None], Callable[[], Counter]]:
    n_topics, n_handlers, _ = EXACT_FAMILIES[family]
    counters = _family_counters(n_topics, n_handlers)
    table: dict[str, list[Callable[..., None]]] = {t: list(cs) for t, cs in counters.items()}

    def run(stream: list[str]) -> None:
        get = table.get
        for topic in stream:
            for callback in get(topic, ()):
                callback(PAYLOAD)

    return run, lambda: _family_total(counters)


def _family_pyee(family: str) -> tuple[Callable[[list[str]], None], Callable[[], Counter]]:
    pyee = pytest.importorskip("pyee")
    n_topics, n_handlers, _ = EXACT_FAMILIES[family]
    emitter, counters = pyee.EventEmitter(), _family_counters(n_topics, n_handlers)
    for topic, cs in counters.items():
        for c in cs:
            emitter.on(topic, c)

    def run(stream: list[str]) -> None:
        emit = emitter.emit
        for topic in stream:
            emit(topic, PAYLOAD)

    return run, lambda: _family_total(counters)


FAMILY_PEERS = {
    "lukhas-publish": _family_lukhas,
    "dict-baseline": _family_dict,
    "pyee": _family_pyee,
}


@pytest.mark.parametrize("family", list(EXACT_FAMILIES))
@pytest.mark.parametrize("peer", list(FAMILY_PEERS))
def test_exact_family(benchmark: Any, peer: str, family: str) -> None:
    benchmark.group = f"bus-exact-{family}"
    run, total = FAMILY_PEERS[peer](family)
    stream = _family_stream(EXACT_FAMILIES[family][0])
    rounds = [0]

    def timed() -> None:
        run(stream)
        rounds[0] += 1

    benchmark(timed)
    assert total().n == rounds[0] * N_EVENTS * EXACT_FAMILIES[family][1]


# -- wildcard routing over a mixed topic stream -------------------------------------------
def _stream() -> list[str]:
    return [TOPICS[(i * 7919) % len(TOPICS)] for i in range(N_EVENTS)]


def _subscriptions(n_noise: int) -> list[tuple[str, str]]:
    """The three matching subscriptions plus ``n_noise`` that never match the stream."""
    return list(WILDCARDS) + [(f"noise{i}.*", f"noise{i}") for i in range(n_noise)]


def _wild_lukhas(n_noise: int) -> tuple[Callable[[list[str]], None], Counter]:
    bus, counter = KernelBus(mode="live", history_capacity=0), Counter()
    for pattern, _ in _subscriptions(n_noise):
        bus.subscribe(pattern, counter)

    def run(stream: list[str]) -> None:
        publish = bus.publish
        for topic in stream:
            publish(topic, PAYLOAD)

    return run, counter


def _wild_regex(n_noise: int) -> tuple[Callable[[list[str]], None], Counter]:
    counter = Counter()

    def compile_pattern(pattern: str) -> re.Pattern[str]:
        words = [{"*": r"[^.]+", "#": r".*"}.get(w, re.escape(w)) for w in pattern.split(".")]
        return re.compile(r"\.".join(words).replace(r".*\.", r"(?:.*\.)?") + "$")

    subs = [(compile_pattern(p), counter) for p, _ in _subscriptions(n_noise)]

    def run(stream: list[str]) -> None:
        for topic in stream:
            for regex, callback in subs:
                if regex.match(topic):
                    callback(PAYLOAD)

    return run, counter


def _wild_pypubsub(n_noise: int) -> tuple[Callable[[list[str]], None], Counter]:
    core = pytest.importorskip("pubsub.core")
    publisher, counter = core.Publisher(), Counter()

    def make_listener() -> Callable[[Any], None]:
        def listener(payload: Any) -> None:
            counter.n += 1

        return listener

    # One listener per subscription (pypubsub refuses the same one twice), kept alive
    # here because pypubsub holds listeners weakly.
    subscriptions = _subscriptions(n_noise)
    listeners = [make_listener() for _ in subscriptions]
    for listener, (_, parent) in zip(listeners, subscriptions, strict=True):
        publisher.subscribe(listener, parent)

    def run(stream: list[str]) -> None:
        send = publisher.sendMessage
        for topic in stream:
            send(topic, payload=PAYLOAD)
        run.listeners = listeners  # type: ignore[attr-defined]

    return run, counter


WILD_PEERS: dict[str, Callable[[int], tuple[Callable[[list[str]], None], Counter]]] = {
    "lukhas": _wild_lukhas,
    "regex-baseline": _wild_regex,
    "pypubsub": _wild_pypubsub,
}


@pytest.mark.benchmark(group="bus-wildcard")
@pytest.mark.parametrize("n_noise", [0, 60])
@pytest.mark.parametrize("peer", list(WILD_PEERS))
def test_wildcard_routing(benchmark: Any, peer: str, n_noise: int) -> None:
    benchmark.group = f"bus-wildcard-{3 + n_noise}-subscriptions"
    run, counter = WILD_PEERS[peer](n_noise)
    stream = _stream()
    rounds = [0]

    def timed() -> None:
        run(stream)
        rounds[0] += 1

    benchmark(timed)
    assert counter.n == rounds[0] * _expected_wildcard_deliveries(stream)


# -- queued delivery: post a burst, drain it -----------------------------------------------
@pytest.mark.benchmark(group="bus-queued")
@pytest.mark.parametrize("peer", ["lukhas", "deque-baseline"])
def test_post_then_drain(benchmark: Any, peer: str) -> None:
    counter = Counter()
    if peer == "lukhas":
        bus = KernelBus(mode="live", history_capacity=0, queue_capacity=2 * N_EVENTS)
        bus.subscribe("mind.tick", counter)

        def run() -> None:
            post = bus.post
            for _ in range(N_EVENTS):
                post("mind.tick", PAYLOAD)
            bus.drain()

    else:
        queue: deque[tuple[str, dict[str, int]]] = deque(maxlen=2 * N_EVENTS)
        table = {"mind.tick": [counter]}

        def run() -> None:
            for _ in range(N_EVENTS):
                queue.append(("mind.tick", PAYLOAD))
            while queue:
                topic, payload = queue.popleft()
                for callback in table.get(topic, ()):
                    callback(payload)

    rounds = [0]

    def timed() -> None:
        run()
        rounds[0] += 1

    benchmark(timed)
    assert counter.n == rounds[0] * N_EVENTS


# -- consciousness stream: ticks through router + store ---------------------------------------
N_TICKS = 2_000


def _plain_stream() -> tuple[Callable[[], None], Callable[[], int]]:
    """The obvious stream: dict events in a bounded deque, a list log, one callback."""
    import uuid
    from datetime import UTC, datetime

    store: deque[dict[str, Any]] = deque(maxlen=10_000)
    logs: list[dict[str, Any]] = []
    counter = Counter()

    def tick(n: int) -> None:
        event = {"id": uuid.uuid4(), "ts": datetime.now(UTC), "kind": "consciousness_tick",
                 "payload": {"tick_count": n}}  # fmt: skip
        logs.append({"type": "router.publish", "data": {"topic": "breakthrough"}})
        counter(event)
        store.append(event)
        store.append({"id": uuid.uuid4(), "ts": datetime.now(UTC), "kind": "tick_processed",
                      "payload": {"tick_count": n}})  # fmt: skip

    def run() -> None:
        for n in range(N_TICKS):
            tick(n)

    return run, lambda: counter.n


def _lukhas_stream() -> tuple[Callable[[], None], Callable[[], int]]:
    from lukhas.core.consciousness_stream import ConsciousnessStream

    bus, counter = KernelBus(mode="live", history_capacity=0), Counter()
    bus.subscribe("consciousness.#", counter)
    stream = ConsciousnessStream(store_capacity=10_000, bus=bus, enable_backpressure=False)

    def run() -> None:
        on_tick = stream._on_consciousness_tick
        for n in range(N_TICKS):
            on_tick(n)

    return run, lambda: counter.n


@pytest.mark.benchmark(group="stream-ticks")
@pytest.mark.parametrize("peer", ["lukhas", "plain-python"])
def test_stream_ticks(benchmark: Any, peer: str) -> None:
    run, delivered = _lukhas_stream() if peer == "lukhas" else _plain_stream()
    rounds = [0]

    def timed() -> None:
        run()
        rounds[0] += 1

    benchmark(timed)
    assert delivered() == rounds[0] * N_TICKS
