"""Health checks and structured logging."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from types import SimpleNamespace
from unittest import mock

import pytest

from candidate.observability import (
    CheckResult,
    HealthRegistry,
    HealthStatus,
    JsonFormatter,
    disk_check,
    log_event,
    memory_check,
)


def test_statuses_and_failure_modes() -> None:
    health = HealthRegistry()
    health.register("db", lambda: True)
    assert health.run().status is HealthStatus.HEALTHY

    async def slow() -> bool:
        await asyncio.sleep(5)
        return True

    def broken() -> bool:
        raise ConnectionError("refused")

    health.register("cache", lambda: (False, "cold"), critical=False)
    report = health.run()
    assert report.status is HealthStatus.DEGRADED and not report.healthy
    health.register("slow", slow, timeout=0.05)
    health.register("broken", broken)
    report = health.run()
    assert report.status is HealthStatus.UNHEALTHY
    by_name = {c.name: c for c in report.checks}
    assert by_name["slow"].detail.startswith("timed out")
    assert by_name["broken"].detail == "ConnectionError: refused"
    assert by_name["cache"].detail == "cold"
    data = report.to_dict()
    assert data["status"] == "unhealthy" and set(data["checks"]) == set(health.names())
    health.unregister("slow")
    assert "slow" not in health.names()
    with pytest.raises(TypeError, match="check"):
        health.register("x", 42)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_async_run_inside_a_loop() -> None:
    health = HealthRegistry()

    async def probe() -> CheckResult:
        return CheckResult("probe", True, data={"latency_ms": 1.0})

    health.register("probe", probe)
    report = await health.run_async()
    assert report.healthy and report.checks[0].data == {"latency_ms": 1.0}


def test_builtin_checks_use_psutil_and_disk() -> None:
    with mock.patch("psutil.virtual_memory", return_value=SimpleNamespace(percent=95.0)):
        result = memory_check(max_percent=90.0)()
    assert isinstance(result, CheckResult) and not result.ok and result.data["percent"] == 95.0
    disk = disk_check("/", max_percent=100.0)()
    assert isinstance(disk, CheckResult) and disk.ok and disk.data["free_bytes"] >= 0


def test_json_formatter_and_log_event() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.observability.json")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        log_event(log, "cache.miss", key="user:1", size=3, obj=object())
        try:
            raise KeyError("k")
        except KeyError:
            log.exception("failed")
        log_event(log, "below the threshold", level=5)
    finally:
        log.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "cache.miss" and first["key"] == "user:1" and first["size"] == 3
    assert first["obj"].startswith("<object object")
    assert first["message"].startswith("cache.miss key='user:1'")
    assert second["level"] == "ERROR" and "KeyError" in second["exception"]
