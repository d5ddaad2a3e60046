"""What every optimiser shares: bounds, objectives, seeding and the iteration loop.

An optimiser is a :class:`Search`: state arrays plus two ways to advance it,
``step`` (one iteration, the objective called from Python) and ``run_compiled``
(many iterations inside a Numba driver, the objective compiled too).  Both run
the same kernels in the same order from the same random stream, so a seed gives
the same result on either path.  :func:`drive` owns callbacks, progress bars,
early stopping, fatigue accounting and the :class:`OptimizeResult`.
"""

from __future__ import annotations

import logging
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe
from lukhas.primitives.evolve._fatigue import PROCESS_FATIGUE
from lukhas.primitives.evolve._result import OptimizeResult

__all__ = [
    "BOUND_LIMIT",
    "Objective",
    "RunControl",
    "Search",
    "all_rows",
    "check_seed",
    "drive",
    "make_objective",
    "parse_bounds",
    "seeded_uniform",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Largest bound magnitude: differences and sums of points (DE mutants, PSO velocities, the
#: midpoints of repairs) stay far inside the float64 range.
BOUND_LIMIT = 1e300


def parse_bounds(bounds: Any) -> tuple[FloatArray, FloatArray]:
    """Validate ``bounds`` (a sequence of ``(low, high)`` pairs); return lower, upper (d,)."""
    try:
        arr = check_array("bounds", bounds, dtype=np.float64, ndim=2, finite=True)
    except ValueError as err:
        if "dimensional" in str(err):
            raise ValueError(
                f"`bounds` must be a sequence of (low, high) pairs, got {describe(bounds)}."
            ) from err
        raise
    if arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(
            f"`bounds` must be a non-empty sequence of (low, high) pairs, got shape {arr.shape}."
        )
    lower = np.ascontiguousarray(arr[:, 0])
    upper = np.ascontiguousarray(arr[:, 1])
    huge = np.flatnonzero(np.abs(arr).max(axis=1) > BOUND_LIMIT)
    if huge.size:
        j = int(huge[0])
        raise ValueError(
            f"`bounds` must lie within [-{BOUND_LIMIT:g}, {BOUND_LIMIT:g}] (moves and "
            f"differences of points must stay finite), got {tuple(arr[j])} at index {j}."
        )
    bad = np.flatnonzero(lower >= upper)
    if bad.size:
        j = int(bad[0])
        raise ValueError(
            f"`bounds` must have low < high in every pair, got {tuple(arr[j])} at index {j}."
        )
    return lower, upper


@dataclass(frozen=True)
class Objective:
    """A validated objective: how to call it and whether the loop can run compiled.

    ``kind`` is ``"compiled"`` for a Numba function (or a shipped test function),
    ``"vectorized"`` for a callable taking the whole population (n, d) -> (n,),
    and ``"python"`` for a plain per-point callable (slow: one Python call each).
    """

    func: Callable[..., Any]
    kind: str

    def evaluate(self, x: npt.NDArray[Any], rows: npt.NDArray[np.intp], out: FloatArray) -> None:
        """Write ``f(x[i])`` into ``out[i]`` for each ``i`` in ``rows``; NaN becomes +inf."""
        if rows.size == 0:
            return
        if self.kind == "vectorized":
            raw = np.asarray(self.func(x[rows]))
            if raw.dtype.kind not in "biuf":
                raise TypeError(
                    f"`f` with vectorized=True must return real numbers, got {describe(raw)}."
                )
            values = raw.astype(np.float64)
            if values.shape != (rows.size,):
                raise ValueError(
                    f"`f` with vectorized=True must return shape ({rows.size},) for a population "
                    f"of shape {(rows.size, *x.shape[1:])}, got {describe(values)}."
                )
        else:
            values = np.empty(rows.size)
            for k, i in enumerate(rows):
                value = self.func(x[i])
                if not _is_real(value):
                    raise TypeError(
                        f"`f` must return a real number for a point of shape {x[i].shape}, "
                        f"got {describe(value)}; pass vectorized=True if it takes the whole "
                        "population."
                    )
                values[k] = float(value)
        np.copyto(values, np.inf, where=np.isnan(values))
        out[rows] = values


def _is_real(value: Any) -> bool:
    """A real scalar: a Python or numpy int or float (not str, bool, complex), or a 0-d array."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def make_objective(f: Any, vectorized: bool) -> Objective:
    """Classify ``f`` (see :class:`Objective`); raise TypeError when it is not callable.

    ``vectorized=True`` always wins (a Numba function of the whole population is
    called with the population); otherwise shipped test functions and Numba
    functions of one point run compiled, and anything else is called per point.
    """
    from numba.core.dispatcher import Dispatcher

    from lukhas.primitives.evolve._functions import BenchmarkFunction, TravellingSalesman

    if not callable(f):
        raise TypeError(f"`f` must be callable, got {describe(f)}.")
    if not isinstance(vectorized, bool):
        raise TypeError(f"`vectorized` must be a bool, got {describe(vectorized)}.")
    if vectorized:
        return Objective(f, "vectorized")
    if isinstance(f, (BenchmarkFunction, TravellingSalesman)):
        return Objective(f.kernel, "compiled")
    if isinstance(f, Dispatcher):
        return Objective(f, "compiled")
    return Objective(f, "python")


class Search(Protocol):
    """An optimiser's state between iterations (see the module docstring)."""

    method: str
    history: FloatArray

    def step(self, objective: Objective, it: int) -> None:
        """Advance iteration ``it`` -> ``it + 1`` and set ``history[it + 1]``."""

    def run_compiled(self, func: Any, it: int, stop: int, control: RunControl) -> int:
        """Run iterations up to ``stop`` compiled; return the last completed."""

    def best(self) -> tuple[npt.NDArray[Any], float]:
        """Best point and value found so far."""

    def nfev(self, nit: int) -> int:
        """Evaluations spent after ``nit`` iterations."""


@dataclass(frozen=True)
class RunControl:
    """Validated loop settings shared by every optimiser."""

    maxiter: int
    tol: float
    patience: int
    target: float
    callback: Callable[[OptimizeResult], Any] | None
    progress: bool

    @classmethod
    def build(
        cls,
        maxiter: Any,
        tol: Any,
        patience: Any,
        target: Any,
        callback: Any,
        progress: Any,
    ) -> RunControl:
        """Validate the shared keyword arguments of the public optimisers."""
        maxiter = check_int("maxiter", maxiter, low=0)
        tol = check_real("tol", tol, low=0.0)
        patience = 0 if patience is None else check_int("patience", patience, low=1)
        target = -np.inf if target is None else check_real("target", target)
        if callback is not None and not callable(callback):
            raise TypeError(f"`callback` must be callable or None, got {describe(callback)}.")
        if not isinstance(progress, bool):
            raise TypeError(f"`progress` must be a bool, got {describe(progress)}.")
        return cls(maxiter, tol, patience, target, callback, progress)


def check_seed(seed: Any) -> np.random.Generator:
    """Return a numpy Generator for ``seed`` (None, an int >= 0, or a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        check_int("seed", seed, low=0)
    return np.random.default_rng(seed)


def _result(search: Search, nit: int, success: bool, message: str) -> OptimizeResult:
    x, fun = search.best()
    return OptimizeResult(
        x=x.copy(),
        fun=float(fun),
        nfev=search.nfev(nit),
        nit=nit,
        success=success,
        message=message,
        history=search.history[: nit + 1].copy(),
        method=search.method,
    )


def _open_progress(control: RunControl, method: str) -> Any:
    if not control.progress:
        return None
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped, unused-ignore]
    except ImportError as err:
        err.add_note("progress=True needs tqdm: pip install 'lukhas[progress]' (or tqdm).")
        raise
    return tqdm(total=control.maxiter, desc=method, unit="it")


def drive(search: Search, objective: Objective, control: RunControl) -> OptimizeResult:
    """Run ``search`` to completion under ``control`` and build the result."""
    from lukhas._kernels._search import _stop_reached

    started = time.process_time()
    bar = _open_progress(control, search.method)
    # Without a callback or a bar nobody needs to look between iterations: one chunk.
    if control.callback is not None:
        chunk = 1
    elif bar is not None:
        chunk = max(1, control.maxiter // 100)
    else:
        chunk = max(1, control.maxiter)
    it = 0
    stopped_by_callback = False
    try:
        early = bool(_stop_reached(search.history, 0, control.tol, control.patience,
                                   control.target))
        while it < control.maxiter and not early:
            stop = min(control.maxiter, it + chunk)
            before = it
            if objective.kind == "compiled":
                it = search.run_compiled(objective.func, it, stop, control)
            else:
                while it < stop:
                    search.step(objective, it)
                    it += 1
                    if _stop_reached(search.history, it, control.tol, control.patience,
                                     control.target):
                        break
            early = bool(_stop_reached(search.history, it, control.tol, control.patience,
                                       control.target))
            if bar is not None:
                bar.update(it - before)
            if control.callback is not None and control.callback(
                _result(search, it, False, "in progress")
            ):
                stopped_by_callback = True
                break
    finally:
        if bar is not None:
            bar.close()
        PROCESS_FATIGUE.record(time.process_time() - started)
    if stopped_by_callback:
        success, message = False, "Stopped by the callback."
    elif search.history[it] <= control.target:
        success, message = True, "Reached the target value."
    elif early:
        success, message = True, (
            f"Converged: improvement <= tol={control.tol} over {control.patience} iterations."
        )
    else:
        success, message = False, "Maximum number of iterations has been exceeded."
    logger.debug("%s finished after %d iterations: %s", search.method, it, message)
    return _result(search, it, success, message)


def seeded_uniform(rng: np.random.Generator, lower: FloatArray, upper: FloatArray,
                   n: int) -> FloatArray:
    """An (n, d) C-contiguous population uniform in the box."""
    return np.ascontiguousarray(lower + rng.random((n, lower.size)) * (upper - lower))


def all_rows(n: int) -> npt.NDArray[np.intp]:
    """Row indices 0..n-1 (every row needs evaluation)."""
    return np.arange(n, dtype=np.intp)

