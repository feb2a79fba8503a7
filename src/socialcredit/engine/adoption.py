"""Phase 1: adoption, voluntary then mandatory (MODEL.md step 1).

Before the mandatory step an agent enrols when the perks it expects at its estimated score
(its tier's perk value, plus a peer term for the share of friends enrolled) exceed its
privacy cost; enrolment is kept once made. From the mandatory step on, everyone is enrolled.
The friend counts (ties and enrolled friends at the start of the step) are those the
previous step's phase-8 pass left in `sim.ties`, so adoption does not walk the graph.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import scoring, social
from .consequences import PERK, tier_index


@njit(parallel=True, cache=True)
def voluntary(friends, enrolled_friends, enrolled, score, tier_mins, table, privacy_cost, peer_weight):
    """Agents not yet enrolled decide; the friend counts are those at the start of the step."""
    n = len(score)
    for i in prange(n):
        if enrolled[i]:
            continue
        share = enrolled_friends[i] / friends[i] if friends[i] > 0 else 0.0
        value = table[tier_index(score[i], tier_mins), PERK] + peer_weight * share
        enrolled[i] = value > privacy_cost[i]


def _kept(sim):
    """Enrolment as it is, copied into the simulation's own buffer (not fresh memory at every step)."""
    np.copyto(sim.enrolled_before, sim.state.enrolled)
    return sim.enrolled_before


def adopt(sim) -> None:
    e = sim.scenario.policy.enrolment
    st = sim.state
    # the friend term of mode drag counts enrolled friends: the counts follow any change
    counted = sim.scenario.policy.friends.mode == "drag"
    before = None
    if e.mode == "none":
        if counted and st.enrolled.any():
            before = _kept(sim)
        st.enrolled[:] = False
    elif e.mode == "mandatory" or (e.mandatory_step is not None and sim.step_index >= e.mandatory_step):
        if not scoring.all_true(st.enrolled):  # from the mandatory step on, nothing changes
            if counted:
                before = _kept(sim)
            st.enrolled[:] = True
    else:
        if counted:
            before = _kept(sim)
        voluntary(sim.ties.friends, sim.ties.enrolled_friends, st.enrolled, st.score, sim.tier_mins, sim.table,
                  sim.population.privacy_cost, e.peer_weight)
    if before is not None:
        social.enrolment_changed(sim, before)
