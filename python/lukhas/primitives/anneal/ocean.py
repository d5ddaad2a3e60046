"""A dimod ``Sampler`` backed by :func:`lukhas.primitives.anneal.solve_qubo`, for Ocean users.

Importing this module needs dimod (``pip install 'dimod>=0.12'``).

Examples
--------
>>> import dimod  # doctest: +SKIP
>>> from lukhas.primitives.anneal.ocean import LukhasSampler  # doctest: +SKIP
>>> bqm = dimod.BQM({"a": -1.0, "b": -1.0}, {("a", "b"): 2.0}, 0.0, "BINARY")  # doctest: +SKIP
>>> LukhasSampler().sample(bqm, method="exact").first.energy  # doctest: +SKIP
-1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._validation import describe
from lukhas.primitives.anneal._solvers import METHODS, solve_qubo

try:
    import dimod
    from dimod.core.sampler import Sampler
except ImportError as err:
    raise ImportError(
        "lukhas.primitives.anneal.ocean needs dimod: pip install 'dimod>=0.12' "
        "(or lukhas[quantum])."
    ) from err

__all__ = ["LukhasSampler"]


class LukhasSampler(Sampler):
    """dimod sampler running lukhas' SA, SQA, PT, SB or exact solvers.

    ``sample(bqm, method="sa", num_reads=100, num_sweeps=None, seed=None, ...)``
    accepts every keyword of :func:`lukhas.primitives.anneal.solve_qubo` and
    returns a ``dimod.SampleSet`` in the model's vartype, with per-read
    ``timing`` in ``info``.  The model goes to ``solve_qubo`` as it is: a sparse
    model stays sparse (compressed rows, no ``n x n`` array), a dense one runs
    on the dense kernels, and the model's offset is included in the energies.
    """

    @property
    def parameters(self) -> dict[str, list[Any]]:
        """Keyword arguments accepted by :meth:`sample` (dimod convention)."""
        names = ("method", "num_reads", "num_sweeps", "seed", "beta_range", "num_replicas",
                 "trotter_slices", "transverse_field", "beta", "sb_variant", "time_step",
                 "postprocess")
        return {name: [] for name in names}

    @property
    def properties(self) -> dict[str, Any]:
        """Static properties of the sampler."""
        return {"methods": METHODS}

    def sample(self, bqm: Any, **parameters: Any) -> Any:
        """Sample ``bqm`` and return a ``dimod.SampleSet`` (see the class docstring)."""
        if not isinstance(bqm, dimod.BinaryQuadraticModel):
            raise TypeError(
                f"`bqm` must be a dimod.BinaryQuadraticModel, got {describe(bqm)}."
            )
        labels = list(bqm.variables)  # solve_qubo's column order (vartype changes keep it)
        method = parameters.pop("method", "sa")
        result = solve_qubo(bqm, method, **parameters)
        sampleset = dimod.SampleSet.from_samples(  # type: ignore[no-untyped-call]
            (result.samples, labels),
            vartype=dimod.BINARY,
            energy=result.energies,
            info={"timing": np.asarray(result.timings), "wall_time": result.wall_time,
                  "parameters": dict(result.parameters), "method": result.method},
        )
        return sampleset.change_vartype(bqm.vartype, inplace=False)
