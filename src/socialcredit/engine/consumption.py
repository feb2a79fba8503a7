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


@njit(parallel=True, cache=True)
def consume(key, enrolled, taste, taste_none, enrolled_rates, enrolled_none, price, purchases, spending):
    """Purchases per category: Poisson(rate) with the taste as rate, or the incentive rate once
    enrolled, each with its e^−λ from `chance_of_none`."""
    n, c = taste.shape
    for i in prange(n):
        total = 0.0
        e = enrolled[i]
        rates = enrolled_rates if e else taste  # one test per agent, not per category
        none = enrolled_none if e else taste_none
        for k in range(c):
            m = rng.poisson_none_given(key, i, k, np.float64(rates[i, k]), none[i, k])
            m = min(m, 32767)
            purchases[i, k] = m
            total += m * price[k]
        spending[i] = total


def consume_all(sim) -> None:
    st, pop = sim.state, sim.population
    consume(sim.key(rng.CONSUMPTION), st.enrolled, pop.taste, sim.taste_none, sim.enrolled_rates, sim.enrolled_none,
            sim.purchase_prices, st.purchases, st.spending)
