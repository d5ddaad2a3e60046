"""Workload sizes for the CI smoke pass of the benches.

``.ci/run`` runs every bench once with ``--benchmark-disable`` to prove it still works
and still checks its results; it sets ``LUKHAS_BENCH_SMOKE=1`` so that the heaviest
workloads (a million ledger leaves, 100,000-evaluation optimiser runs per seed, sparse
max-cut at 1,000 sweeps) run at a size that proves the same thing in seconds.  Timed runs
(``--benchmark-only``) never set it and use the full sizes.
"""

from __future__ import annotations

import os

__all__ = ["SMOKE", "size"]

#: Whether this is the CI smoke pass.
SMOKE = os.environ.get("LUKHAS_BENCH_SMOKE") == "1"


def size(full: int, smoke: int) -> int:
    """``full``, or ``smoke`` during the CI smoke pass."""
    return smoke if SMOKE else full
