"""Phase 5: reporting by paid informants (MODEL.md step 5).

A friend i who sees j's critical posts reports j with probability 1 − (1 − q_i)^c_j, where
c_j is the number of j's critical posts and q_i = min(1, propensity_i · reward · sensitivity)
("informant propensity times the reward"); a friend with no critical post is falsely
reported with probability q_i · false_report_ratio. True reports count as observations by
the authority.

Each tie between enrolled agents is decided once, by the row of its lower end (`report`):
the two directions use the two halves of one counter-based draw of the pair
(`rng.pair_uniforms`), so a tie costs one hash and one read of the other end's report
chance, exposure and posts. The counts go straight to both ends as the tie is decided, by
atomic additions (`atomic.add`): another thread's row may be adding to the same agent's
counts, and integer counts do not depend on the order of the additions. Reports are rare
(about 1 tie end in 140 in the default preset), so the additions cost little. Phase 6
(`scoring.update`) reads the counts.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .. import atomic, prefetch, schedule
from ..graph import friend_at
from . import rng

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


@njit(parallel=True, cache=True)
def report(key, indptr, ends, indices, lower, report_view, critical, false_ratio, counts):
    """Every tie between enrolled agents, from the row of its lower end i: i reports j with the
    chance `chance(q_i, c_j)`, j reports i with `chance(q_j, c_i)`, each from its half of the
    pair's draw. `report_view` holds (q, exposure) per agent, (−1, 0) for one not enrolled
    (`scoring.report_views`), so no tie to it passes a bound. The bound q · exposure ≥
    chance is tested first, so the exact chance (and the friend's posts) are read only for
    the few draws below it. A row reads
    only its entries to higher friends, which start after its `lower[i]` lower ones (counted
    by the last phase-8 pass, `social.rows`, which left the rows as they are): the lower
    friends decide the others.

    `counts` (N x 3: MADE, RECEIVED_TRUE, RECEIVED_FALSE, by the target's own posts) is
    overwritten with this step's reports: zeroed, then every report added to both of its
    ends, atomically (another row may be adding to the same agent)."""
    n = len(counts)
    for i in prange(n):
        counts[i, MADE] = 0
        counts[i, RECEIVED_TRUE] = 0
        counts[i, RECEIVED_FALSE] = 0
    added = counts.reshape(-1)  # agent j's count c at 3j + c
    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            for i in range(first, last):
                made_i = 0
                true_i = 0
                false_i = 0
                q_i = np.float64(report_view[2 * i])
                if q_i >= 0.0:
                    c_i = critical[i]
                    e_i = np.float64(report_view[2 * i + 1])
                    for k in range(indptr[i] + lower[i], ends[i]):  # higher friends
                        prefetch.ahead(report_view, indices, k, 2, prefetch.HEAVY_PASS)
                        j = friend_at(indices, k)
                        # no test of the friend's enrolment: its (−1, 0) in report_view fails both bounds
                        q_j = np.float64(report_view[_TWO * j])
                        u_out, u_in = rng.pair_uniforms(key, i, j)  # i acting on j, j acting on i
                        if u_out < q_i * np.float64(report_view[_TWO * j + _ONE]):
                            c_j = critical[j]
                            if u_out < chance(q_i, c_j, false_ratio):
                                made_i += 1
                                atomic.add(added, 3 * j + (RECEIVED_TRUE if c_j > 0 else RECEIVED_FALSE), 1)
                        if u_in < q_j * e_i and u_in < chance(q_j, c_i, false_ratio):
                            if c_i > 0:
                                true_i += 1
                            else:
                                false_i += 1
                            atomic.add(added, 3 * j + MADE, 1)
                if made_i:
                    atomic.add(added, 3 * i + MADE, made_i)
                if true_i:
                    atomic.add(added, 3 * i + RECEIVED_TRUE, true_i)
                if false_i:
                    atomic.add(added, 3 * i + RECEIVED_FALSE, false_i)
            block, first, last = schedule.take(claims, indptr)
