"""Phase 7: tiers and their consequences, the blacklist's hard sanctions (MODEL.md step 7).

Consequences live in a small table, one row per tier plus a last row for unenrolled
agents; an agent's row is a lookup, never a per-agent copy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import rng

TRAVEL, LOANS, LOAN_RATE, INTERNET, JOBS, WAIT, DATING, PERK = range(8)
COLUMNS = ("travel", "loans", "loan_rate", "internet_speed", "job_access", "service_wait", "dating_prominence", "perk_value")


def consequence_table(policy) -> np.ndarray:
    """(T + 1, 8) float64: tiers in order, then the unenrolled row."""
    rows = [[float(getattr(t, c)) for c in COLUMNS] for t in policy.tiers]
    rows.append([float(getattr(policy.unenrolled, c)) for c in COLUMNS])
    return np.asarray(rows, dtype=np.float64)


@njit(inline="always", cache=True)
def tier_index(score, tier_mins):
    """Highest tier whose min_score <= score (tiers in increasing order, the scenario checks;
    the first starts at score_min): the count of the higher tiers' minima reached, without a
    branch. A binary search branched on every agent's score, and the processor mispredicted
    it: at 10⁶ agents 5.8–6.3 ms against 0.7 ms for the count (the presets have 1-6 tiers)."""
    t = 0
    for m in range(1, len(tier_mins)):
        t += tier_mins[m] <= score
    return t


@njit(inline="always", cache=True)
def row_of(enrolled, tier, n_tiers):
    return tier if enrolled else n_tiers


@njit(inline="always", cache=True)
def job_access(table, row, blacklisted, bl_enabled, bl_jobs):
    j = table[row, JOBS]
    if blacklisted and bl_enabled and bl_jobs < j:
        j = bl_jobs
    return j


@njit(inline="always", cache=True)
def may_travel(table, row, blacklisted, bl_enabled, bl_travel_ban):
    if blacklisted and bl_enabled and bl_travel_ban:
        return False
    return table[row, TRAVEL] > 0.5


@njit(inline="always", cache=True)
def may_borrow(table, row, blacklisted, bl_enabled, bl_loan_ban):
    if blacklisted and bl_enabled and bl_loan_ban:
        return False
    return table[row, LOANS] > 0.5


@njit(parallel=True, cache=True)
def apply_tiers(key, score, enrolled, blacklisted, tier, previous_tier, tier_mins, table,
                bl_enabled, bl_travel_ban, bl_jobs, travel_demand,
                income_now, dissent, expressed, boldness, penalty, points_per_severity,
                travel_denied, times_travel_denied, welfare, income_logged, log_income):
    """New tiers, travel denials and the welfare index of the step.

    Welfare (an index in utility units, documented in docs/model.md): log income, plus the
    internet-speed and dating-prominence perks, minus waits for services, denied travel, the
    cost of self-censorship β(δ − a) (Daymude et al. 2025) and the punishment received.
    An agent's income changes only with its job access, so log(1 + income) is kept with the
    income it was taken of (`income_logged`, NaN before the first) and taken again only when
    that changed: 10⁶ logarithms took 6 ms, the comparisons 0.4 ms.
    """
    n = len(score)
    n_tiers = len(tier_mins)
    for i in prange(n):
        previous_tier[i] = tier[i]
        t = tier_index(score[i], tier_mins)
        tier[i] = t
        row = row_of(enrolled[i], t, n_tiers)
        wants = rng.bernoulli(key, i, 0, travel_demand)
        denied = wants and not may_travel(table, row, blacklisted[i], bl_enabled, bl_travel_ban)
        travel_denied[i] = denied
        if denied:
            times_travel_denied[i] += 1
        x = max(income_now[i], 0.0)
        if x != income_logged[i]:
            income_logged[i] = x
            log_income[i] = np.log1p(x)
        w = log_income[i]
        w += 0.5 * (table[row, INTERNET] - 1.0) + 0.5 * (table[row, DATING] - 1.0)
        w -= 0.1 * table[row, WAIT]
        if denied:
            w -= 1.0
        w -= boldness[i] * (dissent[i] - expressed[i])
        if points_per_severity > 0.0:
            w -= penalty[i] / points_per_severity  # the punishment received, back in ψ (utility) units
        welfare[i] = w


def consequences_all(sim) -> None:
    """Phase 7: new tiers, travel denials and the welfare index of the step."""
    st, pop, pol, beh = sim.state, sim.population, sim.scenario.policy, sim.scenario.behaviour
    bl = pol.blacklist
    apply_tiers(sim.key(rng.CONSEQUENCES), st.score, st.enrolled, st.blacklisted, st.tier, st.previous_tier,
                sim.tier_mins, sim.table, bl.enabled, bl.travel_ban, bl.job_access, beh.social.travel_demand,
                st.income_now, pop.dissent, st.expressed_dissent, pop.boldness, sim.penalty,
                pol.speech.points_per_severity, st.travel_denied, st.times_travel_denied, st.welfare,
                sim.income_logged, sim.log_income)
