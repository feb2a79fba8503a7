"""Phase 8: social dynamics - unfriending, nudging, score sharing (MODEL.md step 8).

For each current tie (i, j) where j's score is visible and below the unfriending threshold,
i drops the tie with probability `unfriend_probability` · conformity_i, scaled by
`non_drag_factor` unless j actually drags i's score (friend mode `drag`, j below θ; Wei et
al. 2016 show score-motivated agents prune such ties). A tie goes when either end drops it;
each tie that can go is decided once, from the row of its droppable end, so the CSR is
updated without races. Agents nudge visible low-scoring friends (raising their perceived severity);
high scorers share their score (bragging; ACLU 2015 counted ~100,000 on Weibo).
"""

from __future__ import annotations

from numba import njit, prange

from ..graph import find_entry
from . import expression, rng


# Per-agent flag bits read by friends in the phase-8 pass: one byte gathered per tie end
# instead of five arrays (enrolled, expressed, observed, punished, score, shared).
ENROLLED, DISSENTER, OBSERVED, PUNISHED, UNFRIENDABLE, DRAGS = 1, 2, 4, 8, 16, 32


@njit(parallel=True, cache=True)
def share(key, score, enrolled, threshold, p, shared, shared_now):
    """High scorers share (brag about) their score; a shared score stays visible."""
    n = len(score)
    for i in prange(n):
        s = enrolled[i] and score[i] >= threshold and rng.uniform(key, i, 0) < p
        shared_now[i] = s
        if s:
            shared[i] = True


@njit(parallel=True, cache=True)
def flag(enrolled, shared, public, score, expressed, observed, punished, tau, unfriend_threshold, drag_threshold,
         nudge_threshold, out, nudged):
    """What friends can see of each agent this phase, as bits (visible: enrolled, and public or shared)."""
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
            low_visible = visible and score[i] < nudge_threshold
        nudged[i] = low_visible
        if observed[i]:
            f |= OBSERVED
        if punished[i]:
            f |= PUNISHED
        out[i] = f


@njit(inline="always", cache=True)
def _drop_chance(p, conformity_actor, actor_flags, target_flags, drag_mode, non_drag):
    """Chance that `actor` drops a visible low-scoring `target`: p · conformity, times
    non_drag_factor unless the target drags the actor's score (mode drag, both enrolled, s < θ)."""
    q = p * conformity_actor
    if not (drag_mode and (actor_flags & ENROLLED) and (target_flags & DRAGS)):
        q *= non_drag
    return q


@njit(parallel=True, cache=True)
def watch(nudge_key, indptr, indices, alive, flags, expressed, nudge_p, nudged, severity, learning_rate, nudge_fear,
          nudges, perc_nu, perc_psi, learn):
    """Nudges received and fear learned, in one pass over each agent's row.

    Row i reads its friends' flags and writes only its own variables; `learn` switches off
    the fear part when a scenario does not use it.
    """
    n = len(flags)
    for i in prange(n):
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
        for k in range(indptr[i], indptr[i + 1]):
            if not alive[k]:
                continue
            j = indices[k]
            fj = flags[j]
            if nudge_me and rng.uniform(nudge_key, j, i) < nudge_p:
                m += 1
            if learn:
                if fj & DISSENTER:
                    d += 1.0
                    sa += expressed[j]
                    if fj & OBSERVED:
                        o += 1.0
                if fj & PUNISHED:
                    seen = True
        nudges[i] = min(m, 32767)
        if learn or m > 0:
            nu, psi = expression.learned(perc_nu[i], perc_psi[i], d, o, sa, seen, nudges[i], severity, learning_rate,
                                         nudge_fear)
            perc_nu[i] = nu
            perc_psi[i] = psi


@njit(parallel=True, cache=True)
def unfriend(key, indptr, indices, alive, flags, conformity, p, drag_mode, non_drag, dropped_per_row):
    """Ties dropped this step, decided from the rows of the agents that can be dropped.

    A tie (i, j) can go only if an end is visible and below the threshold (UNFRIENDABLE);
    it goes if j drops a droppable i or i drops a droppable j, each with its own draw keyed
    on (actor, target). Each such tie is decided once, by its owner: the droppable end, the
    lower id when both are. The owner clears both directions (the other by binary search
    in the sorted row), and no other thread touches that tie, so the pass has no races and
    its result does not depend on the thread count. `dropped_per_row` counts ties by owner.
    """
    n = len(flags)
    for i in prange(n):
        fi = flags[i]
        dropped = 0
        if fi & UNFRIENDABLE:
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                fj = flags[j]
                if (fj & UNFRIENDABLE) and j < i:
                    continue  # owned by j
                if not alive[k]:
                    continue
                drop = rng.uniform(key, j, i) < _drop_chance(p, conformity[j], fj, fi, drag_mode, non_drag)
                if not drop and (fj & UNFRIENDABLE):
                    drop = rng.uniform(key, i, j) < _drop_chance(p, conformity[i], fi, fj, drag_mode, non_drag)
                if drop:
                    alive[k] = False
                    alive[find_entry(indptr, indices, j, i)] = False
                    dropped += 1
        dropped_per_row[i] = dropped


def socialise(sim) -> None:
    """Phase 8: sharing first (visibility), then nudges and fear learning in one row pass, then unfriending."""
    st, pop, sc, g = sim.state, sim.population, sim.scenario, sim.graph
    vis, so, ex, sp, fr = sc.policy.visibility, sc.behaviour.social, sc.behaviour.expression, sc.policy.speech, sc.policy.friends
    share(sim.key(rng.SHARE), st.score, st.enrolled, vis.share_threshold, so.share_probability, st.shared, sim.shared_now)
    flags, nudged = sim.scratch_u8, sim.scratch_bool
    flag(st.enrolled, st.shared, vis.public, st.score, st.expressed_dissent, st.observed, st.punished, sp.tolerance,
         vis.unfriend_threshold, fr.drag_threshold, vis.nudge_threshold, flags, nudged)
    learn = ex.learning_rate > 0.0
    if learn or so.nudge_probability > 0.0:
        watch(sim.key(rng.NUDGE), g.indptr, g.indices, g.alive, flags, st.expressed_dissent, so.nudge_probability,
              nudged, sp.severity, ex.learning_rate, ex.nudge_fear, st.nudges, st.perceived_surveillance,
              st.perceived_severity, learn)
    else:
        st.nudges[:] = 0
    if so.unfriend_probability > 0.0:
        unfriend(sim.key(rng.UNFRIEND), g.indptr, g.indices, g.alive, flags, pop.conformity, so.unfriend_probability,
                 fr.mode == "drag", so.non_drag_factor, sim.dropped_per_row)
    else:
        sim.dropped_per_row[:] = 0
