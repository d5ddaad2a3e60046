"""QUBO solvers: dispatch to the Numba kernels, seeding, schedules and post-processing.

Every method runs on the symmetric part ``S = (Q + Q') / 2`` of the input, so
upper-triangular and symmetric forms of one problem give identical samples for
one seed.  Each read owns a xoshiro256** stream seeded from
``numpy.random.SeedSequence(seed)``, so results do not depend on thread
scheduling nor on how ``progress=True`` splits the reads.
"""

from __future__ import annotations

import importlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_choice, check_int, check_real, describe
from lukhas.primitives.anneal._models import (
    FloatArray,
    Int8Array,
    as_binary_samples,
    qubo_energies,
)
from lukhas.primitives.anneal._problem import Problem, as_problem
from lukhas.primitives.anneal._sampleset import SampleSet
from lukhas.primitives.anneal._sb import sb_couplings

__all__ = ["METHODS", "default_beta_range", "default_replicas", "local_search", "solve_qubo"]

logger = logging.getLogger(__name__)

METHODS = ("sa", "sqa", "pt", "sb", "exact")
POSTPROCESS = ("greedy", "swap")
EXACT_MAX_VARIABLES = 30
_DEFAULT_SWEEPS = {"sa": 1000, "sqa": 300, "pt": 200, "sb": 1000, "exact": 0}
_PROGRESS_CHUNKS = 20

Runner = Callable[[npt.NDArray[np.uint64]], tuple[Int8Array, FloatArray]]


@dataclass(frozen=True)
class _Request:
    """Validated solver options shared by the per-method preparers."""

    num_sweeps: int
    beta_range: tuple[float, float] | None
    num_replicas: int | None
    trotter_slices: int | None
    transverse_field: tuple[float, float] | None
    beta: float | None
    sb_variant: str
    time_step: float | None


# ---------------------------------------------------------------- helpers


def read_streams(seed: int | None, reads: int) -> tuple[npt.NDArray[np.uint64], int]:
    """Return one xoshiro256** state (4 words) per read and the seed entropy used.

    Word ``i`` of :meth:`numpy.random.SeedSequence.generate_state` depends only
    on ``i``, so read ``r`` gets the same stream whatever the number of reads.
    """
    seq = np.random.SeedSequence(seed)
    states = seq.generate_state(4 * max(reads, 1), np.uint64)[: 4 * reads].reshape(reads, 4)
    dead = ~states.any(axis=1)  # xoshiro must not start from all zeros
    states[dead, 0] = np.uint64(1)
    return np.ascontiguousarray(states), int(seq.entropy)  # type: ignore[arg-type]


def _clock() -> Any:
    from lukhas._kernels.walltime import monotonic_clock

    return monotonic_clock()


def _beta_bounds(p: Problem) -> tuple[float, float]:
    """(hot, cold) inverse temperatures of the normalised problem, as dwave-neal derives them.

    On the Ising form (``h_i = sum_j S_ij / 2``, ``J_ij = S_ij / 2``) the
    largest single-flip change is bounded by ``2 max_i (|h_i| + sum_j |J_ij|)``:
    the hot end accepts it with probability 1/2.  The smallest excitation is
    approximated per variable by twice its smallest non-zero ``|h_i|`` or
    ``|J_ij|``; with ``m`` variables sharing the overall smallest one, the cold
    end accepts any of them with total probability 1/100.
    """
    off, signed = p.row_abs_sums()
    h = 0.5 * signed
    largest = float((np.abs(h) + 0.5 * off).max())
    smallest = np.minimum(0.5 * p.min_abs_offdiag(), np.where(h != 0.0, np.abs(h), np.inf))
    finite = smallest[np.isfinite(smallest) & (smallest > 0.0)]
    if largest <= 0.0 or finite.size == 0:
        return 0.1, 1.0  # every energy equal: any schedule samples uniformly
    hot = math.log(2.0) / (2.0 * largest)
    least = float(finite.min())
    count = int(np.count_nonzero(finite == least))
    cold = math.log(count / 0.01) / (2.0 * least)
    return hot, max(cold, hot)


def default_beta_range(Q: Any) -> tuple[float, float]:
    """Return the (hot, cold) inverse temperatures derived from the coefficients of ``Q``.

    As dwave-neal does, on the Ising form ``h_i = sum_j S_ij / 2``,
    ``J_ij = S_ij / 2`` of the symmetric part ``S``: at the hot end the
    largest possible single-flip energy change, ``2 max_i (|h_i| + sum_j
    |J_ij|)``, is accepted with probability 1/2; at the cold end the smallest
    excitation, twice the smallest non-zero ``|h_i|`` or ``|J_ij|``, is accepted
    with probability ``1 / (100 m)`` (``m`` variables share that smallest
    coefficient), so the last sweep leaves a ground state with probability
    about 1/100.  Multiplying ``Q`` by ``c > 0`` divides both ends by ``c``.

    Parameters
    ----------
    Q : array_like of shape (n, n), scipy.sparse matrix, dimod BQM or edge list
        QUBO (any square layout; see :func:`solve_qubo`).

    Returns
    -------
    beta_range : tuple of float
        ``(hot, cold)``, ``hot <= cold``.

    Examples
    --------
    >>> hot, cold = default_beta_range([[1.0, 2.0], [0.0, -1.0]])
    >>> round(hot, 4), round(cold, 4)
    (0.231, 5.2983)
    """
    p = as_problem("Q", Q)
    hot, cold = _beta_bounds(p)
    return hot / p.scale, cold / p.scale


def _check_range(name: str, value: Any, increasing: bool) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"`{name}` must be a pair (start, end) of positive floats, "
                        f"got {describe(value)}.")
    start = check_real(f"{name}[0]", value[0], low=0.0, low_inclusive=False)
    end = check_real(f"{name}[1]", value[1], low=0.0, low_inclusive=False)
    if increasing and start > end:
        raise ValueError(f"`{name}` must be (hot, cold) with hot <= cold (an annealing "
                         f"schedule cools), got ({start!r}, {end!r}); swap the two values.")
    if not increasing and start < end:
        raise ValueError(f"`{name}` must be (start, end) with start >= end (the field is "
                         f"switched off), got ({start!r}, {end!r}); swap the two values.")
    return start, end


def _tolerance(p: Problem) -> float:
    """Energy gains below this are rounding noise for local searches (normalised units)."""
    off, _ = p.row_abs_sums()
    return 1e-12 * max(float((off + np.abs(p.diag)).max()), 1e-300)


def _beta_range_of(p: Problem, req: _Request) -> tuple[float, float]:
    """The (hot, cold) range in normalised units: the caller's, or the default."""
    if req.beta_range is None:
        return _beta_bounds(p)
    return req.beta_range[0] * p.scale, req.beta_range[1] * p.scale


# ---------------------------------------------------------------- per-method preparers


def _prepare_sa(p: Problem, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal as k
    from lukhas._kernels import anneal_csr as kc

    hot, cold = _beta_range_of(p, req)
    betas = np.geomspace(hot, cold, req.num_sweeps) if req.num_sweeps else np.empty(0)
    n = p.n

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        x = np.empty((reads, n), np.int8)
        seconds = np.empty(reads)
        scratch = (np.empty((reads, n)), rng, _clock(), np.empty((reads, 2), np.int64), seconds)
        if p.dense is not None:
            k._anneal_qubo(p.dense, betas, True, x, *scratch)
        else:
            kc._anneal_qubo_csr(*p.csr, betas, True, x, *scratch)
        return x, seconds

    return {"num_sweeps": req.num_sweeps, "beta_range": (hot / p.scale, cold / p.scale)}, run


def default_replicas(n: int, hot: float, cold: float) -> int:
    """PT ladder size: swaps between neighbours stay likely on a geometric ladder.

    Energy fluctuations grow like ``sqrt(n)``, so neighbouring inverse
    temperatures may differ by a factor ``exp(c / sqrt(n))``; the ladder from
    ``hot`` to ``cold`` then needs about ``sqrt(n) ln(cold / hot) / c`` rungs
    (``c = 4``), kept within [8, 32].
    """
    span = math.log(max(cold / hot, 1.0))
    return int(min(max(math.ceil(math.sqrt(n) * span / 4.0) + 1, 8), 32))


def _prepare_pt(p: Problem, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal_csr as kc
    from lukhas._kernels import tempering as k

    hot, cold = _beta_range_of(p, req)
    replicas = req.num_replicas or default_replicas(p.n, hot, cold)
    betas = np.geomspace(hot, cold, replicas)
    n = p.n

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        runs = rng.shape[0]
        best = np.empty((runs, n), np.int8)
        seconds = np.empty(runs)
        scratch = (np.empty((runs, replicas, n), np.int8), np.empty((runs, replicas, n)),
                   np.empty((runs, replicas)), np.empty((runs, replicas), np.int64), best,
                   rng, _clock(), np.empty((runs, 2), np.int64), seconds)
        if p.dense is not None:
            k._temper_qubo(p.dense, betas, req.num_sweeps, *scratch)
        else:
            kc._temper_qubo_csr(*p.csr, betas, req.num_sweeps, *scratch)
        return best, seconds

    params = {"num_sweeps": req.num_sweeps, "beta_range": (hot / p.scale, cold / p.scale),
              "num_replicas": replicas}
    return params, run


def _ising_of(S: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fields and pair couplings (each pair once) of ``x'Sx`` under ``x = (1 + s) / 2``."""
    h = 0.5 * S.sum(axis=1)
    pair = 0.5 * S
    np.fill_diagonal(pair, 0.0)
    return h, np.ascontiguousarray(pair)


def _prepare_sqa(p: Problem, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal as k
    from lukhas._kernels import anneal_csr as kc

    off, signed = p.row_abs_sums()
    h = 0.5 * signed
    slices = req.trotter_slices or 8
    scale = float((np.abs(h) + 0.5 * off).max()) or 1.0
    cold = _beta_bounds(p)[1]
    beta = req.beta * p.scale if req.beta is not None else cold
    if req.transverse_field is None:
        g_start, g_end = scale, 1e-3 * scale
    else:
        g_start, g_end = (g / p.scale for g in req.transverse_field)
    gammas = np.linspace(g_start, g_end, req.num_sweeps) if req.num_sweeps else np.empty(0)
    n = p.n
    pair = _ising_of(p.dense)[1] if p.dense is not None else 0.5 * p.data

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        spins = np.empty((reads, n), np.int8)
        seconds = np.empty(reads)
        scratch = (gammas, beta, np.empty((reads, slices, n), np.int8),
                   np.empty((reads, slices, n)), spins, rng, _clock(),
                   np.empty((reads, 2), np.int64), seconds)
        if p.dense is not None:
            k._quantum_anneal_ising(h, pair, *scratch)
        else:
            kc._quantum_anneal_ising_csr(h, p.indptr, p.indices, pair, *scratch)
        return ((spins + 1) // 2).astype(np.int8), seconds

    params = {"num_sweeps": req.num_sweeps, "trotter_slices": slices, "beta": beta / p.scale,
              "transverse_field": (g_start * p.scale, g_end * p.scale)}
    return params, run


def _prepare_sb(p: Problem, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal_csr as kc
    from lukhas._kernels import bifurcation as k

    couplings = sb_couplings(p)
    m = couplings.m
    top, bottom = couplings.spectrum()
    # The pump crosses the bifurcation of the top mode when a0 - a(t) = c0 * top: c0 = a0 / top
    # puts it at the start (Goto et al. choose 0.5 / (sigma sqrt(n)), the same on SK models).
    c0 = 1.0 / top if top > 0.0 else 1.0
    # Symplectic Euler is stable while dt * omega < 2; the stiffest mode has
    # omega**2 = a0 * (a0 + c0 * |bottom|).  Goto's dt = 1.25 when that allows it.
    stiffness = 1.0 + c0 * max(-bottom, 0.0)
    default_dt = min(1.25, 1.8 / math.sqrt(stiffness))
    dt = req.time_step if req.time_step is not None else default_dt
    discrete = req.sb_variant == "discrete"

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        spins = np.empty((reads, m), np.int8)
        seconds = np.empty(reads)
        scratch = (req.num_sweeps, dt, 1.0, c0, discrete, np.empty((reads, m)),
                   np.empty((reads, m)), np.empty((reads, m)), spins, rng, _clock(),
                   np.empty((reads, 2), np.int64), seconds)
        if couplings.dense is not None:
            k._bifurcate(couplings.dense, *scratch)
        else:
            kc._bifurcate_csr(couplings.indptr, couplings.indices, couplings.data, *scratch)
        n = p.n
        aligned = spins[:, :n] * spins[:, n:] if couplings.ancilla else spins
        return ((aligned + 1) // 2).astype(np.int8), seconds

    params = {"num_sweeps": req.num_sweeps, "sb_variant": req.sb_variant, "time_step": dt,
              "c0": c0 / p.scale}
    return params, run


def exact_ground_state(S: FloatArray) -> tuple[Int8Array, float]:
    """Return a lowest-energy state of ``x'Sx`` and the seconds it took (Gray-code enumeration)."""
    from lukhas._kernels import qubo_search as k

    n = S.shape[0]
    low_bits = min(n, 20) if n > 24 else max(n - 6, 0)
    chunks = 1 << (n - low_bits)
    start = time.perf_counter()
    best_x = np.empty((chunks, n), np.int8)
    best_energy = np.empty(chunks)
    k._exact_gray(S, low_bits, np.empty((chunks, n), np.int8), np.empty((chunks, n)),
                  best_x, best_energy)
    # Re-score the chunk winners exactly: running sums drift by rounding.
    winner = int(np.argmin(qubo_energies(S, best_x, 0.0)))
    return best_x[winner : winner + 1].copy(), time.perf_counter() - start


_PREPARERS: dict[str, Callable[[Problem, _Request], tuple[dict[str, Any], Runner]]] = {
    "sa": _prepare_sa,
    "sqa": _prepare_sqa,
    "pt": _prepare_pt,
    "sb": _prepare_sb,
}


def descend(S: FloatArray | Problem, x: Int8Array, method: str) -> None:
    """Run the ``method`` local search ("greedy" or "swap") in place on trusted inputs.

    ``S`` is a symmetric dense matrix or a :class:`Problem` (dense or CSR).
    """
    from lukhas._kernels import anneal_csr as kc
    from lukhas._kernels import qubo_search as k

    if not isinstance(S, Problem):
        kernel = k._steepest_descent if method == "greedy" else k._swap_descent
        scale = max(float(np.abs(S).sum(axis=1).max()), 1e-300)
        kernel(S, 1e-12 * scale, x, np.empty(x.shape))
        return
    tol = _tolerance(S)
    if S.dense is not None:
        kernel = k._steepest_descent if method == "greedy" else k._swap_descent
        kernel(S.dense, tol, x, np.empty(x.shape))
    elif method == "greedy":
        kc._steepest_descent_csr(*S.csr, tol, x, np.empty(x.shape))
    else:
        kc._swap_descent_csr(*S.csr, tol, x, np.empty(x.shape), np.empty(x.shape))


def repair_cardinality(S: FloatArray, x: Int8Array, count: int) -> None:
    """Give every row of ``x`` exactly ``count`` ones by cheapest greedy flips, in place."""
    from lukhas._kernels import qubo_search as k

    k._repair_cardinality(S, count, x, np.empty(x.shape))


def progress_bar(total: int, desc: str) -> Any:
    """Return a tqdm progress bar, or raise a clear ImportError when tqdm is missing."""
    try:
        tqdm = importlib.import_module("tqdm.auto").tqdm
    except ImportError as err:
        raise ImportError(
            "progress=True needs tqdm: pip install tqdm (or lukhas[progress])."
        ) from err
    return tqdm(total=total, desc=desc, unit="read")


# ---------------------------------------------------------------- public API


def solve_qubo(
    Q: Any,
    method: str = "sa",
    *,
    offset: float = 0.0,
    num_reads: int = 100,
    num_sweeps: int | None = None,
    seed: int | None = None,
    beta_range: tuple[float, float] | None = None,
    num_replicas: int | None = None,
    trotter_slices: int | None = None,
    transverse_field: tuple[float, float] | None = None,
    beta: float | None = None,
    sb_variant: str = "discrete",
    time_step: float | None = None,
    postprocess: str | Sequence[str] | None = None,
    progress: bool = False,
) -> SampleSet:
    """Minimise ``x' Q x + offset`` over binary ``x`` with an annealing-family solver.

    Parameters
    ----------
    Q : array_like of shape (n, n), scipy.sparse matrix, dimod BQM or edge list
        The QUBO; its symmetric part is used.  A dense matrix (any square
        layout), a ``scipy.sparse`` matrix, a dimod ``BinaryQuadraticModel``
        (columns in ``bqm.variables`` order, its offset added) or an edge list:
        a dict ``{(i, j): w}`` or a list of ``(i, j, w)`` tuples (``i == j``
        for linear terms, duplicates summed).  Problems with at most 10% of
        their off-diagonal entries non-zero run on compressed sparse rows
        (O(degree) per flip, no ``n x n`` array is ever built from sparse
        input); denser ones on dense kernels.  Default schedules are computed
        from ``Q / max |S_ij|``, so ``c Q`` (``c > 0``) gives the same samples
        for one seed.
    method : {"sa", "sqa", "pt", "sb", "exact"}, default="sa"
        ``"sa"`` simulated annealing (Metropolis single flips, geometric beta
        schedule); ``"sqa"`` path-integral simulated quantum annealing;
        ``"pt"`` parallel tempering with a geometric ladder (each read is one
        run returning the best state it visited); ``"sb"`` simulated
        bifurcation (Goto et al.); ``"exact"`` Gray-code enumeration, ``n <= 30``,
        one sample: a ground state.
    offset : float, default=0.0
        Constant added to every energy.
    num_reads : int, default=100
        Independent reads (run in parallel threads).
    num_sweeps : int or None, default=None
        Sweeps per read (SB: integration steps; PT: rounds over all
        replicas).  Defaults: sa 1000, sqa 300, pt 200, sb 1000.
    seed : int or None, default=None
        Seed of :class:`numpy.random.SeedSequence`; ``None`` draws fresh
        entropy, recorded in ``parameters["seed"]`` for replay.
    beta_range : (float, float) or None, default=None
        SA/PT (hot, cold) inverse temperatures, ``hot <= cold``; default
        :func:`default_beta_range`.
    num_replicas : int or None, default=None
        PT ladder size; default :func:`default_replicas` of ``n`` and the
        beta range (8 to 32).
    trotter_slices : int or None, default=None
        SQA Trotter slices (default 8).
    transverse_field : (float, float) or None, default=None
        SQA transverse field, start >= end of its linear schedule; default
        ``(G, G / 1000)`` with ``G`` the largest Ising local-field bound.
    beta : float or None, default=None
        SQA inverse temperature (default: the cold end of :func:`default_beta_range`).
    sb_variant : {"discrete", "ballistic"}, default="discrete"
        SB flavour (dSB or bSB).
    time_step : float or None, default=None
        SB integration step.  The coupling scale ``c0`` is ``1 / lambda_max``
        of the SB coupling matrix (power iteration), so the pump crosses the
        first bifurcation at the start on any problem; the default step is
        Goto's 1.25, smaller when the stiffest mode needs it for stability.
    postprocess : {"greedy", "swap"}, sequence of them, or None, default=None
        Local search on every read, in the order given: steepest single-flip
        descent, or best-improvement swaps that keep the number of ones
        (``("greedy", "swap")`` suits cardinality-penalised QUBOs).
    progress : bool, default=False
        Show a tqdm bar over reads (tqdm must be installed).

    Returns
    -------
    samples : SampleSet
        ``num_reads`` rows in read order (one for ``"exact"``), energies
        recomputed from the samples.

    Raises
    ------
    TypeError
        Wrongly typed arguments.
    ValueError
        ``Q`` not square or not finite, coefficients so large that energies
        could overflow (``sum |Q_ij| + |offset|`` above about 4.5e307), an
        unknown method, ``n > 30`` for ``"exact"``, a reversed ``beta_range``
        or ``transverse_field``, or out-of-range counts.

    Examples
    --------
    >>> import numpy as np
    >>> Q = np.array([[-1.0, 2.0], [0.0, -1.0]])
    >>> s = solve_qubo(Q, "sa", num_reads=8, num_sweeps=50, seed=1)
    >>> s.best.energy
    -1.0
    >>> solve_qubo(Q, "exact").best.energy
    -1.0
    """
    started = time.perf_counter()
    method = check_choice("method", method, METHODS)
    const = check_real("offset", offset)
    problem = as_problem("Q", Q, const)
    const += problem.offset
    reads = check_int("num_reads", num_reads, low=1)
    sweeps = _DEFAULT_SWEEPS[method] if num_sweeps is None else check_int(
        "num_sweeps", num_sweeps, low=0)
    if seed is not None:
        seed = check_int("seed", seed, low=0)
    searches: tuple[str, ...] = ()
    if postprocess is not None:
        steps = (postprocess,) if isinstance(postprocess, str) else tuple(postprocess)
        searches = tuple(check_choice("postprocess", p, POSTPROCESS) for p in steps)
    request = _Request(
        num_sweeps=sweeps,
        beta_range=None if beta_range is None else _check_range("beta_range", beta_range, True),
        num_replicas=None if num_replicas is None else check_int(
            "num_replicas", num_replicas, low=2),
        trotter_slices=None if trotter_slices is None else check_int(
            "trotter_slices", trotter_slices, low=2),
        transverse_field=None if transverse_field is None else _check_range(
            "transverse_field", transverse_field, False),
        beta=None if beta is None else check_real("beta", beta, low=0.0, low_inclusive=False),
        sb_variant=check_choice("sb_variant", sb_variant, ("discrete", "ballistic")),
        time_step=None if time_step is None else check_real(
            "time_step", time_step, low=0.0, low_inclusive=False),
    )
    n = problem.n
    if method == "exact":
        if n > EXACT_MAX_VARIABLES:
            raise ValueError(f"method='exact' enumerates 2**n states and needs n <= "
                             f"{EXACT_MAX_VARIABLES}, got n={n}; use 'sa', 'pt', 'sqa' or 'sb'.")
        x, seconds = exact_ground_state(problem.normalised_dense())
        params: dict[str, Any] = {}
        timings = np.array([seconds])
    else:
        params, run = _PREPARERS[method](problem, request)
        rng, entropy = read_streams(seed, reads)
        params["seed"] = entropy
        x, timings = _run_reads(run, rng, progress, method)
    for search in searches:
        descend(problem, x, search)
    params.update(num_reads=x.shape[0], postprocess=searches, sparse=problem.sparse)
    energies = problem.energies(x, const)
    logger.debug("solve_qubo(%s): n=%d reads=%d sparse=%s best=%.6g", method, n, x.shape[0],
                 problem.sparse, float(energies.min()))
    return SampleSet(x, energies, timings, method, params, time.perf_counter() - started)


def _run_reads(run: Runner, rng: npt.NDArray[np.uint64], progress: bool,
               method: str) -> tuple[Int8Array, FloatArray]:
    if not progress:
        return run(rng)
    bar = progress_bar(rng.shape[0], f"solve_qubo[{method}]")
    parts = []
    try:
        for chunk in np.array_split(np.arange(rng.shape[0]), min(_PROGRESS_CHUNKS, rng.shape[0])):
            sub = np.ascontiguousarray(rng[chunk])
            parts.append(run(sub))
            rng[chunk] = sub
            bar.update(chunk.shape[0])
    finally:
        bar.close()
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def local_search(Q: Any, samples: Any, method: str = "greedy") -> Int8Array:
    """Improve binary states by deterministic local search on ``x' Q x``.

    Parameters
    ----------
    Q : array_like of shape (n, n), scipy.sparse matrix, dimod BQM or edge list
        QUBO (any form :func:`solve_qubo` accepts).
    samples : array_like of shape (reads, n) or (n,)
        Starting states (0/1).
    method : {"greedy", "swap"}, default="greedy"
        ``"greedy"``: flip the single most improving bit until none improves
        (a 1-flip local minimum).  ``"swap"``: exchange a 1 and a 0 while that
        improves, so the number of ones (the cardinality) never changes.

    Returns
    -------
    improved : ndarray of shape (reads, n), dtype=int8
        New states, each with energy no higher than its start.

    Examples
    --------
    >>> local_search([[1.0, 0.0], [0.0, -1.0]], [[1, 0]])
    array([[0, 1]], dtype=int8)
    >>> local_search([[1.0, 0.0], [0.0, -1.0]], [[1, 0]], method="swap")
    array([[0, 1]], dtype=int8)
    """
    problem = as_problem("Q", Q)
    check_choice("method", method, POSTPROCESS)
    x = as_binary_samples("samples", samples, problem.n).copy()
    descend(problem, x, method)
    return x
