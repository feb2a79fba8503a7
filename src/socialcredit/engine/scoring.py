"""Phase 6: the score update, exactly MODEL.md step 6 (after phase 5's reports).

For each enrolled agent i:
  B_i = Σ_e points_e · n_{i,e}                       (this step's events)
  r_i = s_i + B_i + λ (s0_i − s_i)                   (reversion toward the baseline)
  average: f_i = (1 − w) r_i + w · mean_{j ∈ F(i), enrolled} s_j   (f_i = r_i with no enrolled friends)
  drag:    f_i = r_i − p · #{j ∈ F(i), enrolled: s_j < θ}           (Wei et al. 2016)
  off:     f_i = r_i
  s_i ← clip(f_i, s_min, s_max)
With every event off and mode `average` this is the Friedkin–Johnsen model (Friedkin &
Johnsen 1990). Friends' scores are read at the start of the step; unenrolled agents keep
their score (they are not scored).

Reports (phase 5) are decided first, once per tie, by `reporting.report`; the dissent
sanction they can trigger and the friend term then come from one pass over the agents
(`update`). In mode `drag` the count of enrolled friends below θ is the one the previous
step's phase-8 pass left in `sim.ties` (scores do not change between phase 6 and the next
phase 5, and adoption corrects the counts of the friends of agents whose enrolment it
changed: `social.enrolment_changed`), so `update` reads no row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .. import prefetch, schedule
from ..graph import NO_ROWS, friend_at
from . import reporting, rng

OFF, AVERAGE, DRAG = 0, 1, 2
MODES = {"off": OFF, "average": AVERAGE, "drag": DRAG}

# positions in the points vector
P_CRITICAL, P_PRO, P_REPAID, P_MISSED, P_JUDGMENT, P_MADE, P_RECEIVED, P_DEED = range(8)

#: `update`'s dragging-friend counts outside mode drag
_NO_COUNTS = np.zeros(0, np.int32)


def points_vector(points) -> np.ndarray:
    return np.array([points.post_critical, points.post_pro_state, points.repayment, points.default,
                     points.court_judgment, points.report_made, points.report_received, points.good_deed],
                    dtype=np.float64)


@njit(parallel=True, cache=True)
def event_points(enrolled, pts, purchase_points, critical, pro_state, purchases, repaid, missed, judgment, deeds, out):
    """B_i = Σ_e points_e · n_{i,e} over this step's own events (reports and the sanction are
    added by `update`, which counts them)."""
    n = len(out)
    n_cat = len(purchase_points)
    for i in prange(n):
        if not enrolled[i]:
            out[i] = 0.0
            continue
        b = (pts[P_CRITICAL] * critical[i] + pts[P_PRO] * pro_state[i] + pts[P_REPAID] * repaid[i]
             + pts[P_MISSED] * missed[i] + pts[P_JUDGMENT] * judgment[i] + pts[P_DEED] * deeds[i])
        for c in range(n_cat):
            b += purchase_points[c] * purchases[i, c]
        out[i] = b


@njit(inline="always", cache=True)
def sanction_points(expressed, tau, severity, proportional, points_per_severity):
    """Observed punishable dissent (a > τ): ψ (uniform) or ψ(a − τ) (proportional), in points."""
    cost = severity * (expressed - tau) if proportional else severity
    return cost * points_per_severity


@njit(inline="always", cache=True)
def friend_mean_terms(indptr, ends, indices, score, enrolled, everyone, i):
    """(Σ s_j, count) over i's enrolled friends; a bare gather loop when everyone is enrolled."""
    lo = indptr[i]
    hi = ends[i]
    total = 0.0
    if everyone:
        for k in range(lo, hi):
            prefetch.ahead(score, indices, k, 1, prefetch.LIGHT_PASS)
            total += score[friend_at(indices, k)]
        return total, hi - lo
    count = 0
    for k in range(lo, hi):
        prefetch.ahead(score, indices, k, 1, prefetch.LIGHT_PASS)
        j = friend_at(indices, k)
        if enrolled[j]:
            total += score[j]
            count += 1
    return total, count


@njit(inline="always", cache=True)
def friend_mean_closing(indptr, ends, indices, score, touched, i):
    """(Σ s_j, count) over i's friends (everyone enrolled) in a row that holds entries
    marked dropped (`graph.mark_dropped`): they are skipped, and the row is closed up over
    them as `graph.prune` would (kept entries to the front, in order; `ends[i]` back), and
    its `touched` cleared."""
    touched[i] = False
    w = indptr[i]
    total = 0.0
    for k in range(indptr[i], ends[i]):
        prefetch.ahead(score, indices, k, 1, prefetch.LIGHT_PASS)
        x = indices[k]
        if x < 0:
            continue  # dropped last step (rare: a predictable branch)
        if w != k:
            indices[w] = x
        w += 1
        total += score[np.uint32(x)]
    ends[i] = w
    return total, w - indptr[i]


@njit(inline="always", cache=True)
def _update_agent(i, indptr, ends, indices, score, baseline, enrolled, points, reversion, friends, closing, everyone,
                  touched, s_min, s_max, out, dragging, reports, counts, made_out, true_out, false_out, observed,
                  times_reported, sanction, expressed, punished, penalty, times_punished):
    """`update`'s work for agent i."""
    mode, weight, drag_penalty, alone_self = friends
    rep_on, pts_made, pts_received = reports
    sanction_on, tau, severity, proportional, points_per_severity = sanction
    s = score[i]
    if not enrolled[i]:
        out[i] = s
        if rep_on:
            made_out[i] = 0
            true_out[i] = 0
            false_out[i] = 0
        if sanction_on:
            punished[i] = False
            penalty[i] = 0.0
        return
    total = 0.0
    count = 0
    low = 0
    if mode == AVERAGE:
        if closing and touched[i]:
            total, count = friend_mean_closing(indptr, ends, indices, score, touched, i)
        else:
            total, count = friend_mean_terms(indptr, ends, indices, score, enrolled, everyone, i)
    elif mode == DRAG:
        low = dragging[i]
    b = points[i]
    if rep_on:
        made_i = counts[i, reporting.MADE]
        true_rep = counts[i, reporting.RECEIVED_TRUE]
        false_rep = counts[i, reporting.RECEIVED_FALSE]
        made_out[i] = min(made_i, 32767)
        true_out[i] = min(true_rep, 32767)
        false_out[i] = min(false_rep, 32767)
        times_reported[i] += true_rep + false_rep
        if true_rep > 0:
            observed[i] = True
        b += pts_made * made_i + pts_received * (true_rep + false_rep)
    if sanction_on:
        p = observed[i] and expressed[i] > tau
        punished[i] = p
        if p:
            cost = sanction_points(np.float64(expressed[i]), tau, severity, proportional, points_per_severity)
            penalty[i] = cost
            times_punished[i] += 1
            b -= cost
        else:
            penalty[i] = 0.0
    r = s + b + reversion * (baseline[i] - s)
    f = r
    if mode == AVERAGE:
        if count > 0:
            f = (1.0 - weight) * r + weight * (total / count)
        elif alone_self:
            f = (1.0 - weight) * r + weight * s
    elif mode == DRAG:
        f = r - drag_penalty * low
    out[i] = min(max(f, s_min), s_max)


@njit(cache=True)
def all_true(flags):
    """Whether every flag is set, eight at a time (one 8-byte word of the bool array against
    eight bytes of 1): 10⁷ flags in 0.6 ms, against 3.5 ms one by one. A byte other than 0
    or 1 reads as not set, so the answer errs only towards False."""
    n = len(flags)
    whole = n - n % 8
    words = flags[:whole].view(np.uint64)
    ones = np.uint64(0x0101010101010101)
    for k in range(len(words)):
        if words[k] != ones:
            return False
    for i in range(whole, n):
        if not flags[i]:
            return False
    return True


@njit(parallel=True, cache=True)
def update(indptr, ends, indices, score, baseline, enrolled, points, reversion, friends, touched, s_min, s_max,
           out, dragging, reports, counts, made_out, true_out, false_out, observed,
           times_reported, sanction, expressed, punished, penalty, times_punished):
    """Phase 6 for every agent in one pass over its row, with the points of phase 5's reports
    and the dissent sanction (MODEL.md steps 5 and 6).

    Row i's friends are indices[indptr[i]:ends[i]] (`FriendGraph`). friends = (mode, weight w, drag penalty p,
    alone_self): `alone_self` only changes agents without enrolled friends in mode `average`:
    False keeps f_i = r_i (MODEL.md); True takes the friend mean to be s_i itself (the
    sc-core benchmark). `touched` (mode `average` with everyone enrolled; empty otherwise)
    names the rows holding entries marked dropped since the last pass: they are skipped and
    the row closed up on the way (`friend_mean_closing`), and `touched` cleared, so that a
    caller need not `graph.prune` them first. (An argument of its own: Numba loses writes
    to an array passed inside a tuple to a parallel loop, numba/numba#5872.) Mode
    `average` reads the friends' scores (`friend_mean_terms`); mode `drag` takes the count
    of enrolled friends below θ from `dragging` (`sim.ties.dragging`; an empty array in
    the other modes).
    reports = (on, points per report made, points per report received): when on, the
    reports i made and received this step are in row i of `counts` (`reporting.report`:
    MADE, RECEIVED_TRUE, RECEIVED_FALSE); they are stored into made_out, true_out and false_out, and a true
    report marks i observed. sanction = (on, τ, ψ, proportional, points per unit ψ): an observed enrolled
    agent with a > τ is punished. B_i = points_i + report points − sanction.
    """
    mode = friends[0]
    closing = len(touched) > 0
    n = len(score)
    everyone = all_true(enrolled)
    if closing and not (everyone and mode == AVERAGE):
        raise ValueError("closing rows up needs mode average with everyone enrolled")
    if mode == AVERAGE:  # the pass reads the rows
        claims = schedule.claims(indptr)
        for _ in prange(schedule.WORKERS):  # blocks of rows claimed as threads come free
            block, first, last = schedule.take(claims, indptr)
            while block >= 0:
                for i in range(first, last):
                    _update_agent(i, indptr, ends, indices, score, baseline, enrolled, points, reversion, friends,
                                  closing, everyone, touched, s_min, s_max, out, dragging, reports, counts,
                                  made_out, true_out, false_out, observed, times_reported, sanction, expressed,
                                  punished, penalty, times_punished)
                block, first, last = schedule.take(claims, indptr)
    else:  # the same work for every agent: an equal share of the agents for each thread
        for i in prange(n):
            _update_agent(i, indptr, ends, indices, score, baseline, enrolled, points, reversion, friends, closing,
                          everyone, touched, s_min, s_max, out, dragging, reports, counts, made_out, true_out,
                          false_out, observed, times_reported, sanction, expressed, punished, penalty, times_punished)


def score_all(sim) -> None:
    """Phases 5-6: this step's own event points, the reports (`reporting.report`), then the
    dissent sanction and the score update in one pass over the rows."""
    st, g, pop, pol = sim.state, sim.graph, sim.population, sim.scenario.policy
    sp, fr, inf = pol.speech, pol.friends, pol.informants
    event_points(st.enrolled, sim.points, sim.purchase_points, st.critical_posts, st.pro_state_posts, st.purchases,
                 st.repaid, st.missed, st.judgment, st.good_deeds, sim.event_points)
    reward = pol.points.report_made
    reports_on = reporting.active(inf, reward)
    mode = MODES[fr.mode]
    counts = sim.report_counts
    if reports_on:
        scale = reporting.propensity_scale(inf, reward)
        reporting.report_chances(st.enrolled, pop.informant, scale, sim.report_chance)
        reporting.report(sim.key(rng.REPORTING), g.indptr, g.ends, g.indices, sim.report_chance, st.critical_posts,
                         float(inf.false_report_ratio), reporting.highest_chance(sim.informant_max, scale), counts,
                         sim.walk)
    else:
        st.reports_made[:] = 0
        st.reports_true[:] = 0
        st.reports_false[:] = 0
    # in mode drag, the enrolled friends below θ as phase 8 and adoption left them
    dragging = sim.ties.dragging if mode == DRAG else _NO_COUNTS
    update(g.indptr, g.ends, g.indices, st.score, st.baseline, st.enrolled, sim.event_points, pol.reversion,
           (mode, float(fr.weight), float(fr.drag_penalty), False), NO_ROWS, pol.score_min, pol.score_max, sim.next_score,
           dragging, (reports_on, float(reward), float(pol.points.report_received)), counts,
           st.reports_made, st.reports_true, st.reports_false, st.observed, st.times_reported,
           (sp.severity > 0.0, float(sp.tolerance), float(sp.severity), sp.punishment == "proportional",
            float(sp.points_per_severity)),
           st.expressed_dissent, st.punished, sim.penalty, st.times_punished)
    if not sp.severity > 0.0:
        st.punished[:] = False
        sim.penalty[:] = 0.0
    st.score, sim.next_score = sim.next_score, st.score
