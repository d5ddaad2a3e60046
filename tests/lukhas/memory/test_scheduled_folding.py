"""lukhas.memory.scheduled_folding: the contract (R1-R10) and the folding cycle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lukhas.memory.scheduled_folding import (
    CompressionLevel,
    FoldStatus,
    ScheduledFold,
    ScheduledFoldingManager,
    get_folding_manager,
)
from memory.core import MemoryFold, MemoryItem


@dataclass
class LegacyFold:
    """The shape LUKHAS tests build: an object with ``id`` and ``items``."""

    id: str
    items: list[Any]


@dataclass(frozen=True)
class FrozenFold:
    id: str
    items: tuple[Any, ...]


class ManualTime:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _items(n: int, word: str = "memory") -> list[dict[str, Any]]:
    return [{"id": i, "text": f"{word} number {i} " * 4, "tags": ["t"]} for i in range(n)]


@pytest.fixture
def manager() -> Iterator[ScheduledFoldingManager]:
    m = ScheduledFoldingManager(max_active_folds=100, max_compressed_folds=500,
                                compression_threshold_mb=50, folding_interval=60,
                                eviction_batch_size=10)
    yield m
    m.shutdown()


def test_enums() -> None:  # R1
    assert {"ACTIVE", "COMPRESSED", "ERROR"} <= set(FoldStatus.__members__)
    assert {"LIGHT", "MEDIUM", "HEAVY"} <= set(CompressionLevel.__members__)


def test_scheduled_fold_starts_active() -> None:  # R2
    a = ScheduledFold(fold=LegacyFold("a", _items(5)))
    b = ScheduledFold(fold=LegacyFold("b", _items(5)))
    c = ScheduledFold(fold=LegacyFold("c", _items(4)))
    assert a.status is FoldStatus.ACTIVE and a.compressed_data is None
    assert len(a.content_hash) == 16 and a.content_hash == b.content_hash != c.content_hash
    m = a.metrics
    assert (m.item_count, m.access_count, m.compression_ratio) == (5, 0, 1.0)
    assert m.size_bytes > 0 and m.last_accessed.tzinfo is not None
    with pytest.raises(TypeError, match="`fold`"):
        ScheduledFold(fold={"id": 1})


def test_memory_items_hash_by_content() -> None:
    one = MemoryFold("x", [MemoryItem("m1", "the sky is blue", frozenset({"sky"}))])
    two = MemoryFold("y", [MemoryItem("m9", "the sky is blue", frozenset({"sky"}))])
    assert ScheduledFold(one).content_hash == ScheduledFold(two).content_hash


@pytest.mark.parametrize("level", list(CompressionLevel))
def test_compress_round_trip(level: CompressionLevel) -> None:  # R3
    items = _items(30)
    fold = LegacyFold("f", list(items))
    sf = ScheduledFold(fold=fold)
    assert sf.compress(level=level) is True
    assert sf.status is FoldStatus.COMPRESSED and sf.compressed_data is not None
    assert 0 < sf.metrics.compression_ratio < 1.0 and fold.items == []
    assert sf.compress(level=level) is True  # already compressed
    assert sf.decompress() is True
    assert sf.status is FoldStatus.ACTIVE and sf.compressed_data is None
    assert fold.items == items


def test_heavier_levels_compress_more() -> None:
    sizes = {}
    for level in CompressionLevel:
        sf = ScheduledFold(fold=LegacyFold("f", _items(200)))
        sf.compress(level)
        sizes[level] = len(sf.compressed_data or b"")
    assert sizes[CompressionLevel.HEAVY] <= sizes[CompressionLevel.MEDIUM] \
        <= sizes[CompressionLevel.LIGHT]


def test_compress_failures_set_error() -> None:  # R3 failure paths
    frozen = ScheduledFold(fold=FrozenFold("f", tuple(_items(3))))
    assert frozen.compress() is False and frozen.status is FoldStatus.ERROR
    assert frozen.error and "compression failed" in frozen.error
    unpicklable = ScheduledFold(fold=LegacyFold("g", [lambda: 1]))
    assert unpicklable.compress() is False and unpicklable.status is FoldStatus.ERROR
    corrupt = ScheduledFold(fold=LegacyFold("h", _items(3)))
    assert corrupt.compress(CompressionLevel.LIGHT)
    corrupt.compressed_data = b"not zlib"
    assert corrupt.decompress() is False and corrupt.status is FoldStatus.ERROR
    with pytest.raises(TypeError, match="`level`"):
        ScheduledFold(fold=LegacyFold("i", [])).compress("heavy")  # type: ignore[arg-type]


def test_access_counts() -> None:  # R4
    clock = ManualTime()
    sf = ScheduledFold(fold=LegacyFold("a", _items(2)), clock=clock)
    clock.advance(5)
    sf.access()
    sf.access()
    assert sf.metrics.access_count == 2 and sf.metrics.last_accessed == clock.now


def test_new_manager(manager: ScheduledFoldingManager) -> None:  # R5
    assert (manager.max_active_folds, manager.max_compressed_folds) == (100, 500)
    assert manager.active_folds == {} and manager.compressed_folds == {}
    assert {"folds_created", "folds_compressed", "folds_evicted", "deduplication_saves",
            "compression_saves_bytes"} <= set(manager.metrics)


def test_register_and_deduplicate(manager: ScheduledFoldingManager) -> None:  # R6
    fold = LegacyFold("fold-1", _items(4))
    assert manager.register_fold(fold, tags={"a"}) == "fold-1"
    assert manager.metrics["folds_created"] == 1
    assert manager.register_fold(LegacyFold("fold-2", _items(4)), tags={"b"}) == "fold-1"
    assert manager.metrics["deduplication_saves"] == 1 and manager.metrics["folds_created"] == 1
    assert [f.id for f in manager.find_folds_by_tags({"b"})] == ["fold-1"]
    with pytest.raises(ValueError, match="already registered"):
        manager.register_fold(LegacyFold("fold-1", _items(2)))


def test_limits_hold() -> None:  # R6
    m = ScheduledFoldingManager(max_active_folds=5, max_compressed_folds=7,
                                eviction_batch_size=3)
    try:
        for i in range(40):
            m.register_fold(LegacyFold(f"f{i}", _items(3, word=f"w{i}")))
            assert len(m.active_folds) <= 5
            assert len(m.active_folds) + len(m.compressed_folds) <= 12
        assert m.metrics["folds_compressed"] >= 35 and m.metrics["folds_evicted"] >= 28
        assert m.metrics["compression_saves_bytes"] > 0
        assert all(f.status is FoldStatus.COMPRESSED for f in m.compressed_folds.values())
        assert "f39" in m.active_folds  # the newest survives
    finally:
        m.shutdown()


def test_access_restores_compressed(manager: ScheduledFoldingManager) -> None:  # R7
    small = ScheduledFoldingManager(max_active_folds=1, max_compressed_folds=5)
    try:
        small.register_fold(LegacyFold("old", _items(3, "old")), tags={"x", "y"})
        small.register_fold(LegacyFold("new", _items(3, "new")), tags={"y"})
        assert "old" in small.compressed_folds
        restored = small.access_fold("old")
        assert restored is not None and restored.status is FoldStatus.ACTIVE
        assert restored.items == _items(3, "old") and restored.metrics.access_count == 1
        assert "old" in small.active_folds and "new" in small.compressed_folds
        assert small.access_fold("missing") is None
        assert {f.id for f in small.find_folds_by_tags({"y"})} == {"old", "new"}
        assert [f.id for f in small.find_folds_by_tags({"x", "y"}, match_all=True)] == ["old"]
        assert small.find_folds_by_tags({"z"}) == []
    finally:
        small.shutdown()


def test_status(manager: ScheduledFoldingManager) -> None:  # R8
    manager.register_fold(LegacyFold("a", _items(2)))
    status = manager.get_status()
    assert {"active_folds", "compressed_folds", "total_folds", "metrics",
            "health_status"} <= set(status)
    assert status["total_folds"] == 1 and status["health_status"]["memory_healthy"] is True
    assert status["health_status"]["folding_thread_alive"] is True


def test_background_thread_and_shutdown() -> None:  # R9
    m = ScheduledFoldingManager(folding_interval=0.01)
    assert m._folding_thread.is_alive()
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while m.metrics["folding_cycles"] == 0 and datetime.now(UTC) < deadline:
        m._stop_folding.wait(0.01)
    assert m.metrics["folding_cycles"] > 0
    m.shutdown()
    assert m._stop_folding.is_set() and not m._folding_thread.is_alive()


def test_singleton() -> None:  # R10
    first = get_folding_manager()
    assert first is get_folding_manager()
    first.shutdown()
    assert get_folding_manager() is not first
    get_folding_manager().shutdown()


def test_cycle_compresses_idle_and_evicts_decayed() -> None:
    clock = ManualTime()
    m = ScheduledFoldingManager(folding_interval=3600, idle_compress_after=60,
                                decay_half_life=100, eviction_score=0.05, clock=clock)
    try:
        m.register_fold(LegacyFold("idle", _items(3, "idle")))
        m.register_fold(LegacyFold("busy", _items(3, "busy")))
        clock.advance(120)
        m.access_fold("busy")
        assert m.run_folding_cycle() == {"compressed": 1, "near_duplicates": 0, "evicted": 0}
        assert m.compressed_folds["idle"].compression_level is CompressionLevel.LIGHT
        clock.advance(400)  # idle: 520 s, value 2**-5.2 < 0.05
        summary = m.run_folding_cycle()
        assert summary["evicted"] == 1 and "idle" not in m.compressed_folds
        assert m.compressed_folds["busy"].compression_level is CompressionLevel.MEDIUM
    finally:
        m.shutdown()


def test_cycle_folds_near_duplicates() -> None:
    clock = ManualTime()
    m = ScheduledFoldingManager(near_duplicate_threshold=0.9, clock=clock)
    try:
        base = _items(6, "apple")
        m.register_fold(LegacyFold("a", base))
        m.register_fold(LegacyFold("a2", [*base[:5], {**base[5], "text": "apple number 5 !"}]))
        m.register_fold(LegacyFold("b", _items(6, "zebra")))
        m.access_fold("a2")
        assert m.run_folding_cycle()["near_duplicates"] == 1
        assert m.near_duplicates == {"a2": ["a"]}
        assert m.compressed_folds["a"].compression_level is CompressionLevel.HEAVY
        assert set(m.active_folds) == {"a2", "b"}
    finally:
        m.shutdown()


def test_cycle_respects_memory_threshold() -> None:
    m = ScheduledFoldingManager(compression_threshold_mb=0.001, idle_compress_after=1e9)
    try:
        for i in range(4):
            m.register_fold(LegacyFold(f"f{i}", _items(20, f"x{i}")))
        assert m.get_status()["health_status"]["memory_healthy"] is False
        assert m.run_folding_cycle()["compressed"] >= 1
        assert m.get_status()["health_status"]["active_memory_mb"] <= 0.001
    finally:
        m.shutdown()


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="max_active_folds"):
        ScheduledFoldingManager(max_active_folds=0)
    with pytest.raises(ValueError, match="folding_interval"):
        ScheduledFoldingManager(folding_interval=0)
    with pytest.raises(TypeError, match="clock"):
        ScheduledFoldingManager(clock=3)  # type: ignore[arg-type]
