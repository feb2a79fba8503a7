"""sc-core as an idiomatic Mesa 3 model: the baseline users would otherwise write.

Written the way Mesa 3.3's documentation and bundled examples teach (see
``mesa.examples.basic.virus_on_network``): agents are ``FixedAgent`` subclasses placed
on the cells of a ``mesa.discrete_space.Network`` built from a networkx ``Graph``
(``mesa.space.NetworkGrid`` is in maintenance-only mode since Mesa 3); activation with
``self.agents.shuffle_do(...)``; neighbours via ``self.cell.neighborhood.agents``;
dropped friendships removed with ``grid.remove_connection`` (which also removes the
edge from the networkx graph). Deliberately not vectorised.

The SPEC's synchronous step is done in three stages: every citizen computes its new
score from start-of-step scores (``decide``), then all apply it (``update``), then every
citizen reconsiders its friendships with the new scores (``reconsider_friends``).
RNG: the model's ``random.Random`` (``self.random``).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from mesa import Model
from mesa.discrete_space import FixedAgent, Network

from .common import (
    FEAR_MID, FEAR_SCALE, GAIN_POS, LOSS_FOREIGN, LOSS_NEG, SCORE_MAX, SCORE_MIN,
    W_FRIENDS, W_SELF, Params,
)

NAME = "mesa"
DESCRIPTION = "idiomatic Mesa 3.3: FixedAgent citizens on a discrete_space.Network, shuffle_do"
HAS_COMPACTION = False


class Citizen(FixedAgent):
    """A person with a social credit score, a dissent level and a taste for foreign goods."""

    def __init__(self, model, score, dissent, foreign_taste, cell):
        super().__init__(model)
        self.score = score
        self.next_score = score
        self.dissent = dissent
        self.foreign_taste = foreign_taste
        self.cell = cell

    def decide(self):
        """Rules 1-5: post, buy, and move towards the friends' mean score."""
        p = self.model.params
        fear = 1.0 / (1.0 + math.exp((self.score - FEAR_MID) / FEAR_SCALE))
        delta = 0.0
        if self.random.random() < p.neg_mult * self.dissent * (1.0 - fear):
            delta -= LOSS_NEG
        elif self.random.random() < p.p_pos:
            delta += GAIN_POS
        if self.random.random() < p.foreign_mult * self.foreign_taste:
            delta -= LOSS_FOREIGN

        friends = list(self.cell.neighborhood.agents)
        if friends:
            friend_mean = sum(friend.score for friend in friends) / len(friends)
        else:
            friend_mean = self.score
        new_score = W_SELF * (self.score + delta) + W_FRIENDS * friend_mean
        self.next_score = min(max(new_score, SCORE_MIN), SCORE_MAX)

    def update(self):
        self.score = self.next_score

    def reconsider_friends(self):
        """Rule 6: drop a friend whose new score is low, with probability p_drop."""
        p = self.model.params
        for friend in list(self.cell.neighborhood.agents):
            if friend.score < p.low and self.random.random() < p.p_drop:
                self.model.grid.remove_connection(self.cell, friend.cell)


class SocialCreditModel(Model):
    """sc-core on a fixed friendship network (one citizen per node)."""

    def __init__(self, edges, n, dissent, foreign_taste, scores, params: Params, seed=0):
        super().__init__(seed=seed)
        self.params = params
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(edges.tolist())
        self.grid = Network(graph, random=self.random)
        Citizen.create_agents(
            self, n,
            score=list(scores), dissent=list(dissent), foreign_taste=list(foreign_taste),
            cell=[self.grid[i] for i in range(n)],
        )

    def step(self):
        self.agents.shuffle_do("decide")
        self.agents.do("update")
        self.agents.shuffle_do("reconsider_friends")


def setup(edges, n, d, f, s0, params: Params, seed: int = 0, compact: str = "auto"):
    return SocialCreditModel(np.asarray(edges), n, np.asarray(d, float).tolist(),
                             np.asarray(f, float).tolist(), np.asarray(s0, float).tolist(),
                             params, seed=seed)


def step(model: SocialCreditModel) -> None:
    model.step()


def scores(model: SocialCreditModel) -> np.ndarray:
    out = np.empty(len(model.agents))
    for agent in model.agents:
        out[agent.cell.coordinate] = agent.score
    return out


def n_alive_ties(model: SocialCreditModel) -> int:
    return model.grid.G.number_of_edges()
