"""Shared pieces of sc-core: parameters, agent traits, start scores (SPEC "Agent state")."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SCORE_START = 600.0
SCORE_MIN, SCORE_MAX = 350.0, 950.0
FEAR_MID, FEAR_SCALE = 600.0, 50.0
GAIN_POS, LOSS_NEG, LOSS_FOREIGN = 5.0, 20.0, 10.0
W_SELF, W_FRIENDS = 0.8, 0.2


@dataclass(frozen=True)
class Params:
    """The probabilities of one step (SPEC "Parameterisation").

    p_neg = neg_mult * d * (1 - fear); p_pos applies only without a negative post;
    p_for = foreign_mult * f; an end drops a tie to a friend whose new score is below
    ``low`` with probability p_drop. A Bernoulli(p) is ``u < p`` with u in [0, 1).
    """

    p_pos: float = 0.3
    neg_mult: float = 1.0
    foreign_mult: float = 1.0
    p_drop: float = 0.05
    low: float = 450.0

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = Params()
CHECK_A = Params(p_pos=0.0, neg_mult=0.0, foreign_mult=0.0, p_drop=0.0)
CHECK_B = Params(p_pos=1.0, neg_mult=0.0, foreign_mult=0.0, p_drop=1.0)
CHECK_C = CHECK_B  # same parameters as B, but compaction never runs


def traits(n: int) -> tuple[np.ndarray, np.ndarray]:
    """dissent d ~ Beta(2, 5) then foreign_taste f ~ Beta(2, 8), from default_rng(1)."""
    rng = np.random.default_rng(1)
    d = rng.beta(2, 5, n)
    f = rng.beta(2, 8, n)
    return d, f


def start_scores(n: int) -> np.ndarray:
    """Timed runs: every score starts at 600."""
    return np.full(n, SCORE_START)


def check_scores(n: int) -> np.ndarray:
    """Agreement checks: s0 = default_rng(7).uniform(350, 950, N)."""
    return np.random.default_rng(7).uniform(SCORE_MIN, SCORE_MAX, n)
