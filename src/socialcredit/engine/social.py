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

from . import expression, rng


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
def share(key, score, enrolled, threshold, p, shared, shared_now):
    """High scorers share (brag about) their score; a shared score stays visible."""
    n = len(score)
    for i in prange(n):
        s = enrolled[i] and score[i] >= threshold and rng.uniform(key, i, 0) < p
        shared_now[i] = s
        if s:
            shared[i] = True


@njit(parallel=True, cache=True)
def social_pass(unfriend_key, nudge_key, indptr, indices, alive, score, enrolled, shared, public, conformity,
                unfriend_threshold, unfriend_p, drag_mode, drag_threshold, non_drag, nudge_threshold, nudge_p,
                expressed, observed, punished, tau, severity, learning_rate, nudge_fear,
                nudges, perc_nu, perc_psi, dropped_per_row, learn, unfriending):
    """Phase 8 in one pass over each agent's row: nudges received, fear learned, ties dropped.

    Row i reads its friends' values and writes only its own entries and variables, so the
    pass needs no shared writes; a dropped tie is decided identically from both ends.
    `learn` and `unfriending` switch off the parts a scenario does not use (no gathers).
    """
    n = len(score)
    for i in prange(n):
        nudged = nudge_p > 0.0 and _visible(i, enrolled, shared, public) and score[i] < nudge_threshold
        m = 0
        d = 0.0
        o = 0.0
        sa = 0.0
        seen = punished[i]
        if enrolled[i] and expressed[i] > tau:
            d += 1.0
            sa += expressed[i]
            if observed[i]:
                o += 1.0
        dropped = 0
        for k in range(indptr[i], indptr[i + 1]):
            if not alive[k]:
                continue
            j = indices[k]
            if nudged and rng.uniform(nudge_key, j, i) < nudge_p:
                m += 1
            if learn:
                if enrolled[j] and expressed[j] > tau:
                    d += 1.0
                    sa += expressed[j]
                    if observed[j]:
                        o += 1.0
                if punished[j]:
                    seen = True
            if unfriending and (_drops(unfriend_key, i, j, score, enrolled, shared, public, conformity, unfriend_threshold, unfriend_p,
                       drag_mode, drag_threshold, non_drag)
                    or _drops(unfriend_key, j, i, score, enrolled, shared, public, conformity, unfriend_threshold,
                              unfriend_p, drag_mode, drag_threshold, non_drag)):
                alive[k] = False
                dropped += 1
        nudges[i] = min(m, 32767)
        if learn or m > 0:
            nu, psi = expression.learned(perc_nu[i], perc_psi[i], d, o, sa, seen, nudges[i], severity, learning_rate,
                                         nudge_fear)
            perc_nu[i] = nu
            perc_psi[i] = psi
        dropped_per_row[i] = dropped


def socialise(sim) -> None:
    """Phase 8: sharing first (visibility), then nudges, fear learning and unfriending in one pass."""
    st, pop, sc, g = sim.state, sim.population, sim.scenario, sim.graph
    vis, so, ex, sp, fr = sc.policy.visibility, sc.behaviour.social, sc.behaviour.expression, sc.policy.speech, sc.policy.friends
    share(sim.key(rng.SHARE), st.score, st.enrolled, vis.share_threshold, so.share_probability, st.shared, sim.shared_now)
    social_pass(sim.key(rng.UNFRIEND), sim.key(rng.NUDGE), g.indptr, g.indices, g.alive, st.score, st.enrolled,
                st.shared, vis.public, pop.conformity, vis.unfriend_threshold, so.unfriend_probability,
                fr.mode == "drag", fr.drag_threshold, so.non_drag_factor, vis.nudge_threshold, so.nudge_probability,
                st.expressed_dissent, st.observed, st.punished, sp.tolerance, sp.severity, ex.learning_rate,
                ex.nudge_fear, st.nudges, st.perceived_surveillance, st.perceived_severity, sim.dropped_per_row,
                ex.learning_rate > 0.0, so.unfriend_probability > 0.0)
