"""Performance-regression detection against a fixed per-operation baseline.

Each operation's samples (latency, success, optional throughput) are kept in
time order.  The first time an operation has ``min_samples`` points inside the
baseline window, a :class:`PerformanceBaseline` is computed and **frozen** for
``baseline_window_hours``, so a regression cannot leak into the yardstick it is
measured against.  Every new sample then compares the last
``comparison_window_minutes`` with the baseline: p95 latency, error rate and
throughput each raise (or clear) an active :class:`RegressionAlert`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_real
from lukhas.primitives.window import RollingRecords
from lukhas.services.reliability._clock import Clock, SystemClock, utc_datetime
from lukhas.services.reliability.errors import ErrorSeverity

__all__ = ["PerformanceBaseline", "PerformanceRegressionDetector", "RegressionAlert"]

logger = logging.getLogger(__name__)


def _series(max_len: int) -> RollingRecords:
    """One operation's samples: monotonic time, latency, outcome and throughput (NaN: none)."""
    return RollingRecords(max_len, t=np.float64, lat=np.float64, ok=np.uint8, rps=np.float64)


def _since(series: RollingRecords, start: float) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Latencies, outcomes and throughputs of the samples at or after ``start``."""
    rows = series.since("t", start)
    return rows["lat"], rows["ok"].astype(np.bool_), rows["rps"]


@dataclass(frozen=True)
class PerformanceBaseline:
    """Reference performance of one operation.

    Attributes
    ----------
    operation : str
    p50_latency, p95_latency, p99_latency : float
        Latency percentiles in ms.
    error_rate : float
        Fraction of failed samples.
    throughput : float or None
        Mean reported throughput (requests/s), None when none was reported.
    timestamp : datetime
        When the baseline was computed (aware UTC).
    sample_count : int
    """

    operation: str
    p50_latency: float
    p95_latency: float
    p99_latency: float
    error_rate: float
    throughput: float | None
    timestamp: datetime
    sample_count: int


@dataclass(frozen=True)
class RegressionAlert:
    """An active regression of one metric of one operation.

    Attributes
    ----------
    operation : str
    metric : str
        ``"p95_latency"``, ``"error_rate"`` or ``"throughput"``.
    baseline_value, current_value : float
    degradation : float
        Relative change in the bad direction (0.5 = 50 % worse; for the error
        rate, the absolute increase).
    severity : ErrorSeverity
    timestamp : datetime
    """

    operation: str
    metric: str
    baseline_value: float
    current_value: float
    degradation: float
    severity: ErrorSeverity
    timestamp: datetime


def _severity(degradation: float, threshold: float) -> ErrorSeverity:
    if degradation >= 4.0 * threshold:
        return ErrorSeverity.CRITICAL
    if degradation >= 2.0 * threshold:
        return ErrorSeverity.HIGH
    return ErrorSeverity.MEDIUM


class PerformanceRegressionDetector:
    """Detect latency, error-rate and throughput regressions per operation.

    Parameters
    ----------
    baseline_window_hours : float, default=24
        Age limit of the samples a baseline is built from, and the baseline's
        lifetime before it is recomputed.
    comparison_window_minutes : float, default=5
        Span of the recent samples compared with the baseline.
    min_samples : int, default=50
        Samples needed for a baseline (and before any check runs); the recent
        window needs ``max(min_samples // 10, 10)``.
    latency_degradation_threshold : float, default=0.5
        Alert when recent p95 > baseline p95 * (1 + threshold).
    error_rate_threshold : float, default=0.05
        Alert when the recent error rate exceeds the baseline's by this much.
    throughput_degradation_threshold : float, default=0.3
        Alert when recent throughput < baseline * (1 - threshold).
    max_samples_per_operation : int, default=10000
        Memory bound per operation (oldest samples are dropped).
    clock : Clock or None, default=None
        Time source.

    Examples
    --------
    >>> from lukhas.services.reliability import ManualClock
    >>> clock = ManualClock()
    >>> detector = PerformanceRegressionDetector(min_samples=10, clock=clock)
    >>> for _ in range(50):
    ...     detector.record_operation("query", 100.0)
    >>> for _ in range(20):
    ...     detector.record_operation("query", 300.0)
    >>> [a.metric for a in detector.get_active_alerts()]
    ['p95_latency']
    """

    def __init__(
        self,
        baseline_window_hours: float = 24,
        comparison_window_minutes: float = 5,
        min_samples: int = 50,
        latency_degradation_threshold: float = 0.5,
        error_rate_threshold: float = 0.05,
        throughput_degradation_threshold: float = 0.3,
        *,
        max_samples_per_operation: int = 10_000,
        clock: Clock | None = None,
    ) -> None:
        self.baseline_window_hours = check_real(
            "baseline_window_hours", baseline_window_hours, low=0.0, low_inclusive=False
        )
        self.comparison_window_minutes = check_real(
            "comparison_window_minutes", comparison_window_minutes, low=0.0, low_inclusive=False
        )
        self.min_samples = check_int("min_samples", min_samples, low=1)
        self.latency_degradation_threshold = check_real(
            "latency_degradation_threshold", latency_degradation_threshold, low=0.0
        )
        self.error_rate_threshold = check_real(
            "error_rate_threshold", error_rate_threshold, low=0.0, high=1.0
        )
        self.throughput_degradation_threshold = check_real(
            "throughput_degradation_threshold", throughput_degradation_threshold,
            low=0.0, high=1.0,
        )
        self.max_samples_per_operation = check_int(
            "max_samples_per_operation", max_samples_per_operation, low=self.min_samples
        )
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._samples: dict[str, RollingRecords] = {}
        self.baselines: dict[str, PerformanceBaseline] = {}
        self._baseline_times: dict[str, float] = {}
        self._active: dict[tuple[str, str], RegressionAlert] = {}
        self.alert_history: deque[RegressionAlert] = deque(maxlen=1000)
        self._lock = threading.RLock()

    @property
    def min_recent_samples(self) -> int:
        """Samples the comparison window needs: ``max(min_samples // 10, 10)``."""
        return max(self.min_samples // 10, 10)

    def record_operation(
        self,
        operation: str,
        latency_ms: float,
        success: bool = True,
        throughput_rps: float | None = None,
    ) -> None:
        """Record one sample; check for regressions once there are ``min_samples``.

        Parameters
        ----------
        operation : str
            Operation name.
        latency_ms : float
            Observed latency (>= 0).
        success : bool, default=True
            Whether the call succeeded.
        throughput_rps : float or None, default=None
            Observed throughput, if the caller measures it.
        """
        latency = check_real("latency_ms", latency_ms, low=0.0)
        rps = np.nan if throughput_rps is None else check_real(
            "throughput_rps", throughput_rps, low=0.0
        )
        with self._lock:
            samples = self._samples.get(operation)
            if samples is None:
                samples = _series(self.max_samples_per_operation)
                self._samples[operation] = samples
            samples.append(self._clock.monotonic(), latency, 1 if success else 0, rps)
            if len(samples) >= self.min_samples:
                self._check_regression(operation)

    @staticmethod
    def _stats(
        lat: npt.NDArray[np.float64], ok: npt.NDArray[np.bool_], rps: npt.NDArray[np.float64]
    ) -> tuple[float, float, float, float, float | None]:
        p50, p95, p99 = (float(v) for v in np.percentile(lat, [50.0, 95.0, 99.0]))
        error_rate = 1.0 - float(np.count_nonzero(ok)) / ok.size
        rates = rps[~np.isnan(rps)]
        throughput = float(np.mean(rates)) if rates.size else None
        return p50, p95, p99, error_rate, throughput

    def _get_or_calculate_baseline(self, operation: str) -> PerformanceBaseline | None:
        """Return the frozen baseline of ``operation``, computing it when due.

        The cached baseline is returned while it is younger than
        ``baseline_window_hours``; otherwise a new one is computed from the
        samples inside that window, if there are at least ``min_samples``
        (else None).
        """
        with self._lock:
            now = self._clock.monotonic()
            horizon = self.baseline_window_hours * 3600.0
            cached = self.baselines.get(operation)
            if cached is not None and now - self._baseline_times[operation] < horizon:
                return cached
            series = self._samples.get(operation)
            if series is None:
                return None
            window = _since(series, now - horizon)
            if window[0].size < self.min_samples:
                return None
            p50, p95, p99, error_rate, throughput = self._stats(*window)
            baseline = PerformanceBaseline(
                operation=operation,
                p50_latency=p50,
                p95_latency=p95,
                p99_latency=p99,
                error_rate=error_rate,
                throughput=throughput,
                timestamp=utc_datetime(self._clock),
                sample_count=int(window[0].size),
            )
            self.baselines[operation] = baseline
            self._baseline_times[operation] = now
            logger.debug("baseline for %r: p95=%.1f ms over %d samples", operation, p95,
                         window[0].size)
            return baseline

    def _check_regression(self, operation: str) -> list[RegressionAlert]:
        """Compare the recent window of ``operation`` with its baseline; update alerts."""
        baseline = self._get_or_calculate_baseline(operation)
        if baseline is None:
            return []
        now = self._clock.monotonic()
        recent = _since(self._samples[operation], now - self.comparison_window_minutes * 60.0)
        if recent[0].size < self.min_recent_samples:
            return []
        _, p95, _, error_rate, throughput = self._stats(*recent)
        stamp = utc_datetime(self._clock)
        findings: dict[str, tuple[float, float, float, float] | None] = {}

        limit = baseline.p95_latency * (1.0 + self.latency_degradation_threshold)
        if p95 > limit and baseline.p95_latency > 0.0:
            degradation = p95 / baseline.p95_latency - 1.0
            findings["p95_latency"] = (baseline.p95_latency, p95, degradation,
                                       self.latency_degradation_threshold)
        else:
            findings["p95_latency"] = None
        if error_rate > baseline.error_rate + self.error_rate_threshold:
            findings["error_rate"] = (baseline.error_rate, error_rate,
                                      error_rate - baseline.error_rate,
                                      max(self.error_rate_threshold, 1e-12))
        else:
            findings["error_rate"] = None
        if (
            baseline.throughput is not None and throughput is not None
            and baseline.throughput > 0.0
            and throughput < baseline.throughput * (1.0 - self.throughput_degradation_threshold)
        ):
            findings["throughput"] = (baseline.throughput, throughput,
                                      1.0 - throughput / baseline.throughput,
                                      max(self.throughput_degradation_threshold, 1e-12))
        else:
            findings["throughput"] = None

        raised = []
        for metric, finding in findings.items():
            key = (operation, metric)
            if finding is None:
                if self._active.pop(key, None) is not None:
                    logger.info("regression of %s/%s resolved", operation, metric)
                continue
            base_value, current, degradation, threshold = finding
            alert = RegressionAlert(
                operation=operation,
                metric=metric,
                baseline_value=base_value,
                current_value=current,
                degradation=degradation,
                severity=_severity(degradation, threshold),
                timestamp=stamp,
            )
            if key not in self._active:
                logger.warning("regression of %s/%s: %.3g -> %.3g", operation, metric,
                               base_value, current)
                self.alert_history.append(alert)
            self._active[key] = alert
            raised.append(alert)
        return raised

    def get_active_alerts(self, operation: str | None = None) -> list[RegressionAlert]:
        """Return the active alerts (of one operation, or of all).

        Parameters
        ----------
        operation : str or None, default=None
            Restrict to this operation.

        Returns
        -------
        alerts : list of RegressionAlert
        """
        with self._lock:
            return [a for (op, _), a in self._active.items()
                    if operation is None or op == operation]

    def get_health_summary(self) -> dict[str, Any]:
        """Return ``total_operations_monitored``, ``detector_healthy`` and more.

        Returns
        -------
        summary : dict
            Also ``total_samples``, ``baselines``, ``active_alerts`` and
            ``operations_with_alerts``.
        """
        with self._lock:
            return {
                "total_operations_monitored": len(self._samples),
                "detector_healthy": True,
                "total_samples": sum(len(s) for s in self._samples.values()),
                "baselines": len(self.baselines),
                "active_alerts": len(self._active),
                "operations_with_alerts": sorted({op for op, _ in self._active}),
            }
