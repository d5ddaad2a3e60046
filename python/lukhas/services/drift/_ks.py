"""Two-sample Kolmogorov-Smirnov test and a windowed KS drift detector.

The statistic is computed exactly as an integer ``D * n * m`` (so ties between
attainable values never depend on rounding).  The p-value is exact for samples
up to :data:`MAX_EXACT_N` (lattice-path counting, a Numba kernel) and
asymptotic beyond: two-sided, the Kolmogorov distribution with Stephens'
small-sample correction; one-sided, Hodges' (1958) corrected Smirnov formula.
Neither needs scipy.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_choice, check_int, check_real

__all__ = ["MAX_EXACT_N", "KSResult", "WindowedKS", "kolmogorov_sf", "ks_2samp"]

logger = logging.getLogger(__name__)

#: ``method="auto"`` uses the exact distribution when both samples are at most this large.
MAX_EXACT_N: Final[int] = 10_000

KSMethod = Literal["auto", "exact", "asymp"]
_METHODS: Final[tuple[str, ...]] = ("auto", "exact", "asymp")
KSAlternative = Literal["two-sided", "less", "greater"]
_ALTERNATIVES: Final[tuple[str, ...]] = ("two-sided", "less", "greater")


class KSResult(NamedTuple):
    """Result of :func:`ks_2samp`.

    Attributes
    ----------
    statistic : float
        ``D = max |F1(x) - F2(x)|`` over the pooled sample (two-sided),
        ``max(F1(x) - F2(x), 0)`` ("greater") or ``max(F2(x) - F1(x), 0)``
        ("less").
    pvalue : float
        ``P(D' >= D)`` under the null hypothesis that both samples come from
        one continuous distribution.
    method : {"exact", "asymp"}
        How the p-value was computed.
    """

    statistic: float
    pvalue: float
    method: str


def kolmogorov_sf(x: float) -> float:
    """Survival function of the Kolmogorov distribution, ``P(K > x)``.

    ``K`` is the limit of ``sqrt(n) D_n``.  For ``x >= 1`` the alternating
    series ``2 sum (-1)^(k-1) exp(-2 k^2 x^2)`` is used; below, the Jacobi
    theta form of the CDF, ``sqrt(2 pi) / x sum exp(-(2k-1)^2 pi^2 / (8 x^2))``,
    which converges fast there.

    Parameters
    ----------
    x : float
        The argument.

    Returns
    -------
    sf : float
        In [0, 1]; 1.0 for ``x <= 0``.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a finite real number.

    Examples
    --------
    >>> round(kolmogorov_sf(1.3581), 4)
    0.05
    >>> kolmogorov_sf(0.0)
    1.0
    """
    value = check_real("x", x)
    return _kolmogorov_sf(value)


def _kolmogorov_sf(x: float) -> float:
    if x <= 0.0:
        return 1.0
    if x >= 1.0:
        total = 0.0
        k = 1
        while True:
            term = math.exp(-2.0 * k * k * x * x)
            total += term if k % 2 else -term
            if term < 1e-18 * max(total, 1e-300) or term == 0.0:
                break
            k += 1
        return min(1.0, max(0.0, 2.0 * total))
    # CDF series: terms shrink like exp(-(2k-1)^2 c), c = pi^2 / (8 x^2) > 1.2.
    c = math.pi * math.pi / (8.0 * x * x)
    total = 0.0
    k = 1
    while True:
        term = math.exp(-((2 * k - 1) ** 2) * c)
        total += term
        if term <= 1e-18 * total or term == 0.0:
            break
        k += 1
    cdf = math.sqrt(2.0 * math.pi) / x * total
    return min(1.0, max(0.0, 1.0 - cdf))


def _statistic_ints(
    sorted1: npt.NDArray[np.float64], sorted2: npt.NDArray[np.float64]
) -> tuple[int, int]:
    """``(max(n2 c1 - n1 c2), max(n1 c2 - n2 c1))``, each at least 0, ``c`` = counts <= x.

    These are ``n m`` times the one-sided statistics ``max(F1 - F2)`` and
    ``max(F2 - F1)`` over the pooled sample.
    """
    pooled = np.concatenate((sorted1, sorted2))
    c1 = np.searchsorted(sorted1, pooled, side="right").astype(np.int64)
    c2 = np.searchsorted(sorted2, pooled, side="right").astype(np.int64)
    diff = c1 * sorted2.shape[0] - c2 * sorted1.shape[0]
    return max(int(np.max(diff)), 0), max(-int(np.min(diff)), 0)


def _statistic_int(sorted1: npt.NDArray[np.float64], sorted2: npt.NDArray[np.float64]) -> int:
    """``max |n2 * c1(x) - n1 * c2(x)|`` over the pooled sample, ``c`` = counts <= x."""
    return max(_statistic_ints(sorted1, sorted2))


def _equal_sizes_sf(n: int, h: int, alternative: str) -> float:
    """Exact ``P(D' >= h / n)`` for two samples of size ``n`` (Gnedenko and Korolyuk 1951).

    With equal sizes the lattice paths have closed-form counts: a one-sided
    crossing happens with probability ``C(2n, n - h) / C(2n, n)``, and by the
    reflection principle the two-sided one is the alternating sum
    ``2 sum_{j >= 1} (-1)^(j + 1) C(2n, n - j h) / C(2n, n)``.  Each ratio is
    formed from log-gamma values, so the cost is O(n / h) instead of the
    O(n^2) path count, and tiny p-values keep their relative precision.
    """
    log_central = 2.0 * math.lgamma(n + 1)

    def ratio(k: int) -> float:  # C(2n, n - k) / C(2n, n)
        return math.exp(log_central - math.lgamma(n - k + 1) - math.lgamma(n + k + 1))

    if alternative != "two-sided":
        return ratio(h)
    total = 0.0
    sign = 1.0
    for j in range(1, n // h + 1):
        total += sign * ratio(j * h)
        sign = -sign
    return min(1.0, max(0.0, 2.0 * total))


def _exact_sf(n: int, m: int, d_int: int, alternative: str = "two-sided") -> float:
    """Exact ``P(D' >= d_int / (n m))``; for "greater" ``D'`` is ``max(F1 - F2)``."""
    if d_int <= 0:
        return 1.0
    if n == m:  # D = h / n with an integer h: closed form
        return _equal_sizes_sf(n, d_int // n, alternative)
    unreachable = n * m + 1
    d_above = unreachable if alternative == "less" else d_int
    d_below = unreachable if alternative == "greater" else d_int
    if n < m:  # the scratch row spans the shorter side; transposing swaps the regions
        n, m, d_above, d_below = m, n, d_below, d_above
    from lukhas._kernels import drift as _k

    work = np.empty(m + 1, dtype=np.float64)
    return float(_k.ks_2samp_exact_sf(n, m, d_above, d_below, work))


def _asymp_sf(n: int, m: int, d_int: int, alternative: str = "two-sided") -> float:
    d = d_int / (n * m)
    if alternative == "two-sided":
        root = math.sqrt(n * m / (n + m))
        return _kolmogorov_sf((root + 0.12 + 0.11 / root) * d)
    if d_int <= 0:
        return 1.0
    # Hodges (1958), eq. 5.3: Smirnov's exp(-2 z^2) with a first-order correction;
    # ``big`` must be the larger sample size.
    big, small = float(max(n, m)), float(min(n, m))
    z = math.sqrt(big * small / (big + small)) * d
    correction = 2.0 * z * (big + 2.0 * small) / math.sqrt(big * small * (big + small)) / 3.0
    return min(1.0, math.exp(-2.0 * z * z - correction))


def _resolve_method(method: str, n: int, m: int) -> str:
    if method == "auto":
        return "exact" if max(n, m) <= MAX_EXACT_N else "asymp"
    return method


def _sf(n: int, m: int, d_int: int, method: str, alternative: str = "two-sided") -> float:
    if method == "exact":
        return _exact_sf(n, m, d_int, alternative)
    return _asymp_sf(n, m, d_int, alternative)


def ks_2samp(
    sample1: Any,
    sample2: Any,
    *,
    alternative: KSAlternative = "two-sided",
    method: KSMethod = "auto",
) -> KSResult:
    """Two-sample Kolmogorov-Smirnov test, two-sided or one-sided.

    With ``F1``, ``F2`` the empirical CDFs of ``sample1`` and ``sample2``:

    * ``"two-sided"``: ``D = max |F1 - F2|``; the alternative is that the
      distributions differ.
    * ``"greater"``: ``D = max(F1 - F2, 0)``; the alternative is that the CDF
      of ``sample1`` lies above that of ``sample2`` somewhere (``sample1``
      tends to be smaller).
    * ``"less"``: ``D = max(F2 - F1, 0)``; the alternative is that the CDF of
      ``sample1`` lies below that of ``sample2`` somewhere.

    These are scipy's conventions for ``scipy.stats.ks_2samp``.

    Parameters
    ----------
    sample1 : array_like of shape (n,)
        First sample, finite reals, ``n >= 1``.
    sample2 : array_like of shape (m,)
        Second sample, finite reals, ``m >= 1``.
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        The alternative hypothesis, see above.
    method : {"auto", "exact", "asymp"}, default="auto"
        ``"exact"`` counts lattice paths (O(n m) time, O(min(n, m)) memory);
        ``"asymp"`` uses, two-sided, the Kolmogorov distribution at
        ``(sqrt(e) + 0.12 + 0.11 / sqrt(e)) D`` with ``e = n m / (n + m)``
        and, one-sided, Hodges' approximation
        ``exp(-2 z^2 - 2 z (M + 2 N) / (3 sqrt(M N (M + N))))`` with
        ``z = sqrt(e) D``, ``M = max(n, m)``, ``N = min(n, m)``;
        ``"auto"`` is exact when ``max(n, m) <= MAX_EXACT_N``.

    Returns
    -------
    result : KSResult
        ``(statistic, pvalue, method)``.

    Raises
    ------
    TypeError
        If a sample does not hold real numbers, or ``method`` or
        ``alternative`` is not a str.
    ValueError
        If a sample is empty, not 1-D or not finite, or ``method`` or
        ``alternative`` is unknown.

    Examples
    --------
    >>> res = ks_2samp([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8])
    >>> res.statistic, round(res.pvalue, 6), res.method
    (1.0, 0.028571, 'exact')

    One-sided: the first sample is smaller, so its CDF lies above.

    >>> res = ks_2samp([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], alternative="greater")
    >>> res.statistic, round(res.pvalue, 6)
    (1.0, 0.014286)
    >>> ks_2samp([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], alternative="less").pvalue
    1.0
    """
    method = check_choice("method", method, _METHODS)  # type: ignore[assignment]
    alternative = check_choice(  # type: ignore[assignment]
        "alternative", alternative, _ALTERNATIVES
    )
    s1 = np.sort(check_array("sample1", sample1, dtype=np.float64, ndim=1, finite=True))
    s2 = np.sort(check_array("sample2", sample2, dtype=np.float64, ndim=1, finite=True))
    n, m = s1.shape[0], s2.shape[0]
    if n == 0 or m == 0:
        name = "sample1" if n == 0 else "sample2"
        raise ValueError(f"`{name}` must hold at least one value, got an empty array.")
    d_greater, d_less = _statistic_ints(s1, s2)
    d_int = {"two-sided": max(d_greater, d_less), "greater": d_greater, "less": d_less}[
        alternative
    ]
    resolved = _resolve_method(method, n, m)
    return KSResult(d_int / (n * m), _sf(n, m, d_int, resolved, alternative), resolved)


def _critical_d_int(n: int, m: int, alpha: float, method: str) -> int:
    """Smallest ``d_int`` with ``sf(d_int) <= alpha`` (``n m + 1`` if none)."""
    lo, hi = 1, n * m + 1  # sf(hi) is treated as 0: never reached by a real statistic
    while lo < hi:
        mid = (lo + hi) // 2
        if _sf(n, m, mid, method) <= alpha:
            hi = mid
        else:
            lo = mid + 1
    return lo


class WindowedKS:
    """Drift detector: KS test between a reference window and the latest window.

    The first ``window`` samples (or the ``reference`` given) form the
    reference.  The following samples fill a sliding window of the latest
    ``window`` values; once it is full, every update tests it against the
    reference and raises an alarm when the p-value is at most ``alpha``.  After
    an alarm the latest window becomes the new reference and the sliding
    window starts empty.

    The decision compares the exact integer statistic with a critical value
    computed once per window shape, so an update costs a sort of the window,
    not a p-value; :attr:`pvalue` is computed when asked.

    Parameters
    ----------
    window : int, default=100
        Size of the sliding window (and of a self-collected reference), >= 1.
    reference : array_like of shape (n_ref,) or None, default=None
        A fixed initial reference sample; ``None`` collects the first
        ``window`` samples.
    alpha : float, default=0.005
        Significance level, in (0, 1).
    method : {"auto", "exact", "asymp"}, default="auto"
        p-value method, as in :func:`ks_2samp`.

    Attributes
    ----------
    statistic : float or None
        KS statistic of the latest test (None before the first test).
    drift_detected : bool
        Whether the latest update raised an alarm.
    n_detections : int
        Alarms so far.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> det = WindowedKS(window=50, alpha=0.001)
    >>> alarms = det.update_many(np.r_[rng.normal(0, 1, 300), rng.normal(3, 1, 100)])
    >>> bool(alarms[:300].any()), bool(alarms[300:].any())
    (False, True)
    """

    def __init__(
        self,
        window: int = 100,
        *,
        reference: Any = None,
        alpha: float = 0.005,
        method: KSMethod = "auto",
    ) -> None:
        self.window = check_int("window", window, low=1)
        self.alpha = check_real("alpha", alpha, low=0.0, high=1.0, low_inclusive=False,
                                high_inclusive=False)
        self.method: str = check_choice("method", method, _METHODS)
        self._reference: npt.NDArray[np.float64] | None = None
        self._collected: list[float] = []
        if reference is not None:
            ref = check_array("reference", reference, dtype=np.float64, ndim=1, finite=True)
            if ref.shape[0] == 0:
                raise ValueError("`reference` must hold at least one value, got an empty array.")
            self._reference = np.sort(ref)
        self._ring = np.empty(self.window, dtype=np.float64)
        self._count = 0
        self._head = 0  # index of the next write
        self._critical: dict[tuple[int, int], int] = {}
        self._d_int: int | None = None
        self._pvalue: float | None = None
        self.statistic: float | None = None
        self.drift_detected = False
        self.n_detections = 0

    @property
    def reference(self) -> npt.NDArray[np.float64] | None:
        """The current reference sample, sorted (None while it is being collected)."""
        return None if self._reference is None else self._reference.copy()

    @property
    def current(self) -> npt.NDArray[np.float64]:
        """The sliding window, oldest first."""
        if self._count < self.window:
            return self._ring[: self._count].copy()
        return np.concatenate((self._ring[self._head :], self._ring[: self._head]))

    @property
    def pvalue(self) -> float | None:
        """p-value of the latest test (None before the first test)."""
        if self._pvalue is None and self._d_int is not None and self._reference is not None:
            self._pvalue = self._tested_sf(self._reference.shape[0], self._d_int)
        return self._pvalue

    def _tested_sf(self, n_reference: int, d_int: int) -> float:
        m = self.window
        return _sf(n_reference, m, d_int, _resolve_method(self.method, n_reference, m))

    def update(self, x: float) -> bool:
        """Add one sample; return whether it raised an alarm.

        Parameters
        ----------
        x : float
            The sample; must be finite.

        Returns
        -------
        drift : bool
            True if the test on this update rejected the null hypothesis.

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not a finite real number.

        Examples
        --------
        >>> det = WindowedKS(window=3, alpha=0.2)
        >>> [det.update(v) for v in (0.0, 0.1, 0.2, 5.0, 6.0, 7.0)]
        [False, False, False, False, False, True]
        """
        self._add(check_real("x", x))
        return self.drift_detected

    def update_many(self, xs: Any) -> npt.NDArray[np.bool_]:
        """Add many samples; same result as a loop of :meth:`update`.

        Parameters
        ----------
        xs : array_like of shape (n_samples,)
            Finite samples, oldest first.

        Returns
        -------
        alarms : ndarray of shape (n_samples,), dtype=bool
            True at the samples that raised an alarm.

        Raises
        ------
        TypeError, ValueError
            If ``xs`` is not a finite real 1-D array.

        Examples
        --------
        >>> WindowedKS(window=3, alpha=0.2).update_many([0.0, 0.1, 0.2, 5.0, 6.0, 7.0]).tolist()
        [False, False, False, False, False, True]
        """
        values = check_array("xs", xs, dtype=np.float64, ndim=1, finite=True)
        alarms = np.zeros(values.shape[0], dtype=bool)
        for i, value in enumerate(values.tolist()):
            self._add(value)
            alarms[i] = self.drift_detected
        return alarms

    def _add(self, value: float) -> None:
        self.drift_detected = False
        if self._reference is None:
            self._collected.append(value)
            if len(self._collected) == self.window:
                self._reference = np.sort(np.asarray(self._collected, dtype=np.float64))
                self._collected = []
            return
        self._ring[self._head] = value
        self._head = (self._head + 1) % self.window
        self._count = min(self._count + 1, self.window)
        if self._count < self.window:
            return
        self._test(self._reference)

    def _test(self, reference: npt.NDArray[np.float64]) -> None:
        window_sorted = np.sort(self._ring)
        n, m = reference.shape[0], self.window
        d_int = _statistic_int(reference, window_sorted)
        self._d_int = d_int
        self._pvalue = None
        self.statistic = d_int / (n * m)
        key = (n, m)
        critical = self._critical.get(key)
        if critical is None:
            critical = _critical_d_int(n, m, self.alpha, _resolve_method(self.method, n, m))
            self._critical[key] = critical
        if d_int >= critical:
            self._pvalue = self._tested_sf(n, d_int)  # before the reference changes
            self.drift_detected = True
            self.n_detections += 1
            logger.debug("windowed KS alarm: D=%.4f, p=%.3g", self.statistic, self._pvalue)
            self._reference = window_sorted
            self._count = 0
            self._head = 0

    def __repr__(self) -> str:
        return (
            f"WindowedKS(window={self.window}, alpha={self.alpha}, "
            f"statistic={self.statistic}, detections={self.n_detections})"
        )
