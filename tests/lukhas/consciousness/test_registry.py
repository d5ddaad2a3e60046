"""lukhas.consciousness.registry: the contract's requirements R1-R8 and call shapes."""

from __future__ import annotations

import asyncio

import pytest

from lukhas.consciousness.registry import (
    ComponentStatus,
    ComponentType,
    ConsciousnessComponentRegistry,
    consciousness_activation_context,
    get_consciousness_registry,
)


def _reg(reg: ConsciousnessComponentRegistry, cid: str, prio: int = 100,
         deps: list[str] | None = None, fw: str = "🧠", module: str = "json") -> None:
    reg.register_component(cid, ComponentType.CONSCIOUSNESS_AWARENESS, cid.title(), "test",
                           module, triad_framework=fw, dependencies=deps,
                           activation_priority=prio)


def test_enums_have_the_contract_members() -> None:
    for name in ["IDENTITY_AUTH", "IDENTITY_NAMESPACE", "IDENTITY_TIER_AWARE",
                 "CONSCIOUSNESS_CREATIVE", "CONSCIOUSNESS_AWARENESS", "CONSCIOUSNESS_DREAM",
                 "CONSCIOUSNESS_EMOTION", "CONSCIOUSNESS_REASONING", "GUARDIAN_ETHICS",
                 "GUARDIAN_DRIFT", "GUARDIAN_CONSTITUTIONAL", "MEMORY_FOLD"]:
        assert isinstance(ComponentType[name], ComponentType)
    for name in ["DORMANT", "INITIALIZING", "ACTIVE", "DEGRADED", "FAILED", "DEACTIVATING"]:
        assert isinstance(ComponentStatus[name], ComponentStatus)


def test_constructs_without_an_event_loop_and_singleton() -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    reg = ConsciousnessComponentRegistry()
    assert reg._activation_order == []
    assert get_consciousness_registry() is get_consciousness_registry()
    assert isinstance(get_consciousness_registry(), ConsciousnessComponentRegistry)


def test_r1_order_recomputed_after_every_registration() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "b", 50)
    assert reg._activation_order == ["b"]
    _reg(reg, "a", 60)
    assert reg._activation_order == ["b", "a"]
    _reg(reg, "c", 1, deps=["a"])
    assert reg._activation_order == ["b", "a", "c"]
    _reg(reg, "d", 0)
    assert reg._activation_order == ["d", "b", "a", "c"]
    assert isinstance(reg._activation_order, list)


def test_r2_dependencies_beat_priorities() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "base", 30)
    _reg(reg, "mid", 20, deps=["base"])
    _reg(reg, "top", 10, deps=["mid"])
    assert reg._activation_order == ["base", "mid", "top"]


def test_r3_priority_then_id_among_ready() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "fast", 5)
    _reg(reg, "slow", 100)
    _reg(reg, "dependent", 1, deps=["slow"])
    order = reg._activation_order
    assert order == ["fast", "slow", "dependent"]
    assert order.index("slow") < order.index("dependent")
    reg2 = ConsciousnessComponentRegistry()
    for cid in ["zeta", "alpha", "mu"]:
        _reg(reg2, cid, 7)
    assert reg2._activation_order == ["alpha", "mu", "zeta"]


def test_r4_unknown_dependencies_ignored_cycles_appended() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "cycle_a", 10, deps=["cycle_b"])
    _reg(reg, "cycle_b", 10, deps=["cycle_a"])
    _reg(reg, "orphan", 50, deps=["unknown"])
    order = reg._activation_order
    assert sorted(order) == ["cycle_a", "cycle_b", "orphan"] and len(order) == 3
    assert order == ["orphan", "cycle_a", "cycle_b"]  # resolvable first, then (priority, id)
    assert reg.dependency_cycles() == [["cycle_a", "cycle_b"]]
    assert reg.get_consciousness_metrics()["dependency_cycles"] == [["cycle_a", "cycle_b"]]


def test_r5_metrics() -> None:
    reg = ConsciousnessComponentRegistry()
    m = reg.get_consciousness_metrics()
    assert (m["total_registered"], m["total_active"], m["activation_rate"]) == (0, 0, 0)
    assert isinstance(m["feature_flags"], dict)
    _reg(reg, "one")
    assert reg.get_consciousness_metrics()["total_registered"] == 1
    asyncio.run(reg.activate_component("one"))
    m = reg.get_consciousness_metrics()
    assert (m["total_active"], m["activation_rate"]) == (1, 1.0)


def test_r6_constellation_status() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "brain", fw="🧠")
    assert reg.get_constellation_status()["🧠"]["total"] == 1
    _reg(reg, "atom", fw="⚛️")
    reg.register_component("shield", ComponentType.GUARDIAN_ETHICS, "s", "", "json",
                           constellation_framework="🛡️")
    reg.register_component("star", ComponentType.GUARDIAN_DRIFT, "s", "", "json",
                           constellation_star="🛡️")
    status = reg.get_constellation_status()
    assert {k: v["total"] for k, v in status.items()} == {"🧠": 1, "⚛️": 1, "🛡️": 2}


def test_r7_feature_flags_and_health_monitor() -> None:
    reg = ConsciousnessComponentRegistry()
    reg.set_feature_flag("dreams", False)
    assert reg.get_consciousness_metrics()["feature_flags"] == {"dreams": False}
    reg.set_feature_flag("dreams", True)
    assert reg.get_consciousness_metrics()["feature_flags"]["dreams"] is True

    async def main() -> None:
        await reg.start_health_monitoring()
        task = reg._health_monitor_task
        assert isinstance(task, asyncio.Task) and not task.done()
        await reg.shutdown()
        assert task.done()

    asyncio.run(main())


def test_r8_failed_activation() -> None:
    reg = ConsciousnessComponentRegistry()
    _reg(reg, "broken", module="lukhas_no_such_module_xyz")
    assert asyncio.run(reg.activate_component("broken")) is False
    assert reg.get_component_status("broken") in (ComponentStatus.FAILED, None)
    assert "ModuleNotFoundError" in reg.get_component_info("broken")["last_error"]
    assert reg.get_component_status("never-registered") is None


def test_activation_context_no_arguments() -> None:
    async def main() -> None:
        async with consciousness_activation_context() as reg:
            assert reg is get_consciousness_registry()

    asyncio.run(main())
