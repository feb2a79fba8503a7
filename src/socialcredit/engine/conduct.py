"""Offline behaviour: good deeds (volunteering, blood donation), counted for the score.

Municipal schemes award fixed points per act (Rongcheng +2..+30, Suqian +10 for blood;
research §1.3-1.4); deeds here are Poisson events at `behaviour.social.good_deed_rate`.
"""

from numba import njit, prange

from . import rng

GOOD_DEEDS = 11


@njit(parallel=True, cache=True)
def good_deeds(key, rate, out):
    for i in prange(len(out)):
        out[i] = min(rng.poisson(key, i, 0, rate), 32767)


def conduct_all(sim) -> None:
    good_deeds(sim.key(GOOD_DEEDS), sim.scenario.behaviour.social.good_deed_rate, sim.state.good_deeds)
