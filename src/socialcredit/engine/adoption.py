"""Phase 1: adoption, voluntary then mandatory (MODEL.md step 1).

Before the mandatory step an agent enrols when the perks it expects at its estimated score
(its tier's perk value, plus a peer term for the share of friends enrolled) exceed its
privacy cost; enrolment is kept once made. From the mandatory step on, everyone is enrolled.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .consequences import PERK, tier_index


@njit(parallel=True, cache=True)
def voluntary(indptr, indices, alive, enrolled, score, tier_mins, table, privacy_cost, peer_weight, out):
    n = len(score)
    for i in prange(n):
        if enrolled[i]:
            out[i] = True
            continue
        friends = 0
        enrolled_friends = 0
        for k in range(indptr[i], indptr[i + 1]):
            if alive[k]:
                friends += 1
                if enrolled[indices[k]]:
                    enrolled_friends += 1
        share = enrolled_friends / friends if friends > 0 else 0.0
        value = table[tier_index(score[i], tier_mins), PERK] + peer_weight * share
        out[i] = value > privacy_cost[i]


def adopt(sim) -> None:
    e = sim.scenario.policy.enrolment
    st = sim.state
    if e.mode == "none":
        st.enrolled[:] = False
    elif e.mode == "mandatory" or (e.mandatory_step is not None and sim.step_index >= e.mandatory_step):
        st.enrolled[:] = True
    else:
        out = np.empty_like(st.enrolled)
        g = sim.graph
        voluntary(g.indptr, g.indices, g.alive, st.enrolled, st.score, sim.tier_mins, sim.table,
                  sim.population.privacy_cost, e.peer_weight, out)
        st.enrolled[:] = out
