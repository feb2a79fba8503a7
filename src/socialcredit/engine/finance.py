"""Phase 4: income, loans, repayment, default, and the court blacklist (MODEL.md steps 4, 7).

Income depends on the jobs open to the agent (its tier and blacklist status); wealth takes
shocks; instalments fall due every `instalment_every` steps and are paid with probability
`reliability` when the agent has the means, else they add to arrears; arrears reaching
`arrears_to_court` bring a court judgment, which puts the debtor on the blacklist with
`entry_probability` (SPC provisions 2013/2017). Clearing the arrears is the exit.
"""

from __future__ import annotations

from numba import njit, prange

from . import rng
from .consequences import LOAN_RATE, job_access, may_borrow, row_of


@njit(parallel=True, cache=True)
def finance(key, step, enrolled, blacklisted, tier, table, n_tiers, base_income, reliability, spending,
            bl_enabled, bl_loan_ban, bl_jobs, bl_entry,
            loan_demand, loan_size, loan_term, instalment_every, interest, living_cost, job_sensitivity,
            shock_p, shock_size, arrears_to_court, clear_p,
            wealth, income_now, loan_remaining, loan_instalment, loan_start, arrears, judged,
            repaid, missed, judgment, entry, exit_, loan_denied, times_loan_denied):
    n = len(wealth)
    for i in prange(n):
        row = row_of(enrolled[i], tier[i], n_tiers)
        inc = base_income[i] * (1.0 - job_sensitivity * (1.0 - job_access(table, row, blacklisted[i], bl_enabled, bl_jobs)))
        income_now[i] = inc
        w = wealth[i] + inc * (1.0 - living_cost) - spending[i]
        if rng.uniform(key, i, 0) < shock_p:
            w -= shock_size * base_income[i]
        repaid[i] = 0
        missed[i] = 0
        judgment[i] = False
        entry[i] = False
        exit_[i] = False
        loan_denied[i] = False
        if loan_remaining[i] > 0.0:
            if (step - loan_start[i]) % instalment_every == 0 and step > loan_start[i]:
                inst = min(loan_instalment[i], loan_remaining[i])
                if rng.uniform(key, i, 1) < reliability[i] and w >= inst:
                    w -= inst
                    loan_remaining[i] -= inst
                    repaid[i] = 1
                else:
                    missed[i] = 1
                    arrears[i] += 1
                    if arrears[i] >= arrears_to_court and not judged[i]:
                        judged[i] = True
                        judgment[i] = True
                        if bl_enabled and not blacklisted[i] and rng.uniform(key, i, 2) < bl_entry:
                            blacklisted[i] = True
                            entry[i] = True
            if arrears[i] > 0 and missed[i] == 0:
                due = arrears[i] * loan_instalment[i]
                if due > loan_remaining[i]:
                    due = loan_remaining[i]
                if w >= due and rng.uniform(key, i, 3) < clear_p:
                    w -= due
                    loan_remaining[i] -= due
                    arrears[i] = 0
                    judged[i] = False
                    if blacklisted[i]:
                        blacklisted[i] = False
                        exit_[i] = True
            if loan_remaining[i] <= 1e-9:
                loan_remaining[i] = 0.0
                if arrears[i] > 0:
                    arrears[i] = 0
                    judged[i] = False
                    if blacklisted[i]:
                        blacklisted[i] = False
                        exit_[i] = True
        elif rng.uniform(key, i, 4) < loan_demand:
            if may_borrow(table, row, blacklisted[i], bl_enabled, bl_loan_ban):
                principal = loan_size * base_income[i]
                total = principal * (1.0 + interest * table[row, LOAN_RATE])
                n_inst = max(1, loan_term // instalment_every)
                loan_remaining[i] = total
                loan_instalment[i] = total / n_inst
                loan_start[i] = step
                w += principal
            else:
                loan_denied[i] = True
                times_loan_denied[i] += 1
        wealth[i] = w


def finance_all(sim) -> None:
    st, pop, sc = sim.state, sim.population, sim.scenario
    f, bl = sc.behaviour.finance, sc.policy.blacklist
    finance(sim.key(rng.FINANCE), sim.step_index, st.enrolled, st.blacklisted, st.tier, sim.table, len(sim.tier_mins),
            pop.income, pop.reliability, st.spending, bl.enabled, bl.loan_ban, bl.job_access, bl.entry_probability,
            f.loan_demand, f.loan_size, f.loan_term, f.instalment_every, f.interest, f.living_cost,
            f.income_job_sensitivity, f.shock_probability, f.shock_size, f.arrears_to_court, f.repay_arrears_probability,
            st.wealth, st.income_now, st.loan_remaining, st.loan_instalment, st.loan_start, st.arrears, st.judged,
            st.repaid, st.missed, st.judgment, st.blacklist_entry, st.blacklist_exit, st.loan_denied, st.times_loan_denied)
