"""Offline behaviour: good deeds (volunteering, blood donation), counted for the score.

Municipal schemes award fixed points per act (Rongcheng +2..+30, Suqian +10 for blood;
research §1.3-1.4); deeds here are Poisson events at `behaviour.social.good_deed_rate`.
"""

import math

import numpy as np
from numba import njit, prange

from . import rng

GOOD_DEEDS = 11


@njit(parallel=True, cache=True)
def good_deeds(key, rate, out):
    """Good deeds this step, Poisson(rate) for every agent. At the small rates of the presets
    (a chance of any deed up to `rng.RARE`) the agents with deeds are found by a walk by
    geometric gaps over fixed segments of agents (`rng.walk`), and each draws its count
    given at least one (slot 2c − 1 of the segment's counter for its c-th agent): a draw
    per agent with deeds (5 % at the default rate) instead of one per agent."""
    n = len(out)
    none = math.exp(-rate)
    if 1.0 - none > rng.RARE:  # (so the walk's rates stay far below `poisson_some`'s 60)
        for i in prange(n):
            out[i] = min(rng.poisson(key, i, 0, rate), 32767)
        return
    keep_pow, log_keep = rng.keep_powers(1.0 - none, rng.KEEP_TABLE)
    for s in prange(rng.segments(n)):
        first, end = rng.segment(s, n)
        out[first:end] = 0
        hits = np.empty(end - first, np.int64)
        for c in range(rng.walk(key, first, end, keep_pow, log_keep, hits)):
            out[hits[c]] = min(rng.poisson_some(rng.uniform(key, first, 2 * c + 1), rate, none), 32767)


def conduct_all(sim) -> None:
    good_deeds(sim.key(GOOD_DEEDS), sim.scenario.behaviour.social.good_deed_rate, sim.state.good_deeds)
