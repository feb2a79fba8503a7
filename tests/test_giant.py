"""The giant component followed from step to step (`giant.GiantComponent`) against a full
search of the same graph after every step's removals."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from socialcredit.giant import GiantComponent
from socialcredit.graph import FriendGraph, barabasi_albert, stochastic_block
from socialcredit.scenario import resolve
from socialcredit.simulation import Simulation


def expected_giant(g: FriendGraph) -> set[int]:
    """networkx's largest component (of equal sizes, the one with the smallest node)."""
    return max(nx.connected_components(g.to_networkx()), key=lambda c: (len(c), -min(c)))


def follow_removals(g: FriendGraph, batches, seed: int = 0):
    """Remove each batch of ties as one step and follow the component; yield (tracker, mask)
    after every step, starting with the full search at step 0."""
    tracker = GiantComponent()
    step = 0
    mask = tracker.follow(g, step, int(g.degree().sum()), np.zeros(g.n_nodes, np.int32), 0, g.degree())
    yield tracker, mask
    for u, v in batches:
        before = g.degree()
        g.remove_ties(u, v)
        dropped = before - g.degree()
        step += 1
        mask = tracker.follow(g, step, int(g.degree().sum()), dropped, int(dropped.sum()), g.degree())
        yield tracker, mask


def random_batches(edges: np.ndarray, n_steps: int, share: float, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n_steps):
        pick = rng.random(len(edges)) < share
        yield edges[pick, 0], edges[pick, 1]


@pytest.mark.parametrize("seed", [1, 2])
def test_followed_component_is_the_giant_after_every_step(seed):
    """A Barabási–Albert graph losing 3 % of its ties per step until the component holds less
    than half the nodes: the kept tree is repaired at most steps, and the answer is the full
    search's at every step, through the fall below half (union-find then decides)."""
    n = 3000
    edges = barabasi_albert(n, 2, seed=seed)
    g = FriendGraph.from_edges(n, edges)
    repaired = fell_back = 0
    for step, (tracker, mask) in enumerate(follow_removals(g, random_batches(edges, 40, 0.03, seed))):
        assert set(np.flatnonzero(mask).tolist()) == expected_giant(g), f"step {step}"
        assert tracker.members == int(mask.sum())
        if step:
            repaired += not tracker.last_was_full
            fell_back += tracker.last_was_full
    assert repaired >= 10  # the repair path did the work
    assert 2 * int(mask.sum()) <= n and fell_back >= 1  # and the component fell below half


def test_a_split_off_community_leaves_and_a_bridge_keeps_the_rest():
    """Two communities of 300 and 200 joined by a few ties: cutting all but one bridge keeps
    both in the component; cutting the last one leaves the smaller community out."""
    edges = stochastic_block(np.repeat([0, 1], [300, 200]), 12.0, 0.0, seed=4)
    bridges = np.array([[3, 310], [40, 420], [77, 499], [150, 301]])
    g = FriendGraph.from_edges(500, np.vstack([edges, bridges]))
    batches = [(bridges[:1, 0], bridges[:1, 1]), (bridges[1:3, 0], bridges[1:3, 1]), (bridges[3:, 0], bridges[3:, 1])]
    states = list((t.last_was_full, int(m.sum()), set(np.flatnonzero(m).tolist()) == expected_giant(g))
                  for t, m in follow_removals(g, batches))
    assert [s[2] for s in states] == [True] * 4
    assert [s[0] for s in states] == [True, False, False, False]
    assert states[2][1] == 500 and states[3][1] == 300


def test_a_change_the_tree_cannot_account_for_gets_a_full_search():
    """A skipped step, or ties gone that `dropped` does not list, mean a full search."""
    n = 1000
    edges = barabasi_albert(n, 2, seed=7)
    g = FriendGraph.from_edges(n, edges)
    tracker = GiantComponent()
    zeros = np.zeros(n, np.int32)
    tracker.follow(g, 0, int(g.degree().sum()), zeros, 0, g.degree())
    tracker.follow(g, 1, int(g.degree().sum()), zeros, 0, g.degree())
    assert not tracker.last_was_full  # nothing changed: the kept answer holds
    g.remove_ties(edges[::2, 0], edges[::2, 1])  # not reported in `dropped`
    mask = tracker.follow(g, 2, int(g.degree().sum()), zeros, 0, g.degree())
    assert tracker.last_was_full and set(np.flatnonzero(mask).tolist()) == expected_giant(g)
    g.remove_ties(edges[1::4, 0], edges[1::4, 1])
    mask = tracker.follow(g, 4, int(g.degree().sum()), zeros, 0, g.degree())  # step 3 skipped
    assert tracker.last_was_full and set(np.flatnonzero(mask).tolist()) == expected_giant(g)


def test_without_a_majority_component_labels_decide_and_an_unchanged_graph_is_not_searched_again():
    """Four equal communities: no component holds half the nodes, so union-find labels
    decide (of equal sizes, the one with the smallest node) and no tree is kept; a step
    that lost no tie keeps the answer, one that lost some searches again."""
    edges = stochastic_block(np.repeat([0, 1, 2, 3], 100), 8.0, 0.0, seed=6)
    g = FriendGraph.from_edges(400, edges)
    batches = [(edges[:0, 0], edges[:0, 1]), (edges[:30, 0], edges[:30, 1])]
    states = [(t.last_was_full, t.parent is None, set(np.flatnonzero(m).tolist()) == expected_giant(g))
              for t, m in follow_removals(g, batches)]
    assert states == [(True, True, True), (False, True, True), (True, True, True)]


def test_recorded_giant_share_is_a_full_search_at_every_step():
    """A run with heavy unfriending: the record's giant-component share (overall) equals a full
    search of the graph after every step, and the followed path is the one taken."""
    sc = resolve("sesame-as-reported", agents=4000, steps=30, seed=2, overrides={
        "behaviour.social.unfriend_probability": 0.6, "policy.visibility.unfriend_threshold": 700.0})
    seen = []

    def check(sim):
        g = sim.graph
        full = g.giant_component()
        seen.append((sim.recorder.giant.last_was_full, float(full.mean())))
        assert (sim.recorder.giant.mask == full).all()

    sim = Simulation(sc, observers=[check]).run()
    record = sim.metrics_frame()
    shares = record.loc[record["group_name"] == "all", "giant_component_share"].to_numpy()
    assert shares.tolist() == [s for _, s in seen]
    assert shares[-1] < shares[0]  # ties went, and so did members
    assert sum(not full for full, _ in seen[1:]) >= 20
