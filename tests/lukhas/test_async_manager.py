"""ConsciousnessTaskManager: contract, limits, timeouts, cancellation, shutdown, accounting."""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lukhas import async_manager
from lukhas.async_manager import (
    ConsciousnessTaskManager,
    TaskLimitError,
    TaskOutcome,
    TaskPriority,
    TaskTimeoutError,
    get_background_manager,
    get_consciousness_manager,
    get_guardian_manager,
    get_orchestration_manager,
    shutdown_all_managers,
)


def assert_accounted(manager: ConsciousnessTaskManager) -> None:
    """Every task created is either still active or ended exactly one way."""
    s = manager.get_stats()
    ended = s["tasks_completed"] + s["tasks_failed"] + s["tasks_cancelled"] + s["tasks_timed_out"]
    assert s["tasks_created"] == ended + s["total_active"] + s["abandoned"]
    assert sum(s["active_by_priority"].values()) == s["total_active"] + s["abandoned"]


@pytest_asyncio.fixture
async def manager() -> AsyncIterator[ConsciousnessTaskManager]:
    m = ConsciousnessTaskManager("test", max_concurrent_tasks=4)
    yield m
    await m.shutdown(timeout=0.5, force_after=0.0)


# -- contract ------------------------------------------------------------------------------
def test_priorities_and_names() -> None:
    assert {"LOW", "NORMAL", "HIGH", "CRITICAL"} <= set(TaskPriority.__members__)
    assert TaskPriority.LOW < TaskPriority.NORMAL < TaskPriority.HIGH < TaskPriority.CRITICAL
    assert ConsciousnessTaskManager("x", max_concurrent_tasks=3).name == "x"


@pytest.mark.asyncio
async def test_create_task_returns_a_task_and_stats_follow(
    manager: ConsciousnessTaskManager,
) -> None:
    release = asyncio.Event()

    async def wait() -> str:
        await release.wait()
        return "done"

    async def boom() -> None:
        raise ValueError("bad")

    t1 = manager.create_task(wait(), name="w", priority=TaskPriority.NORMAL, component="test")
    assert isinstance(t1, asyncio.Task)
    t2 = manager.create_task(boom(), name="b", priority=TaskPriority.HIGH, component="test")
    t3 = manager.create_task(asyncio.sleep(10), name="s", component="test")
    await asyncio.sleep(0)
    active = manager.get_active_tasks()
    assert active["normal"] == [t1, t3] and active["low"] == []
    t3.cancel()
    release.set()
    assert await t1 == "done"
    with pytest.raises(ValueError, match="bad"):
        await t2
    await asyncio.gather(t3, return_exceptions=True)
    stats = manager.get_stats()
    assert (stats["tasks_created"], stats["tasks_completed"]) == (3, 1)
    assert (stats["tasks_failed"], stats["tasks_cancelled"], stats["total_active"]) == (1, 1, 0)
    assert_accounted(manager)
    assert [r.outcome for r in manager.recent_outcomes()] == [
        TaskOutcome.FAILED,
        TaskOutcome.CANCELLED,
        TaskOutcome.COMPLETED,
    ]


@pytest.mark.asyncio
async def test_limit_and_shutdown_raise_runtime_error() -> None:
    manager = ConsciousnessTaskManager("limited", max_concurrent_tasks=2)
    tasks = [manager.create_task(asyncio.sleep(10), name=f"t{i}") for i in range(2)]
    with pytest.raises(RuntimeError, match="max_concurrent_tasks=2"):
        manager.create_task(asyncio.sleep(10), name="third")
    summary = await manager.shutdown(timeout=0.5, force_after=0.0)
    assert summary["cancelled"] == 2
    assert manager._task_metadata == {}
    assert all(t.cancelled() for t in tasks)
    with pytest.raises(RuntimeError, match="is shut down"):
        manager.create_task(asyncio.sleep(0))
    stats = manager.get_stats()
    assert (stats["tasks_cancelled"], stats["tasks_rejected"], stats["is_shutdown"]) == (2, 2, True)
    assert_accounted(manager)


@pytest.mark.asyncio
async def test_named_managers_are_singletons_and_shut_down_together() -> None:
    managers = {
        "consciousness": get_consciousness_manager(),
        "orchestration": get_orchestration_manager(),
        "background": get_background_manager(),
        "guardian": get_guardian_manager(),
    }
    for name, m in managers.items():
        assert m.name == name
    assert get_consciousness_manager() is managers["consciousness"]
    task = managers["background"].create_task(asyncio.sleep(10), name="bg")
    summaries = await shutdown_all_managers(timeout=0.5, force_after=0.0)
    assert set(summaries) == set(managers)
    assert summaries["background"]["cancelled"] == 1 and task.cancelled()
    for m in managers.values():
        assert m.is_shutdown
        with pytest.raises(RuntimeError):
            m.create_task(asyncio.sleep(0))
    fresh = get_guardian_manager()
    assert fresh is not managers["guardian"] and not fresh.is_shutdown
    await shutdown_all_managers(timeout=0.1)
    assert async_manager._named == {}


# -- limits by priority ----------------------------------------------------------------------
@pytest.mark.asyncio
async def test_priority_limits_keep_room_for_critical_work() -> None:
    manager = ConsciousnessTaskManager(
        "prio", max_concurrent_tasks=4, priority_limits={TaskPriority.LOW: 2, "normal": 3}
    )
    low = [manager.create_task(asyncio.sleep(10), priority="low") for _ in range(2)]
    with pytest.raises(TaskLimitError, match="2 low-priority task"):
        manager.create_task(asyncio.sleep(10), priority=TaskPriority.LOW)
    critical = manager.create_task(asyncio.sleep(10), priority=TaskPriority.CRITICAL)
    assert manager.get_stats()["active_by_priority"] == {
        "low": 2, "normal": 0, "high": 0, "critical": 1
    }  # fmt: skip
    assert manager.cancel_all(priority="low") == 2
    await asyncio.gather(*low, return_exceptions=True)
    assert manager.get_stats()["tasks_cancelled"] == 2
    assert not critical.done()
    await manager.shutdown(timeout=0.5, force_after=0.0)
    assert_accounted(manager)


@pytest.mark.asyncio
async def test_refused_coroutines_are_closed_not_leaked() -> None:
    manager = ConsciousnessTaskManager("closed", max_concurrent_tasks=1)
    ran: list[str] = []

    async def work(tag: str) -> None:
        ran.append(tag)

    first = manager.create_task(work("first"))
    refused = work("refused")
    with pytest.raises(TaskLimitError):
        manager.create_task(refused)
    assert refused.cr_frame is None  # closed: no "never awaited" warning at collection
    await first
    await manager.shutdown(timeout=0.1)
    late = work("late")
    with pytest.raises(RuntimeError):
        manager.create_task(late)
    assert late.cr_frame is None
    gc.collect()
    assert ran == ["first"]


def test_create_task_needs_a_running_loop() -> None:
    manager = ConsciousnessTaskManager("no-loop")
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="no running event loop"):
        manager.create_task(coro)
    assert coro.cr_frame is None
    assert manager.get_stats()["tasks_created"] == 0


# -- timeouts and cancellation ---------------------------------------------------------------
@pytest.mark.asyncio
async def test_timeouts_end_tasks_as_timed_out() -> None:
    manager = ConsciousnessTaskManager("timeouts", default_timeout=0.005)

    async def hangs() -> None:
        await asyncio.sleep(10)

    async def raises_its_own_timeout() -> None:
        raise TimeoutError("upstream")

    by_default = manager.create_task(hangs(), name="default-limit")
    explicit = manager.create_task(hangs(), name="own-limit", timeout=0.002)
    own = manager.create_task(raises_its_own_timeout(), name="own-error")
    quick = manager.create_task(asyncio.sleep(0, result=5), name="quick", timeout=1.0)
    with pytest.raises(TaskTimeoutError, match=r"'default-limit' exceeded its timeout of 0\.005s"):
        await by_default
    with pytest.raises(TaskTimeoutError):
        await explicit
    with pytest.raises(TimeoutError, match="upstream") as info:
        await own
    assert not isinstance(info.value, TaskTimeoutError)
    assert await quick == 5
    stats = manager.get_stats()
    assert (stats["tasks_timed_out"], stats["tasks_failed"], stats["tasks_completed"]) == (2, 1, 1)
    assert_accounted(manager)


@pytest.mark.asyncio
async def test_cancel_task_and_cancel_all_by_component(
    manager: ConsciousnessTaskManager,
) -> None:
    a = manager.create_task(asyncio.sleep(10), component="dream")
    b = manager.create_task(asyncio.sleep(10), component="dream")
    c = manager.create_task(asyncio.sleep(10), component="memory")
    assert manager.cancel_task(a) is True
    assert manager.cancel_all(component="dream") == 2  # a again (still running) and b
    await asyncio.gather(a, b, return_exceptions=True)
    assert manager.cancel_task(a) is False  # finished: no longer this manager's
    assert not c.done()
    assert manager.get_stats()["tasks_cancelled"] == 2
    assert manager.get_task_info(c).component == "memory"  # type: ignore[union-attr]


# -- shutdown ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_graceful_then_forced_shutdown() -> None:
    manager = ConsciousnessTaskManager("shutdown")
    quick = manager.create_task(asyncio.sleep(0.001, result="ok"), name="quick")
    slow = manager.create_task(asyncio.sleep(10), name="slow")
    summary = await manager.shutdown(timeout=0.2, force_after=0.02)
    assert (summary["finished"], summary["cancelled"], summary["abandoned"]) == (1, 1, 0)
    assert quick.result() == "ok" and slow.cancelled()
    assert summary["duration_s"] < 0.2
    assert_accounted(manager)


@pytest.mark.asyncio
async def test_task_ignoring_cancellation_is_abandoned_but_still_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager = ConsciousnessTaskManager("stubborn")
    release = asyncio.Event()

    async def stubborn() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await release.wait()  # swallows the cancellation
        return "finally done"

    task = manager.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    # The grace period lives in the manager's module since the package split.
    monkeypatch.setattr(async_manager._manager, "_CANCEL_GRACE", 0.01)  # keep the test fast
    summary = await manager.shutdown(timeout=0.0)
    assert summary["abandoned"] == 1
    assert manager._task_metadata == {}
    assert manager.get_stats()["abandoned"] == 1
    assert_accounted(manager)
    release.set()
    assert await task == "finally done"
    stats = manager.get_stats()
    assert (stats["abandoned"], stats["tasks_completed"]) == (0, 1)
    assert_accounted(manager)


# -- no task is lost silently -------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("seed", range(4))
async def test_random_workloads_account_for_every_task(seed: int) -> None:
    rng = random.Random(seed)
    manager = ConsciousnessTaskManager(
        "random", max_concurrent_tasks=12, priority_limits={"low": 4}
    )
    expected = dict.fromkeys(TaskOutcome, 0)
    tasks = []

    async def behave(kind: str) -> None:
        await asyncio.sleep(0)
        if kind == "fail":
            raise RuntimeError(kind)
        if kind in ("hang", "cancel"):
            await asyncio.sleep(10)

    rejected = 0
    for _ in range(40):
        kind = rng.choice(["ok", "fail", "hang", "cancel"])
        priority = rng.choice(list(TaskPriority))
        try:
            task = manager.create_task(
                behave(kind), priority=priority, timeout=0.003 if kind == "hang" else None
            )
        except TaskLimitError:
            rejected += 1
            continue
        tasks.append((kind, task))
        if kind == "cancel":
            manager.cancel_task(task)
        outcome = {
            "ok": TaskOutcome.COMPLETED,
            "fail": TaskOutcome.FAILED,
            "hang": TaskOutcome.TIMED_OUT,
            "cancel": TaskOutcome.CANCELLED,
        }[kind]
        expected[outcome] += 1
        assert_accounted(manager)
        if rng.random() < 0.3:
            await asyncio.sleep(0)
    assert await manager.join(timeout=1.0)
    stats = manager.get_stats()
    assert stats["tasks_rejected"] == rejected
    assert stats["tasks_created"] == len(tasks)
    for outcome, n in expected.items():
        assert stats[f"tasks_{outcome.value}"] == n, outcome
    assert_accounted(manager)
    assert len(manager.recent_outcomes()) == len(tasks)
    assert stats["duration_ms"]["p95"] >= stats["duration_ms"]["p50"] >= 0.0
    await manager.shutdown(timeout=0.1)


# -- validation --------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_arguments_are_validated(manager: ConsciousnessTaskManager) -> None:
    with pytest.raises(TypeError, match="`coro` must be a coroutine object"):
        manager.create_task(lambda: None)  # type: ignore[arg-type]
    bad_calls = [
        ({"priority": "urgent"}, TypeError, "`priority` must be a TaskPriority"),
        ({"name": 3}, TypeError, "`name` must be a str, got 3"),
        ({"component": None}, TypeError, "`component` must be a str"),
        ({"description": 1}, TypeError, "`description` must be a str"),
        ({"consciousness_context": [1]}, TypeError, "`consciousness_context` must be a Mapping"),
        ({"timeout": -1}, ValueError, "`timeout` must be in"),
    ]
    for kwargs, exc, fragment in bad_calls:
        coro = asyncio.sleep(0)
        with pytest.raises(exc, match=fragment):
            manager.create_task(coro, **kwargs)  # type: ignore[arg-type]
        assert coro.cr_frame is None
    assert manager.get_stats()["tasks_created"] == 0
    with pytest.raises(ValueError, match="`max_concurrent_tasks` must be an int >= 1, got 0"):
        ConsciousnessTaskManager("x", max_concurrent_tasks=0)
    with pytest.raises(ValueError, match=r"`priority_limits\['low'\]` must be an int in \[0, 2\]"):
        ConsciousnessTaskManager("x", max_concurrent_tasks=2, priority_limits={"low": 3})
    # An empty name is a wrong value, not a wrong type (check_str).
    with pytest.raises(ValueError, match="`name` must be a non-empty str"):
        ConsciousnessTaskManager("")
    with pytest.raises(TypeError, match="`name` must be a non-empty str, got None"):
        ConsciousnessTaskManager(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`force_after` must be in"):
        await manager.shutdown(timeout=1.0, force_after=2.0)
    assert not manager.is_shutdown  # a refused shutdown changes nothing
