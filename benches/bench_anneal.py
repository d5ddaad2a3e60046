"""core.quantum_financial samplers beside dwave-samplers' SA and OpenJij's SA/SQA.

Factor-model portfolio QUBOs (3 factors, idiosyncratic noise, k = n / 8).  Each
bench asserts its energies against the QUBO and records best energy, success
rate and spin updates per second in ``extra_info``.  Run:

    pytest benches/bench_anneal.py --benchmark-only --benchmark-min-rounds=3

and print the time-to-solution table (every solver, every small instance) with

    python benches/bench_anneal.py
"""

from __future__ import annotations

import contextlib
import functools
import math
import time

import numpy as np
import pytest

from _smoke import size
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
    def prepare(q):
        def sample(sweeps, reads, seed):
            s = solve_qubo(q.matrix, method, offset=q.offset, num_reads=reads, num_sweeps=sweeps,
                           seed=seed, postprocess=postprocess)
            return s.samples, s.energies
        return sample
    return prepare


def _dwave(q):
    dimod = pytest.importorskip("dimod")
    samplers = pytest.importorskip("dwave.samplers")
    bqm = dimod.BQM.from_qubo(
        np.triu(2.0 * q.matrix) - np.diag(np.diag(q.matrix)), offset=q.offset)
    sampler = samplers.SimulatedAnnealingSampler()
    order = list(range(q.num_variables))

    def sample(sweeps, reads, seed):
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed)
        return ss.record.sample[:, [ss.variables.index(v) for v in order]], ss.record.energy
    return sample


def _openjij(kind):
    def prepare(q):
        oj = pytest.importorskip("openjij")
        n = q.num_variables
        Qd = {(i, j): (2.0 * q.matrix[i, j] if i != j else q.matrix[i, i])
              for i in range(n) for j in range(i, n)}
        sampler = oj.SASampler() if kind == "sa" else oj.SQASampler()

        def sample(sweeps, reads, seed):
            ss = sampler.sample_qubo(Qd, num_reads=reads, num_sweeps=sweeps, seed=seed)
            columns = [list(ss.variables).index(v) for v in range(n)]
            samples = ss.record.sample[:, columns]
            return samples, energy(q.matrix, samples, q.offset)
        return sample
    return prepare


# name -> prepare(q) -> sample(sweeps, reads, seed) -> (samples, energies); converting the
# problem to a peer's format happens in prepare, outside every timing.
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
SWEEPS_FOR = {"lukhas-sqa": SWEEPS // 8, "openjij-sqa": SWEEPS // 4}
# spin updates per sweep and variable: SQA Trotter slices (OpenJij's default is 4); PT's
# rounds come from its default ladder size (_pt_rounds), for SWEEPS replica-sweeps in all
COPIES = {"lukhas-sqa": 8, "openjij-sqa": 4}


def _min_time(benchmark, fallback):
    # --benchmark-disable runs the body once without statistics.
    return benchmark.stats.stats.min if benchmark.stats else fallback


@pytest.mark.benchmark(group="anneal-n256")
@pytest.mark.parametrize("name", list(PEERS))
def test_anneal_n256(benchmark, name):
    q = factor_qubo(256)
    pt = name == "lukhas-pt"
    sweeps = _pt_rounds(q.matrix, SWEEPS) if pt else SWEEPS_FOR.get(name, SWEEPS)
    copies = SWEEPS // sweeps if pt else COPIES.get(name, 1)
    sample = PEERS[name](q)
    sample(2, READS, 1)  # compile / warm up outside the timing
    t0 = time.perf_counter()
    samples, energies = benchmark(sample, sweeps, READS, 1)
    elapsed = _min_time(benchmark, time.perf_counter() - t0)
    _record(benchmark, q.matrix, q.offset, samples, energies, None,
            elapsed, 256, sweeps * copies)


# ---------------------------------------------------------------- time to solution, small n
# Several small instances with a known optimum (method="exact").  For every solver the sweep
# count (PT: rounds) is picked from TTS_GRID to minimise
#     TTS99 = t_read * ln(0.01) / ln(1 - p),
# with p the share of TTS_REPEATS x TTS_READS reads that reach the optimum and t_read the best
# wall time per read of the TTS_REPEATS calls.  Our kernels run on one thread here, like the
# peers' samplers, so the comparison is per core.
TTS_INSTANCES = ((16, 3), (20, 7), (24, 11))  # (n, seed)
TTS_GRID = (5, 10, 20, 50, 100, 200, 500)
TTS_READS = 200
TTS_REPEATS = 2
TTS_SOLVERS = ("lukhas-sa", "lukhas-sa+polish", "lukhas-pt", "lukhas-sb",
               "dwave-sa", "openjij-sa", "openjij-sqa")
OURS = tuple(name for name in TTS_SOLVERS if name.startswith("lukhas-"))


@contextlib.contextmanager
def _numba_threads(count):
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def measure_tts(name, q, target):
    """Return (tts99, sweeps, p, seconds per read) at the grid's best sweep count for ``name``."""
    sample = PEERS[name](q)
    best = None
    with _numba_threads(1):
        sample(2, 2, 0)  # compile / warm up
        for sweeps in TTS_GRID:
            hits, reads, per_read = 0, 0, math.inf
            for repeat in range(TTS_REPEATS):
                t0 = time.perf_counter()
                samples, energies = sample(sweeps, TTS_READS, 100 + repeat)
                per_read = min(per_read, (time.perf_counter() - t0) / TTS_READS)
                np.testing.assert_allclose(energy(q.matrix, samples, q.offset), energies,
                                           rtol=1e-9, atol=1e-9)
                assert energies.min() >= target - 1e-9  # nobody beats the exact optimum
                hits += int(np.sum(energies <= target + 1e-9))
                reads += energies.shape[0]
            row = (tts99(per_read, hits / reads), sweeps, hits / reads, per_read)
            if best is None or row[0] < best[0]:
                best = row  # without any success: the first (cheapest) grid point
    return best


@functools.cache
def tts_table():
    """``{(n, seed): {solver: (tts99, sweeps, p, t_read)}}`` for every small instance."""
    table = {}
    for n, seed in TTS_INSTANCES:
        q = factor_qubo(n, seed=seed)
        target = solve_qubo(q.matrix, "exact", offset=q.offset).best.energy
        table[(n, seed)] = {name: measure_tts(name, q, target) for name in TTS_SOLVERS}
    return table


@pytest.mark.benchmark(group="anneal-small-tts")
@pytest.mark.parametrize("name", TTS_SOLVERS)
def test_anneal_small_tts(benchmark, name):
    """Time one call at the solver's TTS-optimal sweep count on the n = 20 instance.

    A peer's bench also asserts the issue's requirement against that peer: on every
    instance our best TTS99 is at most half of the peer's.
    """
    table = tts_table()
    n, seed = TTS_INSTANCES[1]
    q = factor_qubo(n, seed=seed)
    target = solve_qubo(q.matrix, "exact", offset=q.offset).best.energy
    sweeps = table[(n, seed)][name][1]
    sample = PEERS[name](q)
    with _numba_threads(1):
        sample(2, 2, 0)
        samples, energies = benchmark(sample, sweeps, TTS_READS, 1)
    _record(benchmark, q.matrix, q.offset, samples, energies, target, None, n, sweeps)
    benchmark.extra_info["tts99"] = {
        f"n={key[0]},seed={key[1]}": dict(zip(("tts99_s", "sweeps", "p", "t_read_s"), row[name],
                                             strict=True))
        for key, row in table.items()
    }
    if name in OURS:
        return
    for key, row in table.items():
        ours = min(row[o][0] for o in OURS)
        assert ours <= 0.5 * row[name][0], (key, ours, row[name])


def _print_tts_table():
    for (n, seed), row in tts_table().items():
        peers = min(v[0] for k, v in row.items() if k not in OURS)
        ours = min(row[o][0] for o in OURS)
        print(f"n={n} seed={seed}: best ours {ours * 1e6:.1f} us, best peer {peers * 1e6:.1f} us")
        for name, (tts, sweeps, p, t_read) in row.items():
            print(f"  {name:18s} TTS99 {tts * 1e6:12.1f} us  sweeps {sweeps:4d}  p {p:5.3f}  "
                  f"t_read {t_read * 1e6:8.1f} us")


if __name__ == "__main__":
    _print_tts_table()


# ---------------------------------------------------------------- sparse max-cut families
# Weighted and unweighted max-cut on sparse graphs of 800 to 3,000 nodes and 5 to 25
# neighbours per node: random graphs, toroidal king's-move grids with +/-1 weights and
# planar-like random geometric graphs (k nearest neighbours in the unit square).  x'Qx is
# minus the cut, a problem without linear terms in its Ising form.  Every solver gets the
# same reads x sweeps (PT: rounds x replicas); peers get the problem in their own format,
# converted outside the timing.
MAXCUT_READS = size(20, 2)
MAXCUT_SWEEPS = size(1000, 50)


def random_graph(n, degree, seed, weighted):
    rng = np.random.default_rng(seed)
    m = n * degree // 2
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = i < j
    w = rng.choice([-1.0, 1.0], keep.sum()) if weighted else rng.integers(1, 4, keep.sum())
    return _symmetric_graph(n, i[keep], j[keep], w.astype(np.float64))


def torus_grid(side, seed):
    """King's-move torus (8 neighbours) with +/-1 couplings: a frustrated spin glass."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    rows, cols = [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        rows.append(idx.ravel())
        cols.append(np.roll(np.roll(idx, -dr, axis=0), -dc, axis=1).ravel())
    i, j = np.concatenate(rows), np.concatenate(cols)
    return _symmetric_graph(side * side, i, j, rng.choice([-1.0, 1.0], i.size))


def geometric_graph(n, k, seed):
    """Planar-like: each point joined to its k nearest neighbours, weights uniform on [1, 10]."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    i_list, j_list = [], []
    for a in range(0, n, 500):  # blocks keep the distance matrix small
        d = ((pts[a:a + 500, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
        near = np.argsort(d, axis=1)[:, 1:k + 1]
        i_list.append(np.repeat(np.arange(a, a + near.shape[0]), k))
        j_list.append(near.ravel())
    i, j = np.concatenate(i_list), np.concatenate(j_list)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return _symmetric_graph(n, lo, hi, np.round(rng.uniform(1, 10, lo.size)))


def _symmetric_graph(n, i, j, w):
    sp = pytest.importorskip("scipy.sparse")
    W = sp.coo_matrix((w, (i, j)), shape=(n, n)).tocsr()
    W.sum_duplicates()
    W = (W + W.T).tocsr()
    W.setdiag(0.0)
    W.eliminate_zeros()
    return W


def maxcut_qubo(W):
    sp = pytest.importorskip("scipy.sparse")
    deg = np.asarray(W.sum(axis=1)).ravel()
    return (sp.triu(W, 1) * 2.0 - sp.diags(deg)).tocsr()


MAXCUT_INSTANCES = {
    "random-n800-d10-pm1": lambda: random_graph(800, 10, 1, weighted=True),
    "random-n2000-d20-w123": lambda: random_graph(2000, 20, 2, weighted=False),
    "torus-n1600-d8-pm1": lambda: torus_grid(40, 3),
    "geometric-n3000-d6": lambda: geometric_graph(3000, 6, 4),
    "random-n3000-d5-w123": lambda: random_graph(3000, 5, 5, weighted=False),
}


@functools.cache
def maxcut_instance(name):
    W = MAXCUT_INSTANCES[name]()
    return W, maxcut_qubo(W)


def _ours_sparse(method, postprocess=None, rounds=None):
    def prepare(Q):
        def sample(sweeps, reads, seed):
            s = solve_qubo(Q, method, num_reads=reads, seed=seed, postprocess=postprocess,
                           num_sweeps=rounds(Q, sweeps) if rounds else sweeps)
            return s.samples, s.energies
        return sample
    return prepare


def _pt_rounds(Q, sweeps):
    """PT rounds for the same replica-sweeps as ``sweeps`` SA sweeps (ladder from the problem)."""
    from core.quantum_financial import default_beta_range
    from lukhas.primitives.anneal import default_replicas

    hot, cold = default_beta_range(Q)
    return max(sweeps // default_replicas(Q.shape[0], hot, cold), 1)


def _triu_bqm(Q):
    dimod = pytest.importorskip("dimod")
    sp = pytest.importorskip("scipy.sparse")
    U = sp.triu(Q + Q.T - sp.diags(Q.diagonal()), 1).tocoo()
    lin = Q.diagonal().astype(np.float64)
    return dimod.BQM.from_numpy_vectors(lin, (U.row, U.col, U.data), 0.0, dimod.BINARY)


def _dwave_sparse(Q):
    samplers = pytest.importorskip("dwave.samplers")
    bqm = _triu_bqm(Q)
    sampler = samplers.SimulatedAnnealingSampler()
    order = list(range(Q.shape[0]))

    def sample(sweeps, reads, seed):
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed)
        return ss.record.sample[:, [ss.variables.index(v) for v in order]], ss.record.energy
    return sample


def _openjij_sqa_sparse(Q):
    oj = pytest.importorskip("openjij")
    bqm = _triu_bqm(Q)
    sampler = oj.SQASampler()
    n = Q.shape[0]

    def sample(sweeps, reads, seed):
        # OpenJij's SQA sweeps all 4 Trotter slices: sweeps / 4 for equal spin updates
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=max(sweeps // 4, 1), seed=seed)
        columns = [list(ss.variables).index(v) for v in range(n)]
        samples = ss.record.sample[:, columns]
        return samples, energy(Q, samples)
    return sample


MAXCUT_PEERS = {
    "lukhas-sa": _ours_sparse("sa"),
    "lukhas-sa+greedy": _ours_sparse("sa", "greedy"),
    "lukhas-pt": _ours_sparse("pt", rounds=_pt_rounds),
    "lukhas-sb": _ours_sparse("sb", "greedy"),
    "dwave-sa": _dwave_sparse,
    "openjij-sqa": _openjij_sqa_sparse,
}


@pytest.mark.parametrize("name", list(MAXCUT_PEERS))
@pytest.mark.parametrize("instance", list(MAXCUT_INSTANCES))
def test_anneal_maxcut(benchmark, instance, name):
    benchmark.group = f"anneal-maxcut-{instance}"
    W, Q = maxcut_instance(instance)
    sample = MAXCUT_PEERS[name](Q)
    sample(2, 2, 0)  # compile / warm up outside the timing
    t0 = time.perf_counter()
    samples, energies = benchmark.pedantic(sample, (MAXCUT_SWEEPS, MAXCUT_READS, 1), rounds=2,
                                           iterations=1)
    elapsed = _min_time(benchmark, time.perf_counter() - t0)
    np.testing.assert_allclose(energy(Q, samples), energies, rtol=1e-9, atol=1e-6)
    n = Q.shape[0]
    benchmark.extra_info.update(
        n=n, edges=int(W.nnz // 2), best_cut=float(-energies.min()),
        mean_cut=float(-energies.mean()),
        spin_updates_per_s=MAXCUT_READS * MAXCUT_SWEEPS * n / elapsed,
    )


# ---------------------------------------------------------------- portfolio, larger penalty
# portfolio_qubo's penalty is the smallest that provably enforces the cardinality; users
# often pick a rounder, larger one.  Here it is 100x the default (objective unchanged).
PENALTY_RATIO = 100.0


@functools.cache
def penalised_qubo(n):
    q = factor_qubo(n)
    rng = np.random.default_rng(0)
    loadings = rng.normal(0.0, 0.12, (n, 3))
    cov = loadings @ loadings.T + np.diag(rng.uniform(0.01, 0.04, n))
    mu = 0.03 + 0.5 * loadings @ np.array([0.2, 0.1, 0.05]) + rng.normal(0, 0.02, n)
    return portfolio_qubo(mu, cov, max(n // 8, 2), risk_aversion=2.0,
                          penalty=PENALTY_RATIO * q.penalty)


PENALTY_PEERS = {
    "lukhas-sa": _ours("sa"),
    "lukhas-sa+polish": _ours("sa", ("greedy", "swap")),
    "lukhas-pt": _ours("pt"),
    "lukhas-sqa": _ours("sqa"),
    "lukhas-sb": _ours("sb", "greedy"),
    "dwave-sa": _dwave,
    "openjij-sqa": _openjij("sqa"),
}


@pytest.mark.parametrize("name", list(PENALTY_PEERS))
@pytest.mark.parametrize("n", [64, 256])
def test_anneal_portfolio_penalty(benchmark, n, name):
    benchmark.group = f"anneal-portfolio-penalty100-n{n}"
    q = penalised_qubo(n)
    pt = name == "lukhas-pt"
    sweeps = _pt_rounds(q.matrix, SWEEPS) if pt else SWEEPS_FOR.get(name, SWEEPS)
    sample = PENALTY_PEERS[name](q)
    sample(2, 4, 0)
    t0 = time.perf_counter()
    samples, energies = benchmark.pedantic(sample, (sweeps, READS, 1), rounds=2, iterations=1)
    elapsed = _min_time(benchmark, time.perf_counter() - t0)
    # peers sum large penalty terms that cancel: allow their rounding, relative to sum |Q|
    atol = 1e-9 + 1e-13 * (float(np.abs(q.matrix).sum()) + abs(q.offset))
    np.testing.assert_allclose(energy(q.matrix, samples, q.offset), energies, rtol=1e-9,
                               atol=atol)
    benchmark.extra_info.update(
        best_energy=float(energies.min()), mean_energy=float(energies.mean()),
        feasible=float(q.is_feasible(samples).mean()), seconds=elapsed,
    )
