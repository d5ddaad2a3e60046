"""The registry's algorithms: activation order against a reference on random graphs,
cycles, ordered activation with timeouts and rollback, the status machine, health
roll-up, feature flags and bad input."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.domain.consciousness.registry import (
    ComponentStatus,
    ComponentTransitionError,
    ComponentType,
    ConsciousnessComponentRegistry,
    activation_order,
    consciousness_activation_context,
    dependency_cycles,
)
from reference.registry_ref import ref_activation_order, ref_cycles

S = ComponentStatus


@st.composite
def graphs(draw: Any, dag: bool) -> tuple[dict[str, int], dict[str, list[str]]]:
    n = draw(st.integers(0, 25))
    ids = [f"c{i:02d}" for i in range(n)]
    draw(st.randoms()).shuffle(ids)  # id order unrelated to the dependency order
    prios = {cid: draw(st.integers(0, 5)) for cid in ids}
    deps: dict[str, list[str]] = {}
    for i, cid in enumerate(ids):
        pool = ids[:i] if dag else ids
        extra = ["ghost"] if draw(st.booleans()) else []
        deps[cid] = draw(st.lists(st.sampled_from(pool), max_size=3)) + extra if pool else extra
    return prios, deps


def _registry(prios: dict[str, int], deps: dict[str, list[str]],
              order: list[str] | None = None) -> ConsciousnessComponentRegistry:
    reg = ConsciousnessComponentRegistry()
    for cid in order or list(prios):
        reg.register_component(cid, ComponentType.MEMORY_FOLD, cid, "", "",
                               triad_framework="⚛️", dependencies=deps[cid],
                               activation_priority=prios[cid])
    return reg


@given(graphs(dag=True))
def test_order_on_random_dags_equals_reference(
        g: tuple[dict[str, int], dict[str, list[str]]]) -> None:
    prios, deps = g
    order, blocked = activation_order(prios, deps)
    assert order == ref_activation_order(prios, deps)
    assert blocked == []
    pos = {c: i for i, c in enumerate(order)}
    assert all(pos[d] < pos[c] for c in prios for d in deps[c] if d in prios)
    assert _registry(prios, deps)._activation_order == order


@given(graphs(dag=False), st.randoms())
def test_order_with_cycles_equals_reference_and_ignores_registration_order(
        g: tuple[dict[str, int], dict[str, list[str]]], rnd: random.Random) -> None:
    prios, deps = g
    expected = ref_activation_order(prios, deps)
    shuffled = list(prios)
    rnd.shuffle(shuffled)
    reg = _registry(prios, deps, shuffled)
    assert reg._activation_order == expected
    assert sorted(expected) == sorted(prios)
    assert reg.dependency_cycles() == ref_cycles(prios, deps)
    in_cycle = {c for cyc in reg.dependency_cycles() for c in cyc}
    assert in_cycle <= set(reg.blocked_components())


def test_cycle_members_reported_and_downstream_blocked() -> None:
    prios = {"a": 1, "b": 2, "c": 3, "d": 0, "e": 5, "f": 4}
    deps = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": ["e"], "f": []}
    order, blocked = activation_order(prios, deps)
    assert order == ["f", "d", "a", "b", "c", "e"]
    assert blocked == ["d", "a", "b", "c", "e"]
    assert dependency_cycles(prios, deps) == [["a", "b", "c"], ["e"]]


def _add(reg: ConsciousnessComponentRegistry, cid: str, **kw: Any) -> None:
    kw.setdefault("triad_framework", "🧠")
    module = kw.pop("module", "")
    reg.register_component(cid, ComponentType.CONSCIOUSNESS_REASONING, cid, "", module, **kw)


def test_activate_all_in_order_with_hooks() -> None:
    calls: list[str] = []
    reg = ConsciousnessComponentRegistry()
    for cid, prio, deps in [("db", 50, None), ("cache", 10, ["db"]), ("api", 1, ["cache"]),
                            ("log", 5, None)]:
        _add(reg, cid, activation_priority=prio, dependencies=deps,
             activate_fn=lambda m, c=cid: calls.append("+" + c),
             deactivate_fn=lambda m, c=cid: calls.append("-" + c))
    report = asyncio.run(reg.activate_all())
    assert report.activated == ("log", "db", "cache", "api") and report.success
    assert calls == ["+log", "+db", "+cache", "+api"]
    asyncio.run(reg.deactivate_component("db"))  # cascades to its dependents first
    assert calls[4:] == ["-api", "-cache", "-db"]
    assert reg.get_component_status("log") is S.ACTIVE


def test_critical_failure_rolls_back_what_the_run_started() -> None:
    stopped: list[str] = []
    reg = ConsciousnessComponentRegistry()

    async def boom(module: object) -> None:
        raise RuntimeError("no ethics today")

    for cid, prio in [("a", 1), ("b", 2), ("c", 4)]:
        _add(reg, cid, activation_priority=prio, deactivate_fn=lambda m, c=cid: stopped.append(c))
    _add(reg, "guardian", activation_priority=3, critical=True, activate_fn=boom)
    report = asyncio.run(reg.activate_all())
    assert not report.success
    assert report.rolled_back == ("b", "a") and stopped == ["b", "a"]
    assert report.activated == ()
    assert "no ethics today" in report.failed["guardian"]
    assert [reg.get_component_status(c) for c in "abc"] == [S.DORMANT] * 3
    assert reg.get_component_status("guardian") is S.FAILED
    history = [(r.old, r.new) for r in reg.transition_history("a")]
    assert history == [(S.DORMANT, S.INITIALIZING), (S.INITIALIZING, S.ACTIVE),
                       (S.ACTIVE, S.DEACTIVATING), (S.DEACTIVATING, S.DORMANT)]


def test_non_critical_failure_skips_dependents_only() -> None:
    reg = ConsciousnessComponentRegistry()
    _add(reg, "flaky", module="lukhas_no_such_module_xyz")
    _add(reg, "child", dependencies=["flaky"])
    _add(reg, "grandchild", dependencies=["child"])
    _add(reg, "other")
    report = asyncio.run(reg.activate_all())
    assert report.success and report.activated == ("other",)
    assert set(report.failed) == {"flaky"}
    assert set(report.skipped) == {"child", "grandchild"}
    assert reg.get_component_status("grandchild") is S.DORMANT


def test_activation_timeout_fails_the_component() -> None:
    reg = ConsciousnessComponentRegistry()

    async def slow(module: object) -> None:
        await asyncio.sleep(5)

    _add(reg, "slow", activate_fn=slow)
    assert asyncio.run(reg.activate_component("slow", timeout=0.05)) is False
    assert reg.get_component_status("slow") is S.FAILED
    assert "timed out" in reg.get_component_info("slow")["last_error"]


def test_cycle_members_are_not_activated() -> None:
    reg = ConsciousnessComponentRegistry()
    _add(reg, "x", dependencies=["y"])
    _add(reg, "y", dependencies=["x"])
    _add(reg, "z")
    report = asyncio.run(reg.activate_all())
    assert report.activated == ("z",)
    assert "cycle" in report.skipped["x"] and "cycle" in report.skipped["y"]


def test_feature_flags_gate_activation() -> None:
    reg = ConsciousnessComponentRegistry()
    _add(reg, "dreamer", feature_flags=["dreams"])
    assert reg.get_consciousness_metrics()["feature_flags"] == {"dreams": True}
    reg.set_feature_flag("dreams", False)
    assert asyncio.run(reg.activate_component("dreamer")) is False
    assert reg.get_component_status("dreamer") is S.DORMANT
    reg.set_feature_flag("dreams", True)
    assert asyncio.run(reg.activate_component("dreamer")) is True


def test_status_machine_refuses_illegal_transitions() -> None:
    reg = ConsciousnessComponentRegistry()
    _add(reg, "a")
    comp = reg._components["a"]
    with pytest.raises(ComponentTransitionError, match="dormant to active"):
        reg._transition(comp, S.ACTIVE, "skip")
    assert isinstance(ComponentTransitionError("x"), ValueError)
    asyncio.run(reg.activate_component("a"))
    with pytest.raises(ValueError, match="deactivate it before registering it again"):
        _add(reg, "a")


def test_health_rollup_and_status_changes() -> None:
    health = {"db": 1.0, "api": 1.0}
    reg = ConsciousnessComponentRegistry(max_health_failures=2)
    _add(reg, "db", health_check_fn=lambda: health["db"], critical=True)
    _add(reg, "api", dependencies=["db"], health_check_fn=lambda: health["api"])

    async def main() -> None:
        await reg.activate_all()
        roll = await reg.check_health()
        assert roll["overall"] == "healthy" and roll["score"] == 1.0
        health["db"] = 0.4
        roll = await reg.check_health()
        assert reg.get_component_status("db") is S.DEGRADED
        assert reg.get_component_status("api") is S.ACTIVE  # its own check is fine ...
        assert roll["components"]["api"]["effective"] == 0.4  # ... but it rests on db
        assert roll["overall"] == "degraded" and roll["worst"] == "api"
        health["db"] = 1.0
        await reg.check_health()
        assert reg.get_component_status("db") is S.ACTIVE
        health["db"] = 0.0
        await reg.check_health()
        assert reg.get_component_status("db") is S.DEGRADED
        roll = await reg.check_health()
        assert reg.get_component_status("db") is S.FAILED
        assert roll["overall"] == "critical"

    asyncio.run(main())


def test_activation_context_deactivates_on_exit_even_after_an_error() -> None:
    reg = ConsciousnessComponentRegistry()
    _add(reg, "a", activation_priority=1)
    _add(reg, "b", dependencies=["a"])

    async def main() -> None:
        with pytest.raises(KeyError):
            async with consciousness_activation_context(reg) as r:
                assert r.get_component_status("b") is S.ACTIVE
                assert r.last_activation is not None
                assert r.last_activation.activated == ("a", "b")
                raise KeyError("inside")
        assert [reg.get_component_status(c) for c in "ab"] == [S.DORMANT, S.DORMANT]
        assert [t.component_id for t in reg.transition_history()
                if t.new is S.DEACTIVATING] == ["b", "a"]

    asyncio.run(main())


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"component_type": "TELEPATHY"}, ValueError, "`component_type` must be a ComponentType"),
    ({"component_type": 3}, TypeError, "`component_type`"),
    ({"dependencies": "db"}, TypeError, "`dependencies` must be a list"),
    ({"activation_priority": 1.5}, TypeError, "`activation_priority` must be an int"),
    ({"triad_framework": "🧠", "constellation_star": "🧠"}, ValueError, "framework symbol once"),
    ({"triad_framework": ""}, ValueError, "`triad_framework`"),
    ({"health_check_fn": 3}, TypeError, "`health_check_fn` must be callable"),
    ({"component_id": ""}, ValueError, "`component_id`"),
    ({"bogus": 1}, TypeError, "unexpected keyword"),
])
def test_bad_registration_input(kwargs: dict[str, Any], exc: type[Exception], words: str) -> None:
    args: dict[str, Any] = {"component_id": "x", "component_type": "MEMORY_FOLD", "name": "x",
                            "description": "", "module_path": "", "triad_framework": "⚛️"}
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        ConsciousnessComponentRegistry().register_component(**args)


def test_unknown_component_activation_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no component 'nope'"):
        asyncio.run(ConsciousnessComponentRegistry().activate_component("nope"))
