"""Phase 2: expression and the chilling effect (MODEL.md step 2).

Daymude, Axelrod & Forrest (2025), "Strategic analysis of dissent and self-censorship",
PNAS: an agent with desired dissent δ and boldness β picks a ∈ [0, δ] maximising
U = −β(δ − a) − E[punishment], observed with probability ν + (1 − ν)a, punished when
observed and a > τ; the closed forms below are the paper's (its code, opt_action.py).
Agents act on their *perceived* ν and ψ. Posts are Poisson; by thinning, critical posts are
Poisson(rate · a) and the others Poisson(rate · (1 − a)), of which a share are pro-state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import rng

COMPLIANT, SELF_CENSORING, DEFIANT = 0, 1, 2

#: rows of `chances_of_no_post`: no critical post at a = δ or at a = τ; no pro-state post
#: before enrolment (a = δ, base loyalty), once enrolled at a = δ, once enrolled at a = τ
NONE_CRITICAL_OWN, NONE_CRITICAL_TOLERATED, NONE_PRO_UNENROLLED, NONE_PRO_OWN, NONE_PRO_TOLERATED = range(5)


@njit(inline="always", cache=True)
def optimal_dissent(delta, beta, nu, tau, psi, proportional):
    """The optimal action a* (Daymude et al. 2025, uniform and proportional punishment)."""
    if delta <= tau or psi <= 0.0:
        return delta
    if not proportional:
        # uniform: defiant if β > (1−ν)ψ and δ > d_uni = (βτ + νψ)/(β − (1−ν)ψ); else self-censor at τ
        if beta > (1.0 - nu) * psi and delta > (beta * tau + nu * psi) / (beta - (1.0 - nu) * psi):
            return delta
        return tau
    # proportional: a* = d_var = (τ + (β − νψ)/((1−ν)ψ))/2 clipped to [τ, δ]; ν = 1 compares β with ψ
    if nu >= 1.0:
        return delta if beta >= psi else tau
    d = 0.5 * (tau + (beta - nu * psi) / ((1.0 - nu) * psi))
    if delta <= d:
        return delta
    if tau >= d:
        return tau
    return d


def defiance_threshold(beta, nu, tau, psi):
    """d_uni (uniform punishment): the desired dissent above which an agent defies."""
    return (beta * tau + nu * psi) / (beta - (1.0 - nu) * psi)


def interior_optimum(beta, nu, tau, psi):
    """d_var (proportional punishment): the interior optimum of a."""
    return 0.5 * (tau + (beta - nu * psi) / ((1.0 - nu) * psi))


@njit(inline="always", cache=True)
def expression_class(desired, expressed, tolerance):
    """COMPLIANT (δ ≤ τ), SELF_CENSORING (a < δ) or DEFIANT (a = δ > τ), as Daymude et al. (2025) name them."""
    if desired <= tolerance:
        return COMPLIANT
    if expressed < desired:
        return SELF_CENSORING
    return DEFIANT


@njit(inline="always", cache=True)
def loyalty_enrolled(loyalty_base, loyalty_gain, conformity):
    """Share of an enrolled agent's non-critical posts that are pro-state."""
    return min(1.0, loyalty_base + loyalty_gain * conformity)


@njit(parallel=True, cache=True)
def chances_of_no_post(dissent, posting_rate, conformity, tau, loyalty_base, loyalty_gain):
    """e^−λ of each post rate an agent can have where the action is its own δ or the
    tolerance τ (every action under uniform punishment: `optimal_dissent` returns δ or τ
    there), by `math.exp` from the same products `express` forms, so the draws that read
    them are the same as with the exponential taken at each draw. Traits and the policy
    do not change during a run, so this is computed once at set-up (40 bytes per agent;
    rows: NONE_CRITICAL_OWN ...)."""
    n = len(dissent)
    out = np.empty((5, n), np.float64)
    for i in prange(n):
        d = np.float64(dissent[i])
        rate = np.float64(posting_rate[i])
        loyalty = loyalty_enrolled(loyalty_base, loyalty_gain, conformity[i])
        out[NONE_CRITICAL_OWN, i] = math.exp(-(rate * d))
        out[NONE_CRITICAL_TOLERATED, i] = math.exp(-(rate * tau))
        out[NONE_PRO_UNENROLLED, i] = math.exp(-(rate * (1.0 - d) * loyalty_base))
        out[NONE_PRO_OWN, i] = math.exp(-(rate * (1.0 - d) * loyalty))
        out[NONE_PRO_TOLERATED, i] = math.exp(-(rate * (1.0 - tau) * loyalty))
    return out


#: agents per block of `express`: its rates and chances (4 x BLOCK float64) stay in a core's cache
BLOCK = 1 << 12


@njit(parallel=True, cache=True)
def express(key, enrolled, dissent, boldness, perc_nu, perc_psi, nu, tau, proportional,
            posting_rate, conformity, loyalty_base, loyalty_gain, none,
            expressed, critical, pro_state, observed):
    """Each agent's action a and its posts: Poisson(rate · a) critical, Poisson(rate · (1 − a)
    · loyalty) pro-state. The chance of no post is read from `none` (`chances_of_no_post`)
    where a is δ or τ, taken by the exponential otherwise (proportional punishment's
    interior optimum): 10⁶ agents 19.9 → 15.7 ms (docs/performance.md).

    By blocks of agents: each agent's action, rates and chances of no post first; then
    every draw of the block (`rng.uniform`, `rng.poisson_head`: no branch, no call) in one
    loop the compiler turns into vector code; the few counts of `rng.TERMS` or more (or at a
    rate above 60) are drawn again by `rng.poisson_none_given`, so every count is that
    draw's, as when each agent drew in turn (10⁶ agents, steps 41 and 113: 15.6 → 10.5 and
    16.9 → 12.1 ms; 10⁷ agents, step 61: 153 → 154 ms, where the pass waits on memory)."""
    n = len(dissent)
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        lam_critical = np.empty(hi - lo)
        none_critical = np.empty(hi - lo)
        lam_pro = np.empty(hi - lo)
        none_pro = np.empty(hi - lo)
        for i in range(lo, hi):
            d = np.float64(dissent[i])
            rate = np.float64(posting_rate[i])
            if enrolled[i]:
                a = optimal_dissent(d, np.float64(boldness[i]), np.float64(perc_nu[i]), tau,
                                    np.float64(perc_psi[i]), proportional)
                loyalty = loyalty_enrolled(loyalty_base, loyalty_gain, conformity[i])
                if a == d:
                    none_c = none[NONE_CRITICAL_OWN, i]
                    none_p = none[NONE_PRO_OWN, i]
                elif a == tau:
                    none_c = none[NONE_CRITICAL_TOLERATED, i]
                    none_p = none[NONE_PRO_TOLERATED, i]
                else:
                    none_c = math.exp(-(rate * a))
                    none_p = math.exp(-(rate * (1.0 - a) * loyalty))
            else:
                a = d
                loyalty = loyalty_base
                none_c = none[NONE_CRITICAL_OWN, i]
                none_p = none[NONE_PRO_UNENROLLED, i]
            expressed[i] = a
            lam_critical[i - lo] = rate * a
            none_critical[i - lo] = none_c
            lam_pro[i - lo] = rate * (1.0 - a) * loyalty
            none_pro[i - lo] = none_p
        for i in range(lo, hi):  # vector code
            a = expressed[i]
            lam = lam_critical[i - lo]
            m = rng.poisson_head(rng.uniform(key, i, 1), lam, none_critical[i - lo])[0]
            critical[i] = m if lam <= 60.0 else rng.TERMS  # drawn again below
            lam = lam_pro[i - lo]
            m = rng.poisson_head(rng.uniform(key, i, 3), lam, none_pro[i - lo])[0]
            pro_state[i] = m if lam <= 60.0 else rng.TERMS
            observed[i] = enrolled[i] & (a > tau) & (rng.uniform(key, i, 0) < nu + (1.0 - nu) * a)
        for i in range(lo, hi):  # rare: a count beyond the head, or a rate above 60
            if critical[i] >= rng.TERMS:
                critical[i] = min(rng.poisson_none_given(key, i, 1, lam_critical[i - lo], none_critical[i - lo]), 32767)
            if pro_state[i] >= rng.TERMS:
                pro_state[i] = min(rng.poisson_none_given(key, i, 3, lam_pro[i - lo], none_pro[i - lo]), 32767)


def loyalty_gain(scenario) -> float:
    """Added pro-state share per unit of conformity: the response times the reward for a post."""
    return scenario.behaviour.expression.loyalty_response * max(scenario.policy.points.post_pro_state, 0.0)


def no_post_chances(sim) -> np.ndarray:
    """`chances_of_no_post` for a simulation's agents and policy (at set-up)."""
    pop, sc = sim.population, sim.scenario
    return chances_of_no_post(pop.dissent, pop.posting_rate, pop.conformity, sc.policy.speech.tolerance,
                              sc.behaviour.expression.loyalty_base, loyalty_gain(sc))


def express_all(sim) -> None:
    st, pop, sp = sim.state, sim.population, sim.scenario.policy.speech
    ex = sim.scenario.behaviour.expression
    express(sim.key(rng.EXPRESSION), st.enrolled, pop.dissent, pop.boldness,
            st.perceived_surveillance, st.perceived_severity, sp.surveillance, sp.tolerance,
            sp.punishment == "proportional", pop.posting_rate, pop.conformity,
            ex.loyalty_base, loyalty_gain(sim.scenario), sim.post_none, st.expressed_dissent, st.critical_posts,
            st.pro_state_posts, st.observed)


@njit(inline="always", cache=True)
def learned(perc_nu, perc_psi, dissenters, observed, sum_a, saw_punishment, nudges, severity, rate, nudge_fear):
    """Perceived ν and ψ after a step of watching oneself and one's friends.

    Among the visible dissenters k (self and friends with a_k > τ, enrolled), the authority
    observes each with probability ν + (1 − ν)a_k, so ν̂ = (O − Σa)/(D − Σa) estimates ν
    (informants' reports push it up: they raise effective surveillance). A punishment seen
    moves ψ toward the severity applied; each nudge received adds `nudge_fear`.
    """
    nu = np.float64(perc_nu)
    if dissenters - sum_a > 1e-9:
        est = min(1.0, max(0.0, (observed - sum_a) / (dissenters - sum_a)))
        nu += rate * (est - nu)
    psi = np.float64(perc_psi)
    if saw_punishment:
        psi += rate * (severity - psi)
    psi += nudge_fear * nudges
    return nu, psi
