"""Voting rules of core.collective: reference agreement and the axioms each rule satisfies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.collective import (
    borda,
    condorcet_winner,
    pairwise_preferences,
    plurality,
    schulze,
)
from reference.evolve_ref import ref_pairwise, ref_schulze_winners

RULES = [plurality, borda, schulze]


@st.composite
def profiles(draw, max_candidates=5, max_voters=9):
    c = draw(st.integers(2, max_candidates))
    n = draw(st.integers(1, max_voters))
    ballots = [draw(st.permutations(range(c))) for _ in range(n)]
    return np.array(ballots, dtype=np.int64)


@given(profiles(), st.data())
@settings(max_examples=60, deadline=None)
def test_pairwise_and_schulze_match_reference(ballots, data):
    weights = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(ballots),
                                          max_size=len(ballots))), dtype=np.float64)
    np.testing.assert_array_equal(pairwise_preferences(ballots, weights),
                                  ref_pairwise(ballots, weights))
    assert schulze(ballots, weights).winners == ref_schulze_winners(ballots, weights)


@given(profiles())
@settings(max_examples=40, deadline=None)
def test_weights_equal_repeated_ballots(ballots):
    weights = np.arange(1, len(ballots) + 1, dtype=np.float64)
    repeated = np.repeat(ballots, weights.astype(int), axis=0)
    for rule in RULES:
        np.testing.assert_allclose(rule(ballots, weights).scores, rule(repeated).scores)


@pytest.mark.parametrize("rule", RULES)
@given(profiles(), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None)
def test_anonymity(rule, ballots, rnd):
    order = list(range(len(ballots)))
    rnd.shuffle(order)
    assert rule(ballots).winners == rule(ballots[order]).winners


@pytest.mark.parametrize("rule", RULES)
@given(profiles(), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None)
def test_neutrality(rule, ballots, rnd):
    c = ballots.shape[1]
    relabel = list(range(c))
    rnd.shuffle(relabel)
    renamed = np.array(relabel)[ballots]
    expected = tuple(sorted(relabel[w] for w in rule(ballots).winners))
    assert tuple(sorted(rule(renamed).winners)) == expected


@given(profiles())
@settings(max_examples=60, deadline=None)
def test_plurality_majority_criterion(ballots):
    firsts = np.bincount(ballots[:, 0], minlength=ballots.shape[1])
    top = int(firsts.argmax())
    assume(firsts[top] * 2 > len(ballots))
    assert plurality(ballots).winners == (top,)


@pytest.mark.parametrize("rule", [borda, schulze])
@given(profiles())
@settings(max_examples=60, deadline=None)
def test_pareto(rule, ballots):
    """If every voter ranks a above b, b does not win (Borda: strictly fewer points)."""
    d = pairwise_preferences(ballots)
    n = len(ballots)
    res = rule(ballots)
    for a in range(ballots.shape[1]):
        for b in range(ballots.shape[1]):
            if a != b and d[a, b] == n:
                assert b not in res.winners
                if rule is borda:
                    assert res.scores[a] > res.scores[b]


@given(profiles())
@settings(max_examples=80, deadline=None)
def test_condorcet_criterion_for_schulze(ballots):
    winner = condorcet_winner(ballots)
    assume(winner is not None)
    assert schulze(ballots).winners == (winner,)
    d = pairwise_preferences(ballots)
    assert all(d[winner, b] > d[b, winner] for b in range(ballots.shape[1]) if b != winner)


@given(profiles())
@settings(max_examples=60, deadline=None)
def test_schulze_reversal_symmetry(ballots):
    """A unique winner does not also win when every ballot is reversed."""
    res = schulze(ballots)
    assume(res.winner is not None and ballots.shape[1] > 1)
    assert res.winner not in schulze(ballots[:, ::-1]).winners


@given(profiles(), st.data())
@settings(max_examples=60, deadline=None)
def test_monotonicity(ballots, data):
    """Raising the winner on one ballot keeps it winning (plurality, Borda, Schulze)."""
    for rule in RULES:
        res = rule(ballots)
        assume(res.winner is not None)
        v = data.draw(st.integers(0, len(ballots) - 1))
        row = list(ballots[v])
        pos = row.index(res.winner)
        if pos > 0:
            row[pos - 1], row[pos] = row[pos], row[pos - 1]
        raised = ballots.copy()
        raised[v] = row
        assert res.winner in rule(raised).winners


def test_condorcet_paradox_has_no_winner_and_schulze_ties():
    cycle = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    assert condorcet_winner(cycle) is None
    assert schulze(cycle).winners == (0, 1, 2)
    assert schulze(cycle).winner is None


def test_schulze_wikipedia_example():
    """The 45-voter example from Schulze's method article: E wins, ranking E>A>C>B>D."""
    a, b, c, d, e = range(5)
    groups = [
        (5, [a, c, b, e, d]), (5, [a, d, e, c, b]), (8, [b, e, d, a, c]),
        (3, [c, a, b, e, d]), (7, [c, a, e, b, d]), (2, [c, b, a, d, e]),
        (7, [d, c, e, b, a]), (8, [e, b, a, d, c]),
    ]
    ballots = [order for count, order in groups for _ in range(count)]
    res = schulze(ballots)
    assert res.winners == (e,)
    assert res.ranking == (e, a, c, b, d)
    weighted = schulze([order for _, order in groups], [count for count, _ in groups])
    assert weighted.ranking == res.ranking


def test_borda_and_plurality_scores():
    ballots = [[0, 1, 2], [0, 2, 1], [1, 2, 0], [2, 1, 0]]
    assert plurality(ballots).scores.tolist() == [2.0, 1.0, 1.0]
    assert borda(ballots).scores.tolist() == [4.0, 4.0, 4.0]
    assert borda(ballots).winners == (0, 1, 2) and borda(ballots).winner is None
    assert borda(ballots).ranking == (0, 1, 2)


@pytest.mark.parametrize("ballots, weights, exc, text", [
    ([[0, 1], [1, 1]], None, ValueError, "row 1"),
    ([[0.0, 1.0]], None, TypeError, "integer candidate indices"),
    ([0, 1], None, ValueError, "2-dimensional"),
    (np.zeros((0, 3), dtype=int), None, ValueError, "at least one voter"),
    ([[0, 1]], [1.0, 2.0], ValueError, "`weights` must have shape (1,)"),
    ([[0, 1]], [-1.0], ValueError, "non-negative"),
])
@pytest.mark.parametrize("rule", [plurality, borda, schulze, condorcet_winner])
def test_invalid_ballots(rule, ballots, weights, exc, text):
    with pytest.raises(exc) as info:
        rule(ballots, weights)
    assert text in str(info.value)
