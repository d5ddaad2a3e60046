"""Slow, obvious references for core.quantum_financial: loops over entries and over all states."""

from __future__ import annotations

import itertools

import numpy as np


def ref_qubo_energy(Q, x, offset=0.0):
    """sum_ij Q_ij x_i x_j + offset, by a double loop."""
    n = len(x)
    total = 0.0
    for i in range(n):
        for j in range(n):
            total += Q[i][j] * x[i] * x[j]
    return total + offset


def ref_ising_energy(h, J, s, offset=0.0):
    """sum_i h_i s_i + sum_ij J_ij s_i s_j + offset, by loops."""
    n = len(s)
    total = offset
    for i in range(n):
        total += h[i] * s[i]
        for j in range(n):
            total += J[i][j] * s[i] * s[j]
    return total


def ref_brute_force(Q, offset=0.0):
    """Minimum energy and all minimising states, by itertools.product over {0, 1}^n."""
    n = len(Q)
    best = np.inf
    states = []
    for bits in itertools.product((0, 1), repeat=n):
        e = ref_qubo_energy(Q, bits, offset)
        if e < best - 1e-12:
            best, states = e, [bits]
        elif abs(e - best) <= 1e-12:
            states.append(bits)
    return best, states


def ref_portfolio_objective(mu, cov, k, risk_aversion, x):
    """Equal-weight mean-variance objective of a selection x with weights x / k."""
    n = len(x)
    w = [x[i] / k for i in range(n)]
    var = sum(w[i] * cov[i][j] * w[j] for i in range(n) for j in range(n))
    ret = sum(w[i] * mu[i] for i in range(n))
    return risk_aversion * var - ret


def ref_best_selection(mu, cov, k, risk_aversion):
    """Best k-subset by enumerating itertools.combinations."""
    n = len(mu)
    best, chosen = np.inf, None
    for subset in itertools.combinations(range(n), k):
        x = [1 if i in subset else 0 for i in range(n)]
        value = ref_portfolio_objective(mu, cov, k, risk_aversion, x)
        if value < best:
            best, chosen = value, subset
    return best, chosen


def ref_ledoit_wolf(returns):
    """Ledoit-Wolf (2004) shrinkage to m*I written with explicit loops over periods."""
    X = np.asarray(returns, dtype=float)
    T, n = X.shape
    X = X - X.mean(axis=0)
    S = np.zeros((n, n))
    for t in range(T):
        S += np.outer(X[t], X[t])
    S /= T
    m = np.trace(S) / n
    d2 = np.sum((S - m * np.eye(n)) ** 2) / n
    b2 = 0.0
    for t in range(T):
        b2 += np.sum((np.outer(X[t], X[t]) - S) ** 2)
    b2 = b2 / (T * T) / n
    delta = min(b2, d2) / d2
    return delta * m * np.eye(n) + (1 - delta) * S, delta


def ref_beta_range(S):
    """dwave-neal's default (hot, cold) on the Ising form of symmetric S, by loops over entries.

    h_i = sum_j S_ij / 2, J_ij = S_ij / 2 (i != j); hot = ln 2 / (2 max_i (|h_i| + sum_j |J_ij|));
    cold = ln(m / 0.01) / (2 b) with b the smallest non-zero |h_i| or |J_ij| taken per variable
    and m the number of variables whose smallest equals b.
    """
    import math

    n = len(S)
    total_abs, smallest = [], []
    for i in range(n):
        h = sum(S[i][j] for j in range(n)) / 2.0
        row_abs = sum(abs(S[i][j]) for j in range(n))
        if abs(h) <= 1e-12 * row_abs:
            h = 0.0
        coupling = [abs(S[i][j]) / 2.0 for j in range(n) if j != i]
        total_abs.append(abs(h) + sum(coupling))
        nonzero = [c for c in [abs(h), *coupling] if c > 0.0]
        if nonzero:
            smallest.append(min(nonzero))
    largest = max(total_abs)
    if largest == 0.0 or not smallest:
        return 0.1, 1.0
    least = min(smallest)
    count = sum(1 for b in smallest if b == least)
    hot = math.log(2.0) / (2.0 * largest)
    return hot, max(math.log(count / 0.01) / (2.0 * least), hot)


def ref_cut(W, x):
    """Weight of the edges of W cut by the 0/1 labelling x, by a double loop."""
    n = len(x)
    return sum(W[i][j] for i in range(n) for j in range(i + 1, n) if x[i] != x[j])
