"""Phase 8: social dynamics - unfriending, nudging, score sharing (MODEL.md step 8).

For each current tie (i, j) where j's score is visible and below the unfriending threshold,
i drops the tie with probability `unfriend_probability` · conformity_i, scaled by
`non_drag_factor` unless j actually drags i's score (friend mode `drag`, j below θ; Wei et
al. 2016 show score-motivated agents prune such ties). A tie goes when either end drops it.
Agents nudge visible low-scoring friends (raising their perceived severity); high scorers
share their score (bragging; ACLU 2015 counted ~100,000 on Weibo).

After sharing, unfriending visits only the rows of the agents that can be dropped: each
friend's decision to drop a droppable agent is made in that agent's row, from draws keyed
by the row (`unfriend`), and a tie that goes has both of its entries marked. Then one pass
over each agent's row does the rest: the nudges it receives, the fear it learns from its
friends, and what the record and the next step's adoption need of its ties (friends left,
enrolled friends, their scores), closing the row up over its marked entries. Every
decision is made in one row, a mark is the same whoever writes it, and every row is closed
up by one thread, so the result does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from .. import atomic, prefetch, schedule
from ..graph import NO_ROWS, find_entry, friend_at, friend_id, mark_dropped
from . import expression, rng


# What the phase-8 passes read of a friend: flags (enrolled, a > τ, observed, punished,
# visible and below the unfriending threshold, below the drag threshold) instead of six
# arrays, as a byte (unfriending) and together with the new score in one 4-byte view (the
# row pass, `view_of`), and, only where a flag says so, a and conformity. (Contiguous
# arrays: a NumPy record array of the same fields gathered 2-3x slower; an 8-byte record of
# a float32 score and the flags, slower than the two arrays at 10⁷.)
ENROLLED, DISSENTER, OBSERVED, PUNISHED, UNFRIENDABLE, DRAGS = 1, 2, 4, 8, 16, 32
#: the bits of a friend's view (`view_of`) that hold its flags
VIEW_FLAGS = 0x3F


@intrinsic
def _float_bits(typingctx, x):
    """The bits of a float32, as a uint32."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.uint32(types.float32), codegen


@intrinsic
def _bits_float(typingctx, bits):
    """The float32 whose bits are a uint32."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.uint32), codegen


@njit(inline="always", cache=True)
def view_of(score, flags):
    """A friend's view in 4 bytes: its score as float32 rounded to 17 bits of fraction, the
    lowest 6 of the 23 bits holding its flags instead, so that the row pass gathers one
    array per friend rather than the flag bytes and the scores (10⁷ agents, step 60: the row
    pass 672 → 462 ms). The score so seen is rounded to nearest (its bits rounded half
    up: no bias either way), within 2⁻¹⁸ of it relatively (0.002 at a score of 950)."""
    bits = _float_bits(np.float32(score)) + np.uint32(VIEW_FLAGS // 2 + 1)
    return (bits & np.uint32(~VIEW_FLAGS & 0xFFFFFFFF)) | np.uint32(flags)


@njit(inline="always", cache=True)
def seen_score(view):
    """The score a friend's view shows (`view_of`), in float64."""
    return np.float64(_bits_float(view & np.uint32(~VIEW_FLAGS & 0xFFFFFFFF)))

#: friends counts whose chance of no nudge `rows` looks up (a power per count above it)
_NONE_TABLE = 256


@njit(parallel=True, cache=True)
def share(key, score, enrolled, threshold, p, shared, shared_now):
    """High scorers (enrolled, score ≥ threshold) share (brag about) their score with chance
    p; a shared score stays visible. At a small p (up to `rng.RARE`) the chances to share
    are found by a walk by geometric gaps over fixed segments of agents (`rng.walk`) and
    taken by the high scorers among them: a draw per chance instead of one per high scorer."""
    n = len(score)
    if p > rng.RARE:
        for i in prange(n):
            s = enrolled[i] and score[i] >= threshold and rng.uniform(key, i, 0) < p
            shared_now[i] = s
            if s:
                shared[i] = True
        return
    keep_pow, log_keep = rng.keep_powers(p, rng.KEEP_TABLE)
    for seg in prange(rng.segments(n)):
        first, end = rng.segment(seg, n)
        shared_now[first:end] = False
        hits = np.empty(end - first, np.int64)
        for c in range(rng.walk(key, first, end, keep_pow, log_keep, hits)):
            i = hits[c]
            if enrolled[i] and score[i] >= threshold:
                shared_now[i] = True
                shared[i] = True


@njit(parallel=True, cache=True)
def flag(enrolled, shared, public, score, expressed, observed, punished, tau, unfriend_threshold,
         drag_threshold, nudge_threshold, out, view, nudged):
    """What friends can see of each agent this phase (visible: enrolled, and public or shared);
    returns how many agents can be dropped (visible and below the unfriending threshold)."""
    droppable = 0
    for i in prange(len(score)):
        f = 0
        low_visible = False
        if enrolled[i]:
            f |= ENROLLED
            if expressed[i] > tau:
                f |= DISSENTER
            if score[i] < drag_threshold:
                f |= DRAGS
            visible = public or shared[i]
            if visible and score[i] < unfriend_threshold:
                f |= UNFRIENDABLE
                droppable += 1
            low_visible = visible and score[i] < nudge_threshold
        nudged[i] = low_visible
        if observed[i]:
            f |= OBSERVED
        if punished[i]:
            f |= PUNISHED
        out[i] = f
        view[i] = view_of(score[i], f)
    return droppable


@njit(inline="always", cache=True)
def _drop_chance(p, conformity, flags, actor, target_flags, drag_mode, non_drag):
    """Chance that `actor` drops a visible low-scoring target: p · conformity, times
    non_drag_factor unless the target drags the actor's score (mode drag, both enrolled,
    s < θ). The actor's flags are read only in mode drag."""
    q = p * conformity[actor]
    if not (drag_mode and (target_flags & DRAGS) and (flags[actor] & ENROLLED)):
        q *= non_drag
    return q


@njit(parallel=True, cache=True)
def rows(nudge_key, indptr, ends, indices, flags, view, expressed, nudged, nudge_p, learn, severity, learning_rate,
         nudge_fear, centre, nudges, perc_nu, perc_psi, dropped, friends, enrolled_friends, friend_score_sum,
         friend_score_sq, dragging):
    """Nudges received, fear learned, and the ties left, in one pass over each row, after
    `unfriend` has marked the ties dropped this step.

    Row i reads its friends' flags and scores and the ties current at the start of the phase
    (those marked dropped included), and writes only its own variables and its own row, which
    it closes up over the marked entries (`FriendGraph`: kept entries move to the front, in
    order; `ends[i]` moves back). Afterwards: `dropped` = tie ends
    row i lost this step; `friends` / `enrolled_friends` = ties left (to enrolled friends);
    `friend_score_sum` / `friend_score_sq` = Σ (s_j − centre) and Σ (s_j − centre)² over the
    enrolled friends left (for the score assortativity of the record); `dragging` = enrolled
    friends left below the drag threshold (the next step's friend term in mode drag,
    `scoring.update`). `learn` switches off the fear part when a scenario does not use it.
    """
    nudge_none = rng.none_of_binomial_table(nudge_p, _NONE_TABLE)  # no nudges from n friends: (1 − p)^n
    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            for i in range(first, last):
                fi = flags[i]
                nudge_me = nudge_p > 0.0 and nudged[i]
                m = 0
                d = 0.0
                o = 0.0
                sa = 0.0
                seen = (fi & PUNISHED) != 0
                if fi & DISSENTER:
                    d += 1.0
                    sa += expressed[i]
                    if fi & OBSERVED:
                        o += 1.0
                start_deg = ends[i] - indptr[i]
                w = indptr[i]
                enr = 0
                low = 0
                sy = 0.0
                syy = 0.0
                for k in range(indptr[i], ends[i]):
                    prefetch.ahead(view, indices, k, 1, prefetch.LIGHT_PASS)
                    x = indices[k]
                    j = np.uint32(friend_id(x))  # a dropped entry holds ~j; unsigned: no negative-index check
                    vj = view[j]  # the friend's flags and score in one read
                    fj = vj & VIEW_FLAGS
                    if learn and fj & (DISSENTER | PUNISHED):  # one rarely taken test for the common case
                        if fj & DISSENTER:
                            d += 1.0
                            sa += expressed[j]
                            if fj & OBSERVED:
                                o += 1.0
                        if fj & PUNISHED:
                            seen = True
                    if x < 0:
                        continue  # dropped this step (rare: a predictable branch)
                    if w != k:
                        indices[w] = j
                    w += 1
                    # enrolled friends counted without a branch: before the mandatory step the
                    # test is a coin toss per friend (0 is added for the others: same sums)
                    e = fj & ENROLLED
                    enr += e
                    low += (fj & DRAGS) != 0  # set for enrolled agents only
                    y = (seen_score(vj) - centre) * e
                    sy += y
                    syy += y * y
                if nudge_me:  # each friend nudges independently: the count is Binomial(friends, p), one draw
                    none = (nudge_none[start_deg] if start_deg < _NONE_TABLE
                            else rng.none_of_binomial(start_deg, nudge_p))
                    m = rng.binomial_none_given(nudge_key, i, 0, start_deg, nudge_p, none)
                nudges[i] = min(m, 32767)
                if (learn and (d > 0.0 or seen)) or m > 0:  # otherwise nothing to learn: perceptions stay
                    nu, psi = expression.learned(perc_nu[i], perc_psi[i], d, o, sa, seen, nudges[i], severity,
                                                 learning_rate, nudge_fear)
                    perc_nu[i] = nu
                    perc_psi[i] = psi
                dropped[i] = ends[i] - w
                ends[i] = w
                friends[i] = w - indptr[i]
                enrolled_friends[i] = enr
                friend_score_sum[i] = sy
                friend_score_sq[i] = syy
                dragging[i] = low
            block, first, last = schedule.take(claims, indptr)


#: `unfriend`'s pipeline, in candidates drawn: a candidate's entry is asked for when it is
#: drawn, its friend's values and row bounds READ_AT candidates later, and it is decided
#: SETTLE_AT candidates later; a tie that goes has its friend's entry marked MARK_AT ties
#: after the friend's row was asked for
_READ_AT, _SETTLE_AT, _MARK_AT, _PIPELINE = 4, 8, 8, 16


@njit(parallel=True, cache=True)
def unfriend(key, indptr, ends, indices, flags, conformity, p, drag_mode, non_drag, p_max, dropped, touched):
    """Unfriending (MODEL.md step 8.4), over the rows of the agents that can be dropped only:
    every decision "i drops its droppable friend j" is made in j's row, which marks both
    entries of a tie that goes (the friend's found by binary search in its sorted row) and
    touches both rows. `graph.prune` then closes up the touched rows, or `rows` closes up
    every row (it then passes an empty `touched`). `dropped` counts the ties each row
    dropped: a tie both of whose ends were dropped by the other counts in both rows.

    One decision per entry of a droppable row (i drops j with its chance q, `_drop_chance`;
    a tie both of whose ends are droppable is decided once in each row, so it goes with
    1 − (1 − q_ij)(1 − q_ji)). Instead of a draw per entry, the row draws only where a drop
    can happen: the candidates are a Bernoulli process over its entries at rate p_max ≥
    every q, walked by geometric gaps (`rng.gap_before`: one draw per candidate, and the
    row ends without a logarithm where no gap fits in the rest of it), and a candidate is
    kept with chance q / p_max (thinning; no draw where q = p_max). So each entry is dropped
    with its own chance from about p_max draws per entry instead of a hash per tie.

    A candidate's entry, its friend's values and the friend's row are at scattered places,
    so each block of rows feeds its candidates through a short pipeline that asks for each
    a few candidates before it is used (`_READ_AT`, `_SETTLE_AT`, `_MARK_AT`). Draws are
    keyed by the row and its candidate count, so the ties that go depend neither on the
    blocks nor on the thread count. A row's entries are read and marked by other rows'
    threads too: every reader decodes a mark (`friend_id`), and a mark written twice is
    written alike.

    Most droppable rows have no candidate at all; which ones may have one is decided first,
    for every row at once (`_first_draws`, a pass the compiler turns into vector code), so
    the walk below draws only in those rows: the same draws, the same ties dropped (sc-core,
    10⁵ agents at step 141, 4.8 × 10⁴ droppable rows: 0.88 → 0.47 ms)."""
    if p_max <= 0.0:
        dropped[:] = 0
        return
    p_max = min(p_max, 1.0)  # a chance of 1 or more always drops
    keep_pow, log_keep = rng.keep_powers(p_max, rng.KEEP_TABLE)  # (1 - p_max)^entries for short rows
    _first_draws(key, indptr, ends, flags, keep_pow, dropped)  # dropped[j] = -1: row j may have a candidate
    mask = _PIPELINE - 1
    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
        # the pipeline, once per worker (each block empties it before the next is taken):
        # candidates in flight: entry, row (whose draws key them), count in the row, friend
        entry = np.empty(_PIPELINE, np.int64)
        row = np.empty(_PIPELINE, np.int64)
        count = np.empty(_PIPELINE, np.int64)
        friend = np.empty(_PIPELINE, np.int64)
        # ties that went, whose friend's entry is still to be marked
        gone_row = np.empty(_PIPELINE, np.int64)
        gone_friend = np.empty(_PIPELINE, np.int64)
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            drawn = read = settled = went = marked = 0
            for j in range(first, last):
                if dropped[j] == 0:
                    continue  # no candidate in row j (`_first_draws`)
                dropped[j] = 0
                lo = indptr[j]
                left = ends[j] - lo  # entries after the last candidate
                c = 0
                u = rng.uniform(key, j, 0)
                while True:
                    gap = rng.gap_before(u, left, rng.none_among(keep_pow, log_keep, left), log_keep)
                    if gap < 0:  # no candidate among the entries left
                        break
                    c += 1
                    k = ends[j] - left + gap
                    left = ends[j] - k - 1
                    slot = drawn & mask
                    entry[slot] = k
                    row[slot] = j
                    count[slot] = c
                    prefetch.at(indices, k)
                    drawn += 1
                    if drawn - read > _READ_AT:
                        _read_friend(read & mask, entry, friend, indptr, ends, indices, conformity, flags, drag_mode)
                        read += 1
                    if drawn - settled > _SETTLE_AT:
                        went, marked = _settle(key, settled & mask, entry, row, count, friend, indptr, ends, indices,
                                               flags, conformity, p, drag_mode, non_drag, p_max, dropped, gone_row,
                                               gone_friend, went, marked, touched)
                        settled += 1
                    u = rng.uniform(key, j, 2 * c)
            while read < drawn:
                _read_friend(read & mask, entry, friend, indptr, ends, indices, conformity, flags, drag_mode)
                read += 1
            while settled < drawn:
                went, marked = _settle(key, settled & mask, entry, row, count, friend, indptr, ends, indices, flags,
                                       conformity, p, drag_mode, non_drag, p_max, dropped, gone_row, gone_friend, went,
                                       marked, touched)
                settled += 1
            while marked < went:
                _mark_friend(marked & mask, gone_row, gone_friend, indptr, ends, indices, touched)
                marked += 1
            block, first, last = schedule.take(claims, indptr)


@njit(parallel=True, cache=True)
def _first_draws(key, indptr, ends, flags, keep_pow, walk):
    """`unfriend`'s first draw in every row: walk[j] = -1 where row j can be dropped and the
    first candidate may fall among its entries (`rng.some_within` against (1 − p_max)^entries;
    always for rows longer than `keep_pow`'s table), else 0. Without branches or calls, so
    the compiler draws for several rows at once (vector code)."""
    last = len(keep_pow) - 1
    for j in prange(len(walk)):
        left = np.int64(ends[j] - indptr[j])
        u = rng.uniform(key, j, 0)
        none = keep_pow[min(left, last)]
        walk[j] = -np.int32(((flags[j] & UNFRIENDABLE) != 0) & ((left > last) | rng.some_within(u, none)))


@njit(inline="always", cache=True)
def _read_friend(slot, entry, friend, indptr, ends, indices, conformity, flags, drag_mode):
    """`unfriend`'s pipeline: the candidate's friend, whose values and row bounds are asked for."""
    i = friend_id(indices[entry[slot]])  # another row may have marked it already
    friend[slot] = i
    prefetch.at(conformity, i)
    prefetch.at(indptr, i)
    prefetch.at(ends, i)
    if drag_mode:
        prefetch.at(flags, i)


@njit(inline="always", cache=True)
def _settle(key, slot, entry, row, count, friend, indptr, ends, indices, flags, conformity, p, drag_mode, non_drag,
            p_max, dropped, gone_row, gone_friend, went, marked, touched):
    """`unfriend`'s pipeline: keep the candidate with chance q / p_max; a kept one marks its
    entry, asks for the start of the friend's row and is queued for `_mark_friend`, which
    takes the tie queued `_MARK_AT` ties before. Returns the ties queued and marked so far."""
    j = row[slot]
    i = friend[slot]
    q = _drop_chance(p, conformity, flags, np.uint32(i), flags[j], drag_mode, non_drag)
    if q >= p_max or rng.uniform(key, j, 2 * count[slot] - 1) * p_max < q:
        mark_dropped(indices, entry[slot])
        dropped[j] += 1
        prefetch.at(indices, indptr[i])
        gone = went & (_PIPELINE - 1)
        gone_row[gone] = j
        gone_friend[gone] = i
        went += 1
        if went - marked > _MARK_AT:
            _mark_friend(marked & (_PIPELINE - 1), gone_row, gone_friend, indptr, ends, indices, touched)
            marked += 1
    return went, marked


@njit(inline="always", cache=True)
def _mark_friend(slot, gone_row, gone_friend, indptr, ends, indices, touched):
    """`unfriend`'s pipeline: mark the friend's entry of a tie that went; touch both rows."""
    j = gone_row[slot]
    i = gone_friend[slot]
    mark_dropped(indices, find_entry(indptr, ends, indices, i, j))
    if len(touched):
        touched[i] = True
        touched[j] = True


def socialise(sim) -> None:
    """Phase 8: sharing first (visibility), unfriending decided from the droppable agents' rows,
    then nudges, fear learning and the ties left in one pass over every row."""
    st, pop, sc, g, ties = sim.state, sim.population, sim.scenario, sim.graph, sim.ties
    vis, so, ex, sp, fr = sc.policy.visibility, sc.behaviour.social, sc.behaviour.expression, sc.policy.speech, sc.policy.friends
    share(sim.key(rng.SHARE), st.score, st.enrolled, vis.share_threshold, so.share_probability, st.shared, sim.shared_now)
    droppable = flag(st.enrolled, st.shared, vis.public, st.score, st.expressed_dissent, st.observed, st.punished,
                     sp.tolerance, vis.unfriend_threshold, fr.drag_threshold, vis.nudge_threshold, sim.flags, sim.friend_view,
                     sim.nudged)
    p = so.unfriend_probability
    if droppable and p > 0.0:  # the highest drop chance bounds every tie's (`_drop_chance`)
        p_max = p * sim.conformity_max * max(1.0, so.non_drag_factor)
        unfriend(sim.key(rng.UNFRIEND), g.indptr, g.ends, g.indices, sim.flags, pop.conformity, p, fr.mode == "drag",
                 so.non_drag_factor, p_max, sim.dropped_per_row, NO_ROWS)  # `rows` closes up every row
    rows(sim.key(rng.NUDGE), g.indptr, g.ends, g.indices, sim.flags, sim.friend_view, st.expressed_dissent, sim.nudged,
         so.nudge_probability, ex.learning_rate > 0.0, sp.severity, ex.learning_rate, ex.nudge_fear, sim.score_centre,
         st.nudges, st.perceived_surveillance, st.perceived_severity, sim.dropped_per_row, ties.friends,
         ties.enrolled_friends, ties.friend_score_sum, ties.friend_score_sq, ties.dragging)


class Ties:
    """What the record and the next step need of each agent's ties, left by the phase-8 pass:
    friends, enrolled friends, Σ (s_j − centre), Σ (s_j − centre)² over them, how many of
    them are below the drag threshold (phase 6, mode drag; adoption corrects it for the
    agents whose enrolment it changes, `enrolment_changed`)."""

    def __init__(self, n: int):
        self.friends = np.zeros(n, np.int32)
        self.enrolled_friends = np.zeros(n, np.int32)
        self.friend_score_sum = np.zeros(n, np.float64)
        self.friend_score_sq = np.zeros(n, np.float64)
        self.dragging = np.zeros(n, np.int32)


def count_ties(sim) -> None:
    """Fill `sim.ties` from the current graph and state without changing anything else (the
    phase-8 pass with every rule off): at set-up and after a restore."""
    st, g, ties = sim.state, sim.graph, sim.ties
    n = st.size
    flag(st.enrolled, st.shared, True, st.score, st.expressed_dissent, st.observed, st.punished, np.inf, -np.inf,
         sim.scenario.policy.friends.drag_threshold, -np.inf, sim.flags, sim.friend_view, sim.nudged)
    rows(np.uint64(0), g.indptr, g.ends, g.indices, sim.flags, sim.friend_view, st.expressed_dissent, sim.nudged, 0.0,
         False, 0.0, 0.0, 0.0, sim.score_centre, np.zeros(n, np.int16), np.zeros(n, np.float32),
         np.zeros(n, np.float32), np.zeros(n, np.int32), ties.friends, ties.enrolled_friends, ties.friend_score_sum,
         ties.friend_score_sq, ties.dragging)


@njit(parallel=True, cache=True)
def _recount_dragging(indptr, ends, indices, before, enrolled, score, threshold, dragging):
    """For every agent whose enrolment changed, below the drag threshold: one more (enrolled
    now) or one fewer (no longer) dragging friend for each of its friends, added atomically
    (two changed agents may share a friend)."""
    for j in prange(len(enrolled)):
        if before[j] != enrolled[j] and score[j] < threshold:
            change = 1 if enrolled[j] else -1
            for k in range(indptr[j], ends[j]):
                atomic.add(dragging, friend_at(indices, k), change)


def enrolment_changed(sim, before: np.ndarray) -> None:
    """Phase 1 changed enrolment (from `before`): keep `sim.ties.dragging` (enrolled friends
    below the drag threshold, counted by the last phase-8 pass) true for this step's score
    update. Scores do not change between phase 8 and phase 6 of the next step, so only
    agents whose enrolment changed move a count."""
    g = sim.graph
    _recount_dragging(g.indptr, g.ends, g.indices, before, sim.state.enrolled, sim.state.score,
                      sim.scenario.policy.friends.drag_threshold, sim.ties.dragging)
