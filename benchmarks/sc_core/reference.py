"""sc-core in plain NumPy: whole-array operations over an undirected edge list.

What a competent NumPy user would write, and the ``s_ref`` of the agreement checks.
Ties are kept as two int32 arrays ``(a, b)`` (one entry per undirected tie); the
neighbour sums are two ``np.bincount`` scatter-adds, the degree is kept up to date as
ties go. Dropped ties are first masked out; "compaction" removes them from the arrays
(policy ``auto``: as soon as anything was dropped, which is cheap here).
RNG: one ``numpy.random.Generator`` (PCG64), draws in a fixed order per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import (
    FEAR_MID, FEAR_SCALE, GAIN_POS, LOSS_FOREIGN, LOSS_NEG, SCORE_MAX, SCORE_MIN,
    W_FRIENDS, W_SELF, Params,
)

NAME = "numpy"
DESCRIPTION = "plain NumPy: edge list + np.bincount neighbour sums (the checks' s_ref)"
HAS_COMPACTION = True


@dataclass
class Model:
    n: int
    s: np.ndarray          # float64 (N,) scores
    d: np.ndarray          # float64 (N,) dissent
    f: np.ndarray          # float64 (N,) foreign taste
    a: np.ndarray          # int32 (E_stored,) one end of each stored tie
    b: np.ndarray          # int32 (E_stored,) the other end
    alive: np.ndarray | None  # bool (E_stored,), None while every stored tie is alive
    n_dead: int            # stored but dropped ties
    deg: np.ndarray        # float64 (N,) current degree
    params: Params
    rng: np.random.Generator
    compact: str


def setup(edges, n, d, f, s0, params: Params, seed: int = 0, compact: str = "auto") -> Model:
    if compact not in ("auto", "always", "never"):
        raise ValueError(f"compact must be auto/always/never, got {compact!r}")
    a = np.ascontiguousarray(edges[:, 0], dtype=np.int32)
    b = np.ascontiguousarray(edges[:, 1], dtype=np.int32)
    deg = (np.bincount(a, minlength=n) + np.bincount(b, minlength=n)).astype(np.float64)
    return Model(n=n, s=np.array(s0, dtype=np.float64), d=np.asarray(d, np.float64),
                 f=np.asarray(f, np.float64), a=a, b=b, alive=None, n_dead=0, deg=deg,
                 params=params, rng=np.random.default_rng(seed), compact=compact)


def step(m: Model) -> None:
    p, s, n, a, b = m.params, m.s, m.n, m.a, m.b
    # rules 1-3: posts and purchases from the start-of-step score
    fear = 1.0 / (1.0 + np.exp((s - FEAR_MID) / FEAR_SCALE))
    u = m.rng.random((3, n))
    negative = u[0] < p.neg_mult * m.d * (1.0 - fear)
    positive = ~negative & (u[1] < p.p_pos)
    foreign = u[2] < p.foreign_mult * m.f
    delta = GAIN_POS * positive - LOSS_NEG * negative - LOSS_FOREIGN * foreign
    # rule 4: mean of the neighbours' start-of-step scores over the current ties
    sb, sa = s[b], s[a]
    if m.alive is not None:
        sb = np.where(m.alive, sb, 0.0)
        sa = np.where(m.alive, sa, 0.0)
    friend_sum = np.bincount(a, weights=sb, minlength=n) + np.bincount(b, weights=sa, minlength=n)
    friend_mean = np.divide(friend_sum, m.deg, out=s.copy(), where=m.deg > 0)
    # rule 5
    s_new = np.clip(W_SELF * (s + delta) + W_FRIENDS * friend_mean, SCORE_MIN, SCORE_MAX)
    # rule 6: each end of a current tie drops it w.p. p_drop if the other end is low
    low = s_new < p.low
    low_a, low_b = low[a], low[b]
    touched = low_a | low_b
    if m.alive is not None:
        touched &= m.alive
    cand = np.flatnonzero(touched)
    if cand.size:
        ua, ub = m.rng.random((2, cand.size))
        drop = (low_b[cand] & (ua < p.p_drop)) | (low_a[cand] & (ub < p.p_drop))
        gone = cand[drop]
        if gone.size:
            m.deg -= np.bincount(a[gone], minlength=n) + np.bincount(b[gone], minlength=n)
            if m.alive is None:
                m.alive = np.ones(a.size, dtype=bool)
            m.alive[gone] = False
            m.n_dead += int(gone.size)
            if m.compact in ("auto", "always"):
                _compact(m)
    m.s = s_new


def _compact(m: Model) -> None:
    """Remove dropped ties from the arrays (the mask becomes all-alive again)."""
    keep = m.alive
    m.a, m.b = m.a[keep], m.b[keep]
    m.alive, m.n_dead = None, 0


def scores(m: Model) -> np.ndarray:
    return m.s.copy()


def n_alive_ties(m: Model) -> int:
    return int(m.a.size - m.n_dead)
