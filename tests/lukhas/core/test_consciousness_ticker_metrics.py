"""The ticker's Prometheus metrics are registered on first use, once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_metrics_register_on_first_use_and_only_once() -> None:
    pytest.importorskip("prometheus_client")
    out = _run(
        """
        from prometheus_client import REGISTRY
        import lukhas.core.consciousness_ticker as m

        def names():
            return {f.name for f in REGISTRY.collect()}

        assert "lukhas_consciousness_tick_seconds" not in names()
        assert not m.TICK.created
        ct = m.ConsciousnessTicker(cap=4)
        for n in range(5):
            ct._on_tick(n)
        assert {"lukhas_consciousness_tick_seconds",
                "lukhas_consciousness_ticks_dropped"} <= names()
        assert "lukhas_consciousness_tick_errors" not in names()   # not used yet
        # a second proxy of the same name (a reloaded module) reuses the registered metric
        again = m.LazyMetric("Histogram", "lukhas_consciousness_tick_seconds", "again",
                             ("lane",))
        again.labels(lane="x").observe(0.1)
        assert again._get() is m.TICK._get()
        print("ok")
        """
    )
    assert out == "ok"


def test_metrics_are_no_ops_without_prometheus_client() -> None:
    out = _run(
        """
        import sys
        sys.modules["prometheus_client"] = None   # makes the import fail
        import lukhas.core.consciousness_ticker as m
        ct = m.ConsciousnessTicker(cap=4)
        for n in range(5):
            ct._on_tick(n)
        m.SUB_EXC.labels(lane="x").inc()
        m.TICK.observe(1.0)
        print(type(m.TICK._get()).__name__)
        """
    )
    assert out == "NoopMetric"
