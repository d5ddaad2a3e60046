"""The consciousness ticker: a :class:`lukhas.primitives.clock.Ticker` feeding frames into a ring.

Every tick pushes the frame ``{"id": tick_number}`` into a bounded
:class:`lukhas.primitives.ring.Ring`.  When the ring is more than 80 % full the
oldest half is shed (only the newest ``capacity // 2`` frames are kept) and
``TICKS_DROPPED`` is counted, so a slow consumer never makes the buffer grow
or stall the tick loop.

Prometheus metrics (when ``prometheus_client`` is installed; no-op stand-ins
otherwise), created once at import and labelled by ``lane``:

* ``TICK``: histogram of the seconds each frame took to route,
* ``TICKS_DROPPED``: counter of shedding events,
* ``SUB_EXC``: counter of frames that failed to route.

``PROM``, ``TICK``, ``TICKS_DROPPED``, ``SUB_EXC`` and ``LANE`` are module
globals looked up at call time, so they can be patched.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Final

from lukhas.primitives.clock import Ticker
from lukhas.primitives.ring import Ring

__all__ = ["LANE", "PROM", "SUB_EXC", "TICK", "TICKS_DROPPED", "ConsciousnessTicker"]

logger = logging.getLogger(__name__)

#: Fraction of the buffer above which old frames are shed.
SHED_THRESHOLD: Final[float] = 0.8


class _NoopMetric:
    """Stand-in for a Prometheus metric: ``labels(...)`` returns itself, updates do nothing."""

    __slots__ = ()

    def labels(self, *args: Any, **kwargs: Any) -> _NoopMetric:
        return self

    def observe(self, amount: float) -> None:
        return None

    def inc(self, amount: float = 1.0) -> None:
        return None

    def set(self, value: float) -> None:
        return None


#: The lane this process runs in (read once, at import).
LANE: str = os.getenv("LUKHAS_LANE", "experimental")

TICK: Any
TICKS_DROPPED: Any
SUB_EXC: Any
try:
    from prometheus_client import Counter, Histogram
except ImportError:  # optional dependency
    PROM: bool = False
    TICK = TICKS_DROPPED = SUB_EXC = _NoopMetric()
else:
    PROM = True
    TICK = Histogram(
        "lukhas_consciousness_tick_seconds",
        "Seconds spent routing one consciousness tick into the frame buffer.",
        ["lane"],
        buckets=(1e-6, 1e-5, 1e-4, 1e-3, 5e-3, 1e-2, 3.3e-2, 0.1),
    )
    TICKS_DROPPED = Counter(
        "lukhas_consciousness_ticks_dropped_total",
        "Times the consciousness frame buffer shed its oldest frames.",
        ["lane"],
    )
    SUB_EXC = Counter(
        "lukhas_consciousness_tick_errors_total",
        "Consciousness ticks that failed to route into the frame buffer.",
        ["lane"],
    )


class ConsciousnessTicker:
    """Route the ticks of a :class:`lukhas.primitives.clock.Ticker` into a bounded frame ring.

    Parameters
    ----------
    fps : int, default=30
        Ticks per second.
    cap : int, default=120
        Capacity of the frame buffer, at least 1.

    Attributes
    ----------
    ticker : lukhas.primitives.clock.Ticker
        The tick loop; ``_on_tick`` is subscribed to it.
    buffer : lukhas.primitives.ring.Ring
        The frames ``{"id": tick_number}``, oldest first.

    Examples
    --------
    >>> ct = ConsciousnessTicker(fps=30, cap=10)
    >>> for n in range(9):
    ...     ct._on_tick(n)
    >>> [frame["id"] for frame in ct.buffer.pop_all()]   # shed at 9 > 8 frames
    [4, 5, 6, 7, 8]
    """

    def __init__(self, fps: int = 30, cap: int = 120) -> None:
        self.ticker = Ticker(fps=fps)
        self.buffer = Ring(capacity=cap)
        self.ticker.subscribe(self._on_tick)

    def __repr__(self) -> str:
        return (
            f"ConsciousnessTicker(fps={self.ticker.fps}, cap={self.buffer.capacity}, "
            f"frames={len(self.buffer)})"
        )

    def _on_tick(self, n: int) -> None:
        """Push frame ``n``; shed the oldest frames when the buffer is over 80 % full."""
        t0 = time.perf_counter()
        try:
            buffer = self.buffer
            buffer.push({"id": n})
            capacity = buffer.capacity
            if len(buffer) > int(capacity * SHED_THRESHOLD):
                frames = buffer.pop_all()
                for frame in frames[len(frames) - capacity // 2 :]:
                    buffer.push(frame)
                TICKS_DROPPED.labels(lane=LANE).inc()
        except Exception:
            SUB_EXC.labels(lane=LANE).inc()
            raise
        finally:
            TICK.labels(lane=LANE).observe(time.perf_counter() - t0)

    def start(self, seconds: int = 0) -> None:
        """Run the ticker for ``seconds`` (0: until :meth:`stop`); blocking.

        Parameters
        ----------
        seconds : int, default=0
            Duration in seconds.
        """
        self.ticker.run(seconds=seconds)

    def stop(self) -> None:
        """Stop the ticker after the current tick.

        Examples
        --------
        >>> ct = ConsciousnessTicker(); ct.stop(); ct.ticker.running
        False
        """
        self.ticker.running = False
