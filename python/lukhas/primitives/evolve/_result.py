"""The result object every optimiser in :mod:`lukhas.primitives.evolve` returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["OptimizeResult"]


@dataclass(frozen=True, eq=False)
class OptimizeResult:
    """Outcome of a run, shaped like :class:`scipy.optimize.OptimizeResult`.

    Attributes read as in scipy (``res.x``, ``res.fun``) and, for code written
    against scipy, also by key (``res["x"]``).

    Attributes
    ----------
    x : ndarray of shape (d,)
        Best point found: float64, or int64 for the permutation GA.
    fun : float
        Objective value at ``x``.
    nfev : int
        Number of objective evaluations.
    nit : int
        Number of iterations (generations) completed.
    success : bool
        True when the run stopped on its own criterion (``target`` reached, or
        no improvement beyond ``tol`` for ``patience`` iterations); False when
        the iteration budget ran out or a callback stopped it.
    message : str
        Why the run stopped.
    history : ndarray of shape (nit + 1,), dtype=float64
        Best value found so far after each iteration (``history[0]`` is the
        initial population's best): a convergence curve, non-increasing.
    method : str
        The optimiser that produced the result.

    Examples
    --------
    >>> from lukhas.primitives.evolve import de_minimize, sphere
    >>> res = de_minimize(sphere, [(-5.0, 5.0)] * 3, seed=0, maxiter=200)
    >>> res.fun < 1e-6, res["nit"] == res.nit
    (True, True)
    """

    x: npt.NDArray[Any]
    fun: float
    nfev: int
    nit: int
    success: bool
    message: str
    history: npt.NDArray[np.float64] = field(repr=False)
    method: str

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        """Names of the fields, for code that treats the result as a mapping."""
        return self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def __repr__(self) -> str:
        x = np.array2string(np.asarray(self.x), precision=6, threshold=8)
        return (
            f" message: {self.message}\n success: {self.success}\n  method: {self.method}\n"
            f"     fun: {self.fun!r}\n       x: {x}\n     nit: {self.nit}\n"
            f"    nfev: {self.nfev}"
        )
