"""dimod interop: BQM round trips and the dimod-compatible sampler."""

from __future__ import annotations

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")

from core.quantum_financial import energy, from_bqm, solve_qubo, to_bqm  # noqa: E402


def test_bqm_round_trip_preserves_energies():
    Q = np.random.default_rng(0).normal(size=(6, 6))
    bqm = to_bqm(Q, offset=0.7)
    X = np.random.default_rng(1).integers(0, 2, (10, 6))
    want = energy(Q, X, 0.7)
    np.testing.assert_allclose([bqm.energy(dict(enumerate(x))) for x in X], want)
    q, labels = from_bqm(bqm)
    assert labels == list(range(6))
    np.testing.assert_allclose(q.energy(X), want)
    spin = bqm.change_vartype(dimod.SPIN, inplace=False)
    q2, _ = from_bqm(spin)
    np.testing.assert_allclose(q2.energy(X), want)


def test_from_bqm_rejects_other_objects():
    with pytest.raises(TypeError, match=r"`bqm` must be a dimod\.BinaryQuadraticModel"):
        from_bqm({"a": 1})


def test_sampler_is_a_drop_in_dimod_sampler():
    from lukhas.primitives.anneal.ocean import LukhasSampler

    bqm = dimod.BQM({"a": 0.5, "b": -1.0, "c": 0.2}, {("a", "b"): -1.0, ("b", "c"): 2.0}, 0.1,
                    "SPIN")
    sampler = LukhasSampler()
    assert isinstance(sampler, dimod.Sampler) and "num_reads" in sampler.parameters
    ss = sampler.sample(bqm, method="sa", num_reads=10, num_sweeps=50, seed=3)
    assert ss.vartype is dimod.SPIN and len(ss) == 10
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))
    exact = dimod.ExactSolver().sample(bqm).first.energy
    assert ss.first.energy == pytest.approx(exact)
    assert sampler.sample(bqm, method="exact").first.energy == pytest.approx(exact)
    assert solve_qubo(from_bqm(bqm)[0].matrix, "exact").best.energy + from_bqm(bqm)[
        0].offset == pytest.approx(exact)
