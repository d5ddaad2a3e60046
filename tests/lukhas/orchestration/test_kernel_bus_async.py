"""KernelBus with async handlers: scheduling, awaiting in order, timeouts, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from lukhas.orchestration.kernel_bus import BusEvent, KernelBus


@pytest.mark.asyncio
async def test_emit_schedules_async_handlers_and_join_waits() -> None:
    bus = KernelBus(mode="live")
    seen: list[tuple[str, int]] = []

    async def slow(event: BusEvent) -> None:
        await asyncio.sleep(0)
        seen.append(("async", event.seq))

    bus.subscribe("t", slow)
    bus.subscribe("t", lambda e: seen.append(("sync", e.seq)))
    receipt = bus.emit("t")
    assert (receipt["delivered"], receipt["scheduled"]) == (1, 1)
    assert seen == [("sync", 0)]  # the coroutine has not run yet
    assert bus.get_status()["pending_async"] == 1
    await bus.join()
    assert seen == [("sync", 0), ("async", 0)]
    stats = bus.get_stats()
    assert (stats["deliveries"], stats["async_scheduled"], stats["pending_async"]) == (2, 1, 0)


@pytest.mark.asyncio
async def test_emit_async_awaits_handlers_in_priority_order() -> None:
    bus = KernelBus(mode="live")
    order: list[str] = []

    def make(label: str, delay: float) -> object:
        async def handler(event: BusEvent) -> None:
            await asyncio.sleep(delay)
            order.append(label)

        return handler

    bus.subscribe("t", make("late-but-first", 0.01), priority=3)  # type: ignore[arg-type]
    bus.subscribe("t", lambda e: order.append("sync"), priority=2)
    bus.subscribe("t", make("quick-but-last", 0.0), priority=1)  # type: ignore[arg-type]
    receipt = await bus.emit_async("t")
    assert order == ["late-but-first", "sync", "quick-but-last"]
    assert (receipt["delivered"], receipt["failed"], receipt["scheduled"]) == (3, 0, 0)


@pytest.mark.asyncio
async def test_async_failures_and_timeouts_are_isolated() -> None:
    bus = KernelBus(mode="live", handler_timeout=0.01)
    reached: list[str] = []

    async def hangs(event: BusEvent) -> None:
        await asyncio.sleep(10)

    async def raises(event: BusEvent) -> None:
        raise ValueError("bad payload")

    async def own_timeout(event: BusEvent) -> None:
        raise TimeoutError("upstream timed out")  # not the bus's limit

    bus.subscribe("t", hangs, priority=3)
    bus.subscribe("t", raises, priority=2)
    bus.subscribe("t", own_timeout, priority=1)
    bus.subscribe("t", lambda e: reached.append("last"))
    receipt = await bus.emit_async("t")
    assert reached == ["last"]
    assert (receipt["delivered"], receipt["failed"]) == (1, 3)
    reasons = [(d.handler.rsplit(".", 1)[-1], d.reason) for d in bus.dead_letters()]
    assert reasons == [
        ("hangs", "timeout"),
        ("raises", "handler_error"),
        ("own_timeout", "handler_error"),
    ]


@pytest.mark.asyncio
async def test_scheduled_handler_failures_reach_the_dead_letters() -> None:
    bus = KernelBus(mode="live", handler_timeout=0.01)

    async def hangs(event: BusEvent) -> None:
        await asyncio.sleep(10)

    async def raises(event: BusEvent) -> None:
        raise KeyError("k")

    bus.subscribe("t", hangs)
    bus.subscribe("t", raises)
    assert bus.emit("t")["scheduled"] == 2
    await bus.join()
    assert sorted(d.reason for d in bus.dead_letters()) == ["handler_error", "timeout"]
    assert bus.get_stats()["handler_failures"] == 2


@pytest.mark.asyncio
async def test_cancelled_scheduled_handler_is_recorded() -> None:
    bus = KernelBus(mode="live")
    started = asyncio.Event()

    async def waits(event: BusEvent) -> None:
        started.set()
        await asyncio.sleep(10)

    bus.subscribe("t", waits)
    bus.emit("t")
    await started.wait()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.cancel()
    await bus.join()
    [letter] = bus.dead_letters()
    assert letter.reason == "cancelled"


def test_async_handler_without_a_loop_is_dead_lettered_not_leaked() -> None:
    bus = KernelBus(mode="live")

    async def handler(event: BusEvent) -> None:
        raise AssertionError("never runs")

    bus.subscribe("t", handler)
    receipt = bus.emit("t")  # no running loop here; the coroutine must be closed, not leaked
    assert (receipt["failed"], receipt["scheduled"]) == (1, 0)
    [letter] = bus.dead_letters()
    assert letter.reason == "no_event_loop"


@pytest.mark.asyncio
async def test_drain_async_delivers_queue_in_order() -> None:
    bus = KernelBus(mode="live")
    seen: list[int] = []

    async def handler(event: BusEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.payload["i"])

    bus.subscribe("q.*", handler)
    for i in range(5):
        assert bus.post("q.item", {"i": i})
    assert await bus.drain_async(max_events=3) == 3
    assert seen == [0, 1, 2]
    assert await bus.drain_async() == 2
    assert seen == [0, 1, 2, 3, 4]


@pytest.mark.asyncio
async def test_retry_schedules_async_handlers_again() -> None:
    bus = KernelBus(mode="live")
    attempts: list[int] = []

    async def flaky(event: BusEvent) -> None:
        attempts.append(event.seq)
        if len(attempts) == 1:
            raise ConnectionError("down")

    bus.subscribe("t", flaky)
    bus.emit("t")
    await bus.join()
    assert len(bus.dead_letters()) == 1
    assert bus.retry_dead_letters() == 0  # async: scheduled, not yet delivered
    await bus.join()
    assert attempts == [0, 0]
    assert bus.dead_letters() == []
    assert bus.get_stats()["deliveries"] == 1
