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


@njit(parallel=True, cache=True)
def consume(key, enrolled, taste, conformity, points, price, response, purchases, spending):
    n, c = taste.shape
    for i in prange(n):
        total = 0.0
        for k in range(c):
            rate = np.float64(taste[i, k])
            if enrolled[i] and points[k] != 0.0:
                rate *= np.exp(response * conformity[i] * points[k])
            m = min(rng.poisson(key, i, k, rate), 32767)
            purchases[i, k] = m
            total += m * price[k]
        spending[i] = total


def consume_all(sim) -> None:
    st, pop = sim.state, sim.population
    cons = sim.scenario.behaviour.consumption
    consume(sim.key(rng.CONSUMPTION), st.enrolled, pop.taste, pop.conformity, sim.purchase_points,
            sim.purchase_prices, cons.incentive_response, st.purchases, st.spending)
