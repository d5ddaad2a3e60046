"""QUBO and Ising models: portfolio builders, conversions and batch energies.

Every matrix model here is read the same way, whatever its layout: a QUBO
``(Q, offset)`` has energy ``E(x) = x' Q x + offset`` over ``x`` in {0, 1}^n and
an Ising model ``(h, J, offset)`` has energy ``E(s) = h's + s' J s + offset``
over ``s`` in {-1, +1}^n.  Upper-triangular and symmetric matrices of the same
problem therefore describe the same energies; builders return symmetric ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe

__all__ = [
    "QUBO",
    "BudgetQUBO",
    "PortfolioQUBO",
    "energy",
    "ising_to_qubo",
    "portfolio_budget_qubo",
    "portfolio_qubo",
    "qubo_to_ising",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]


# ---------------------------------------------------------------- validation


def as_square_matrix(name: str, value: Any) -> FloatArray:
    """Return ``value`` as a finite, C-contiguous float64 square matrix, or raise."""
    arr = check_array(name, value, dtype=np.float64, ndim=2, contiguous=True, finite=True)
    if arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"`{name}` must be a non-empty square matrix, got {describe(arr)}.")
    return arr


def symmetric_part(matrix: FloatArray) -> FloatArray:
    """Return ``(M + M') / 2``: the symmetric matrix with the same quadratic form.

    Computed as ``M / 2 + M' / 2``, which cannot overflow for finite ``M``
    (``M + M'`` does once entries pass about 9e307).
    """
    return np.ascontiguousarray(0.5 * matrix + 0.5 * matrix.T)


def as_binary_samples(name: str, value: Any, n: int) -> Int8Array:
    """Return ``value`` as an int8 array of shape (reads, n) holding only 0 and 1, or raise."""
    arr = check_array(name, value, ndim=(1, 2))
    if arr.dtype.kind not in "biu" and not (
        arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all()
    ):
        raise TypeError(f"`{name}` must hold the integers 0 and 1, got {describe(arr)}.")
    arr2 = np.atleast_2d(arr)
    if arr2.shape[1] != n:
        raise ValueError(f"`{name}` must have {n} columns (one per variable), got {describe(arr)}.")
    if arr2.size and not np.isin(arr2, (0, 1)).all():
        raise ValueError(f"`{name}` must hold only 0 and 1 (binary variables).")
    return np.ascontiguousarray(arr2, dtype=np.int8)


def check_covariance(name: str, value: Any, n: int | None = None) -> FloatArray:
    """Return ``value`` as a symmetric positive semi-definite float64 matrix, or raise.

    Symmetry and the smallest eigenvalue are checked to a tolerance of
    ``1e-10`` times the largest absolute entry.
    """
    cov = as_square_matrix(name, value)
    if n is not None and cov.shape[0] != n:
        raise ValueError(f"`{name}` must have shape ({n}, {n}) to match `mu`, got {describe(cov)}.")
    scale = max(float(np.abs(cov).max()), np.finfo(np.float64).tiny)
    asym = float(np.abs(cov - cov.T).max())
    if asym > 1e-10 * scale:
        raise ValueError(
            f"`{name}` must be symmetric, got max |C - C'| = {asym:.3g} "
            f"(largest entry {scale:.3g}); pass (C + C.T) / 2."
        )
    lowest = float(np.linalg.eigvalsh(cov)[0])
    if lowest < -1e-10 * scale:
        raise ValueError(
            f"`{name}` must be positive semi-definite, got smallest eigenvalue {lowest:.3g}."
        )
    return cov


#: Largest ``max |mu|`` and ``risk_aversion * max |cov|`` the portfolio builders accept: the
#: QUBO, its penalty (sums of up to n**2 entries) and the weights QP stay far from overflow.
PORTFOLIO_LIMIT = 1e150


def check_magnitudes(mu: FloatArray, cov: FloatArray, lam: float) -> None:
    """Refuse ``mu`` or ``lam * cov`` beyond :data:`PORTFOLIO_LIMIT` (ValueError naming it)."""
    top_mu = float(np.abs(mu).max())
    if top_mu > PORTFOLIO_LIMIT:
        raise ValueError(f"`mu` must have entries of magnitude at most {PORTFOLIO_LIMIT:g}, "
                         f"got {top_mu:.3g}; express returns in smaller units.")
    risk = lam * float(np.abs(cov).max())
    if risk > PORTFOLIO_LIMIT:
        raise ValueError(f"`risk_aversion` * max |cov| must be at most {PORTFOLIO_LIMIT:g}, "
                         f"got {risk:.3g} (risk_aversion={lam:.3g}); use a smaller "
                         "risk_aversion or rescale cov.")


def _check_mu_cov(mu: Any, cov: Any) -> tuple[FloatArray, FloatArray]:
    mu_arr = check_array("mu", mu, dtype=np.float64, ndim=1, contiguous=True, finite=True)
    if mu_arr.shape[0] == 0:
        raise ValueError("`mu` must hold at least one expected return, got an empty array.")
    return mu_arr, check_covariance("cov", cov, mu_arr.shape[0])


# ---------------------------------------------------------------- models


def _frozen_copy(value: Any) -> FloatArray:
    arr = np.array(value, dtype=np.float64, copy=True, order="C")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class QUBO:
    """A quadratic unconstrained binary optimisation problem ``x' Q x + offset``.

    Parameters
    ----------
    matrix : ndarray of shape (n, n), dtype=float64
        Symmetric coefficient matrix (read-only).
    offset : float
        Constant energy term.

    Examples
    --------
    >>> import numpy as np
    >>> q = QUBO(np.array([[1.0, -1.0], [-1.0, 1.0]]), 0.5)
    >>> q.energy([[1, 1], [1, 0]])
    array([0.5, 1.5])
    """

    matrix: FloatArray
    offset: float

    def __post_init__(self) -> None:
        # A private read-only copy: freezing the caller's array in place would surprise them.
        object.__setattr__(self, "matrix", _frozen_copy(self.matrix))

    @property
    def num_variables(self) -> int:
        """Number of binary variables ``n``."""
        return int(self.matrix.shape[0])

    def energy(self, samples: Any) -> FloatArray:
        """Return ``x' Q x + offset`` for each row of ``samples`` (see :func:`energy`)."""
        return energy(self.matrix, samples, self.offset)


@dataclass(frozen=True, eq=False)
class PortfolioQUBO(QUBO):
    """The k-asset selection QUBO built by :func:`portfolio_qubo`.

    Parameters
    ----------
    matrix, offset
        The full QUBO: objective plus cardinality penalty.
    objective : ndarray of shape (n, n), dtype=float64
        The mean-variance term alone, ``(lambda / k**2) cov - diag(mu) / k``.
    penalty : float
        Weight ``A`` of ``A * (sum(x) - k)**2``.
    k : int
        Number of assets to choose.
    """

    objective: FloatArray
    penalty: float
    k: int

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "objective", _frozen_copy(self.objective))

    def is_feasible(self, samples: Any) -> npt.NDArray[np.bool_]:
        """Return, per row of ``samples``, whether it selects exactly ``k`` assets."""
        x = as_binary_samples("samples", samples, self.num_variables)
        return np.asarray(x.sum(axis=1, dtype=np.int64) == self.k)


@dataclass(frozen=True, eq=False)
class BudgetQUBO(QUBO):
    """The budget-discretised weights QUBO built by :func:`portfolio_budget_qubo`.

    Variable ``i * bits + l`` is bit ``l`` of asset ``i``'s weight
    ``w_i = sum_l 2**l x_il / (2**bits - 1)``.
    """

    num_assets: int
    bits: int
    penalty: float

    def decode(self, samples: Any) -> FloatArray:
        """Return the weights, shape (reads, num_assets), that ``samples`` encode.

        Feasible samples (those that spend the budget exactly) give rows summing to 1.
        """
        x = as_binary_samples("samples", samples, self.num_variables)
        levels = 2.0 ** np.arange(self.bits) / (2**self.bits - 1)
        return np.asarray(
            x.reshape(x.shape[0], self.num_assets, self.bits).astype(np.float64) @ levels
        )


def _safe_penalty(objective: FloatArray, feasible: Int8Array, min_violation_sq: float) -> float:
    """Return a penalty weight making every infeasible state worse than ``feasible``.

    With ``L = sum_ij min(0, O_ij) <= min_x x'Ox`` and any feasible ``x0``, an
    infeasible state whose squared violation is at least ``v`` has energy
    ``>= L + A v``; ``A = (x0'O x0 - L) / v + delta`` puts that above
    ``x0' O x0 >= min over feasible states``.
    """
    lower = float(np.minimum(objective, 0.0).sum())
    upper = float(feasible @ objective @ feasible)
    return (upper - lower) / min_violation_sq + _margin(objective, upper, lower)


def _margin(objective: FloatArray, upper: float, lower: float) -> float:
    """A strictly positive slack, relative to the problem's magnitudes."""
    scale = max(abs(upper), abs(lower), float(np.abs(objective).max()))
    return max(1e-9 * scale, 1e-300)


def _cardinality_penalty(objective: FloatArray, k: int) -> float:
    """Return the smallest weight, plus a margin, that provably enforces ``sum(x) == k``.

    For ``m`` chosen assets, ``x'Ox`` is at least ``L_m`` = the sum of the
    ``m`` smallest diagonal entries plus the ``m (m - 1)`` smallest
    off-diagonal entries of ``O``.  With ``x0`` the ``k`` assets of smallest
    diagonal, any ``A > max_{m != k} (x0'O x0 - L_m) / (m - k)**2`` gives every
    state with ``m != k`` ones an energy ``>= L_m + A (m - k)**2 > x0'O x0``,
    which is at least the best feasible objective.
    """
    n = objective.shape[0]
    diag = np.diag(objective)
    order = np.argsort(diag, kind="stable")
    upper = float(objective[np.ix_(order[:k], order[:k])].sum())
    diag_sums = np.concatenate(([0.0], np.cumsum(diag[order])))
    off = np.sort(objective[~np.eye(n, dtype=bool)])
    off_sums = np.concatenate(([0.0], np.cumsum(off)))
    m = np.arange(n + 1)
    lower = diag_sums + off_sums[m * (m - 1)]
    infeasible = m != k
    need = (upper - lower[infeasible]) / (m[infeasible] - k) ** 2
    most = float(need.max()) if need.size else 0.0
    return max(most, 0.0) + _margin(objective, upper, float(lower.min()))


def portfolio_qubo(
    mu: Any,
    cov: Any,
    k: int,
    risk_aversion: float = 1.0,
    penalty: float | None = None,
) -> PortfolioQUBO:
    """Build the QUBO that picks exactly ``k`` of ``n`` assets, equally weighted.

    With ``x_i = 1`` when asset ``i`` is chosen and weights ``x / k``, the
    energy is the mean-variance objective plus a cardinality penalty::

        E(x) = (lambda / k**2) x' cov x - (mu' x) / k + A * (sum(x) - k)**2

    Parameters
    ----------
    mu : array_like of shape (n,), dtype=float64
        Expected returns.
    cov : array_like of shape (n, n), dtype=float64
        Covariance of returns; must be symmetric positive semi-definite.
    k : int
        Number of assets to choose, ``1 <= k <= n``.
    risk_aversion : float, default=1.0
        ``lambda >= 0``, the weight of the variance term.
    penalty : float or None, default=None
        ``A > 0``.  The default makes **every infeasible state worse than the
        best feasible one**, provably, while staying close to the objective's
        scale (a loose penalty slows the samplers down).  Let ``O`` be the
        objective matrix, ``x0`` the ``k`` assets with the smallest diagonal of
        ``O`` and ``L_m`` the sum of the ``m`` smallest diagonal and the
        ``m (m - 1)`` smallest off-diagonal entries of ``O``, a lower bound on
        ``x'Ox`` over states with ``m`` ones.  Then
        ``A = max_{m != k} (x0'O x0 - L_m) / (m - k)**2`` plus a relative
        ``1e-9`` gives every state with ``m != k`` ones an energy above
        ``L_m + (x0'O x0 - L_m) = x0'O x0``, which is at least the best
        feasible energy.

    Returns
    -------
    qubo : PortfolioQUBO
        Symmetric ``matrix`` (n, n), ``offset = A * k**2``, plus ``objective``,
        ``penalty`` and ``k``.

    Raises
    ------
    ValueError
        Non-finite inputs, mismatched shapes, a covariance that is not
        symmetric PSD, ``k`` outside ``[1, n]``, a non-positive ``penalty``,
        ``max |mu|`` or ``risk_aversion * max |cov|`` above 1e150.

    Examples
    --------
    >>> import numpy as np
    >>> q = portfolio_qubo([0.1, 0.2, 0.15], np.diag([0.04, 0.09, 0.05]), k=2)
    >>> q.matrix.shape, q.k
    ((3, 3), 2)
    >>> e = q.energy([[0, 1, 1], [1, 1, 1], [0, 1, 0]])  # best feasible, then infeasible
    >>> bool(e[0] < e[1] and e[0] < e[2])
    True
    """
    mu_arr, cov_arr = _check_mu_cov(mu, cov)
    n = mu_arr.shape[0]
    k = check_int("k", k, low=1, high=n)
    lam = check_real("risk_aversion", risk_aversion, low=0.0)
    check_magnitudes(mu_arr, cov_arr, lam)
    objective = np.ascontiguousarray(lam / k**2 * symmetric_part(cov_arr))
    objective[np.diag_indices(n)] -= mu_arr / k
    if penalty is None:
        weight = _cardinality_penalty(objective, k)
    else:
        weight = check_real("penalty", penalty, low=0.0, low_inclusive=False)
    matrix = objective + weight
    matrix[np.diag_indices(n)] -= 2.0 * weight * k
    logger.debug("portfolio_qubo: n=%d k=%d penalty=%.6g", n, k, weight)
    return PortfolioQUBO(matrix, weight * k * k, objective, weight, k)


def portfolio_budget_qubo(
    mu: Any,
    cov: Any,
    bits: int = 3,
    risk_aversion: float = 1.0,
    penalty: float | None = None,
) -> BudgetQUBO:
    """Build the QUBO over budget-discretised long-only weights.

    Each asset's weight takes one of ``2**bits`` levels,
    ``w_i = sum_l 2**l x_il / D`` with ``D = 2**bits - 1``; the energy is
    ``lambda w' cov w - mu' w + A (sum(w) - 1)**2``.

    Parameters
    ----------
    mu : array_like of shape (n,), dtype=float64
        Expected returns.
    cov : array_like of shape (n, n), dtype=float64
        Covariance of returns (symmetric PSD).
    bits : int, default=3
        Bits per asset, in ``[1, 16]``.
    risk_aversion : float, default=1.0
        ``lambda >= 0``.
    penalty : float or None, default=None
        ``A > 0``.  An infeasible state misses the budget by at least ``1/D``,
        so the default ``A = D**2 (x0'O x0 - sum_ij min(0, O_ij))`` (plus a
        relative ``1e-9``), with ``x0`` all budget on the asset with the best
        stand-alone objective, makes every infeasible state worse than the
        best feasible one.

    Returns
    -------
    qubo : BudgetQUBO
        Symmetric ``matrix`` of shape (n * bits, n * bits); ``decode`` maps
        samples to weights.

    Raises
    ------
    ValueError
        As :func:`portfolio_qubo`, or ``bits`` outside ``[1, 16]``.

    Examples
    --------
    >>> import numpy as np
    >>> q = portfolio_budget_qubo([0.1, 0.2], np.diag([0.04, 0.09]), bits=2)
    >>> q.num_variables
    4
    >>> q.decode([[1, 1, 0, 0]])
    array([[1., 0.]])
    """
    mu_arr, cov_arr = _check_mu_cov(mu, cov)
    n = mu_arr.shape[0]
    bits = check_int("bits", bits, low=1, high=16)
    lam = check_real("risk_aversion", risk_aversion, low=0.0)
    check_magnitudes(mu_arr, cov_arr, lam)
    denom = 2**bits - 1
    encode = np.zeros((n * bits, n))  # w = encode.T @ x
    for i in range(n):
        encode[i * bits : (i + 1) * bits, i] = 2.0 ** np.arange(bits) / denom
    objective = np.ascontiguousarray(lam * encode @ symmetric_part(cov_arr) @ encode.T)
    objective[np.diag_indices(n * bits)] -= encode @ mu_arr
    if penalty is None:
        best_asset = int(np.argmin(lam * np.diag(cov_arr) - mu_arr))
        x0 = np.zeros(n * bits, dtype=np.int8)
        x0[best_asset * bits : (best_asset + 1) * bits] = 1
        weight = _safe_penalty(objective, x0, 1.0 / denom**2)
    else:
        weight = check_real("penalty", penalty, low=0.0, low_inclusive=False)
    spend = encode.sum(axis=1)
    matrix = objective + weight * np.outer(spend, spend)
    matrix[np.diag_indices(n * bits)] -= 2.0 * weight * spend
    return BudgetQUBO(np.ascontiguousarray(matrix), weight, n, bits, weight)


# ---------------------------------------------------------------- conversions


def energy(Q: Any, samples: Any, offset: float = 0.0) -> FloatArray:
    """Return ``x' Q x + offset`` for every row ``x`` of ``samples``.

    Parameters
    ----------
    Q : array_like of shape (n, n), scipy.sparse matrix, dimod BQM or edge list
        Any QUBO :func:`~lukhas.primitives.anneal.solve_qubo` accepts
        (upper-triangular or symmetric alike; a model's own offset is added).
    samples : array_like of shape (reads, n) or (n,)
        Binary states (0/1).
    offset : float, default=0.0
        Constant term.

    Returns
    -------
    energies : ndarray of shape (reads,), dtype=float64

    Raises
    ------
    ValueError
        ``Q`` not square or not finite, or so large that energies could
        overflow; samples of the wrong width or not binary.

    Examples
    --------
    >>> energy([[1.0, 2.0], [0.0, -1.0]], [[1, 1], [0, 1], [0, 0]], offset=1.0)
    array([3., 0., 1.])
    """
    from lukhas.primitives.anneal._problem import as_problem

    const = check_real("offset", offset)
    problem = as_problem("Q", Q, const)
    x = as_binary_samples("samples", samples, problem.n)
    return problem.energies(x, const + problem.offset)


def qubo_energies(symmetric: FloatArray, x: Int8Array, offset: float) -> FloatArray:
    """Trusted batch energies for a symmetric matrix and validated int8 samples."""
    xf = x.astype(np.float64)
    return np.asarray(np.einsum("ri,ri->r", xf @ symmetric, xf) + offset)


def qubo_to_ising(Q: Any, offset: float = 0.0) -> tuple[FloatArray, FloatArray, float]:
    """Convert a QUBO to the Ising model with the same energies under ``x = (1 + s) / 2``.

    Parameters
    ----------
    Q : array_like of shape (n, n), dtype=float64
        QUBO matrix (any square layout).
    offset : float, default=0.0
        QUBO constant.

    Returns
    -------
    h : ndarray of shape (n,), dtype=float64
        Fields.
    J : ndarray of shape (n, n), dtype=float64
        Symmetric couplings, zero diagonal; energy ``h's + s'Js + offset``.
    offset : float
        Ising constant.

    Examples
    --------
    >>> h, J, c = qubo_to_ising([[1.0, 2.0], [0.0, -1.0]])
    >>> h, float(J[0, 1]), c
    (array([1., 0.]), 0.25, 0.5)
    """
    sym = symmetric_part(as_square_matrix("Q", Q))
    const = check_real("offset", offset)
    h = 0.5 * sym.sum(axis=1)
    J = 0.25 * sym
    np.fill_diagonal(J, 0.0)
    return h, np.ascontiguousarray(J), const + 0.25 * float(sym.sum() + np.trace(sym))


def ising_to_qubo(h: Any, J: Any, offset: float = 0.0) -> tuple[FloatArray, float]:
    """Convert an Ising model ``h's + s'Js + offset`` to the QUBO with the same energies.

    Parameters
    ----------
    h : array_like of shape (n,), dtype=float64
        Fields.
    J : array_like of shape (n, n), dtype=float64
        Couplings, any square layout; a diagonal entry adds ``J_ii`` (``s_i**2 = 1``).
    offset : float, default=0.0
        Ising constant.

    Returns
    -------
    Q : ndarray of shape (n, n), dtype=float64
        Symmetric QUBO matrix.
    offset : float
        QUBO constant.

    Raises
    ------
    ValueError
        Shapes that disagree or non-finite values.

    Examples
    --------
    >>> Q, c = ising_to_qubo([1.0, 0.0], [[0.0, 0.25], [0.25, 0.0]], 0.5)
    >>> Q, c
    (array([[ 1.,  1.],
           [ 1., -1.]]), 0.0)
    """
    h_arr = check_array("h", h, dtype=np.float64, ndim=1, finite=True)
    J_arr = as_square_matrix("J", J)
    if J_arr.shape[0] != h_arr.shape[0]:
        raise ValueError(f"`J` must have shape ({h_arr.shape[0]},) * 2 to match `h`, got "
                         f"{describe(J_arr)}.")
    const = check_real("offset", offset)
    diag_const = float(np.trace(J_arr))
    K = symmetric_part(J_arr)
    np.fill_diagonal(K, 0.0)
    Q = 4.0 * K
    Q[np.diag_indices(h_arr.shape[0])] += 2.0 * h_arr - 4.0 * K.sum(axis=1)
    return Q, const + diag_const + float(K.sum()) - float(h_arr.sum())
