"""Phase 6: the score update, exactly MODEL.md step 6.

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
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

OFF, AVERAGE, DRAG = 0, 1, 2
MODES = {"off": OFF, "average": AVERAGE, "drag": DRAG}

# positions in the points vector
P_CRITICAL, P_PRO, P_REPAID, P_MISSED, P_JUDGMENT, P_MADE, P_RECEIVED, P_DEED = range(8)


def points_vector(points) -> np.ndarray:
    return np.array([points.post_critical, points.post_pro_state, points.repayment, points.default,
                     points.court_judgment, points.report_made, points.report_received, points.good_deed],
                    dtype=np.float64)


@njit(parallel=True, cache=True)
def event_points(enrolled, pts, purchase_points, critical, pro_state, purchases, repaid, missed, judgment, made,
                 rec_true, rec_false, deeds, penalty, out):
    """B_i = Σ_e points_e · n_{i,e} over this step's events, minus the dissent sanction."""
    n = len(out)
    n_cat = len(purchase_points)
    for i in prange(n):
        if not enrolled[i]:
            out[i] = 0.0
            continue
        b = (pts[P_CRITICAL] * critical[i] + pts[P_PRO] * pro_state[i] + pts[P_REPAID] * repaid[i]
             + pts[P_MISSED] * missed[i] + pts[P_JUDGMENT] * judgment[i] + pts[P_MADE] * made[i]
             + pts[P_RECEIVED] * (rec_true[i] + rec_false[i]) + pts[P_DEED] * deeds[i])
        for c in range(n_cat):
            b += purchase_points[c] * purchases[i, c]
        out[i] = b - penalty[i]


@njit(parallel=True, cache=True)
def update(indptr, indices, alive, score, baseline, enrolled, points, reversion, mode, weight, drag_penalty,
           drag_threshold, s_min, s_max, alone_self, out):
    """r_i = s_i + B_i + λ(s0_i − s_i), then the friend term, then the clip (MODEL.md step 6).

    `alone_self` only changes agents without enrolled friends in mode `average`: False keeps
    f_i = r_i (MODEL.md); True takes the friend mean to be s_i itself (the sc-core benchmark).
    When everyone is enrolled the friends' enrolment is not read (one gather less per tie).
    """
    n = len(score)
    everyone = True
    for i in range(n):
        if not enrolled[i]:
            everyone = False
            break
    for i in prange(n):
        s = score[i]
        if not enrolled[i]:
            out[i] = s
            continue
        r = s + points[i] + reversion * (baseline[i] - s)
        f = r
        if mode == AVERAGE:
            total = 0.0
            count = 0
            for k in range(indptr[i], indptr[i + 1]):
                if alive[k]:
                    j = indices[k]
                    if everyone or enrolled[j]:
                        total += score[j]
                        count += 1
            if count > 0:
                f = (1.0 - weight) * r + weight * (total / count)
            elif alone_self:
                f = (1.0 - weight) * r + weight * s
        elif mode == DRAG:
            low = 0
            for k in range(indptr[i], indptr[i + 1]):
                if alive[k]:
                    j = indices[k]
                    if score[j] < drag_threshold and (everyone or enrolled[j]):
                        low += 1
            f = r - drag_penalty * low
        out[i] = min(max(f, s_min), s_max)


@njit(parallel=True, cache=True)
def sanctions_for_dissent(enrolled, observed, expressed, tau, severity, proportional, points_per_severity,
                          punished, penalty, times_punished):
    """Observed punishable dissent (a > τ): ψ points (uniform) or ψ(a − τ) (proportional), scaled to points."""
    n = len(expressed)
    for i in prange(n):
        p = enrolled[i] and observed[i] and expressed[i] > tau and severity > 0.0
        punished[i] = p
        if p:
            cost = severity * (expressed[i] - tau) if proportional else severity
            penalty[i] = cost * points_per_severity
            times_punished[i] += 1
        else:
            penalty[i] = 0.0


def score_all(sim) -> None:
    """Phase 6: the dissent sanction, the events' points B_i, then the score update."""
    st, g, pol = sim.state, sim.graph, sim.scenario.policy
    sp, fr = pol.speech, pol.friends
    sanctions_for_dissent(st.enrolled, st.observed, st.expressed_dissent, sp.tolerance, sp.severity,
                          sp.punishment == "proportional", sp.points_per_severity, st.punished, sim.penalty,
                          st.times_punished)
    event_points(st.enrolled, sim.points, sim.purchase_points, st.critical_posts, st.pro_state_posts, st.purchases,
                 st.repaid, st.missed, st.judgment, st.reports_made, st.reports_true, st.reports_false, st.good_deeds,
                 sim.penalty, sim.event_points)
    update(g.indptr, g.indices, g.alive, st.score, st.baseline, st.enrolled, sim.event_points, pol.reversion,
           MODES[fr.mode], fr.weight, fr.drag_penalty, fr.drag_threshold, pol.score_min, pol.score_max, False,
           sim.next_score)
    st.score, sim.next_score = sim.next_score, st.score
