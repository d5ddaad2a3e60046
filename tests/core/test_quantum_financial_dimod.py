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


def test_sampler_keeps_a_large_sparse_bqm_sparse(monkeypatch):
    # 3,000 variables, ~4 neighbours each: the sampler must hand the model to the CSR
    # kernels as it is, never building (or asking dimod for) an n x n matrix.
    from lukhas.primitives.anneal import _interop
    from lukhas.primitives.anneal.ocean import LukhasSampler

    rng = np.random.default_rng(5)
    n = 3000
    i = rng.integers(0, n, 6000)
    j = rng.integers(0, n, 6000)
    keep = i != j
    signs = rng.choice([-1.0, 1.0], keep.sum())
    couplings = {(int(a), int(b)): float(w)
                 for a, b, w in zip(i[keep], j[keep], signs, strict=True)}
    bqm = dimod.BQM.from_ising(dict(enumerate(rng.normal(size=n).tolist())), couplings, 0.25)
    bqm.relabel_variables({v: f"q{v}" for v in range(n)})

    def refuse(*args, **kwargs):
        raise AssertionError("a dense n x n array was requested")

    monkeypatch.setattr(_interop, "from_bqm", refuse)
    monkeypatch.setattr(dimod.BinaryQuadraticModel, "to_numpy_matrix", refuse, raising=False)
    monkeypatch.setattr(dimod.BinaryQuadraticModel, "to_dense", refuse, raising=False)
    real_zeros = np.zeros

    def small_zeros(shape, *args, **kwargs):
        if np.prod(shape) >= n * n:
            raise AssertionError(f"an array of shape {shape} was allocated")
        return real_zeros(shape, *args, **kwargs)

    monkeypatch.setattr(np, "zeros", small_zeros)
    ss = LukhasSampler().sample(bqm, method="sa", num_reads=3, num_sweeps=20, seed=0)
    monkeypatch.undo()
    assert ss.vartype is dimod.SPIN and len(ss) == 3
    assert set(ss.variables) == set(bqm.variables)
    assert ss.info["parameters"]["sparse"]
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss), rtol=1e-9, atol=1e-9)
