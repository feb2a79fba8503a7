"""sc-core as a straightforward fused Numba kernel: the hand-written bar to beat.

The adjacency is a CSR in the generated node order (no renumbering): ``indptr`` int64
(N+1), ``indices`` int32 (2E), an ``alive`` byte per entry and ``rev`` (int64, the
position of the same tie seen from the other end) so that a drop kills both ends.
One step = two ``prange`` loops over agents:

1. rules 1-5 fused per agent (draws, masked neighbour mean over its CSR row, new score);
2. rule 6 from the low side: for every agent with ``s' < low`` each current friend
   drops the tie with probability ``p_drop`` (its own draw), which is the SPEC's
   "each end, independently" rule read from the other end.

No compaction: dropped entries stay in the CSR, masked. Randomness is counter-based
(splitmix64 of (seed, step, stream) and the agent or CSR entry), so results do not
depend on the thread count; a draw is ``u < p`` with u = 53 random bits / 2**53 in [0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .common import (
    FEAR_MID, FEAR_SCALE, GAIN_POS, LOSS_FOREIGN, LOSS_NEG, SCORE_MAX, SCORE_MIN,
    W_FRIENDS, W_SELF, Params,
)

NAME = "fused"
DESCRIPTION = "fused Numba prange kernel over CSR + alive mask, generated node order, no compaction"
HAS_COMPACTION = False

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always")
def _mix(x):
    """splitmix64 finaliser (uint64 -> uint64)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


@njit(inline="always")
def _uniform(key, i):
    """u in [0, 1) from a stream key and a counter."""
    return np.float64(_mix(key + np.uint64(i) * _GOLDEN) >> _S11) * _INV53


_MASK = (1 << 64) - 1


def _stream_keys(seed: int, step: int) -> np.ndarray:
    """Four independent uint64 keys (negative, positive, foreign, drop) for one step
    (splitmix64 sequence seeded from (seed, step); plain Python ints: cheap per step)."""
    x = (seed * 1_000_003 + step) & _MASK
    keys = []
    for _ in range(4):
        x = (x + int(_GOLDEN)) & _MASK
        z = ((x ^ (x >> 30)) * int(_M1)) & _MASK
        z = ((z ^ (z >> 27)) * int(_M2)) & _MASK
        keys.append(z ^ (z >> 31))
    return np.array(keys, dtype=np.uint64)


@njit(cache=False)
def build_csr(edges, n):
    """Symmetric CSR of the (E, 2) edge list: indptr int64, indices int32, rev int64."""
    e = edges.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for k in range(e):
        indptr[edges[k, 0] + 1] += 1
        indptr[edges[k, 1] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(2 * e, dtype=np.int32)
    rev = np.empty(2 * e, dtype=np.int64)
    for k in range(e):
        u = edges[k, 0]
        v = edges[k, 1]
        pu = fill[u]
        pv = fill[v]
        indices[pu] = v
        indices[pv] = u
        rev[pu] = pv
        rev[pv] = pu
        fill[u] = pu + 1
        fill[v] = pv + 1
    return indptr, indices, rev


@njit(parallel=True)
def _new_scores(indptr, indices, alive, s, d, f, s_new, keys, p_pos, neg_mult, foreign_mult):
    """Rules 1-5 for every agent, reading only start-of-step scores ``s``."""
    n = s.shape[0]
    for i in prange(n):
        si = s[i]
        fear = 1.0 / (1.0 + np.exp((si - FEAR_MID) / FEAR_SCALE))
        delta = 0.0
        if _uniform(keys[0], i) < neg_mult * d[i] * (1.0 - fear):
            delta -= LOSS_NEG
        elif _uniform(keys[1], i) < p_pos:
            delta += GAIN_POS
        if _uniform(keys[2], i) < foreign_mult * f[i]:
            delta -= LOSS_FOREIGN
        acc = 0.0
        cnt = 0
        for k in range(indptr[i], indptr[i + 1]):
            if alive[k]:
                acc += s[indices[k]]
                cnt += 1
        mean = acc / cnt if cnt > 0 else si
        x = W_SELF * (si + delta) + W_FRIENDS * mean
        s_new[i] = min(max(x, SCORE_MIN), SCORE_MAX)


@njit(parallel=True)
def _drop_ties(indptr, alive, rev, s_new, low, p_drop, key):
    """Rule 6: every current friend of a low agent drops the tie w.p. p_drop."""
    n = s_new.shape[0]
    for i in prange(n):
        if s_new[i] < low:
            for k in range(indptr[i], indptr[i + 1]):
                if alive[k]:
                    r = rev[k]  # the friend's own end of the tie: its own draw
                    if _uniform(key, r) < p_drop:
                        alive[k] = 0
                        alive[r] = 0


@dataclass
class Model:
    indptr: np.ndarray
    indices: np.ndarray
    rev: np.ndarray
    alive: np.ndarray
    s: np.ndarray
    s_new: np.ndarray
    d: np.ndarray
    f: np.ndarray
    params: Params
    seed: int
    t: int = 0


def setup(edges, n, d, f, s0, params: Params, seed: int = 0, compact: str = "auto") -> Model:
    edges = np.ascontiguousarray(edges, dtype=np.int32)
    indptr, indices, rev = build_csr(edges, n)
    return Model(indptr=indptr, indices=indices, rev=rev,
                 alive=np.ones(indices.shape[0], dtype=np.uint8),
                 s=np.array(s0, dtype=np.float64), s_new=np.empty(n, dtype=np.float64),
                 d=np.ascontiguousarray(d, dtype=np.float64),
                 f=np.ascontiguousarray(f, dtype=np.float64), params=params, seed=seed)


def step(m: Model) -> None:
    p = m.params
    m.t += 1
    keys = _stream_keys(m.seed, m.t)
    _new_scores(m.indptr, m.indices, m.alive, m.s, m.d, m.f, m.s_new, keys,
                float(p.p_pos), float(p.neg_mult), float(p.foreign_mult))
    _drop_ties(m.indptr, m.alive, m.rev, m.s_new, float(p.low), float(p.p_drop), keys[3])
    m.s, m.s_new = m.s_new, m.s


def scores(m: Model) -> np.ndarray:
    return m.s.copy()


def n_alive_ties(m: Model) -> int:
    return int(np.count_nonzero(m.alive)) // 2


def warmup() -> None:
    """Compile every kernel with the argument types of a real run (tiny graph)."""
    from .common import DEFAULT, check_scores, traits

    n = 12
    edges = np.array([(i, j) for i in range(1, n) for j in range(max(0, i - 3), i)], dtype=np.int32)
    d, f = traits(n)
    m = setup(edges, n, d, f, check_scores(n), DEFAULT)
    step(m)
    n_alive_ties(m)
