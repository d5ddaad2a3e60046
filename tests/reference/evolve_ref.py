"""Slow, obvious references for the evolution, swarm, RL and voting kernels.

Each reference draws random numbers from :class:`RefRng`, a plain-Python
xoshiro256** that consumes the stream in the same order as the kernel, so
kernel and reference can be compared exactly on the same seed state.
"""

from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1


class RefRng:
    """Plain-integer xoshiro256** (Blackman and Vigna 2018)."""

    def __init__(self, state):
        self.s = [int(v) for v in state]

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next_u64(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)

    def uniform32_fill(self, n):
        out = []
        while len(out) < n:
            bits = self.next_u64()
            out.append((bits >> 32) / 4294967296.0)
            out.append((bits & 0xFFFFFFFF) / 4294967296.0)
        return out[:n]

    def randint(self, n):
        return min(int(self.uniform() * n), n - 1)

    def normal(self):
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def state(self):
        return np.array(self.s, dtype=np.uint64)


# ----------------------------------------------------------------------------- PSO


def ref_neighbour_best(pbest_f, topology, radius):
    n = len(pbest_f)
    if topology == 0:
        return [int(np.argmin(pbest_f))] * n
    out = []
    for i in range(n):
        hood = [(i + off) % n for off in range(-radius, radius + 1)]
        best = i
        for j in hood:
            if pbest_f[j] < pbest_f[best]:
                best = j
        out.append(best)
    return out


def ref_pso_move(x, v, pbest, nbest, lower, upper, vmax, w, c1, c2, chi, boundary, rng):
    """Per particle: draw r1 (d,) then r2 (d,), move, then fix coordinates out of the box."""
    x, v = x.copy(), v.copy()
    n, d = x.shape
    for i in range(n):
        rand = rng.uniform32_fill(2 * d)
        for j in range(d):
            r1, r2 = rand[j], rand[d + j]
            vel = chi * (w * v[i, j] + c1 * r1 * (pbest[i, j] - x[i, j])
                         + c2 * r2 * (pbest[nbest[i], j] - x[i, j]))
            vel = max(-vmax[j], min(vmax[j], vel))
            x[i, j], v[i, j] = x[i, j] + vel, vel
        for j in range(d):
            pos, vel = x[i, j], v[i, j]
            lo, hi = lower[j], upper[j]
            if pos < lo or pos > hi:
                if boundary == 0:
                    pos, vel = (lo if pos < lo else hi), 0.0
                elif boundary == 1:
                    pos = 2 * lo - pos if pos < lo else 2 * hi - pos
                    pos, vel = min(max(pos, lo), hi), -vel
                elif boundary == 2:
                    pos = lo + rng.uniform() * (hi - lo)
                else:
                    pos = lo + (pos - lo) % (hi - lo)
            x[i, j], v[i, j] = pos, vel
    return x, v


# ----------------------------------------------------------------------------- GA operators


def ref_tournament(fit, lo, hi, k, rng):
    best = lo + rng.randint(hi - lo)
    for _ in range(k - 1):
        c = lo + rng.randint(hi - lo)
        if fit[c] < fit[best]:
            best = c
    return best


def ref_roulette_probabilities(fit):
    """Selection probability of each row under minimisation roulette."""
    fit = np.asarray(fit, dtype=float)
    finite = fit[np.isfinite(fit)]
    if finite.size == 0:
        return np.full(fit.size, 1.0 / fit.size)
    worst, best = finite.max(), finite.min()
    eps = 1e-3 * (worst - best) + 1e-12
    weights = np.where(np.isfinite(fit), worst - fit + eps, 0.0)
    return weights / weights.sum()


def ref_sbx(p1, p2, lower, upper, eta, rng):
    c1, c2 = p1.copy(), p2.copy()
    for j in range(len(p1)):
        a, b = p1[j], p2[j]
        if rng.uniform() < 0.5 and abs(a - b) > 1e-14:
            u = rng.uniform()
            expo = 1 / (eta + 1)
            beta = (2 * u) ** expo if u <= 0.5 else (1 / (2 * (1 - u))) ** expo
            c1[j] = min(max(0.5 * ((1 + beta) * a + (1 - beta) * b), lower[j]), upper[j])
            c2[j] = min(max(0.5 * ((1 - beta) * a + (1 + beta) * b), lower[j]), upper[j])
            if rng.uniform() < 0.5:  # Deb's reference code: the pair goes to either child
                c1[j], c2[j] = c2[j], c1[j]
    return c1, c2


def ref_blend(p1, p2, lower, upper, alpha, rng):
    c1, c2 = np.empty_like(p1), np.empty_like(p2)
    for j in range(len(p1)):
        lo, hi = min(p1[j], p2[j]), max(p1[j], p2[j])
        ext = alpha * (hi - lo)
        lo, hi = lo - ext, hi + ext
        c1[j] = min(max(lo + rng.uniform() * (hi - lo), lower[j]), upper[j])
        c2[j] = min(max(lo + rng.uniform() * (hi - lo), lower[j]), upper[j])
    return c1, c2


def ref_uniform_crossover(p1, p2, rng):
    c1, c2 = p1.copy(), p2.copy()
    for j in range(len(p1)):
        if rng.uniform() < 0.5:
            c1[j], c2[j] = p2[j], p1[j]
    return c1, c2


def ref_order_child(p1, p2, a, b):
    """OX1 written from the textbook description."""
    m = len(p1)
    child = [None] * m
    child[a : b + 1] = list(p1[a : b + 1])
    kept = set(child[a : b + 1])
    donors = [p2[(b + 1 + t) % m] for t in range(m)]
    fill = [g for g in donors if g not in kept]
    positions = [(b + 1 + t) % m for t in range(m - (b - a + 1))]
    for pos, gene in zip(positions, fill, strict=True):
        child[pos] = gene
    return np.array(child, dtype=p1.dtype)


def ref_order_crossover(p1, p2, rng):
    m = len(p1)
    a, b = rng.randint(m), rng.randint(m)
    a, b = min(a, b), max(a, b)
    return ref_order_child(p1, p2, a, b), ref_order_child(p2, p1, a, b)


def ref_polynomial_mutation(c, lower, upper, eta, pm, rng):
    c = c.copy()
    for j in range(len(c)):
        if rng.uniform() < pm:
            u = rng.uniform()
            expo = 1 / (eta + 1)
            delta = (2 * u) ** expo - 1 if u < 0.5 else 1 - (2 * (1 - u)) ** expo
            c[j] = min(max(c[j] + delta * (upper[j] - lower[j]), lower[j]), upper[j])
    return c


def ref_gaussian_mutation(c, lower, upper, sigma, pm, rng):
    c = c.copy()
    for j in range(len(c)):
        if rng.uniform() < pm:
            step = sigma * (upper[j] - lower[j]) * rng.normal()
            c[j] = min(max(c[j] + step, lower[j]), upper[j])
    return c


def ref_bitflip(c, pm, rng):
    c = c.copy()
    for j in range(len(c)):
        if rng.uniform() < pm:
            c[j] = 1 - c[j]
    return c


def ref_swap(c, pm, rng):
    c = c.copy()
    for j in range(len(c)):
        if rng.uniform() < pm:
            k = rng.randint(len(c))
            c[j], c[k] = c[k], c[j]
    return c


def ref_decode_bits(bits, lower, upper, n_bits):
    n = bits.shape[0]
    d = len(lower)
    out = np.empty((n, d))
    for i in range(n):
        for j in range(d):
            k = int("".join(str(int(b)) for b in bits[i, j * n_bits : (j + 1) * n_bits]), 2)
            out[i, j] = lower[j] + k / (2**n_bits - 1) * (upper[j] - lower[j])
    return out


def ref_migrate_ring(pop, fit, n_islands, n_migrants):
    """Best ``n_migrants`` of island k replace the worst of island k+1 (all chosen first)."""
    pop, fit = pop.copy(), fit.copy()
    size = len(fit) // n_islands
    moving = []
    for isl in range(n_islands):
        rows = range(isl * size, (isl + 1) * size)
        order = sorted(rows, key=lambda i: (fit[i], i))[:n_migrants]
        moving.append([(pop[i].copy(), fit[i]) for i in order])
    for isl in range(n_islands):
        dest = (isl + 1) % n_islands
        rows = list(range(dest * size, (dest + 1) * size))
        worst = sorted(rows, key=lambda i: (-fit[i], i))[:n_migrants]
        for i, (genome, value) in zip(worst, moving[isl], strict=True):
            pop[i], fit[i] = genome, value
    return pop, fit


# ----------------------------------------------------------------------------- DE


def ref_de_trials(pop, fit, lower, upper, strategy, f_low, f_high, cr, rng, params=None):
    """Trials and the (F, CR) each used; ``params`` (n, 2) switches on jDE adaptation."""
    n, d = pop.shape
    scale = f_low + rng.uniform() * (f_high - f_low)
    rate = cr
    best = int(np.argmin(fit))
    trials = pop.copy()
    used = np.empty((n, 2))
    for i in range(n):
        if params is not None:
            scale = params[i, 0]
            if rng.uniform() < 0.1:
                scale = 0.1 + 0.9 * rng.uniform()
            rate = params[i, 1]
            if rng.uniform() < 0.1:
                rate = rng.uniform()
        used[i] = scale, rate
        picks = []
        while len(picks) < 3:
            r = rng.randint(n)
            while r == i or r in picks:
                r = rng.randint(n)
            picks.append(r)
        r1, r2, r3 = picks
        base, plus, minus = (best, r1, r2) if strategy == 1 else (r1, r2, r3)
        jrand = rng.randint(d)
        for j in range(d):
            if j == jrand or rng.uniform() < rate:
                value = pop[base, j] + scale * (pop[plus, j] - pop[minus, j])
                if value < lower[j]:
                    value = 0.5 * (lower[j] + pop[i, j])
                elif value > upper[j]:
                    value = 0.5 * (upper[j] + pop[i, j])
                trials[i, j] = value
    return trials, used


# ----------------------------------------------------------------------------- objectives


def ref_rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def ref_rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ref_ackley(x):
    d = len(x)
    a = -20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
    return a - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e


def ref_griewank(x):
    prod = 1.0
    for i, v in enumerate(x):
        prod *= math.cos(v / math.sqrt(i + 1))
    return 1 + sum(v * v for v in x) / 4000 - prod


def ref_schwefel(x):
    return 418.9828872724339 * len(x) - sum(v * math.sin(math.sqrt(abs(v))) for v in x)


def ref_sphere(x):
    return sum(v * v for v in x)


# ----------------------------------------------------------------------------- RL


def ref_q_update(q, s, a, r, s2, done, alpha, gamma):
    q = q.copy()
    target = r if done else r + gamma * max(q[s2])
    q[s, a] += alpha * (target - q[s, a])
    return q


def ref_sarsa_update(q, s, a, r, s2, a2, done, alpha, gamma):
    q = q.copy()
    target = r if done else r + gamma * q[s2, a2]
    q[s, a] += alpha * (target - q[s, a])
    return q


def ref_expected_sarsa_update(q, s, a, r, s2, done, alpha, gamma, eps):
    """Expectation over the epsilon-greedy policy, greedy mass split over ties."""
    q = q.copy()
    if done:
        target = r
    else:
        row = q[s2]
        n = len(row)
        greedy = [b for b in range(n) if row[b] == max(row)]
        probs = [eps / n + ((1 - eps) / len(greedy) if b in greedy else 0.0) for b in range(n)]
        target = r + gamma * sum(p * v for p, v in zip(probs, row, strict=True))
    q[s, a] += alpha * (target - q[s, a])
    return q


# ----------------------------------------------------------------------------- voting


def ref_pairwise(ballots, weights=None):
    ballots = [list(b) for b in ballots]
    c = len(ballots[0])
    weights = [1.0] * len(ballots) if weights is None else list(weights)
    d = [[0.0] * c for _ in range(c)]
    for ballot, w in zip(ballots, weights, strict=True):
        for x in range(c):
            for y in range(c):
                if x != y and ballot.index(x) < ballot.index(y):
                    d[x][y] += w
    return np.array(d)


def ref_schulze_winners(ballots, weights=None):
    """Schulze winners from the textbook triple loop."""
    d = ref_pairwise(ballots, weights)
    c = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0.0 for j in range(c)] for i in range(c)]
    for i in range(c):
        for j in range(c):
            if i != j:
                for k in range(c):
                    if i != k and j != k:
                        p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return tuple(i for i in range(c) if all(p[i][j] >= p[j][i] for j in range(c) if j != i))
