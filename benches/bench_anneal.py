"""core.quantum_financial samplers beside dwave-samplers' SA and OpenJij's SA/SQA.

Factor-model portfolio QUBOs (3 factors, idiosyncratic noise, k = n / 8).  Each
bench asserts its energies against the QUBO and records best energy, success
rate and spin updates per second in ``extra_info``.  Run:

    pytest benches/bench_anneal.py --benchmark-only --benchmark-min-rounds=3
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from core.quantum_financial import energy, portfolio_qubo, solve_qubo

READS = 100
SWEEPS = 1000


def factor_qubo(n, seed=0):
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 0.12, (n, 3))
    cov = loadings @ loadings.T + np.diag(rng.uniform(0.01, 0.04, n))
    mu = 0.03 + 0.5 * loadings @ np.array([0.2, 0.1, 0.05]) + rng.normal(0, 0.02, n)
    return portfolio_qubo(mu, cov, max(n // 8, 2), risk_aversion=2.0)


def tts99(seconds_per_read, success):
    """Time to reach the target with 99% probability from independent reads."""
    if success <= 0.0:
        return math.inf
    if success >= 1.0:
        return seconds_per_read
    return seconds_per_read * math.log(0.01) / math.log(1.0 - success)


def _record(benchmark, Q, offset, samples, energies, target, seconds, n, sweeps):
    """Check the energies and store best energy, success rate and spin updates per second."""
    np.testing.assert_allclose(energy(Q, samples, offset), energies, rtol=1e-9, atol=1e-9)
    success = float(np.mean(energies <= target + 1e-9)) if target is not None else None
    benchmark.extra_info.update(
        best_energy=float(energies.min()),
        success=success,
        spin_updates_per_s=READS * sweeps * n / seconds if seconds else None,
    )


def _ours(method, postprocess=None):
    def run(q, sweeps):
        s = solve_qubo(q.matrix, method, offset=q.offset, num_reads=READS, num_sweeps=sweeps,
                       seed=1, postprocess=postprocess)
        return s.samples, s.energies
    return run


def _dwave(q, sweeps):
    dimod = pytest.importorskip("dimod")
    samplers = pytest.importorskip("dwave.samplers")
    bqm = dimod.BQM.from_qubo(
        np.triu(2.0 * q.matrix) - np.diag(np.diag(q.matrix)), offset=q.offset)
    ss = samplers.SimulatedAnnealingSampler().sample(bqm, num_reads=READS, num_sweeps=sweeps,
                                                    seed=1)
    order = list(range(q.num_variables))
    return ss.record.sample[:, [ss.variables.index(v) for v in order]], ss.record.energy


def _openjij(kind):
    def run(q, sweeps):
        oj = pytest.importorskip("openjij")
        Qd = {(i, j): (2.0 * q.matrix[i, j] if i != j else q.matrix[i, i])
              for i in range(q.num_variables) for j in range(i, q.num_variables)}
        sampler = oj.SASampler() if kind == "sa" else oj.SQASampler()
        ss = sampler.sample_qubo(Qd, num_reads=READS, num_sweeps=sweeps, seed=1)
        order = list(range(q.num_variables))
        samples = ss.record.sample[:, [list(ss.variables).index(v) for v in order]]
        return samples, energy(q.matrix, samples, q.offset)
    return run


PEERS = {
    "lukhas-sa": _ours("sa"),
    "lukhas-sa+polish": _ours("sa", ("greedy", "swap")),
    "lukhas-pt": _ours("pt"),
    "lukhas-sqa": _ours("sqa"),
    "lukhas-sb": _ours("sb", "greedy"),
    "dwave-sa": _dwave,
    "openjij-sa": _openjij("sa"),
    "openjij-sqa": _openjij("sqa"),
}
SWEEPS_FOR = {"lukhas-pt": SWEEPS // 16, "lukhas-sqa": SWEEPS // 8, "openjij-sqa": SWEEPS // 8}
# spin updates per sweep and variable: PT replicas, SQA Trotter slices (OpenJij's default is 4)
COPIES = {"lukhas-pt": 16, "lukhas-sqa": 8, "openjij-sqa": 4}


def _min_time(benchmark, fallback):
    # --benchmark-disable runs the body once without statistics.
    return benchmark.stats.stats.min if benchmark.stats else fallback


@pytest.mark.benchmark(group="anneal-n256")
@pytest.mark.parametrize("name", list(PEERS))
def test_anneal_n256(benchmark, name):
    q = factor_qubo(256)
    sweeps = SWEEPS_FOR.get(name, SWEEPS)
    PEERS[name](q, 2)  # compile / warm up outside the timing
    t0 = time.perf_counter()
    samples, energies = benchmark(PEERS[name], q, sweeps)
    elapsed = _min_time(benchmark, time.perf_counter() - t0)
    _record(benchmark, q.matrix, q.offset, samples, energies, None,
            elapsed, 256, sweeps * COPIES.get(name, 1))


@pytest.mark.benchmark(group="anneal-n20-tts")
@pytest.mark.parametrize("name", list(PEERS))
def test_anneal_small_tts(benchmark, name):
    q = factor_qubo(20, seed=3)
    target = solve_qubo(q.matrix, "exact", offset=q.offset).best.energy
    sweeps = max(SWEEPS_FOR.get(name, 200) // 5, 10)
    PEERS[name](q, 2)
    t0 = time.perf_counter()
    samples, energies = benchmark(PEERS[name], q, sweeps)
    elapsed = _min_time(benchmark, time.perf_counter() - t0)
    _record(benchmark, q.matrix, q.offset, samples, energies, target,
            elapsed, 20, sweeps * COPIES.get(name, 1))
    benchmark.extra_info["tts99_s"] = tts99(elapsed / READS, benchmark.extra_info["success"])
