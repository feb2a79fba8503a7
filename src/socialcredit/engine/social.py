"""Phase 8: social dynamics - unfriending, nudging, score sharing (MODEL.md step 8).

For each current tie (i, j) where j's score is visible and below the unfriending threshold,
i drops the tie with probability `unfriend_probability` · conformity_i, scaled by
`non_drag_factor` unless j actually drags i's score (friend mode `drag`, j below θ; Wei et
al. 2016 show score-motivated agents prune such ties). A tie goes when either end drops it;
both directions use the same counter-based draws, so the CSR rows are updated without
shared writes. Agents nudge visible low-scoring friends (raising their perceived severity);
high scorers share their score (bragging; ACLU 2015 counted ~100,000 on Weibo).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import rng


@njit(inline="always", cache=True)
def _visible(j, enrolled, shared, public):
    return enrolled[j] and (public or shared[j])


@njit(inline="always", cache=True)
def _drops(key, i, j, score, enrolled, shared, public, conformity, threshold, p, drag_mode, drag_threshold, non_drag):
    if not _visible(j, enrolled, shared, public) or score[j] >= threshold:
        return False
    q = p * conformity[i]
    if not (drag_mode and enrolled[i] and score[j] < drag_threshold):
        q *= non_drag
    return rng.uniform(key, i, j) < q


@njit(parallel=True, cache=True)
def unfriend(key, indptr, indices, alive, score, enrolled, shared, public, conformity, threshold, p,
             drag_mode, drag_threshold, non_drag, dropped_per_row):
    n = len(score)
    for i in prange(n):
        dropped = 0
        for k in range(indptr[i], indptr[i + 1]):
            if alive[k]:
                j = indices[k]
                if (_drops(key, i, j, score, enrolled, shared, public, conformity, threshold, p, drag_mode, drag_threshold, non_drag)
                        or _drops(key, j, i, score, enrolled, shared, public, conformity, threshold, p, drag_mode, drag_threshold, non_drag)):
                    alive[k] = False
                    dropped += 1
        dropped_per_row[i] = dropped


@njit(parallel=True, cache=True)
def nudge(key, indptr, indices, alive, score, enrolled, shared, public, threshold, p, nudges):
    n = len(score)
    for j in prange(n):
        m = 0
        if _visible(j, enrolled, shared, public) and score[j] < threshold:
            for k in range(indptr[j], indptr[j + 1]):
                if alive[k] and rng.uniform(key, indices[k], j) < p:
                    m += 1
        nudges[j] = min(m, 32767)


@njit(parallel=True, cache=True)
def share(key, score, enrolled, threshold, p, shared, shared_now):
    n = len(score)
    for i in prange(n):
        s = enrolled[i] and score[i] >= threshold and rng.uniform(key, i, 0) < p
        shared_now[i] = s
        if s:
            shared[i] = True
