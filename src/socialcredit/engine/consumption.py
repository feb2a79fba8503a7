"""Phase 3: consumption by category (MODEL.md step 3).

Purchases per category are Poisson with the agent's taste as base rate; an enrolled agent,
which knows the rules, multiplies the rate by exp(response · conformity · points_c): up for
rewarded categories, down for penalised ones (a log-linear incentive response; the category
channel is hypothetical, see docs/model.md).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import rng


def incentive_rates(taste: np.ndarray, conformity: np.ndarray, points: np.ndarray, response: float) -> np.ndarray:
    """Each agent's purchase rates once enrolled: taste · exp(response · conformity · points_c).

    Traits and points never change, so this is computed once at set-up (float32, like taste)."""
    shift = response * conformity.astype(np.float64)[:, None] * points[None, :]
    return (taste * np.exp(shift)).astype(np.float32)


@njit(parallel=True, cache=True)
def chance_of_none(rates):
    """e^−λ for each fixed rate, by `math.exp` as `rng.poisson` computes it (so the draws
    that read it are the same), once at set-up, for the tastes and for the incentive rates:
    the rates never change, so no draw computes an exponential."""
    n, c = rates.shape
    out = np.empty((n, c), np.float64)
    for i in prange(n):
        for k in range(c):
            out[i, k] = math.exp(-np.float64(rates[i, k]))
    return out


#: agents per block of `consume`: its counts (categories x BLOCK int32) stay in a core's cache
BLOCK = 1 << 12


@njit(parallel=True, cache=True)
def follow_enrolment(enrolled, priced, taste, taste_none, enrolled_rates, enrolled_none, rates, none):
    """The rates each agent buys at now, category-major (rates[c, i], none[c, i] = e^−rate):
    its taste, or its incentive rates once enrolled. `priced` says which of the two each
    agent's column holds; only the agents whose enrolment differs from it are rewritten (a
    few per step of the voluntary period, everyone once at the mandatory step)."""
    n, c = taste.shape
    for i in prange(n):
        e = enrolled[i]
        if e == priced[i]:
            continue
        for k in range(c):
            rates[k, i] = enrolled_rates[i, k] if e else taste[i, k]
            none[k, i] = enrolled_none[i, k] if e else taste_none[i, k]
        priced[i] = e


@njit(parallel=True, cache=True)
def consume(key, rates, none, price, purchases, spending):
    """Purchases per category: Poisson(rate) at each agent's current rates (`follow_enrolment`),
    each with its e^−λ from `chance_of_none`; spending = Σ purchases_c · price_c.

    By blocks of agents, category by category: the draw of every agent of the block
    (`rng.uniform`, then `rng.poisson_head`: no branch, no call) in one loop the compiler
    turns into vector code, into the block's counts; then purchases and spending from them.
    The few agents with a count of `rng.TERMS` or more, or a rate above 60 (counted as
    TERMS), are drawn again by `rng.poisson_none_given` (the same uniform): every count is
    that draw's, and the spending is summed in the same order, as when each agent drew in
    turn (10⁶ agents of the default preset, steps 41 and 113: 19.6 → 15.3 and 24.5 → 21.2
    ms before the block's second pass found those agents itself, then 28.9 → 22.3 and
    26.3 → 19.0 ms in a slower spell; 10⁷ agents, step 61: 268 → 181 ms)."""
    c, n = rates.shape
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        counts = np.empty((c, hi - lo), np.int32)
        for k in range(c):
            for i in range(lo, hi):
                lam = np.float64(rates[k, i])
                m = rng.poisson_head(rng.uniform(key, i, k), lam, none[k, i])[0]
                counts[k, i - lo] = m if lam <= 60.0 else rng.TERMS  # drawn again below
        for i in range(lo, hi):
            total = 0.0
            again = False
            for k in range(c):
                m = counts[k, i - lo]
                again |= m >= rng.TERMS
                purchases[i, k] = m
                total += m * price[k]
            spending[i] = total
            if again:  # rare: a count beyond the head, or a rate above 60
                total = 0.0
                for k in range(c):
                    m = min(rng.poisson_none_given(key, i, k, np.float64(rates[k, i]), none[k, i]), 32767)
                    purchases[i, k] = m
                    total += m * price[k]
                spending[i] = total


def consume_all(sim) -> None:
    st, pop = sim.state, sim.population
    follow_enrolment(st.enrolled, sim.priced_enrolled, pop.taste, sim.taste_none, sim.enrolled_rates, sim.enrolled_none,
                     sim.rates_now, sim.none_now)
    consume(sim.key(rng.CONSUMPTION), sim.rates_now, sim.none_now, sim.purchase_prices, st.purchases, st.spending)
