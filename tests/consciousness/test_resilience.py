"""Resilience: snapshot round trips, versions and pruning, checksums, restore after
SIGKILL mid-checkpoint, the state manager, degradation levels and recovery playbooks."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lukhas.domain.consciousness.resilience import (
    CheckpointCorruptError,
    CheckpointStore,
    ConsciousnessStateManager,
    DegradationLevel,
    DegradationManager,
    RecoveryPlaybook,
    RecoveryStep,
    decode_state,
    encode_state,
)
from lukhas.services.reliability import ManualClock

L = DegradationLevel
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**62, 2**62) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=20)


@settings(max_examples=60)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5),
       hnp.arrays(st.sampled_from([np.float32, np.float64, np.int16, np.uint8, np.complex128]),
                  hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
       st.binary(max_size=16))
def test_state_round_trip(state: dict[str, Any], arr: np.ndarray, blob: bytes) -> None:
    full = {"plain": state, "arr": arr, "blob": blob,
            "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "inf": -math.inf}
    back = decode_state(encode_state(full))
    assert back["plain"] == state and back["blob"] == blob and back["inf"] == -math.inf
    assert back["when"] == full["when"]
    assert back["arr"].dtype == arr.dtype and back["arr"].shape == arr.shape
    np.testing.assert_array_equal(back["arr"], arr)
    assert encode_state(back) == encode_state(full)  # canonical
    swapped = {"b": arr, "a": arr[..., None] if arr.ndim < 3 else arr, **full}
    reordered = dict(reversed(list(swapped.items())))
    assert encode_state(reordered) == encode_state(swapped)  # whatever the insertion order


def test_versions_pruning_and_checksums(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "cp.db", keep=3)
    for i in range(5):
        assert store.save({"i": i}, label=f"v{i}").version == i + 1
    assert [c.version for c in store.versions()] == [3, 4, 5]
    latest = store.latest()
    assert latest is not None and latest.version == 5 and latest.state == {"i": 4}
    # damage the newest row on disk: it is skipped, reported, refused
    store._db.execute("UPDATE checkpoints SET payload = ? WHERE version = 5",
                      (b"x\x9c" + bytes(8),))
    store._db.execute("UPDATE checkpoints SET sha256 = ? WHERE version = 4", ("0" * 64,))
    assert store.verify() == [4, 5]
    fallback = store.latest()
    assert fallback is not None and fallback.version == 3 and fallback.state == {"i": 2}
    with pytest.raises(CheckpointCorruptError, match="checkpoint 4 fails its SHA-256"):
        store.load(4)
    with pytest.raises(KeyError, match="no checkpoint version 1"):
        store.load(1)
    store.close()


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from lukhas.domain.consciousness.resilience import CheckpointStore
    store = CheckpointStore(sys.argv[1], keep=4)
    v = 0
    while True:
        v += 1
        arr = np.random.default_rng(v).standard_normal(250_000)
        cp = store.save({"v": v, "arr": arr, "sum": float(arr.sum())})
        assert cp.version == v
        print(v, flush=True)
""")


@pytest.mark.parametrize("extra_delay", [0.0, 0.013, 0.037])
def test_restore_after_sigkill_mid_checkpoint(tmp_path: Path, extra_delay: float) -> None:
    db = tmp_path / "state.db"
    with subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None
        printed = [int(proc.stdout.readline()) for _ in range(3)]
        time.sleep(extra_delay)  # land somewhere inside a later save
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        printed += [int(line) for line in proc.stdout.read().split()]
    assert proc.returncode == -signal.SIGKILL
    store = CheckpointStore(db, keep=4)
    latest = store.latest()
    assert latest is not None and latest.state is not None
    assert latest.version in (printed[-1], printed[-1] + 1)  # committed, maybe not printed
    expected = np.random.default_rng(latest.version).standard_normal(250_000)
    np.testing.assert_array_equal(latest.state["arr"], expected)
    assert latest.state["sum"] == float(expected.sum())
    assert store.verify() == []
    store.close()


def test_state_manager_restores_every_provider() -> None:
    awareness = {"state": "calm", "arousal": 0.1}
    weights = {"w": np.ones(3)}
    mgr = ConsciousnessStateManager(CheckpointStore(":memory:"))
    with pytest.raises(LookupError, match="no valid checkpoint"):
        mgr.restore()
    mgr.register("awareness", lambda: awareness, awareness.update)
    mgr.register("creativity", lambda: weights, weights.update)
    mgr.checkpoint("good")
    awareness["state"], weights["w"] = "overloaded", np.zeros(3)
    mgr.checkpoint("bad")
    assert mgr.restore(1).label == "good"
    assert awareness["state"] == "calm" and weights["w"].tolist() == [1.0, 1.0, 1.0]
    assert mgr.restore().version == 2 and awareness["state"] == "overloaded"


async def _fail() -> None:
    raise ConnectionError("down")


def _trip(mgr: DegradationManager, name: str) -> None:
    for _ in range(2):
        with pytest.raises(ConnectionError):
            asyncio.run(mgr.call(name, _fail))


def test_degradation_levels_follow_the_breakers() -> None:
    clock = ManualClock()
    mgr = DegradationManager(clock=clock)
    changes: list[Any] = []
    mgr.add_listener(changes.append)
    for name in ("memory", "dream", "creativity", "awareness"):
        mgr.add_subsystem(name, critical=name == "memory", min_request_threshold=2,
                          recovery_timeout=10.0)
    assert mgr.level() is L.FULL and mgr.allows(L.FULL)
    _trip(mgr, "dream")
    assert mgr.level() is L.REDUCED and not mgr.allows(L.FULL) and mgr.allows(L.REDUCED)
    _trip(mgr, "creativity")
    assert mgr.level() is L.MINIMAL  # 2 of 4 open
    _trip(mgr, "memory")
    assert mgr.level() is L.SAFE_MODE
    assert mgr.status()["subsystems"]["memory"]["state"] == "open"
    clock.advance(10.0)  # every open breaker goes half-open
    assert mgr.level() is L.REDUCED
    asyncio.run(mgr.call("memory", lambda: "ok"))
    asyncio.run(mgr.call("dream", lambda: "ok"))
    asyncio.run(mgr.call("creativity", lambda: "ok"))
    assert mgr.level() is L.FULL
    assert [(c.old, c.new) for c in changes] == [
        (L.FULL, L.REDUCED), (L.REDUCED, L.MINIMAL), (L.MINIMAL, L.SAFE_MODE),
        (L.SAFE_MODE, L.REDUCED), (L.REDUCED, L.FULL)]
    assert changes[2].open == ("creativity", "dream", "memory")
    assert mgr.changes.to_list() == changes


def test_playbooks_retry_reset_and_stop_on_failure() -> None:
    mgr = DegradationManager(clock=ManualClock())
    for name in ("memory", "dream"):
        mgr.add_subsystem(name, min_request_threshold=2, recovery_timeout=60.0)
    tries = {"n": 0}

    def flaky() -> bool:
        tries["n"] += 1
        if tries["n"] < 3:
            raise OSError("not yet")
        return True

    async def slow() -> bool:
        await asyncio.sleep(1.0)
        return True

    store = CheckpointStore(":memory:")
    state = {"level": 0.5}
    manager = ConsciousnessStateManager(store)
    manager.register("core", lambda: state, state.update)
    manager.checkpoint()
    state["level"] = 0.0
    mgr.add_playbook(RecoveryPlaybook("remount", [
        RecoveryStep("flaky", flaky, retries=2),
        RecoveryStep("restore", lambda: manager.restore() is not None)], subsystem="memory"))
    mgr.add_playbook(RecoveryPlaybook("dream-reset", [RecoveryStep("slow", slow, retries=1,
                                                                   timeout=0.01)],
                                      subsystem="dream"))
    mgr.add_playbook(RecoveryPlaybook("panic", [RecoveryStep("noop", lambda: True)],
                                      min_level=L.MINIMAL))
    assert asyncio.run(mgr.run_recovery()) == []  # nothing triggered yet
    _trip(mgr, "memory")
    _trip(mgr, "dream")
    assert mgr.level() is L.MINIMAL
    runs = {r.playbook: r for r in asyncio.run(mgr.run_recovery())}
    assert runs["remount"].succeeded and runs["remount"].steps[0]["attempts"] == 3
    assert state["level"] == 0.5  # the restore step ran
    assert not runs["dream-reset"].succeeded
    assert runs["dream-reset"].steps == [{"step": "slow", "ok": False, "attempts": 2,
                                          "error": "TimeoutError: "}]
    assert runs["panic"].succeeded  # dream is still open: 1 of 2, still MINIMAL
    assert mgr.breaker("memory").state.value == "closed"
    assert mgr.breaker("dream").state.value == "open" and mgr.level() is L.MINIMAL
    mgr.add_subsystem("awareness")
    assert mgr.level() is L.REDUCED  # 1 of 3 open
    assert "panic" not in {r.playbook for r in asyncio.run(mgr.run_recovery())}


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"state\.tags is an object of type set"):
        encode_state({"tags": {1, 2}})
    with pytest.raises(TypeError, match=r"state\.m has a key of type int"):
        encode_state({"m": {1: 2}})
    with pytest.raises(TypeError, match="array of dtype <U1"):
        encode_state({"a": np.array(["x"])})
    with pytest.raises(ValueError, match="`keep` must be an int >= 1"):
        CheckpointStore(tmp_path / "x.db", keep=0)
    mgr = DegradationManager()
    mgr.add_subsystem("a")
    with pytest.raises(ValueError, match="already registered"):
        mgr.add_subsystem("a")
    with pytest.raises(KeyError, match="no subsystem 'b'"):
        mgr.add_playbook(RecoveryPlaybook("p", [RecoveryStep("s", lambda: True)], "b"))
    with pytest.raises(ValueError, match="has no steps"):
        mgr.add_playbook(RecoveryPlaybook("p", [], "a"))
    with pytest.raises(TypeError, match="`worst_tolerated` must be a DegradationLevel"):
        mgr.allows(2)  # type: ignore[arg-type]


def test_lane_path_is_the_home_package() -> None:
    import consciousness.resilience
    from consciousness.resilience.checkpoint import CheckpointStore as LaneStore
    from lukhas.domain.consciousness import resilience

    assert consciousness.resilience is resilience and LaneStore is CheckpointStore
