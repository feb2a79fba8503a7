"""Simulation: executes a Scenario step by step - the phase pipeline of MODEL.md.

The scenario (description) is separate from the simulation (execution), and data
collection is separate from both: observers are called with the simulation after every
step (the default one, `metrics.Recorder`, records MODEL.md's measures).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pandas as pd

from . import graph as graphs
from . import locality
from .engine import adoption, conduct, consumption, expression, finance, rng, scoring, social
from .engine.consequences import consequence_table, consequences_all
from .engine.state import State
from .metrics import Recorder
from .population import make_population
from .result import snapshot_labels
from .scenario import Scenario, ScenarioError

Observer = Callable[["Simulation"], None]

#: compaction runs when this share of the CSR's slots is free (ties dropped since the last one)
COMPACT_AT = 0.25
#: the state arrays the agent table shows that change while a simulation runs (with the degree)
_VARYING = ("score", "tier", "enrolled", "blacklisted", "expressed_dissent", "wealth", "perceived_surveillance",
            "perceived_severity", "times_punished", "times_reported", "times_travel_denied", "times_loan_denied",
            "shared")


def _network_seed(seed: int) -> int:
    return int(np.random.SeedSequence([seed, 0x6E6574]).generate_state(1, np.uint32)[0])


def build_graph(scenario: Scenario, group: np.ndarray | None = None) -> tuple[int, np.ndarray, np.ndarray | None]:
    """(n_nodes, edges, original ids or None) for the scenario's network."""
    net = scenario.network
    seed = _network_seed(scenario.seed)
    n = scenario.population.agents
    if net.kind == "edge_list":
        try:
            n, edges, ids = graphs.load_edge_list(net.path)
        except graphs.EdgeListError as exc:
            raise ScenarioError(f"network.path = {net.path!r}: {exc}") from None
        return n, edges, ids
    if net.kind == "barabasi_albert":
        if n <= net.m:
            raise ScenarioError(f"population.agents = {n}: expected more than network.m = {net.m} agents")
        return n, graphs.barabasi_albert(n, net.m, seed), None
    if net.kind == "watts_strogatz":
        if n <= net.k:
            raise ScenarioError(f"population.agents = {n}: expected more than network.k = {net.k} agents")
        return n, graphs.watts_strogatz(n, net.k, net.rewire, seed), None
    if net.kind == "erdos_renyi":
        return n, graphs.erdos_renyi(n, net.mean_degree, seed), None
    if net.kind == "stochastic_block":
        return n, graphs.stochastic_block(group, net.degree_within, net.degree_between, seed), None
    raise ScenarioError(f"network.kind = {net.kind!r}: unknown")


class Simulation:
    """One run of a scenario: `sim.step()` advances one week; `sim.run()` to the end."""

    def __init__(self, scenario: Scenario, *, observers: list[Observer] | None = None):
        t0 = time.perf_counter()
        self.scenario = scenario
        if scenario.network.kind == "edge_list":
            n, edges, self.original_ids = build_graph(scenario)
            self.population = make_population(scenario, n)
        else:
            n = scenario.population.agents
            self.population = make_population(scenario, n)
            n, edges, self.original_ids = build_graph(scenario, self.population.group)
        graph = graphs.FriendGraph.from_edges(n, edges)
        del edges
        self.initial_edges = graph.edge_array()  # original ids, u < v, sorted
        # agents are renumbered for locality (friends close in memory); outputs use original ids
        self.order = locality.rcm_order(graph)  # order[internal] = original id
        self.rank = np.empty(n, np.int64)  # rank[original id] = internal
        self.rank[self.order] = np.arange(n, dtype=np.int64)
        self.graph = locality.permute(graph, self.order)
        del graph
        self.population = self.population.permuted(self.order)
        pol, beh = scenario.policy, scenario.behaviour
        self.tier_mins = np.array([t.min_score for t in pol.tiers], dtype=np.float64)
        self.table = consequence_table(pol)
        cats = beh.consumption.categories
        self.purchase_points = np.array([pol.points.purchase.get(c.name, 0.0) for c in cats], dtype=np.float64)
        self.purchase_prices = np.array([c.price for c in cats], dtype=np.float64)
        self.points = scoring.points_vector(pol.points)
        self.enrolled_rates = consumption.incentive_rates(self.population.taste, self.population.conformity,
                                                          self.purchase_points, beh.consumption.incentive_response)
        self.enrolled_none = consumption.chance_of_none(self.enrolled_rates)
        self.taste_none = consumption.chance_of_none(self.population.taste)  # the same before enrolment
        # the rates each agent buys at now, category-major (consumption.follow_enrolment): its taste until enrolled
        self.rates_now = np.ascontiguousarray(self.population.taste.T)
        self.none_now = np.ascontiguousarray(self.taste_none.T)
        self.priced_enrolled = np.zeros(n, np.bool_)
        self.post_none = expression.no_post_chances(self)  # posts' chances of none (phase 2)
        perception = beh.expression.initial_perception
        self.state = State.initial(self.population, len(cats), beh.finance.initial_wealth,
                                   min(1.0, pol.speech.surveillance * perception), pol.speech.severity * perception)
        st = self.state
        st.tier[:] = np.searchsorted(self.tier_mins, st.score, side="right") - 1
        st.previous_tier[:] = st.tier
        self.dropped_per_row = np.zeros(n, np.int32)
        self.shared_now = np.zeros(n, np.bool_)
        self.flags = np.zeros(n, np.uint8)  # what friends read of each agent in phase 8 (social.flag)
        self.friend_view = np.zeros(n, np.uint32)  # the flags with the new score, as the row pass reads them
        self.report_chance = np.zeros(n, np.float32)  # reporters' per-post chances (reporting.report_chances)
        # phase 5's work: reports made, true and false reports received (reporting.report)
        self.report_counts = np.zeros((n, 3), np.int32)
        self.walk = np.zeros(n, np.bool_)  # rows a pass over them walks this step (reporting.report)
        self.nudged = np.zeros(n, np.bool_)
        self.enrolled_before = np.zeros(n, np.bool_)  # phase 1's copy of enrolment before it decides
        self.conformity_max = float(self.population.conformity.max(initial=0.0))  # bounds drop chances (phase 8)
        self.informant_max = float(self.population.informant.max(initial=0.0))  # bounds report chances (phase 5)
        self.score_centre = float(pol.baseline.mean)  # scores are centred here for the assortativity sums
        self.ties = social.Ties(n)
        self.next_score = np.empty_like(st.score)
        self.penalty = np.zeros(n, np.float64)
        self.income_logged = np.full(n, np.nan)  # the income whose log(1 + x) is in log_income (phase 7)
        self.log_income = np.zeros(n, np.float64)
        self.event_points = np.zeros(n, np.float64)
        self.step_index = 0
        social.count_ties(self)
        self.recorder = Recorder(self)
        self.observers: list[Observer] = [self.recorder] + list(observers or [])
        # the initial agent table is built when asked for, from a copy of what changes while
        # the simulation runs (in internal order: copies, not gathers, at setup)
        self._initial_values = {k: v.copy() for k, v in self._varying().items()}
        self.setup_seconds = time.perf_counter() - t0
        self.step_seconds: list[float] = []
        self._observe()

    # -- randomness -------------------------------------------------------------------
    def key(self, phase: int) -> np.uint64:
        """The counter-based stream of (seed, step, phase)."""
        return rng.key(self.scenario.seed, self.step_index, phase)

    # -- the step ---------------------------------------------------------------------
    def step(self) -> None:
        """One step: MODEL.md's phases in order, each a function over the state's arrays."""
        t0 = time.perf_counter()
        self.step_index += 1
        adoption.adopt(self)  # 1. voluntary, then mandatory enrolment
        expression.express_all(self)  # 2. expressed dissent (the chilling effect) and posts
        consumption.consume_all(self)  # 3. purchases by category
        finance.finance_all(self)  # 4. income, loans, defaults, court blacklist
        conduct.conduct_all(self)  # offline behaviour: good deeds
        scoring.score_all(self)  # 5-6. informants' reports and the score update, one pass over the ties
        consequences_all(self)  # 7. tiers and their consequences
        social.socialise(self)  # 8. sharing, nudges, fear learning, unfriending (effective next step)
        self._observe()  # 9. record
        if self.graph.dead_fraction() > COMPACT_AT:
            self.graph.compact()
        self.step_seconds.append(time.perf_counter() - t0)

    def _observe(self) -> None:
        for observer in self.observers:
            observer(self)

    def run(self, steps: int | None = None, progress: Callable[[int], None] | None = None) -> "Simulation":
        """Run `steps` more steps (default: the scenario's remaining steps)."""
        todo = self.scenario.steps - self.step_index if steps is None else steps
        for _ in range(max(todo, 0)):
            self.step()
            if progress is not None:
                progress(self.step_index)
        return self

    # -- outputs ----------------------------------------------------------------------
    def metrics_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.recorder.rows)

    def edge_table(self) -> np.ndarray:
        """Alive ties in original agent ids, each once with u < v, sorted: the graph numbered
        back (`locality.permute` by `rank`) read row by row, which yields that order without
        a sort (10^6 agents, 5 million ties: 0.26 s against 2.5 s for a lexicographic sort)."""
        return locality.permute(self.graph, self.rank).edge_array()

    def _varying(self) -> dict[str, np.ndarray]:
        """The agent table's columns that change while the simulation runs (internal order)."""
        values = {name: getattr(self.state, name) for name in _VARYING}
        values["degree"] = self.graph.degree()
        return values

    @property
    def initial_agents(self) -> pd.DataFrame:
        """The agent table at setup, before the first step."""
        return self.agent_table(self._initial_values)

    def agent_table(self, values: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Agent table of the current state (rows by original agent id): traits, baseline, group, score, counters.

        `values` replaces what changes while the simulation runs (`_varying`; the setup's copy
        for `initial_agents`)."""
        return self._agent_frame([self._varying() if values is None else values])

    def agent_snapshots(self) -> pd.DataFrame:
        """The initial and the current agent tables one below the other, column `snapshot`
        first, each column gathered straight into its place (building both tables, then
        joining them, held three copies of every column: 27 s and 5.7 GB more at 10⁷ agents)."""
        n = len(self.rank)
        frame = self._agent_frame([self._initial_values, self._varying()])
        frame.insert(0, "snapshot", snapshot_labels(n, n))
        return frame

    def _agent_frame(self, snapshots: list[dict[str, np.ndarray]]) -> pd.DataFrame:
        """The agent tables of `snapshots` (each what `_varying` returns), one below the other.
        Every column is gathered into original-id order (`locality.take` by `rank`)."""
        st, pop, pol = self.state, self.population, self.scenario.policy
        n, k = len(self.rank), len(snapshots)

        def trait(a):  # the same in every snapshot: gathered once
            column = locality.take(a, self.rank)
            return np.tile(column, k) if k > 1 else column

        def varying(name):  # snapshot after snapshot, each gathered into its place
            out = np.empty(k * n, snapshots[0][name].dtype)
            for s, values in enumerate(snapshots):
                locality.take(values[name], self.rank, out=out[s * n:(s + 1) * n])
            return out

        enrolled = varying("enrolled")
        data = {
            "agent_id": np.tile(np.arange(n, dtype=np.int64), k),
            "group_name": pd.Categorical.from_codes(trait(pop.group), categories=pop.group_names),
            "baseline_score": trait(st.baseline),
            "score": varying("score"),
            # the tier of an enrolled agent, missing for one not enrolled: an ordered category
            # (worst to best; 1 byte per agent, not a string object)
            "tier": pd.Categorical.from_codes(np.where(enrolled, varying("tier"), -1).astype(np.int8),
                                              categories=[t.name for t in pol.tiers], ordered=True),
            "enrolled": enrolled,
            "blacklisted": varying("blacklisted"),
            "desired_dissent": trait(pop.dissent),
            "expressed_dissent": varying("expressed_dissent"),
            "boldness": trait(pop.boldness),
            "conformity": trait(pop.conformity),
            "informant_propensity": trait(pop.informant),
            "reliability": trait(pop.reliability),
            "privacy_cost": trait(pop.privacy_cost),
            "base_income": trait(pop.income),
            "wealth": varying("wealth"),
            "perceived_surveillance": varying("perceived_surveillance"),
            "perceived_severity": varying("perceived_severity"),
            "degree": varying("degree"),
            "times_punished": varying("times_punished"),
            "times_reported": varying("times_reported"),
            "times_travel_denied": varying("times_travel_denied"),
            "times_loan_denied": varying("times_loan_denied"),
            "shared_score": varying("shared"),
        }
        if self.original_ids is not None:
            data["original_id"] = np.tile(np.asarray(self.original_ids, dtype=np.int64), k)
        return pd.DataFrame(data, copy=False)
