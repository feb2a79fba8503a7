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
def report(key, indptr, indices, alive, enrolled, informant, reward, sensitivity, false_ratio,
           critical, observed, made_out, true_out, false_out, times_reported):
    """One pass over each agent's row: the reports it makes and the reports it receives."""
    n = len(critical)
    for i in prange(n):
        made = 0
        t = 0
        f = 0
        if enrolled[i]:
            q_i = min(1.0, informant[i] * reward * sensitivity)
            for k in range(indptr[i], indptr[i + 1]):
                if alive[k]:
                    j = indices[k]
                    if enrolled[j]:
                        if outcome(key, i, j, q_i, critical[j], false_ratio) != NONE:
                            made += 1
                        q_j = min(1.0, informant[j] * reward * sensitivity)
                        r = outcome(key, j, i, q_j, critical[i], false_ratio)
                        if r == TRUE_REPORT:
                            t += 1
                        elif r == FALSE_REPORT:
                            f += 1
        made_out[i] = min(made, 32767)
        true_out[i] = min(t, 32767)
        false_out[i] = min(f, 32767)
        if t > 0:
            observed[i] = True
        times_reported[i] += t + f


def report_all(sim) -> None:
    st, pop, pol = sim.state, sim.population, sim.scenario.policy
    inf = pol.informants
    reward = pol.points.report_made
    if inf.sensitivity <= 0.0 or reward <= 0.0:
        st.reports_true[:] = 0
        st.reports_false[:] = 0
        st.reports_made[:] = 0
        return
    g = sim.graph
    report(sim.key(rng.REPORTING), g.indptr, g.indices, g.alive, st.enrolled, pop.informant, reward, inf.sensitivity,
           inf.false_report_ratio, st.critical_posts, st.observed, st.reports_made, st.reports_true, st.reports_false,
           st.times_reported)
