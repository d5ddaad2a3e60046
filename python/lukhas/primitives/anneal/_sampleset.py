"""The result type of every solver: samples, energies, per-read timings and parameters."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Sample", "SampleSet"]

_REPR_ROWS = 8


class Sample(NamedTuple):
    """One solution: the binary state and its energy."""

    state: npt.NDArray[np.int8]
    energy: float


def _bits(row: npt.NDArray[np.int8], limit: int = 64) -> str:
    text = "".join("1" if v else "0" for v in row[:limit])
    return text + ("..." if row.shape[0] > limit else "")


@dataclass(frozen=True, eq=False)
class SampleSet:
    """Samples returned by :func:`solve_qubo`, one row per read, in read order.

    Parameters
    ----------
    samples : ndarray of shape (reads, n), dtype=int8
        Binary states (0/1).
    energies : ndarray of shape (reads,), dtype=float64
        ``x' Q x + offset`` of each row, computed from the returned samples.
    timings : ndarray of shape (reads,), dtype=float64
        Wall-clock seconds each read took inside its kernel (reads run in parallel).
    method : str
        Solver that produced the samples.
    parameters : mapping
        Every parameter the solver used, defaults resolved (seed entropy included).
    wall_time : float
        Seconds the whole call took, including set-up and post-processing.

    Examples
    --------
    >>> import numpy as np
    >>> s = SampleSet(np.array([[1, 0], [0, 1]], np.int8), np.array([0.5, -1.0]),
    ...               np.zeros(2), "sa", {}, 0.0)
    >>> s.best.energy
    -1.0
    >>> s.sorted().energies
    array([-1. ,  0.5])
    """

    samples: npt.NDArray[np.int8]
    energies: npt.NDArray[np.float64]
    timings: npt.NDArray[np.float64]
    method: str
    parameters: Mapping[str, Any]
    wall_time: float

    def __post_init__(self) -> None:
        reads = self.samples.shape[0]
        if self.samples.ndim != 2 or self.energies.shape != (reads,) or self.timings.shape != (
            reads,
        ):
            raise ValueError(
                "`samples` (reads, n), `energies` (reads,) and `timings` (reads,) must agree, "
                f"got {self.samples.shape}, {self.energies.shape}, {self.timings.shape}."
            )
        for arr in (self.samples, self.energies, self.timings):
            arr.setflags(write=False)
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def num_reads(self) -> int:
        """Number of rows."""
        return len(self)

    @property
    def num_variables(self) -> int:
        """Number of binary variables per sample."""
        return int(self.samples.shape[1])

    @property
    def best(self) -> Sample:
        """The lowest-energy sample (the first one among ties)."""
        if len(self) == 0:
            raise ValueError("an empty SampleSet has no best sample.")
        i = int(np.argmin(self.energies))
        return Sample(self.samples[i], float(self.energies[i]))

    def order(self) -> npt.NDArray[np.intp]:
        """Return the row indices sorted by energy (stable: ties keep read order)."""
        return np.argsort(self.energies, kind="stable")

    def sorted(self) -> SampleSet:
        """Return a new SampleSet with rows sorted by increasing energy."""
        idx = self.order()
        return SampleSet(
            self.samples[idx], self.energies[idx], self.timings[idx],
            self.method, self.parameters, self.wall_time,
        )

    def success_rate(self, target: float, atol: float = 1e-9) -> float:
        """Return the fraction of reads with energy within ``atol`` of ``target`` (or below)."""
        if len(self) == 0:
            return 0.0
        return float(np.mean(self.energies <= target + atol))

    def __repr__(self) -> str:
        lowest = "n/a" if len(self) == 0 else f"{self.best.energy:.6g}"
        return (
            f"SampleSet(method={self.method!r}, reads={self.num_reads}, "
            f"variables={self.num_variables}, best_energy={lowest}, "
            f"wall_time={self.wall_time:.3g}s)"
        )

    def _repr_html_(self) -> str:
        rows = []
        for rank, i in enumerate(self.order()[:_REPR_ROWS]):
            rows.append(
                f"<tr><td>{rank}</td><td>{i}</td><td>{self.energies[i]:.6g}</td>"
                f"<td>{self.timings[i] * 1e3:.3g}</td>"
                f"<td><code>{_bits(self.samples[i])}</code></td></tr>"
            )
        more = len(self) - min(len(self), _REPR_ROWS)
        params = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items() if k != "seed")
        return (
            f"<div><b>SampleSet</b> method=<code>{html.escape(self.method)}</code>, "
            f"{self.num_reads} reads x {self.num_variables} variables, "
            f"wall time {self.wall_time * 1e3:.3g} ms<br><small>{html.escape(params)}</small>"
            "<table><tr><th>rank</th><th>read</th><th>energy</th><th>ms</th><th>sample</th></tr>"
            + "".join(rows)
            + "</table>"
            + (f"<small>... {more} more reads</small>" if more else "")
            + "</div>"
        )
