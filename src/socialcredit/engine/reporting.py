"""Phase 5: reporting by paid informants (MODEL.md step 5).

A friend i who sees j's critical posts reports j with probability 1 − (1 − q_i)^c_j, where
c_j is the number of j's critical posts and q_i = min(1, propensity_i · reward · sensitivity)
("informant propensity times the reward"); a friend with no critical post is falsely
reported with probability q_i · false_report_ratio. True reports count as observations by
the authority.

Reports travel along ties and only read start-of-step values, so they are counted in the
same pass over each agent's row as the friend term of the score (`scoring.update`): row i
counts the reports it makes and the reports it receives. The two directions of a tie use
the two halves of one counter-based draw of the pair (`rng.pair_uniforms`), which both rows
compute alike, so the pass needs no shared writes.
"""

from __future__ import annotations

from numba import njit

def active(informants, reward: float) -> bool:
    """Reporting runs only when both the informants' sensitivity and the reward are positive."""
    return informants.sensitivity > 0.0 and reward > 0.0


def propensity_scale(informants, reward: float) -> float:
    """q_i = min(1, κ_i · scale): the chance that i reports one critical post it sees."""
    return reward * informants.sensitivity if active(informants, reward) else 0.0


@njit(inline="always", cache=True)
def chance(q, critical, false_ratio):
    """Chance that a friend with per-post chance q reports a target with `critical` critical posts."""
    if q <= 0.0:
        return 0.0
    if critical > 0:
        keep = 1.0 - q
        miss = keep
        if critical <= 8:
            for _ in range(critical - 1):
                miss *= keep
        else:
            miss = keep ** critical
        return 1.0 - miss
    return q * false_ratio
