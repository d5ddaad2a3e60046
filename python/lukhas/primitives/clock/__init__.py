"""Time for distributed cognition: logical, vector and hybrid clocks, and the ticker.

* :class:`LamportClock`, :class:`VectorClock` (compare to an :class:`Ordering`,
  merge, serialise) over a shared :class:`NodeIndex` of node ids, and
  :class:`HybridLogicalClock` (Kulkarni et al. 2014) issuing packed uint64
  :class:`HLCTimestamp` stamps under a drift guard -- all on compiled cores.
* Batch kernels over (n, k) uint64 matrices of clocks: :func:`compare_many`,
  :func:`merge_many`, :func:`causal_order`, :func:`dominated_mask`, and
  :func:`stack_clocks` to build the matrix.
* :class:`Ticker` / :func:`create_consciousness_ticker`: a fixed-rate,
  drift-corrected tick loop with subscribers and metrics; :class:`ManualClock`
  makes it (and HLCs) deterministic in tests.

>>> from lukhas.primitives.clock import NodeIndex, VectorClock, causal_order, stack_clocks
>>> idx = NodeIndex()
>>> a, b = VectorClock("a", idx), VectorClock("b", idx)
>>> _ = a.increment(); _ = b.receive(a); _ = b.increment()
>>> causal_order(stack_clocks([b, a])).tolist()
[1, 0]

Modules: ``_logical`` (Lamport, vector clocks, node index), ``_hlc`` (hybrid
logical clock), ``_batch`` (matrix kernels), ``_ticker`` and ``_manual``.
"""

from __future__ import annotations

from lukhas.primitives.clock._batch import (
    causal_order,
    compare_many,
    dominated_mask,
    merge_many,
    stack_clocks,
)
from lukhas.primitives.clock._hlc import (
    DEFAULT_MAX_DRIFT_MS,
    HLC_COUNTER_BITS,
    ClockDriftError,
    HLCTimestamp,
    HybridLogicalClock,
    wall_clock_ms,
)
from lukhas.primitives.clock._logical import (
    DEFAULT_NODES,
    LamportClock,
    NodeId,
    NodeIndex,
    Ordering,
    VectorClock,
)
from lukhas.primitives.clock._manual import ManualClock
from lukhas.primitives.clock._ticker import TickCallback, Ticker, create_consciousness_ticker

__all__ = [
    "DEFAULT_MAX_DRIFT_MS",
    "DEFAULT_NODES",
    "HLC_COUNTER_BITS",
    "ClockDriftError",
    "HLCTimestamp",
    "HybridLogicalClock",
    "LamportClock",
    "ManualClock",
    "NodeId",
    "NodeIndex",
    "Ordering",
    "TickCallback",
    "Ticker",
    "VectorClock",
    "causal_order",
    "compare_many",
    "create_consciousness_ticker",
    "dominated_mask",
    "merge_many",
    "stack_clocks",
    "wall_clock_ms",
]


def __dir__() -> list[str]:
    return list(__all__)
