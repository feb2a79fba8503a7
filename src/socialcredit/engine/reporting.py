"""Phase 5: reporting by paid informants (MODEL.md step 5).

A friend i who sees j's critical posts reports j with probability 1 − (1 − q_i)^c_j, where
c_j is the number of j's critical posts and q_i = min(1, propensity_i · reward · sensitivity)
("informant propensity times the reward"); a friend with no critical post is falsely
reported with probability q_i · false_report_ratio. True reports count as observations by
the authority.

Reports are rare (about 1 tie end in 140 in the default preset), so each decision "i
reports j" is made in the target j's row, and only where a report can happen: the chance is
at most `bound` = the chance of the highest q (the reporters' q never exceeds the q of the
most inclined agent, `q_max`) for j's posts, so the candidates are a Bernoulli process at
that rate over j's friends, walked by geometric gaps (`rng.gap_before`), and a candidate is
kept with chance (its reporter's chance) / bound (thinning). A row costs one draw and a
table look-up when no candidate falls in it (most rows: a target without critical posts
has a bound of q_max · false_report_ratio), and only candidates read their reporter's
chance, at scattered places: each block of rows draws its candidates first, asking for
their reporters' chances as they are drawn, then decides them. The counts go to both ends
by atomic additions (`atomic.add`): another thread's row may be adding to the same
agent's counts, and integer counts do not depend on the order of the additions. Phase 6
(`scoring.update`) reads the counts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .. import atomic, prefetch, schedule
from ..graph import friend_at
from . import rng

#: columns of the per-agent counts (an N x 3 array, so one agent's counts share a cache line)
MADE, RECEIVED_TRUE, RECEIVED_FALSE = 0, 1, 2


def active(informants, reward: float) -> bool:
    """Reporting runs only when both the informants' sensitivity and the reward are positive."""
    return informants.sensitivity > 0.0 and reward > 0.0


def propensity_scale(informants, reward: float) -> float:
    """q_i = min(1, κ_i · scale): the chance that i reports one critical post it sees."""
    return reward * informants.sensitivity if active(informants, reward) else 0.0


@njit(parallel=True, cache=True)
def report_chances(enrolled, informant, q_scale, out):
    """What the report pass reads of a reporter (phase 5): its per-post report chance
    q = min(1, κ · scale) as float32, −1 for an agent not enrolled (so a report by it is
    never kept: `reporting.chance` of a negative q is 0)."""
    for i in prange(len(enrolled)):
        out[i] = min(1.0, informant[i] * q_scale) if enrolled[i] else -1.0


def highest_chance(informant_max: float, q_scale: float) -> float:
    """The q of the most inclined agent, rounded to float32 as `report_chances` rounds every
    q (rounding keeps order): no agent's q exceeds it."""
    return float(np.float32(min(1.0, informant_max * q_scale)))


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


#: posts counts below this read their bound and its powers from tables (`report`)
_POSTS_TABLE = 16
#: candidates a block draws before it reads their reporters' chances (then it draws on)
_BATCH = 1024


@njit(cache=True)
def bounds(q_max, false_ratio):
    """For c = 0 .. _POSTS_TABLE − 1 critical posts: the highest chance of a report
    (`chance(q_max, c)`), (1 − it)^entries for short rows, and log(1 − it)."""
    bound = np.empty(_POSTS_TABLE)
    keep_pow = np.empty((_POSTS_TABLE, rng.KEEP_TABLE))
    log_keep = np.empty(_POSTS_TABLE)
    for c in range(_POSTS_TABLE):
        bound[c] = chance(q_max, c, false_ratio)
        keep_pow[c], log_keep[c] = rng.keep_powers(bound[c], rng.KEEP_TABLE)
    return bound, keep_pow, log_keep


@njit(inline="always", cache=True)
def _bound(bound, log_keep, q_max, c, false_ratio):
    """(bound, log(1 − bound)) for a target with c critical posts."""
    if c < _POSTS_TABLE:
        return bound[c], log_keep[c]
    b = chance(q_max, c, false_ratio)
    return b, (math.log(1.0 - b) if b < 1.0 else -np.inf)


@njit(parallel=True, cache=True)
def report(key, indptr, ends, indices, q, critical, false_ratio, q_max, counts, walk):
    """Every ordered pair of friends (reporter i, target j), both enrolled, decided in row j:
    i reports j with the chance `chance(q_i, c_j)`. `q` holds each agent's per-post report
    chance, −1 for one not enrolled (`report_chances`), so a candidate reporter
    not enrolled is never kept and a target not enrolled is skipped; q_max ≥ every q.

    Draws on the target's counter (stream REPORTING): slot 0 for the first gap, then for
    its row's c-th candidate slot 2c − 1 (kept or not; not drawn where the reporter's
    chance is the bound or 0) and slot 2c (the next gap), so the reports depend neither on
    the blocks nor on the thread count.

    `counts` (N x 3: MADE, RECEIVED_TRUE, RECEIVED_FALSE, by the target's own posts) is
    overwritten with this step's reports: zeroed, then every report added to both of its
    ends, atomically.

    Most rows have no candidate at all; a first pass draws every row's first gap and sets
    walk[j] (a scratch array of N flags) where j is enrolled and the candidate may fall
    among its entries (`_may_walk`), without branches or calls, so the compiler draws for
    several rows at once (vector code), and rows are walked only where it is set: the same
    draws, the same reports (10⁶ agents of the default preset, steps 41 and 113: 14.1 →
    13.1 and 28.6 → 26.9 ms; 10⁷ agents, step 61: 150 → 137 ms)."""
    added = counts.reshape(-1)  # agent j's count c at 3j + c
    for k in prange(len(added)):
        added[k] = 0
    if q_max <= 0.0:
        return
    bound, keep_pow, log_keep = bounds(q_max, false_ratio)
    for i in prange(len(counts)):
        walk[i] = _may_walk(key, i, indptr, ends, q, critical, keep_pow)
    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
        # candidates drawn and not yet decided: entry (its reporter), target, count in the row
        entry = np.empty(_BATCH, np.int64)
        target = np.empty(_BATCH, np.int64)
        count = np.empty(_BATCH, np.int64)
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            held = 0
            for j in range(first, last):
                if not walk[j]:
                    continue  # not enrolled, or no candidate among its entries
                c_j = critical[j]
                b, lk = _bound(bound, log_keep, q_max, c_j, false_ratio)
                if b <= 0.0:
                    continue
                hi = ends[j]
                left = hi - indptr[j]  # entries after the last candidate
                c = 0
                u = rng.uniform(key, j, 0)
                while True:
                    none = keep_pow[c_j, left] if c_j < _POSTS_TABLE and left < rng.KEEP_TABLE else math.exp(left * lk)
                    gap = rng.gap_before(u, left, none, lk)
                    if gap < 0:
                        break
                    c += 1
                    k = hi - left + gap
                    left = hi - k - 1
                    entry[held] = k
                    target[held] = j
                    count[held] = c
                    prefetch.at(q, friend_at(indices, k))  # the reporter's chance, asked for now
                    held += 1
                    if held == _BATCH:
                        _decide(key, held, entry, target, count, indices, q, critical, false_ratio, q_max, bound,
                                log_keep, added)
                        held = 0
                    u = rng.uniform(key, j, 2 * c)
            _decide(key, held, entry, target, count, indices, q, critical, false_ratio, q_max, bound, log_keep, added)
            block, first, last = schedule.take(claims, indptr)


@njit(inline="always", cache=True)
def _may_walk(key, j, indptr, ends, q, critical, keep_pow):
    """Whether `report` walks row j: j is enrolled (q_j ≥ 0) and its first candidate may fall
    among its entries (`rng.some_within` for its first draw u against (1 − bound)^entries);
    always where its posts or entries are beyond the table of powers."""
    posts, width = keep_pow.shape
    c = np.int64(critical[j])
    left = np.int64(ends[j] - indptr[j])
    u = rng.uniform(key, j, 0)
    none = keep_pow[min(c, posts - 1), min(left, width - 1)]
    return (q[j] >= 0.0) & ((c >= posts) | (left >= width) | rng.some_within(u, none))


@njit(inline="always", cache=True)
def _decide(key, held, entry, target, count, indices, q, critical, false_ratio, q_max, bound, log_keep, added):
    """`report`'s candidates drawn so far: each kept with chance (its reporter's chance) /
    bound, and a report kept is added to both ends."""
    for m in range(held):
        j = target[m]
        i = friend_at(indices, entry[m])
        c_j = critical[j]
        p = chance(np.float64(q[i]), c_j, false_ratio)
        if p <= 0.0:
            continue
        b = _bound(bound, log_keep, q_max, c_j, false_ratio)[0]
        if p >= b or rng.uniform(key, j, 2 * count[m] - 1) * b < p:
            atomic.add(added, 3 * np.int64(i) + MADE, 1)
            atomic.add(added, 3 * j + (RECEIVED_TRUE if c_j > 0 else RECEIVED_FALSE), 1)
