"""Phase 5: reporting by paid informants (MODEL.md step 5).

A friend i who sees j's critical posts reports j with probability 1 − (1 − q_i)^c_j, where
c_j is the number of j's critical posts and q_i = min(1, propensity_i · reward · sensitivity)
("informant propensity times the reward"); a friend with no critical post is falsely
reported with probability q_i · false_report_ratio. True reports count as observations by
the authority.

Each tie between enrolled agents is decided once, by the row of its lower end (`report`):
the two directions use the two halves of one counter-based draw of the pair
(`rng.pair_uniforms`), so a tie costs one hash and one read of the other end's report
chance, exposure and posts. The lower end's counts are written by its own row; what the
higher end made or received is left as a mark on the entry and added afterwards
(`add_marked`), serially: reports are rare (about 1 tie end in 140 in the default preset),
and integer counts do not depend on the order of the additions. Phase 6 (`scoring.update`)
reads the counts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .. import prefetch, schedule
from ..graph import friend_at
from . import rng

#: what a tie's entry in its lower end's row records for the higher end: it was reported by
#: the lower end, truly (it has critical posts) or falsely; it reported the lower end
REPORTED_TRUE, REPORTED_FALSE, REPORTER = 1, 2, 4
#: columns of the per-agent counts (an N x 3 array, so one agent's counts share a cache line)
MADE, RECEIVED_TRUE, RECEIVED_FALSE = 0, 1, 2
_ONE, _TWO = np.uint64(1), np.uint64(2)  # a friend's place in `report_view`, unsigned like its id

def active(informants, reward: float) -> bool:
    """Reporting runs only when both the informants' sensitivity and the reward are positive."""
    return informants.sensitivity > 0.0 and reward > 0.0


def propensity_scale(informants, reward: float) -> float:
    """q_i = min(1, κ_i · scale): the chance that i reports one critical post it sees."""
    return reward * informants.sensitivity if active(informants, reward) else 0.0


@njit(inline="always", cache=True)
def chance(q, critical, false_ratio):
    """Chance that a friend with per-post chance q reports a target with `critical` critical posts."""
    if q <= 0.0:
        return 0.0
    if critical > 0:
        keep = 1.0 - q
        miss = keep
        if critical <= 8:
            for _ in range(critical - 1):
                miss *= keep
        else:
            miss = keep ** critical
        return 1.0 - miss
    return q * false_ratio


@njit(inline="always", cache=True)
def drags(exposure):
    """Whether an agent's stored exposure marks it below the drag threshold: stored negated
    (−0.0 for an exposure of 0), so its magnitude is the exposure either way."""
    return math.copysign(1.0, exposure) < 0.0


@njit(parallel=True, cache=True)
def report(key, indptr, ends, indices, report_view, critical, false_ratio, counts, marks, marked, dragging):
    """Every tie between enrolled agents, from the row of its lower end i: i reports j with the
    chance `chance(q_i, c_j)`, j reports i with `chance(q_j, c_i)`, each from its half of the
    pair's draw. `report_view` holds (q, ±exposure) per agent, q < 0 for one not enrolled,
    the exposure negated for one below the drag threshold (`scoring.friend_flags`). The bound
    q · exposure ≥ chance is tested first, so the exact chance (and the friend's posts) are
    read only for the few draws below it.

    Row i writes its own counts (row i of `counts`: MADE, RECEIVED_TRUE / RECEIVED_FALSE by
    its own posts) and, on each entry k to a higher friend, `marks[k]` (REPORTED_TRUE or
    REPORTED_FALSE by the friend's posts, REPORTER bits); `marked[i]` says whether any entry
    of the row holds a mark for `add_marked`. When `dragging` has a place per agent, the
    row of an enrolled agent also counts its enrolled friends below the drag threshold there
    (phase 6's friend term in mode drag, `scoring.update`), so that pass need not read the
    row again."""
    n = len(marked)
    count_drag = len(dragging) == n
    claims = schedule.counter()
    blocks = schedule.blocks(indptr)
    for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
        block = schedule.claim(claims)
        while block < blocks:
            first, last = schedule.rows(indptr, block, blocks)
            for i in range(first, last):
                made_i = 0
                true_i = 0
                false_i = 0
                low = 0
                any_mark = False
                q_i = np.float64(report_view[2 * i])
                if q_i >= 0.0:
                    c_i = critical[i]
                    e_i = abs(np.float64(report_view[2 * i + 1]))
                    for k in range(indptr[i], ends[i]):
                        prefetch.ahead(report_view, indices, k, 2, prefetch.HEAVY_PASS)
                        j = friend_at(indices, k)
                        if count_drag and report_view[_TWO * j] >= 0.0 and drags(report_view[_TWO * j + _ONE]):
                            low += 1
                        if j <= i:
                            continue  # decided by j's row
                        mark = 0
                        q_j = np.float64(report_view[_TWO * j])
                        if q_j >= 0.0:
                            u_out, u_in = rng.pair_uniforms(key, i, j)  # i acting on j, j acting on i
                            if u_out < q_i * abs(np.float64(report_view[_TWO * j + _ONE])):
                                c_j = critical[j]
                                if u_out < chance(q_i, c_j, false_ratio):
                                    made_i += 1
                                    mark |= REPORTED_TRUE if c_j > 0 else REPORTED_FALSE
                            if u_in < q_j * e_i and u_in < chance(q_j, c_i, false_ratio):
                                if c_i > 0:
                                    true_i += 1
                                else:
                                    false_i += 1
                                mark |= REPORTER
                        marks[k] = mark
                        any_mark |= mark != 0
                counts[i, MADE] = made_i
                counts[i, RECEIVED_TRUE] = true_i
                counts[i, RECEIVED_FALSE] = false_i
                marked[i] = any_mark
                if count_drag:
                    dragging[i] = low
            block = schedule.claim(claims)


#: marked rows `add_marked` looks ahead: their row bounds are fetched 2·MARKED_AHEAD rows
#: before use, their entries and marks MARKED_AHEAD rows before
MARKED_AHEAD = 4


@njit(cache=True)
def add_marked(indptr, ends, indices, marks, marked, counts):
    """The higher ends' part of `report`: each marked entry adds a report received (true or
    false) or made to the friend it points to: one place in memory per friend.

    The marked rows are few and scattered, so each visit waits for memory; asking for the
    rows a few visits ahead overlaps those waits (10⁶ agents: 8.8 → 5.0 ms; 10⁷: 114 → 81 ms)."""
    rows = np.flatnonzero(marked)
    m = len(rows)
    for t in range(m):
        if t + 2 * MARKED_AHEAD < m:
            r = rows[t + 2 * MARKED_AHEAD]
            prefetch.at(indptr, r)
            prefetch.at(ends, r)
        if t + MARKED_AHEAD < m:
            r = rows[t + MARKED_AHEAD]
            prefetch.at(indices, indptr[r])
            prefetch.at(marks, indptr[r])
        i = rows[t]
        for k in range(indptr[i], ends[i]):
            j = friend_at(indices, k)
            if j > i:  # the entries `report` wrote this step
                mark = marks[k]
                if mark & REPORTED_TRUE:
                    counts[j, RECEIVED_TRUE] += 1
                if mark & REPORTED_FALSE:
                    counts[j, RECEIVED_FALSE] += 1
                if mark & REPORTER:
                    counts[j, MADE] += 1
