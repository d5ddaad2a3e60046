"""Evolution and swarm kernels against the slow references in tests/reference/evolve_ref.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas._kernels import evolve as evo
from lukhas._kernels import objectives as obj
from lukhas._kernels import swarm as swm
from lukhas._kernels import xoshiro as rngk
from reference.evolve_ref import (
    RefRng,
    ref_ackley,
    ref_bitflip,
    ref_blend,
    ref_de_trials,
    ref_decode_bits,
    ref_gaussian_mutation,
    ref_griewank,
    ref_migrate_ring,
    ref_neighbour_best,
    ref_order_crossover,
    ref_polynomial_mutation,
    ref_pso_move,
    ref_rastrigin,
    ref_rosenbrock,
    ref_roulette_probabilities,
    ref_sbx,
    ref_schwefel,
    ref_sphere,
    ref_swap,
    ref_tournament,
    ref_uniform_crossover,
)

seeds = st.integers(0, 2**32 - 1)


def _state(seed):
    return rngk.seed_state(np.random.default_rng(seed))


@given(seeds)
@settings(max_examples=25, deadline=None)
def test_rng_stream_matches_reference(seed):
    state = _state(seed)
    ref = RefRng(state)
    for _ in range(20):
        assert int(rngk.next_u64(state)) == ref.next_u64()
    assert rngk.uniform(state) == ref.uniform()
    out = np.empty(5)
    rngk.fill_uniform32(state, out)
    assert out.tolist() == ref.uniform32_fill(5)
    assert rngk.randint(state, 7) == ref.randint(7)
    assert rngk.normal(state) == pytest.approx(ref.normal(), rel=1e-12)
    np.testing.assert_array_equal(state, ref.state())


def test_rng_uniform_is_uniform():
    state = _state(0)
    draws = np.array([rngk.uniform(state) for _ in range(20_000)])
    assert draws.min() >= 0.0 and draws.max() < 1.0
    counts = np.histogram(draws, bins=10, range=(0, 1))[0]
    chi2 = ((counts - 2000.0) ** 2 / 2000.0).sum()
    assert chi2 < 30.0  # 9 dof: p ~ 4e-4


def test_seed_state_never_all_zero():
    class ZeroGen:
        def integers(self, *args, **kwargs):
            return np.zeros(4, dtype=np.uint64)

    assert rngk.seed_state(ZeroGen()).any()


@pytest.mark.parametrize("kernel, ref", [
    (obj._sphere, ref_sphere), (obj._rastrigin, ref_rastrigin), (obj._rosenbrock, ref_rosenbrock),
    (obj._ackley, ref_ackley), (obj._griewank, ref_griewank), (obj._schwefel, ref_schwefel),
])
@pytest.mark.parametrize("d", [1, 2, 7])
def test_objective_kernels_match_reference(kernel, ref, d):
    x = np.random.default_rng(d).uniform(-3, 3, d)
    assert kernel(x) == pytest.approx(ref(list(x)), rel=1e-12, abs=1e-12)


@given(st.floats(-1e6, 1e6, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_cos_2pi_matches_numpy_on_the_reduced_argument(x):
    # compare on the exactly reduced argument: np.cos(2 pi x) itself loses digits for large x
    r = x - np.floor(x + 0.5)
    assert abs(obj._cos_2pi(x) - np.cos(2.0 * np.pi * r)) < 1e-14


def test_cos_2pi_special_values():
    assert np.isnan(obj._cos_2pi(np.nan)) and np.isnan(obj._cos_2pi(np.inf))
    assert obj._cos_2pi(0.0) == 1.0 and obj._cos_2pi(0.5) == -1.0 and obj._cos_2pi(2.0**60) == 1.0
    xs = np.linspace(-6.0, 6.0, 10_001)
    np.testing.assert_allclose([obj._cos_2pi(v) for v in xs], np.cos(2 * np.pi * xs), atol=1e-14)


@pytest.mark.parametrize("topology, radius", [(0, 1), (1, 1), (1, 2)])
@given(seed=seeds, n=st.integers(1, 9))
@settings(max_examples=20, deadline=None)
def test_neighbour_best_matches_reference(topology, radius, seed, n):
    pf = np.random.default_rng(seed).integers(0, 5, n).astype(np.float64)  # ties on purpose
    out = np.empty(n, dtype=np.int64)
    swm._neighbour_best(pf, topology, radius, out)
    assert out.tolist() == ref_neighbour_best(pf, topology, radius)


@pytest.mark.parametrize("boundary", [0, 1, 2, 3])
@given(seed=seeds)
@settings(max_examples=15, deadline=None)
def test_pso_move_matches_reference(boundary, seed):
    rng = np.random.default_rng(seed)
    n, d = 5, 3
    lower, upper = np.array([-1.0, 0.0, -5.0]), np.array([1.0, 2.0, 5.0])
    x = lower + rng.random((n, d)) * (upper - lower)
    v = rng.normal(0, 2, (n, d))
    pbest = lower + rng.random((n, d)) * (upper - lower)
    nbest = rng.integers(0, n, n).astype(np.int64)
    vmax = np.array([0.5, np.inf, 3.0])
    state = _state(seed)
    ref = RefRng(state)
    ex, ev = ref_pso_move(x, v, pbest, nbest, lower, upper, vmax, 0.7, 1.5, 1.7, 0.9, boundary, ref)
    swm._pso_move(x, v, pbest, nbest, lower, upper, vmax, 0.7, 1.5, 1.7, 0.9, boundary,
                np.empty(2 * d), state)
    np.testing.assert_allclose(x, ex, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(v, ev, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(state, ref.state())
    assert ((x >= lower) & (x <= upper)).all()


def test_pso_update_best_keeps_improvements_only():
    x = np.array([[0.0], [1.0], [2.0]])
    fx = np.array([5.0, 1.0, 9.0])
    pbest = np.array([[7.0], [7.0], [7.0]])
    pf = np.array([3.0, 3.0, 3.0])
    g = swm._pso_update_best(x, fx, pbest, pf)
    assert g == 1
    assert pf.tolist() == [3.0, 1.0, 3.0]
    assert pbest[:, 0].tolist() == [7.0, 1.0, 7.0]


@given(seed=seeds, k=st.integers(1, 4))
@settings(max_examples=20, deadline=None)
def test_tournament_matches_reference(seed, k):
    fit = np.random.default_rng(seed).random(10)
    state = _state(seed)
    ref = RefRng(state)
    assert evo._tournament(fit, 2, 9, k, state) == ref_tournament(fit, 2, 9, k, ref)


def test_roulette_frequencies_match_probabilities():
    fit = np.array([4.0, 1.0, 3.0, np.inf, 2.0])
    cum = np.empty(5)
    evo._roulette_weights(fit, 0, 5, cum)
    state = _state(3)
    counts = np.bincount([evo._roulette(cum, 0, 5, state) for _ in range(20_000)], minlength=5)
    expected = ref_roulette_probabilities(fit) * 20_000
    assert counts[3] == 0
    assert (np.abs(counts - expected) <= 4 * np.sqrt(expected + 1) + 5).all()


def test_roulette_all_infinite_is_uniform():
    cum = np.empty(4)
    evo._roulette_weights(np.full(4, np.inf), 0, 4, cum)
    assert cum.tolist() == [1.0, 2.0, 3.0, 4.0]


def _parents(seed, d=6):
    rng = np.random.default_rng(seed)
    lower, upper = np.full(d, -2.0), np.full(d, 3.0)
    return rng.uniform(-2, 3, d), rng.uniform(-2, 3, d), lower, upper


@given(seeds)
@settings(max_examples=20, deadline=None)
def test_real_crossovers_match_reference(seed):
    p1, p2, lower, upper = _parents(seed)
    for kernel, ref, args in [
        (evo._sbx, ref_sbx, (lower, upper, 15.0)),
        (evo._blend, ref_blend, (lower, upper, 0.5)),
    ]:
        state = _state(seed)
        rng = RefRng(state)
        c1, c2 = np.empty_like(p1), np.empty_like(p2)
        kernel(p1, p2, c1, c2, *args, state)
        e1, e2 = ref(p1, p2, *args, rng)
        np.testing.assert_allclose(c1, e1, rtol=1e-13)
        np.testing.assert_allclose(c2, e2, rtol=1e-13)
        assert ((c1 >= lower) & (c1 <= upper)).all()
    state = _state(seed)
    rng = RefRng(state)
    c1, c2 = np.empty_like(p1), np.empty_like(p2)
    evo._uniform_crossover(p1, p2, c1, c2, state)
    e1, e2 = ref_uniform_crossover(p1, p2, rng)
    np.testing.assert_array_equal(c1, e1)
    np.testing.assert_array_equal(np.sort(np.r_[c1, c2]), np.sort(np.r_[p1, p2]))


@given(seed=seeds, m=st.integers(2, 12))
@settings(max_examples=40, deadline=None)
def test_order_crossover_matches_reference_and_keeps_permutations(seed, m):
    rng = np.random.default_rng(seed)
    p1, p2 = rng.permutation(m).astype(np.int64), rng.permutation(m).astype(np.int64)
    state = _state(seed)
    ref = RefRng(state)
    c1, c2 = np.empty_like(p1), np.empty_like(p2)
    evo._order_crossover(p1, p2, c1, c2, np.zeros(m, dtype=np.uint8), state)
    e1, e2 = ref_order_crossover(p1, p2, ref)
    np.testing.assert_array_equal(c1, e1)
    np.testing.assert_array_equal(c2, e2)
    assert sorted(c1) == list(range(m)) and sorted(c2) == list(range(m))


@given(seeds)
@settings(max_examples=20, deadline=None)
def test_mutations_match_reference(seed):
    p1, _, lower, upper = _parents(seed)
    for kernel, ref, param in [
        (evo._polynomial_mutation, ref_polynomial_mutation, 20.0),
        (evo._gaussian_mutation, ref_gaussian_mutation, 0.1),
    ]:
        state = _state(seed)
        rng = RefRng(state)
        c = p1.copy()
        kernel(c, lower, upper, param, 0.5, state)
        np.testing.assert_allclose(c, ref(p1, lower, upper, param, 0.5, rng), rtol=1e-12)
        assert ((c >= lower) & (c <= upper)).all()
    bits = np.random.default_rng(seed).integers(0, 2, 16).astype(np.uint8)
    state = _state(seed)
    rng = RefRng(state)
    c = bits.copy()
    evo._bitflip_mutation(c, 0.3, state)
    np.testing.assert_array_equal(c, ref_bitflip(bits, 0.3, rng))
    perm = np.random.default_rng(seed).permutation(9).astype(np.int64)
    state = _state(seed)
    rng = RefRng(state)
    c = perm.copy()
    evo._swap_mutation(c, 0.3, state)
    np.testing.assert_array_equal(c, ref_swap(perm, 0.3, rng))
    assert sorted(c) == list(range(9))


@pytest.mark.parametrize("n_bits", [1, 3, 8])
def test_decode_bits_matches_reference(n_bits):
    rng = np.random.default_rng(n_bits)
    lower, upper = np.array([-1.0, 0.0]), np.array([1.0, 10.0])
    bits = rng.integers(0, 2, (4, 2 * n_bits)).astype(np.uint8)
    out = np.empty((4, 2))
    evo._decode_bits(bits, lower, upper, n_bits, out)
    np.testing.assert_allclose(out, ref_decode_bits(bits, lower, upper, n_bits), rtol=1e-14)
    ones = np.ones((1, 2 * n_bits), dtype=np.uint8)
    evo._decode_bits(ones, lower, upper, n_bits, out[:1])
    np.testing.assert_allclose(out[0], upper)


@given(seed=seeds, n_islands=st.integers(2, 4), n_migrants=st.integers(1, 2))
@settings(max_examples=25, deadline=None)
def test_migrate_ring_matches_reference(seed, n_islands, n_migrants):
    rng = np.random.default_rng(seed)
    size = 4
    pop = rng.random((n_islands * size, 3))
    fit = rng.permutation(n_islands * size).astype(np.float64)  # distinct: unambiguous picks
    ep, ef = ref_migrate_ring(pop, fit, n_islands, n_migrants)
    buf = np.empty((n_islands * n_migrants, 3))
    evo._migrate_ring(pop, fit, n_islands, n_migrants, buf, np.empty(n_islands * n_migrants),
                    np.zeros(n_islands * size, dtype=np.uint8))
    np.testing.assert_array_equal(pop, ep)
    np.testing.assert_array_equal(fit, ef)


def test_copy_elite_takes_the_best_rows():
    pop = np.arange(12.0).reshape(6, 2)
    fit = np.array([5.0, 1.0, 3.0, 9.0, 0.5, 2.0])
    children, child_fit = np.zeros_like(pop), np.zeros(6)
    evo._copy_elite(pop, fit, children, child_fit, 3, 6, 2, np.zeros(6, dtype=np.uint8))
    assert child_fit[3:5].tolist() == [0.5, 2.0]
    np.testing.assert_array_equal(children[3:5], pop[[4, 5]])


@pytest.mark.parametrize("strategy", [0, 1])
@given(seed=seeds)
@settings(max_examples=15, deadline=None)
def test_de_trials_match_reference(strategy, seed):
    rng = np.random.default_rng(seed)
    n, d = 6, 4
    lower, upper = np.full(d, -1.0), np.full(d, 1.0)
    pop = rng.uniform(-1, 1, (n, d))
    fit = rng.random(n)
    params = np.column_stack((rng.uniform(0.1, 1.0, n), rng.random(n)))
    for adapt in (False, True):
        state = _state(seed)
        ref = RefRng(state)
        trials = np.empty_like(pop)
        kept = params.copy()
        used = np.empty_like(params)
        evo._de_trials(pop, fit, trials, lower, upper, strategy, 0.4, 0.9, 0.5, adapt, kept,
                       used, state)
        expected, expected_used = ref_de_trials(pop, fit, lower, upper, strategy, 0.4, 0.9,
                                                0.5, ref, params if adapt else None)
        np.testing.assert_allclose(trials, expected, rtol=1e-13)
        np.testing.assert_allclose(used, expected_used, rtol=1e-13)
        np.testing.assert_array_equal(kept, params)  # only selection passes values on
        assert ((trials >= lower) & (trials <= upper)).all()
        if adapt:
            assert ((used[:, 0] >= 0.1) & (used[:, 0] <= 1.0)).all()
            assert ((used[:, 1] >= 0.0) & (used[:, 1] <= 1.0)).all()


def test_jde_parameters_are_redrawn_for_some_members_only():
    n, d = 400, 3
    rng = np.random.default_rng(0)
    pop = rng.uniform(-1, 1, (n, d))
    params = np.tile([0.5, 0.9], (n, 1))
    used = np.empty_like(params)
    evo._de_trials(pop, rng.random(n), np.empty_like(pop), np.full(d, -1.0), np.full(d, 1.0),
                   0, 0.5, 0.5, 0.9, True, params, used, _state(1))
    changed_f = np.mean(used[:, 0] != 0.5)
    changed_cr = np.mean(used[:, 1] != 0.9)
    assert 0.05 < changed_f < 0.15 and 0.05 < changed_cr < 0.15  # tau = 0.1 each


def test_de_select_is_greedy_and_returns_best():
    pop = np.zeros((3, 1))
    fit = np.array([1.0, 2.0, 3.0])
    trials = np.array([[1.0], [2.0], [3.0]])
    params = np.zeros((3, 2))
    tried = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    g = evo._de_select(pop, fit, trials, np.array([1.0, 5.0, 0.1]), params, tried)
    assert g == 2
    assert fit.tolist() == [1.0, 2.0, 0.1]
    assert pop[:, 0].tolist() == [1.0, 0.0, 3.0]  # ties go to the trial
    assert params.tolist() == [[0.1, 0.2], [0.0, 0.0], [0.5, 0.6]]  # winners pass (F, CR) on


def test_stop_rule():
    from lukhas._kernels._search import _stop_reached

    history = np.array([10.0, 5.0, 5.0, 5.0, 4.9])
    assert not _stop_reached(history, 1, 0.0, 2, -np.inf)
    assert _stop_reached(history, 3, 0.0, 2, -np.inf)
    assert not _stop_reached(history, 4, 0.0, 2, -np.inf)
    assert _stop_reached(history, 4, 0.2, 2, -np.inf)
    assert _stop_reached(history, 1, 0.0, 0, 5.0)
    assert not _stop_reached(history, 4, 1.0, 0, -np.inf)  # patience 0 disables
