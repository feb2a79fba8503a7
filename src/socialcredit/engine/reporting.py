"""Phase 5: reporting by paid informants (MODEL.md step 5).

A friend i who sees j's critical posts reports j with probability 1 − (1 − q_i)^c_j, where
c_j is the number of j's critical posts and q_i = min(1, propensity_i · reward · sensitivity)
("informant propensity times the reward"); a friend with no critical post is falsely
reported with probability q_i · false_report_ratio. True reports count as observations by
the authority. Both sides of a report use the same counter-based draw (reporter, target),
so the per-target and per-reporter passes agree without any shared writes.
"""

from __future__ import annotations

from numba import njit, prange

from . import rng

NONE, TRUE_REPORT, FALSE_REPORT = 0, 1, 2


@njit(inline="always", cache=True)
def outcome(key, reporter, target, q, critical, false_ratio):
    if q <= 0.0:
        return NONE
    u = rng.uniform(key, reporter, target)
    if critical > 0:
        return TRUE_REPORT if u < 1.0 - (1.0 - q) ** critical else NONE
    return FALSE_REPORT if u < q * false_ratio else NONE


@njit(parallel=True, cache=True)
def reports_received(key, indptr, indices, alive, enrolled, informant, reward, sensitivity, false_ratio,
                     critical, observed, true_out, false_out, times_reported):
    n = len(critical)
    for j in prange(n):
        t = 0
        f = 0
        if enrolled[j]:
            for k in range(indptr[j], indptr[j + 1]):
                if alive[k]:
                    i = indices[k]
                    if enrolled[i]:
                        q = min(1.0, informant[i] * reward * sensitivity)
                        r = outcome(key, i, j, q, critical[j], false_ratio)
                        if r == TRUE_REPORT:
                            t += 1
                        elif r == FALSE_REPORT:
                            f += 1
        true_out[j] = min(t, 32767)
        false_out[j] = min(f, 32767)
        if t > 0:
            observed[j] = True
        times_reported[j] += t + f


@njit(parallel=True, cache=True)
def reports_made(key, indptr, indices, alive, enrolled, informant, reward, sensitivity, false_ratio,
                 critical, made_out):
    n = len(critical)
    for i in prange(n):
        m = 0
        if enrolled[i]:
            q = min(1.0, informant[i] * reward * sensitivity)
            for k in range(indptr[i], indptr[i + 1]):
                if alive[k]:
                    j = indices[k]
                    if enrolled[j] and outcome(key, i, j, q, critical[j], false_ratio) != NONE:
                        m += 1
        made_out[i] = min(m, 32767)


def report_all(sim) -> None:
    st, pop, pol = sim.state, sim.population, sim.scenario.policy
    inf = pol.informants
    reward = pol.points.report_made
    if inf.sensitivity <= 0.0 or reward <= 0.0:
        st.reports_true[:] = 0
        st.reports_false[:] = 0
        st.reports_made[:] = 0
        return
    g, key = sim.graph, sim.key(rng.REPORTING)
    reports_received(key, g.indptr, g.indices, g.alive, st.enrolled, pop.informant, reward, inf.sensitivity,
                     inf.false_report_ratio, st.critical_posts, st.observed, st.reports_true, st.reports_false,
                     st.times_reported)
    reports_made(key, g.indptr, g.indices, g.alive, st.enrolled, pop.informant, reward, inf.sensitivity,
                 inf.false_report_ratio, st.critical_posts, st.reports_made)
