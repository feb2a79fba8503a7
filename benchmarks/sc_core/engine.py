"""sc-core on the project's own engine: its setup, its score update and its unfriending.

What runs here is the engine's: the friendship graph (`FriendGraph`, CSR whose rows shrink in place),
the reverse Cuthill–McKee renumbering of agents at setup (`socialcredit.locality`; scores
are returned in the original node order), the score-update kernel of MODEL.md step 6
(`scoring.update`, mode `average` with w = 0.2 and λ = 0, friendless agents averaging with
their own score as sc-core says), the phase-8 flags and unfriending pass (`social.flag`,
`social.unfriend`: a tie goes when either end draws below p_drop against a friend below
`low`, decided in the low end's row by geometric skips, both entries marked dropped), the
update's closing of rows over those marks on its next pass (incremental compaction: the
marked entries are skipped, as the SPEC's removals take effect from the next step, and the
rows closed up where they are read anyway, instead of a `graph.prune` pass over the
touched rows), counter-based draws (`engine.rng`) and the engine's compaction policy.

sc-core's per-agent event rule (posts driven by the logistic fear of one's own score,
Bernoulli posts and purchases) is not one of the model's rules, so it is the one small
kernel written here; it produces the events' points B_i that the engine's update consumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from socialcredit import locality
from socialcredit.engine import rng, scoring, social
from socialcredit.graph import FriendGraph, prune
from socialcredit.simulation import COMPACT_AT

from .common import FEAR_MID, FEAR_SCALE, GAIN_POS, LOSS_FOREIGN, LOSS_NEG, SCORE_MAX, SCORE_MIN, W_FRIENDS, Params

NAME = "engine"
DESCRIPTION = "socialcredit's engine: RCM-renumbered CSR, scoring.update (closing marked rows) + social.unfriend kernels, compaction"
HAS_COMPACTION = True


@njit(parallel=True, cache=True)
def _events(key, s, d, f, p_pos, neg_mult, foreign_mult, out):
    """sc-core rules 1-3: B_i = +5 positive − 20 negative − 10 foreign, from start-of-step s."""
    for i in prange(len(s)):
        fear = 1.0 / (1.0 + math.exp((s[i] - FEAR_MID) / FEAR_SCALE))
        b = 0.0
        if rng.uniform(key, i, 0) < neg_mult * d[i] * (1.0 - fear):
            b -= LOSS_NEG
        elif rng.uniform(key, i, 1) < p_pos:
            b += GAIN_POS
        if rng.uniform(key, i, 2) < foreign_mult * f[i]:
            b -= LOSS_FOREIGN
        out[i] = b


# sc-core has no informants and no dissent sanction: the update's phase-5 inputs are switched
# off (and its arrays, never touched, are empty)
_E = np.zeros(0, np.int16)
_I = np.zeros(0, np.int32)
_NO_REPORTS_NO_SANCTION = (
    _I, (False, 0.0, 0.0), np.zeros((0, 3), np.int32), _E, _E, _E, np.zeros(0, np.bool_), _I,
    (False, 0.0, 0.0, False, 0.0), np.zeros(0, np.float32), np.zeros(0, np.bool_), np.zeros(0, np.float64), _I,
)


@dataclass
class Model:
    graph: FriendGraph
    order: np.ndarray  # order[internal] = original node id
    s: np.ndarray
    s_next: np.ndarray
    points: np.ndarray
    d: np.ndarray
    f: np.ndarray
    enrolled: np.ndarray
    shared: np.ndarray
    conformity: np.ndarray
    zeros_f32: np.ndarray
    zeros_bool: np.ndarray
    dropped: np.ndarray
    flags: np.ndarray
    view: np.ndarray
    nudged: np.ndarray
    touched: np.ndarray  # rows holding ties dropped in the last step, until the next update closes them up
    params: Params
    seed: int
    compact: str
    t: int = 0
    marked: bool = False  # some rows hold ties dropped in the last step (`touched`)


def setup(edges, n, d, f, s0, params: Params, seed: int = 0, compact: str = "auto") -> Model:
    graph = FriendGraph.from_edges(n, np.asarray(edges))
    order = locality.rcm_order(graph)
    graph = locality.permute(graph, order)
    return Model(
        graph=graph, order=order,
        s=np.ascontiguousarray(np.asarray(s0, np.float64)[order]), s_next=np.empty(n, np.float64),
        points=np.zeros(n, np.float64),
        d=np.ascontiguousarray(np.asarray(d, np.float64)[order]), f=np.ascontiguousarray(np.asarray(f, np.float64)[order]),
        enrolled=np.ones(n, np.bool_), shared=np.zeros(n, np.bool_), conformity=np.ones(n, np.float32),
        zeros_f32=np.zeros(n, np.float32), zeros_bool=np.zeros(n, np.bool_),
        dropped=np.zeros(n, np.int32), flags=np.zeros(n, np.uint8), view=np.zeros(n, np.uint32), nudged=np.zeros(n, np.bool_),
        touched=np.zeros(n, np.bool_), params=params, seed=seed, compact=compact,
    )


def step(m: Model) -> None:
    p, g = m.params, m.graph
    m.t += 1
    _events(rng.key(m.seed, m.t, rng.EXPRESSION), m.s, m.d, m.f, float(p.p_pos), float(p.neg_mult),
            float(p.foreign_mult), m.points)
    # rules 4-5: s' = clip(0.8 (s + delta) + 0.2 mean_friends, 350, 950): scoring.update, w = 0.2, λ = 0,
    # skipping the ties the last step dropped and closing their rows up
    scoring.update(g.indptr, g.ends, g.indices, m.s, m.s, m.enrolled, m.points, 0.0,
                   (scoring.AVERAGE, W_FRIENDS, 0.0, True), m.touched, SCORE_MIN, SCORE_MAX, m.s_next, *_NO_REPORTS_NO_SANCTION)
    m.s, m.s_next = m.s_next, m.s
    if m.marked:  # the rows are closed up: the slots those ties held are free
        m.marked = False
        dead = g.dead_fraction()
        if (m.compact == "always" and dead > 0.0) or (m.compact == "auto" and dead > COMPACT_AT):
            g.compact()
    # rule 6 on the new scores: the engine's phase-8 unfriending, which marks the ties that go
    droppable = social.flag(m.enrolled, m.shared, True, m.s, m.zeros_f32, m.zeros_bool, m.zeros_bool, 1.0,
                            float(p.low), -np.inf, -np.inf, m.flags, m.view, m.nudged)
    if droppable:
        social.unfriend(rng.key(m.seed, m.t, rng.UNFRIEND), g.indptr, g.ends, g.indices, m.flags, m.conformity,
                        float(p.p_drop), False, 1.0, float(p.p_drop), m.dropped, m.touched)
        m.marked = True


def scores(m: Model) -> np.ndarray:
    out = np.empty_like(m.s)
    out[m.order] = m.s
    return out


def n_alive_ties(m: Model) -> int:
    g = m.graph
    if m.marked:  # the last step's ties are still marked in their rows
        prune(g.indptr, g.ends, g.indices, m.touched)
        m.marked = False
    return g.n_ties()


def warmup() -> None:
    from .common import DEFAULT, check_scores, traits

    n = 12
    edges = np.array([(i, j) for i in range(1, n) for j in range(max(0, i - 3), i)], dtype=np.int32)
    d, f = traits(n)
    mdl = setup(edges, n, d, f, check_scores(n), DEFAULT, compact="auto")
    step(mdl)
    n_alive_ties(mdl)
    mdl.graph.compact()
