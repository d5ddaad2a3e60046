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
    as_square_matrix,
    qubo_energies,
    symmetric_part,
)
from lukhas.primitives.anneal._sampleset import SampleSet

__all__ = ["METHODS", "default_beta_range", "local_search", "solve_qubo"]

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


def _flip_bounds(S: FloatArray) -> tuple[float, float]:
    """Return (largest, smallest nonzero) single-flip energy scales of ``S``.

    The largest bounds ``|2 d f_i + S_ii|`` over all states; the smallest is the
    smallest nonzero ``|S_ii|`` or ``2 |S_ij|``.
    """
    absS = np.abs(S)
    diag = np.diag(absS)
    largest = float((2.0 * absS.sum(axis=1) - diag).max())
    coeffs = np.concatenate((diag, 2.0 * absS[np.triu_indices(S.shape[0], 1)]))
    nonzero = coeffs[coeffs > 0.0]
    smallest = float(nonzero.min()) if nonzero.size else 1.0
    return max(largest, smallest), smallest


def default_beta_range(Q: Any) -> tuple[float, float]:
    """Return the (hot, cold) inverse temperatures derived from the coefficients of ``Q``.

    As dwave-neal does: at the hot end the largest possible single-flip energy
    increase is accepted with probability 1/2; at the cold end the smallest
    nonzero one is accepted with probability 1/100.

    Parameters
    ----------
    Q : array_like of shape (n, n), dtype=float64
        QUBO matrix (any square layout).

    Returns
    -------
    beta_range : tuple of float
        ``(log(2) / dE_max, log(100) / dE_min)``.

    Examples
    --------
    >>> hot, cold = default_beta_range([[1.0, 2.0], [0.0, -1.0]])
    >>> round(hot, 4), round(cold, 4)
    (0.231, 4.6052)
    """
    S = symmetric_part(as_square_matrix("Q", Q))
    largest, smallest = _flip_bounds(S)
    return math.log(2.0) / largest, math.log(100.0) / smallest


def _check_range(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"`{name}` must be a pair (start, end) of positive floats, "
                        f"got {describe(value)}.")
    start = check_real(f"{name}[0]", value[0], low=0.0, low_inclusive=False)
    end = check_real(f"{name}[1]", value[1], low=0.0, low_inclusive=False)
    return start, end


def _tolerance(S: FloatArray) -> float:
    """Energy gains below this are rounding noise for local searches."""
    return 1e-12 * max(float(np.abs(S).sum(axis=1).max()), 1e-300)


# ---------------------------------------------------------------- per-method preparers


def _prepare_sa(S: FloatArray, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal as k

    hot, cold = req.beta_range or default_beta_range(S)
    betas = np.geomspace(hot, cold, req.num_sweeps) if req.num_sweeps else np.empty(0)
    n = S.shape[0]

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        x = np.empty((reads, n), np.int8)
        seconds = np.empty(reads)
        k._anneal_qubo(S, betas, True, x, np.empty((reads, n)), rng, _clock(),
                       np.empty((reads, 2), np.int64), seconds)
        return x, seconds

    return {"num_sweeps": req.num_sweeps, "beta_range": (hot, cold)}, run


def _prepare_pt(S: FloatArray, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import tempering as k

    hot, cold = req.beta_range or default_beta_range(S)
    replicas = req.num_replicas or 16
    betas = np.geomspace(hot, cold, replicas)
    n = S.shape[0]

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        runs = rng.shape[0]
        best = np.empty((runs, n), np.int8)
        seconds = np.empty(runs)
        k._temper_qubo(S, betas, req.num_sweeps, np.empty((runs, replicas, n), np.int8),
                       np.empty((runs, replicas, n)), np.empty((runs, replicas)),
                       np.empty((runs, replicas), np.int64), best, rng, _clock(),
                       np.empty((runs, 2), np.int64), seconds)
        return best, seconds

    params = {"num_sweeps": req.num_sweeps, "beta_range": (hot, cold), "num_replicas": replicas}
    return params, run


def _ising_of(S: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fields and pair couplings (each pair once) of ``x'Sx`` under ``x = (1 + s) / 2``."""
    h = 0.5 * S.sum(axis=1)
    pair = 0.5 * S
    np.fill_diagonal(pair, 0.0)
    return h, np.ascontiguousarray(pair)


def _prepare_sqa(S: FloatArray, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import anneal as k

    h, pair = _ising_of(S)
    slices = req.trotter_slices or 8
    scale = float((np.abs(h) + np.abs(pair).sum(axis=1)).max()) or 1.0
    cold = default_beta_range(S)[1]
    beta = req.beta if req.beta is not None else cold
    g_start, g_end = req.transverse_field or (scale, 1e-3 * scale)
    gammas = np.linspace(g_start, g_end, req.num_sweeps) if req.num_sweeps else np.empty(0)
    n = S.shape[0]

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        spins = np.empty((reads, n), np.int8)
        seconds = np.empty(reads)
        k._quantum_anneal_ising(h, pair, gammas, beta, np.empty((reads, slices, n), np.int8),
                                np.empty((reads, slices, n)), spins, rng, _clock(),
                                np.empty((reads, 2), np.int64), seconds)
        return ((spins + 1) // 2).astype(np.int8), seconds

    params = {"num_sweeps": req.num_sweeps, "trotter_slices": slices, "beta": beta,
              "transverse_field": (g_start, g_end)}
    return params, run


def _prepare_sb(S: FloatArray, req: _Request) -> tuple[dict[str, Any], Runner]:
    from lukhas._kernels import bifurcation as k

    h, pair = _ising_of(S)
    n = S.shape[0]
    m = n + 1  # spin n is an ancilla carrying the fields: h_i s_i = h_i s_i s_a when s_a = +1
    K = np.zeros((m, m))
    K[:n, :n] = -pair
    K[:n, n] = -h
    K[n, :n] = -h
    spread = math.sqrt(float((K * K).sum()) / (m * (m - 1))) or 1.0
    c0 = 0.5 / (spread * math.sqrt(m))
    dt = req.time_step if req.time_step is not None else 1.25
    discrete = req.sb_variant == "discrete"

    def run(rng: npt.NDArray[np.uint64]) -> tuple[Int8Array, FloatArray]:
        reads = rng.shape[0]
        spins = np.empty((reads, m), np.int8)
        seconds = np.empty(reads)
        k._bifurcate(K, req.num_sweeps, dt, 1.0, c0, discrete, np.empty((reads, m)),
                     np.empty((reads, m)), np.empty((reads, m)), spins, rng, _clock(),
                     np.empty((reads, 2), np.int64), seconds)
        aligned = spins[:, :n] * spins[:, n:]
        return ((aligned + 1) // 2).astype(np.int8), seconds

    params = {"num_sweeps": req.num_sweeps, "sb_variant": req.sb_variant, "time_step": dt,
              "c0": c0}
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


_PREPARERS: dict[str, Callable[[FloatArray, _Request], tuple[dict[str, Any], Runner]]] = {
    "sa": _prepare_sa,
    "sqa": _prepare_sqa,
    "pt": _prepare_pt,
    "sb": _prepare_sb,
}


def descend(S: FloatArray, x: Int8Array, method: str) -> None:
    """Run the ``method`` local search ("greedy" or "swap") in place on trusted inputs."""
    from lukhas._kernels import qubo_search as k

    kernel = k._steepest_descent if method == "greedy" else k._swap_descent
    kernel(S, _tolerance(S), x, np.empty(x.shape))


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
    Q : array_like of shape (n, n), dtype=float64
        Any square QUBO matrix; its symmetric part is used.
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
        SA/PT (hot, cold) inverse temperatures; default
        :func:`default_beta_range`.
    num_replicas : int or None, default=None
        PT ladder size (default 16).
    trotter_slices : int or None, default=None
        SQA Trotter slices (default 8).
    transverse_field : (float, float) or None, default=None
        SQA transverse field, start and end of its linear schedule; default
        ``(G, G / 1000)`` with ``G`` the largest Ising local-field bound.
    beta : float or None, default=None
        SQA inverse temperature (default: the cold end of :func:`default_beta_range`).
    sb_variant : {"discrete", "ballistic"}, default="discrete"
        SB flavour (dSB or bSB).
    time_step : float or None, default=None
        SB integration step (default 1.25).
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
        ``Q`` not square or not finite, an unknown method, ``n > 30`` for
        ``"exact"``, or out-of-range counts.

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
    S = symmetric_part(as_square_matrix("Q", Q))
    const = check_real("offset", offset)
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
        beta_range=None if beta_range is None else _check_range("beta_range", beta_range),
        num_replicas=None if num_replicas is None else check_int(
            "num_replicas", num_replicas, low=2),
        trotter_slices=None if trotter_slices is None else check_int(
            "trotter_slices", trotter_slices, low=2),
        transverse_field=None if transverse_field is None else _check_range(
            "transverse_field", transverse_field),
        beta=None if beta is None else check_real("beta", beta, low=0.0, low_inclusive=False),
        sb_variant=check_choice("sb_variant", sb_variant, ("discrete", "ballistic")),
        time_step=None if time_step is None else check_real(
            "time_step", time_step, low=0.0, low_inclusive=False),
    )
    n = S.shape[0]
    if method == "exact":
        if n > EXACT_MAX_VARIABLES:
            raise ValueError(f"method='exact' enumerates 2**n states and needs n <= "
                             f"{EXACT_MAX_VARIABLES}, got n={n}; use 'sa', 'pt', 'sqa' or 'sb'.")
        x, seconds = exact_ground_state(S)
        params: dict[str, Any] = {}
        timings = np.array([seconds])
    else:
        params, run = _PREPARERS[method](S, request)
        rng, entropy = read_streams(seed, reads)
        params["seed"] = entropy
        x, timings = _run_reads(run, rng, progress, method)
    for search in searches:
        descend(S, x, search)
    params.update(num_reads=x.shape[0], postprocess=searches)
    energies = qubo_energies(S, x, const)
    logger.debug("solve_qubo(%s): n=%d reads=%d best=%.6g", method, n, x.shape[0],
                 float(energies.min()))
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
    Q : array_like of shape (n, n), dtype=float64
        QUBO matrix (any square layout).
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
    S = symmetric_part(as_square_matrix("Q", Q))
    check_choice("method", method, POSTPROCESS)
    x = as_binary_samples("samples", samples, S.shape[0]).copy()
    descend(S, x, method)
    return x
