"""Parallel tempering (replica exchange Monte Carlo) on QUBOs, independent runs in parallel.

Same conventions as :mod:`lukhas._kernels.anneal`: symmetric ``S``, binary
int8 states, one xoshiro256** stream per run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._jit import njit, prange
from lukhas._kernels.anneal import fill_field, metropolis_sweep, random_bits
from lukhas._kernels.walltime import elapsed_seconds, stamp
from lukhas._kernels.xoshiro import uniform

__all__: list[str] = []


@njit(parallel=True)
def _temper_qubo(
    S: np.ndarray,
    betas: np.ndarray,
    sweeps: int,
    x: np.ndarray,
    field: np.ndarray,
    energy: np.ndarray,
    slot: np.ndarray,
    best_x: np.ndarray,
    rng: np.ndarray,
    clock: Any,
    clock_buf: np.ndarray,
    seconds: np.ndarray,
) -> None:
    """Replica exchange: ``R`` replicas at the ladder ``betas``, ``sweeps`` rounds per run.

    A round is one Metropolis sweep of every replica at its current inverse
    temperature, then exchange attempts between neighbouring temperatures
    (even pairs on even rounds, odd pairs on odd rounds), accepted with
    probability ``min(1, exp((beta_t - beta_t+1) * (E_t - E_t+1)))``.  Each run
    returns the lowest-energy state any of its replicas visited at the end of a
    round.

    ``S`` : float64[n, n] symmetric  # IN
    ``betas`` : float64[R] increasing  # IN
    ``x`` : int8[runs, R, n] scratch  # OUT
    ``field`` : float64[runs, R, n] scratch  # OUT
    ``energy`` : float64[runs, R] scratch  # OUT
    ``slot`` : int64[runs, R] scratch: replica held at each temperature  # OUT
    ``best_x`` : int8[runs, n] best state of each run  # OUT
    ``rng`` : uint64[runs, 4]  # IN/OUT
    ``clock_buf`` : int64[runs, 2] scratch  # OUT
    ``seconds`` : float64[runs]  # OUT
    """
    runs, replicas = energy.shape
    for r in prange(runs):
        stamp(clock, clock_buf[r])
        state = rng[r]
        best = np.inf
        for a in range(replicas):
            random_bits(x[r, a], state)
            energy[r, a] = fill_field(S, x[r, a], field[r, a])
            slot[r, a] = a
            if energy[r, a] < best:
                best = energy[r, a]
                best_x[r, :] = x[r, a]
        for sweep in range(sweeps):
            for t in range(replicas):
                a = slot[r, t]
                energy[r, a] += metropolis_sweep(S, x[r, a], field[r, a], betas[t], state)
            for a in range(replicas):
                if energy[r, a] < best:
                    best = energy[r, a]
                    best_x[r, :] = x[r, a]
            for t in range(sweep % 2, replicas - 1, 2):
                a = slot[r, t]
                b = slot[r, t + 1]
                log_ratio = (betas[t] - betas[t + 1]) * (energy[r, a] - energy[r, b])
                if log_ratio >= 0.0 or uniform(state) < np.exp(log_ratio):
                    slot[r, t] = b
                    slot[r, t + 1] = a
        seconds[r] = elapsed_seconds(clock, clock_buf[r])
