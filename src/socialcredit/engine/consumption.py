"""Phase 3: consumption by category (MODEL.md step 3).

Purchases per category are Poisson with the agent's taste as base rate; an enrolled agent,
which knows the rules, multiplies the rate by exp(response · conformity · points_c): up for
rewarded categories, down for penalised ones (a log-linear incentive response; the category
channel is hypothetical, see docs/model.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import rng


def incentive_rates(taste: np.ndarray, conformity: np.ndarray, points: np.ndarray, response: float) -> np.ndarray:
    """Each agent's purchase rates once enrolled: taste · exp(response · conformity · points_c).

    Traits and points never change, so this is computed once at set-up (float32, like taste)."""
    shift = response * conformity.astype(np.float64)[:, None] * points[None, :]
    return (taste * np.exp(shift)).astype(np.float32)


@njit(parallel=True, cache=True)
def consume(key, enrolled, taste, enrolled_rates, price, purchases, spending):
    n, c = taste.shape
    for i in prange(n):
        total = 0.0
        rates = enrolled_rates if enrolled[i] else taste
        for k in range(c):
            m = min(rng.poisson(key, i, k, np.float64(rates[i, k])), 32767)
            purchases[i, k] = m
            total += m * price[k]
        spending[i] = total


def consume_all(sim) -> None:
    st, pop = sim.state, sim.population
    consume(sim.key(rng.CONSUMPTION), st.enrolled, pop.taste, sim.enrolled_rates, sim.purchase_prices, st.purchases,
            st.spending)
