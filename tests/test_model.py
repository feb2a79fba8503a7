"""The model against its contract (MODEL.md): closed forms, event rates, properties, directions."""

from __future__ import annotations

import math
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from socialcredit import simulate
from socialcredit.engine.expression import defiance_threshold, interior_optimum, optimal_dissent
from socialcredit.scenario import resolve
from socialcredit.simulation import Simulation

WIDE = {
    "policy.score_min": -1e9,
    "policy.score_max": 1e9,
    "policy.tiers": [{"name": "all", "min_score": -1e9}],
}


def scenario(preset="no-system", **overrides):
    over = {k.replace("__", "."): v for k, v in overrides.items()}
    return resolve(preset, overrides=over)


# --- Friedkin–Johnsen ------------------------------------------------------------------------


@pytest.mark.parametrize("w,lam", [(0.3, 0.1), (0.6, 0.02)])
def test_friedkin_johnsen_fixed_point(w, lam):
    """Events off, mode average: s* = (I − (1−w)(1−λ)I − wP)⁻¹ (1−w) λ s0 (MODEL.md step 6)."""
    sc = resolve("no-system", agents=150, steps=0, seed=3, overrides={
        **WIDE,
        "network": {"kind": "watts_strogatz", "k": 4, "rewire": 0.3},
        "policy.enrolment.mode": "mandatory",
        "policy.friends.mode": "average",
        "policy.friends.weight": w,
        "policy.reversion": lam,
        "policy.baseline.sd": 80.0,
        "behaviour.social.unfriend_probability": 0.0,  # the fixed point is of a fixed graph
    })
    sim = Simulation(sc)
    s0 = sim.state.baseline.copy()
    n = len(s0)
    adj = np.zeros((n, n))
    e = sim.graph.edge_array()  # internal agent numbering, as the state arrays
    adj[e[:, 0], e[:, 1]] = adj[e[:, 1], e[:, 0]] = 1.0
    assert adj.sum(axis=1).min() > 0, "the test graph must have no isolated agents"
    P = adj / adj.sum(axis=1, keepdims=True)
    A = np.eye(n) - (1 - w) * (1 - lam) * np.eye(n) - w * P
    expected = np.linalg.solve(A, (1 - w) * lam * s0)
    rate = (1 - w) * (1 - lam) + w
    steps = int(math.ceil(math.log(1e-9 / 1000) / math.log(rate)))
    sim.run(steps)
    assert np.max(np.abs(sim.state.score - expected)) < 1e-6
    # the fixed point is not trivial: scores moved away from the baselines
    assert np.max(np.abs(expected - s0)) > 1.0


# --- Daymude, Axelrod & Forrest (2025) --------------------------------------------------------


def test_daf_worked_values():
    assert defiance_threshold(1.0, 0.2, 0.25, 0.6) == pytest.approx(0.7115, abs=5e-5)
    assert interior_optimum(1.0, 0.2, 0.25, 1.0) == pytest.approx(0.625)
    # uniform: compliant at or below τ, self-censor at τ up to d_uni, defiant above
    assert optimal_dissent(0.2, 1.0, 0.2, 0.25, 0.6, False) == 0.2
    assert optimal_dissent(0.5, 1.0, 0.2, 0.25, 0.6, False) == 0.25
    assert optimal_dissent(0.71, 1.0, 0.2, 0.25, 0.6, False) == 0.25
    assert optimal_dissent(0.72, 1.0, 0.2, 0.25, 0.6, False) == 0.72
    # ψ = 2: β < (1−ν)ψ, nobody is defiant
    assert optimal_dissent(0.99, 1.0, 0.2, 0.25, 2.0, False) == 0.25
    # proportional: act at desire up to d_var, then self-censor at d_var
    assert optimal_dissent(0.5, 1.0, 0.2, 0.25, 1.0, True) == 0.5
    assert optimal_dissent(0.9, 1.0, 0.2, 0.25, 1.0, True) == pytest.approx(0.625)
    # ν = 1 boundary cases of the paper's code
    assert optimal_dissent(0.9, 1.0, 1.0, 0.25, 0.6, True) == 0.9
    assert optimal_dissent(0.9, 1.0, 1.0, 0.25, 2.0, True) == 0.25


def _speech_run(punishment, severity, n=20_000):
    sc = resolve("no-system", agents=n, steps=1, seed=11, overrides={
        "policy.enrolment.mode": "mandatory",
        "policy.speech": {"surveillance": 0.2, "tolerance": 0.25, "severity": severity, "punishment": punishment},
        "population.traits.boldness": {"kind": "constant", "value": 1.0},
        "population.traits.dissent": {"kind": "beta", "a": 2.0, "b": 2.0},
        "population.groups": [{"name": "everyone", "share": 1.0}],
        "behaviour.expression.learning_rate": 0.0,
        "behaviour.expression.nudge_fear": 0.0,
    })
    return simulate(sc)


@pytest.mark.parametrize("punishment,severity,upper", [("uniform", 0.6, 0.711538), ("proportional", 1.0, 0.625)])
def test_daf_shares_match_closed_forms(punishment, severity, upper):
    """Perceived = actual policy: compliant, self-censoring and defiant shares as the closed forms say."""
    res = _speech_run(punishment, severity)
    last = res.metrics.iloc[-1]
    F = stats.beta(2, 2).cdf
    compliant = F(0.25)
    if punishment == "uniform":
        defiant, censoring = 1 - F(upper), F(upper) - F(0.25)
    else:
        defiant, censoring = F(upper) - F(0.25), 1 - F(upper)
    n = last["agents"]
    for name, p in [("compliant_share", compliant), ("self_censoring_share", censoring), ("defiant_share", defiant)]:
        tol = 4 * math.sqrt(p * (1 - p) / n)
        assert abs(last[name] - p) < tol, (name, last[name], p, tol)
    # the chilling effect is positive and agents never express more than they desire
    fin = res.agents_final
    assert (fin.expressed_dissent <= fin.desired_dissent + 1e-7).all()
    assert last["chilling_effect"] > 0.02


# --- event counts match their configured rates ------------------------------------------------


def _one_step(preset="sesame-as-reported", n=20_000, **over):
    sc = resolve(preset, agents=n, steps=1, seed=5, overrides={"policy.enrolment.mode": "mandatory",
                                                              "policy.enrolment.mandatory_step": None, **over})
    sim = Simulation(sc)
    sim.step()
    return sim


def _poisson_ok(observed, expected):
    assert abs(observed - expected) < 4.5 * math.sqrt(max(expected, 1.0)), (observed, expected)


def test_posts_match_rates():
    sim = _one_step()
    st, pop = sim.state, sim.population
    a = st.expressed_dissent.astype(np.float64)
    rate = pop.posting_rate.astype(np.float64)
    _poisson_ok(st.critical_posts.sum(), (rate * a).sum())
    ex = sim.scenario.behaviour.expression
    gain = ex.loyalty_response * sim.scenario.policy.points.post_pro_state
    loyalty = np.minimum(1.0, ex.loyalty_base + gain * pop.conformity.astype(np.float64))
    _poisson_ok(st.pro_state_posts.sum(), (rate * (1 - a) * loyalty).sum())


def test_purchases_follow_incentives():
    sim = _one_step()
    st, pop = sim.state, sim.population
    resp = sim.scenario.behaviour.consumption.incentive_response
    for c, pts in enumerate(sim.purchase_points):
        expected = (pop.taste[:, c] * np.exp(resp * pop.conformity * pts)).sum()
        _poisson_ok(st.purchases[:, c].sum(), expected)


def test_poisson_with_its_chance_of_none_given_is_the_same_draw():
    """Consumption reads e^-lambda of the enrolled rates from set-up: the draws must not change."""
    from numba import njit

    from socialcredit.engine import consumption, rng

    @njit
    def both(key, rates, none, out):
        for i in range(rates.shape[0]):
            for k in range(rates.shape[1]):
                out[i, k, 0] = rng.poisson(key, i, k, np.float64(rates[i, k]))
                out[i, k, 1] = rng.poisson_none_given(key, i, k, np.float64(rates[i, k]), none[i, k])

    gen = np.random.default_rng(3)
    rates = np.concatenate([gen.lognormal(-1.5, 1.5, (20_000, 4)), np.array([[0.0, 1e-9, 59.9, 75.0]])]).astype(np.float32)
    out = np.zeros(rates.shape + (2,), np.int64)
    both(rng.key(1, 2, rng.CONSUMPTION), rates, consumption.chance_of_none(rates), out)
    assert np.array_equal(out[..., 0], out[..., 1])
    assert out[..., 0].max() > 5 and (out[..., 0] == 0).mean() > 0.3  # both branches of the search ran


def test_consume_draws_each_count_as_the_poisson_search_at_the_agents_current_rates():
    """`consumption.consume` draws whole blocks of agents in vector code, from the rates
    `follow_enrolment` keeps (taste, or the incentive rates once enrolled): every count must
    be `rng.poisson_none_given`'s at the agent's rate, long counts and rates above 60
    included, and the spending their sum in category order, before and after enrolment
    changes, over blocks and a partial last block."""
    from numba import njit

    from socialcredit.engine import consumption, rng

    @njit
    def reference(key, enrolled, taste, taste_none, enrolled_rates, enrolled_none, price, out, spent):
        for i in range(taste.shape[0]):
            total = 0.0
            for k in range(taste.shape[1]):
                lam, none = (enrolled_rates[i, k], enrolled_none[i, k]) if enrolled[i] else (taste[i, k], taste_none[i, k])
                out[i, k] = min(rng.poisson_none_given(key, i, k, np.float64(lam), none), 32767)
                total += out[i, k] * price[k]
            spent[i] = total

    gen = np.random.default_rng(5)
    n = 3 * consumption.BLOCK + 123
    taste = gen.lognormal(-1.0, 1.5, (n, 4)).astype(np.float32)
    taste[:5] = [[0.0, 1e-9, 59.9, 75.0]] * 5
    enrolled_rates = (taste * gen.lognormal(0.0, 0.5, (n, 4))).astype(np.float32)
    taste_none, enrolled_none = consumption.chance_of_none(taste), consumption.chance_of_none(enrolled_rates)
    price = np.array([30.0, 60.0, 15.0, 40.0])
    rates, none = np.ascontiguousarray(taste.T), np.ascontiguousarray(taste_none.T)
    priced = np.zeros(n, np.bool_)
    enrolled = np.zeros(n, np.bool_)
    for step, share in enumerate([0.0, 0.3, 0.6, 1.0]):
        enrolled |= gen.random(n) < share
        key = rng.key(2, step, rng.CONSUMPTION)
        consumption.follow_enrolment(enrolled, priced, taste, taste_none, enrolled_rates, enrolled_none, rates, none)
        purchases, spending = np.full((n, 4), -1, np.int16), np.full(n, np.nan)
        consumption.consume(key, rates, none, price, purchases, spending)
        want, want_spent = np.zeros((n, 4), np.int16), np.zeros(n)
        reference(key, enrolled, taste, taste_none, enrolled_rates, enrolled_none, price, want, want_spent)
        assert np.array_equal(priced, enrolled)
        assert np.array_equal(purchases, want) and np.array_equal(spending, want_spent)
        assert (want >= rng.TERMS).sum() > 100 and (want[:5, 3] > 30).all()  # the second draw ran


@pytest.mark.parametrize("punishment, posting_scale", [("uniform", None), ("proportional", None), ("uniform", 6.0)])
def test_posts_with_the_kept_chances_of_none_are_the_same_draws(punishment, posting_scale):
    """Expression reads e^-lambda of the post rates at a = delta or tau from set-up: its posts
    must be those of `rng.poisson` at the rates it acted on, under both punishments (the
    proportional one's interior optimum takes the exponential at the draw), and for heavy
    posters too (counts beyond the draw's branch-free head, drawn again)."""
    from numba import njit

    from socialcredit.engine import expression, rng

    @njit
    def posts(key, rate, a, loyalty, out):
        for i in range(len(rate)):
            out[i, 0] = min(rng.poisson(key, i, 1, rate[i] * a[i]), 32767)
            out[i, 1] = min(rng.poisson(key, i, 3, rate[i] * (1.0 - a[i]) * loyalty[i]), 32767)

    overrides = {"policy.speech.punishment": punishment}
    if posting_scale is not None:
        overrides["population.traits.posting_rate.scale"] = posting_scale
    sc = resolve("sesame-as-reported", agents=20_000, steps=0, seed=4, overrides=overrides)
    sim = Simulation(sc)
    st, pop = sim.state, sim.population
    st.enrolled[::2] = True  # half enrolled, half not
    st.perceived_severity[:] = np.linspace(0.0, 3.0 * sc.policy.speech.severity, len(st.enrolled))
    expression.express_all(sim)
    a = st.expressed_dissent
    dissent = pop.dissent.astype(np.float64)
    enrolled = st.enrolled
    tau = sc.policy.speech.tolerance
    kinds = [np.mean(enrolled & (a == dissent)), np.mean(enrolled & (a == tau)), np.mean(~enrolled)]
    assert min(kinds) > 0.01  # every kept chance is read
    if punishment == "proportional":
        assert np.mean(enrolled & (a != dissent) & (a != tau)) > 0.02  # and the exponential taken
    ex = sc.behaviour.expression
    loyalty = np.where(enrolled, np.minimum(1.0, ex.loyalty_base + expression.loyalty_gain(sc)
                                            * pop.conformity.astype(np.float64)), ex.loyalty_base)
    out = np.zeros((len(a), 2), np.int64)
    posts(sim.key(rng.EXPRESSION), pop.posting_rate.astype(np.float64), a, loyalty, out)
    assert np.array_equal(out[:, 0], st.critical_posts) and np.array_equal(out[:, 1], st.pro_state_posts)
    assert st.critical_posts.max() > 3 and st.pro_state_posts.max() > 3
    assert (st.critical_posts >= rng.TERMS).sum() > 10  # drawn again
    if posting_scale is not None:
        assert (st.pro_state_posts >= rng.TERMS).sum() > 10


def test_poisson_inversion_is_the_sequential_search():
    """`rng._inversion` returns 0 at once for u up to the chance of none and sums its next
    terms without branching: it must return what the plain sequential search returns, at
    that boundary, below and above the branch-free terms."""
    from numba import njit

    from socialcredit.engine import rng

    def search(u, lam, none):
        p = f = none
        k = 0
        while u > f and k < 400:
            k += 1
            p *= lam / k
            f += p
        return k

    inversion = njit(lambda u, lam, none: rng._inversion(u, lam, none))
    gen = np.random.default_rng(8)
    lams = np.concatenate([gen.lognormal(0.0, 1.2, 3000), [1e-9, 7.5, 30.0, 59.9, 0.3, 0.3]])
    # the last two: u at the chance of none exactly (a count of 0), and just above it (1)
    us = np.concatenate([gen.random(len(lams) - 6), [0.5, 1.0 - 1e-12, 0.999, 0.9, math.exp(-0.3),
                                                     np.nextafter(math.exp(-0.3), 1.0)]])
    got = [inversion(u, lam, math.exp(-lam)) for u, lam in zip(us, lams)]
    want = [search(u, lam, math.exp(-lam)) for u, lam in zip(us, lams)]
    assert got == want
    assert max(want) > 2 * rng.TERMS and min(want) == 0


def test_binomial_with_its_chance_of_none_given_is_the_same_draw():
    """Nudges look (1 − p)^n up in a table: the draws must not change."""
    from numba import njit

    from socialcredit.engine import rng

    @njit
    def both(key, ns, p, table, out):
        for i in range(len(ns)):
            out[i, 0] = rng.binomial(key, i, 0, ns[i], p)
            none = table[ns[i]] if ns[i] < len(table) else rng.none_of_binomial(ns[i], p)
            out[i, 1] = rng.binomial_none_given(key, i, 0, ns[i], p, none)

    ns = np.random.default_rng(4).integers(0, 400, 5000).astype(np.int32)
    for p in (0.05, 0.5, 0.97):
        out = np.zeros((len(ns), 2), np.int64)
        both(rng.key(1, 3, rng.NUDGE), ns, p, rng.none_of_binomial_table(p, 256), out)
        assert np.array_equal(out[:, 0], out[:, 1])
        assert out[:, 0].max() > 0


def test_welfare_is_the_index_of_docs_model():
    """welfare = ln(1 + income) + perks − waits − denied travel − β(δ − a) − punishment (docs/model.md),
    every step, also after incomes changed (phase 7 keeps each agent's log income until then)."""
    sc = resolve("sesame-as-reported", agents=20_000, steps=6, seed=5, overrides={
        "policy.enrolment.mode": "mandatory", "policy.enrolment.mandatory_step": None})
    sim = Simulation(sc)
    incomes = []
    from socialcredit.engine.consequences import DATING, INTERNET, WAIT

    for _ in range(6):
        sim.step()
        st, pop = sim.state, sim.population
        row = np.where(st.enrolled, st.tier, len(sim.tier_mins)).astype(np.intp)
        t = sim.table[row]
        want = (np.log1p(np.maximum(st.income_now, 0.0)) + 0.5 * (t[:, INTERNET] - 1) + 0.5 * (t[:, DATING] - 1)
                - 0.1 * t[:, WAIT] - st.travel_denied
                - pop.boldness.astype(np.float64) * (pop.dissent.astype(np.float64) - st.expressed_dissent)
                - sim.penalty / sc.policy.speech.points_per_severity)
        np.testing.assert_allclose(st.welfare, want, rtol=1e-6, atol=1e-5)
        incomes.append(st.income_now.copy())
    changed = (np.diff(np.array(incomes), axis=0) != 0).any(axis=0)
    assert 0 < changed.sum() < len(changed)  # some incomes moved between steps, not all


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.8])
def test_good_deed_counts_are_poisson_whether_walked_or_drawn_per_agent(rate):
    """conduct.good_deeds: at small rates the agents with deeds come from a walk by geometric
    gaps over segments of agents (the last one short here), each with a count given at
    least one; at 0.8 every agent draws. Either way the counts are Poisson(rate), and the
    same for the same key."""
    from scipy.stats import poisson

    from socialcredit.engine import conduct, rng

    n = 5 * rng.SEGMENT + 1234
    out = np.full(n, -1, np.int16)
    key = rng.key(3, 7, conduct.GOOD_DEEDS)
    conduct.good_deeds(key, rate, out)
    again = np.empty_like(out)
    conduct.good_deeds(key, rate, again)
    np.testing.assert_array_equal(out, again)
    assert out.min() == 0
    for k in range(4):
        pk = poisson.pmf(k, rate)
        observed = int((out == k).sum())
        assert abs(observed - n * pk) < 4.5 * math.sqrt(n * pk * (1 - pk)) + 1, (k, observed, n * pk)
    tail = out[-1234:]
    assert abs(tail.mean() - rate) < 4.5 * math.sqrt(rate / len(tail))  # the short last segment too


@pytest.mark.parametrize("p", [0.05, 0.6])
def test_high_scorers_share_with_the_sharing_chance(p):
    """social.share: only enrolled agents at or above the threshold share, each with chance p
    (a walk over segments of agents at 0.05, a draw per high scorer at 0.6); a score shared
    before stays shared."""
    from socialcredit.engine import rng, social

    gen = np.random.default_rng(8)
    n = 4 * rng.SEGMENT + 999
    score = gen.uniform(350, 950, n)
    enrolled = gen.random(n) < 0.7
    shared = gen.random(n) < 0.1
    before = shared.copy()
    shared_now = np.ones(n, np.bool_)
    social.share(rng.key(2, 5, rng.SHARE), score, enrolled, 700.0, p, shared, shared_now)
    eligible = enrolled & (score >= 700.0)
    assert not shared_now[~eligible].any()
    m = int(eligible.sum())
    assert abs(shared_now.sum() - m * p) < 4.5 * math.sqrt(m * p * (1 - p))
    np.testing.assert_array_equal(shared, before | shared_now)


def test_good_deeds_and_travel_denials_match_rates():
    sim = _one_step()
    st, sc = sim.state, sim.scenario
    _poisson_ok(st.good_deeds.sum(), sc.behaviour.social.good_deed_rate * st.size)
    # agents whose tier forbids travel are denied at the travel-demand rate
    barred = ~sim.table[st.tier.astype(int), 0].astype(bool) | (st.blacklisted & sc.policy.blacklist.travel_ban)
    k, p = int(barred.sum()), sc.behaviour.social.travel_demand
    assert k > 100
    assert abs(st.travel_denied.sum() - k * p) < 4.5 * math.sqrt(k * p * (1 - p))
    assert not st.travel_denied[~barred].any()


def test_observation_rate_is_daf():
    """Without informants a dissenter above τ is observed with probability ν + (1 − ν)a."""
    sim = _one_step(**{"policy.informants.sensitivity": 0.0})
    st = sim.state
    nu, tau = sim.scenario.policy.speech.surveillance, sim.scenario.policy.speech.tolerance
    at_risk = st.expressed_dissent > tau
    p = nu + (1 - nu) * st.expressed_dissent[at_risk].astype(np.float64)
    assert at_risk.sum() > 1000
    assert abs(st.observed[at_risk].sum() - p.sum()) < 4.5 * math.sqrt((p * (1 - p)).sum())
    assert not st.observed[~at_risk].any()


def current_entries(g) -> np.ndarray:
    """Mask of the CSR slots that hold a current tie (each row's slots before its end)."""
    slot = np.arange(g.n_entries)
    return slot < np.repeat(g.ends, np.diff(g.indptr))


def test_reports_match_rates():
    sim = _one_step(**{"policy.informants.sensitivity": 0.2, "policy.informants.false_report_ratio": 0.5})
    st, pop, g = sim.state, sim.population, sim.graph
    reward, inf = sim.scenario.policy.points.report_made, sim.scenario.policy.informants
    current = current_entries(g)
    reporter = g.indices[current].astype(np.int64)
    target = np.repeat(np.arange(st.size), np.diff(g.indptr))[current]
    q = np.minimum(1.0, pop.informant[reporter].astype(np.float64) * reward * inf.sensitivity)
    c = st.critical_posts[target].astype(np.float64)
    p_true = np.where(c > 0, 1 - (1 - q) ** c, 0.0)
    p_false = np.where(c == 0, q * inf.false_report_ratio, 0.0)
    for observed, p in [(st.reports_true.sum(), p_true), (st.reports_false.sum(), p_false)]:
        assert p.sum() > 200
        assert abs(observed - p.sum()) < 4.5 * math.sqrt((p * (1 - p)).sum())
    assert st.reports_made.sum() == st.reports_true.sum() + st.reports_false.sum()


def test_reports_are_decided_in_each_target_row_as_a_direct_walk_gives():
    """reporting.report against a direct walk over each enrolled target's friends (MODEL.md
    step 5, docs/model.md 7.5 and 7.10): candidates by geometric gaps at the bound of the
    target's posts, each kept with its reporter's chance over the bound. Targets with 16
    posts or more and a hub's row longer than the table of powers take them outside the
    tables; the graph is one block of rows holding more candidates than a batch, so the
    pass decides them in several batches."""
    from socialcredit.engine import reporting, rng
    from socialcredit.graph import FriendGraph

    gen = np.random.default_rng(11)
    n = 400
    edges = np.unique(np.sort(gen.integers(0, n, (3000, 2)), axis=1), axis=0)
    edges = np.vstack([edges, [(0, j) for j in range(1, n)]])  # agent 0 befriends everyone
    edges = np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0)
    g = FriendGraph.from_edges(n, edges)
    enrolled = gen.random(n) < 0.8
    enrolled[0] = True
    informant = gen.uniform(0.0, 0.6, n).astype(np.float32)
    critical = np.where(gen.random(n) < 0.5, gen.integers(1, 25, n), 0).astype(np.int16)
    critical[0] = 3
    false_ratio = 0.3
    q = np.empty(n, np.float32)
    reporting.report_chances(enrolled, informant, 1.0, q)  # q = min(1, κ · 1), −1 unenrolled
    q_max = reporting.highest_chance(float(informant.max()), 1.0)
    assert q_max >= q.max()
    key = rng.key(4, 9, rng.REPORTING)
    counts = np.full((n, 3), -7, np.int32)  # overwritten, never added to
    walk = np.ones(n, np.bool_)  # scratch, overwritten
    reporting.report(key, g.indptr, g.ends, g.indices, q, critical, false_ratio, q_max, counts, walk)

    made, true_r, false_r = np.zeros(n, int), np.zeros(n, int), np.zeros(n, int)
    candidates = np.zeros(n, int)
    for j in np.flatnonzero(enrolled):
        friends = g.neighbors(j)
        c_j = int(critical[j])
        bound = reporting.chance(q_max, c_j, false_ratio)
        at, c, u = 0, 0, rng.uniform(key, j, 0)
        while True:
            left = len(friends) - at
            if 1.0 - u <= (1.0 - bound) ** left:
                break
            gap = math.floor(math.log1p(-u) / math.log(1.0 - bound)) if bound < 1.0 else 0
            if gap >= left:
                break
            c += 1
            reporter = friends[at + gap]
            at += gap + 1
            p = reporting.chance(float(q[reporter]), c_j, false_ratio)
            if p > 0.0 and (p >= bound or rng.uniform(key, j, 2 * c - 1) * bound < p):
                made[reporter] += 1
                (true_r if c_j > 0 else false_r)[j] += 1
            u = rng.uniform(key, j, 2 * c)
        candidates[j] = c
    assert candidates.sum() > 2 * reporting._BATCH and (critical[enrolled] >= 16).sum() > 5
    assert made.sum() > 100 and true_r.sum() > 50 and false_r.sum() > 20
    np.testing.assert_array_equal(counts[:, reporting.MADE], made)
    np.testing.assert_array_equal(counts[:, reporting.RECEIVED_TRUE], true_r)
    np.testing.assert_array_equal(counts[:, reporting.RECEIVED_FALSE], false_r)


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    preset=st.sampled_from(["sesame-as-reported", "zhima", "rongcheng", "blacklist", "no-system"]),
    seed=st.integers(0, 2**31),
    critical=st.floats(-200, 200),
    deed=st.floats(-200, 200),
    drag=st.floats(0, 100),
    unfriend=st.floats(0, 1),
)
def test_properties(preset, seed, critical, deed, drag, unfriend):
    sc = resolve(preset, agents=300, steps=6, seed=seed, overrides={
        "policy.points.post_critical": critical, "policy.points.good_deed": deed,
        "policy.friends.drag_penalty": drag, "behaviour.social.unfriend_probability": unfriend,
    })
    sim = Simulation(sc)
    initial = {tuple(e) for e in sim.initial_edges.tolist()}
    for _ in range(sc.steps):
        ties_before = sim.graph.n_ties()
        sim.step()
        s = sim.state.score
        assert (s >= sc.policy.score_min).all() and (s <= sc.policy.score_max).all()
        assert sim.graph.n_ties() <= ties_before
    g = sim.graph
    rows = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    current = current_entries(g)
    live = set(zip(rows[current].tolist(), g.indices[current].tolist()))
    assert all((v, u) in live for u, v in live), "ties must stay symmetric"
    assert {tuple(e) for e in sim.edge_table().tolist()} <= initial, "removal never adds a tie"


def test_no_system_never_sanctions():
    res = simulate("no-system", agents=3000, steps=30, seed=1)
    m = res.metrics
    for col in ["travel_denied", "loans_denied", "throttled", "job_barred", "punished", "reports_true",
                "reports_false", "blacklist_entries", "unfriended"]:
        assert (m[col] == 0).all(), col
    assert (m["blacklisted_share"] == 0).all() and (m["enrolled_share"] == 0).all()
    assert (res.agents_final.times_punished == 0).all()


def _run_frames(threads=None, seed=4):
    if threads is not None:
        numba.set_num_threads(threads)
    try:
        res = simulate("sesame-as-reported", agents=4000, steps=12, seed=seed,
                       overrides={"policy.enrolment.mandatory_step": 3})
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return res


def test_bit_identical_across_runs_and_threads():
    a = _run_frames()
    b = _run_frames()
    one = _run_frames(threads=1)
    for other in (b, one):
        assert a.metrics.equals(other.metrics)
        assert a.agents.equals(other.agents)
        assert a.edges.equals(other.edges)
    c = _run_frames(seed=5)
    assert not a.agents_final.score.equals(c.agents_final.score)


# --- directions ------------------------------------------------------------------------------


def test_drag_lowers_scores_of_agents_with_low_scoring_friends():
    base = {"policy.enrolment.mode": "mandatory", "policy.enrolment.mandatory_step": None,
            "behaviour.social.unfriend_probability": 0.0}
    off = simulate("sesame-as-reported", agents=5000, steps=20, seed=2, overrides={**base, "policy.friends.mode": "off"})
    drag = simulate("sesame-as-reported", agents=5000, steps=20, seed=2, overrides={**base, "policy.friends.mode": "drag"})
    # low-scoring friends under the drag threshold, counted on the initial graph with baseline scores
    edges = off.edges_initial.to_numpy()
    theta = off.scenario.policy.friends.drag_threshold
    s0 = off.agents_initial.baseline_score.to_numpy()
    low = np.zeros(len(s0))
    np.add.at(low, edges[:, 0], s0[edges[:, 1]] < theta)
    np.add.at(low, edges[:, 1], s0[edges[:, 0]] < theta)
    diff = drag.agents_final.score.to_numpy() - off.agents_final.score.to_numpy()
    # (not every agent loses: a lower tier also means fewer loans, hence fewer default penalties)
    many, none = low >= 3, low == 0
    assert many.sum() > 50
    assert diff[many].mean() < diff[none].mean() - 5.0


def _dragging_friends(sim) -> np.ndarray:
    """#{j ∈ F(i), enrolled: s_j < θ} for every agent, counted directly over the current ties."""
    g, st = sim.graph, sim.state
    low = st.enrolled & (st.score < sim.scenario.policy.friends.drag_threshold)
    return np.array([low[g.neighbors(i)].sum() for i in range(st.size)])


def test_drag_counts_kept_from_phase_8_and_corrected_by_adoption():
    """Mode drag reads the enrolled friends below θ that phase 8 counted over the ties it left
    (`sim.ties.dragging`); adoption corrects them for the agents whose enrolment it changed,
    so at phase 6 they are the direct count (MODEL.md step 6)."""
    from socialcredit.engine import adoption

    sim = Simulation(resolve("sesame-as-reported", agents=3000, steps=12, seed=4,
                             overrides={"policy.enrolment.mandatory_step": 10, "policy.friends.drag_threshold": 560.0}))
    np.testing.assert_array_equal(sim.ties.dragging, _dragging_friends(sim))  # at setup
    changed = 0
    for _ in range(11):
        sim.step()
        np.testing.assert_array_equal(sim.ties.dragging, _dragging_friends(sim))  # after phase 8
        before = sim.state.enrolled.copy()
        sim.step_index += 1
        adoption.adopt(sim)  # the next step's phase 1, as `step` runs it
        sim.step_index -= 1
        changed += int((before != sim.state.enrolled).sum())
        np.testing.assert_array_equal(sim.ties.dragging, _dragging_friends(sim))  # as phase 6 reads it
    assert changed > 100  # voluntary enrolment, then the mandatory step, moved counts
    assert sim.ties.dragging.max() > 2


def test_unfriending_raises_score_assortativity():
    over = {"policy.enrolment.mode": "mandatory", "policy.enrolment.mandatory_step": None}
    kept = simulate("sesame-as-reported", agents=5000, steps=40, seed=3,
                    overrides={**over, "behaviour.social.unfriend_probability": 0.0})
    pruned = simulate("sesame-as-reported", agents=5000, steps=40, seed=3,
                      overrides={**over, "behaviour.social.unfriend_probability": 0.1})
    assert pruned.metrics.ties.iloc[-1] < 0.8 * kept.metrics.ties.iloc[-1]
    assert pruned.metrics.score_assortativity.iloc[-1] > kept.metrics.score_assortativity.iloc[-1] + 0.015


def test_a_friends_view_keeps_its_flags_and_its_score_to_17_bits():
    """`social.view_of` packs the flags into the low 6 bits of the float32 score: every flag
    comes back, and the score seen is the float32 score rounded to nearest at 17 bits of
    fraction (within 2⁻¹⁸ of it, relatively), for scores of any sign and size."""
    from numba import njit

    from socialcredit.engine import social

    @njit
    def pack(scores, flags, views, seen):
        for i in range(len(scores)):
            views[i] = social.view_of(scores[i], flags[i])
            seen[i] = social.seen_score(views[i])

    gen = np.random.default_rng(2)
    scores = np.concatenate([gen.uniform(350.0, 950.0, 5000), gen.uniform(-1e9, 1e9, 5000), [0.0, 600.0, 1e-3]])
    flags = gen.integers(0, 64, len(scores)).astype(np.uint8)
    views = np.empty(len(scores), np.uint32)
    seen = np.empty(len(scores))
    pack(scores, flags, views, seen)
    assert np.array_equal(views & social.VIEW_FLAGS, flags)
    as32 = scores.astype(np.float32).astype(np.float64)
    assert np.all(np.abs(seen - as32) <= np.abs(as32) * 2.0**-18)
    assert seen[-2] == 600.0 and seen[-3] == 0.0  # exactly representable at 17 bits
    assert abs(np.mean((seen - as32)[:5000])) < 1e-4  # rounded, not truncated: no bias


@pytest.mark.parametrize("steps", [30, 110])  # a third enrolled; everyone (after the mandatory step 104)
def test_score_assortativity_is_pearson_over_the_ties_between_enrolled_agents(steps):
    """The record's score assortativity, from the sums phase 8 leaves per row, against the
    correlation taken directly over the ties left (each in both directions, both ends
    enrolled) from the scores in float64: friends see a score to about 6 significant digits,
    so the two agree to far better than the model's own noise."""
    sim = Simulation(resolve("sesame-as-reported", agents=4000, steps=steps, seed=11))
    sim.run()
    st = sim.state
    ties = sim.graph.edge_array()
    ties = ties[st.enrolled[ties[:, 0]] & st.enrolled[ties[:, 1]]]
    x = np.concatenate([st.score[ties[:, 0]], st.score[ties[:, 1]]])
    y = np.concatenate([st.score[ties[:, 1]], st.score[ties[:, 0]]])
    direct = np.corrcoef(x, y)[0, 1]
    recorded = sim.recorder.rows[-1 - len(sim.recorder.names)]
    assert recorded["group_name"] == "all" and recorded["step"] == steps
    assert 0.0 < st.enrolled.mean() < 0.5 if steps == 30 else st.enrolled.all()
    assert abs(recorded["score_assortativity"] - direct) < 1e-6


# --- a real anonymous topology -----------------------------------------------------------------

EGO = Path(__file__).resolve().parents[2] / "shared" / "data" / "ego-facebook.edges"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ego-facebook.toml"


@pytest.mark.skipif(not EGO.exists(), reason="shared/data/ego-facebook.edges is not beside the repository")
def test_ego_facebook_example_runs_with_population_from_graph():
    res = simulate(EXAMPLE, steps=8, agents=50)  # agents is ignored: the graph decides
    assert res.info["agents"] == 4039
    assert res.metrics.ties.iloc[0] == 88234
    assert res.metrics.ties.iloc[-1] <= 88234
    assert res.agents_final.original_id.tolist() == list(range(4039))


def test_outputs_use_original_agent_ids_despite_renumbering():
    """Agents are renumbered internally for locality; tables and ties come back in original ids."""
    from socialcredit.population import make_population

    res = simulate("sesame-as-reported", agents=2000, steps=3, seed=9)
    fin = res.agents_final
    assert fin.agent_id.tolist() == list(range(2000))
    drawn = make_population(res.scenario, 2000)
    assert np.array_equal(res.agents_initial.desired_dissent.to_numpy(), drawn.dissent)
    assert np.array_equal(res.agents_initial.baseline_score.to_numpy(), drawn.baseline)
    # the initial snapshot is a copy: the run did not change it
    assert np.array_equal(res.agents_initial.score.to_numpy(), drawn.baseline)
    assert not np.array_equal(fin.score.to_numpy(), drawn.baseline)
    e = res.edges_final.to_numpy()
    degree = np.bincount(e.ravel(), minlength=2000)
    assert np.array_equal(fin.degree.to_numpy(), degree)
    assert (e[:, 0] < e[:, 1]).all()
    # the tier: an ordered category (worst first), missing exactly for the agents not enrolled
    tiers = res.scenario.policy.tiers
    assert list(fin.tier.cat.categories) == [t.name for t in tiers] and fin.tier.cat.ordered
    enrolled = fin.enrolled.to_numpy()
    assert 0 < enrolled.sum() < len(fin)
    assert np.array_equal(fin.tier.isna().to_numpy(), ~enrolled)
    expect = np.searchsorted([t.min_score for t in tiers], fin.score.to_numpy(), side="right") - 1
    assert np.array_equal(fin.tier.cat.codes.to_numpy()[enrolled], expect[enrolled])
    assert (res.agents.snapshot == "initial").sum() == (res.agents.snapshot == "final").sum() == 2000


def test_agent_snapshots_are_the_two_tables_one_below_the_other(tmp_path):
    """The result's agent table is gathered column by column into place: it must equal the
    initial and the current agent tables joined, with `snapshot` first, for an edge-list
    network (with original ids) too."""
    import pandas as pd

    gen = np.random.default_rng(2)
    pairs = gen.integers(0, 400, size=(1600, 2)) * 7 + 3  # original ids 3, 10, 17, ...
    edges = tmp_path / "small.edges"
    edges.write_text("".join(f"{a} {b}\n" for a, b in pairs if a != b))
    for sc in (resolve("sesame-as-reported", agents=1500, steps=4, seed=6),
               resolve("sesame-as-reported", steps=2, seed=6,
                       overrides={"network": {"kind": "edge_list", "path": str(edges)}})):
        sim = Simulation(sc)
        sim.run()
        initial, final = sim.initial_agents, sim.agent_table()
        assert not initial.score.equals(final.score)
        joined = pd.concat([initial.assign(snapshot="initial"), final.assign(snapshot="final")], ignore_index=True)
        joined["snapshot"] = pd.Categorical(joined["snapshot"], categories=["initial", "final"])
        joined = joined[["snapshot"] + list(initial.columns)]
        pd.testing.assert_frame_equal(sim.agent_snapshots(), joined)


def test_edge_table_is_the_live_ties_in_original_ids_sorted():
    """The tie table is read off the graph numbered back, without a sort: it must equal the
    internal ties mapped to original ids, each once with u < v, in lexicographic order."""
    sim = Simulation(resolve("sesame-as-reported", agents=3000, steps=12, seed=5,
                             overrides={"behaviour.social.unfriend_probability": 0.3}))
    sim.run()
    assert sim.graph.n_ties() < len(sim.initial_edges)  # ties were lost, so rows have free slots
    ref = sim.order[sim.graph.edge_array()]
    ref.sort(axis=1)
    ref = ref[np.lexsort((ref[:, 1], ref[:, 0]))]
    got = sim.edge_table()
    assert got.dtype == np.int32
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("sqrt_scale", [False, True])
def test_histogram_distributions_match_the_exact_ones(monkeypatch, sqrt_scale):
    """Above EXACT_LIMIT values, quantiles and Gini come from 65,536-bin histograms."""
    from socialcredit import metrics

    rng = np.random.default_rng(0)
    n = 200_000
    values = rng.lognormal(8.0, 1.0, n) if sqrt_scale else rng.normal(600.0, 60.0, n)
    include = rng.random(n) < 0.9
    group = (rng.random(n) < 0.4).astype(np.int64)
    order = np.argsort(group, kind="stable")
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 10**9)
    exact_q, exact_g = metrics.distribution(values, include, group, 2, order, sqrt_scale=sqrt_scale)
    monkeypatch.setattr(metrics, "EXACT_LIMIT", 1000)
    hist_q, hist_g = metrics.distribution(values, include, group, 2, order, sqrt_scale=sqrt_scale)
    assert hist_q.shape == exact_q.shape == (3, len(metrics.QUANTILES))
    assert np.allclose(hist_q, exact_q, rtol=2e-3)
    assert np.allclose(hist_g, exact_g, atol=1e-3)
    assert not np.array_equal(hist_q, exact_q)  # the histogram path really ran


def test_tier_index_is_the_highest_tier_reached():
    """`consequences.tier_index` counts the minima reached without a branch: it must be the
    highest tier whose minimum is at most the score (0 below the first), at every boundary."""
    from numba import njit

    from socialcredit.engine.consequences import tier_index

    index = njit(lambda s, mins: tier_index(s, mins))
    gen = np.random.default_rng(2)
    for mins in ([350.0], [350.0, 550.0, 600.0, 650.0, 700.0], [0.0, 600.0, 850.0, 960.0, 1030.0, 1050.0]):
        mins = np.array(mins)
        scores = np.concatenate([gen.uniform(mins[0] - 50.0, mins[-1] + 100.0, 2000), mins,
                                 np.nextafter(mins, -np.inf)])
        want = np.maximum(np.searchsorted(mins, scores, side="right") - 1, 0)
        assert [index(x, mins) for x in scores] == want.tolist()


def _numpy_histogram_stats(counts, sums, lo, width, sqrt_scale, quantiles):
    """The histogram statistics written with NumPy (cumulative sums, `searchsorted`, pairwise
    `sum`): what the compiled `metrics._histogram_summary` must reproduce bit for bit."""
    n = int(counts.sum())
    if n == 0:
        return [float("nan")] * len(quantiles), float("nan")
    cum = np.cumsum(counts)
    before = cum - counts
    out = []
    for q in quantiles:
        r = q * (n - 1)
        b = min(int(np.searchsorted(cum, r, side="right")), len(counts) - 1)
        t = lo + (b + (r - before[b] + 0.5) / max(counts[b], 1)) * width
        out.append(float(t * t if sqrt_scale else t))
    total = float(sums.sum())
    if total <= 0:
        return out, float("nan")
    return out, 2.0 * float((sums * (before + (counts + 1) / 2.0)).sum()) / (n * total) - (n + 1.0) / n


@pytest.mark.parametrize("sqrt_scale", [False, True])
def test_compiled_histogram_statistics_are_numpys_to_the_bit(sqrt_scale):
    """Quantiles and Gini from the histograms are compiled; blocks and groups are added in
    order and the Gini's sums follow NumPy's pairwise summation, so the figures equal the
    NumPy formulas' exactly (an empty group gives NaN)."""
    from socialcredit import metrics

    rng = np.random.default_rng(5)
    for n in (0, 7, 100, 129, 1000, 65536, 100003):
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 6, n)
        assert metrics._pairwise_sum(a) == a.sum()
    blocks, groups, bins = 2, 3, 4096
    counts = rng.poisson(3.0, (blocks, groups, bins)).astype(np.int64)
    counts[:, 2] = 0  # an empty group
    sums = counts * rng.uniform(350.0, 950.0, (blocks, groups, bins))
    lo, width = 350.0, 600.0 / bins
    quantiles = np.array(metrics.QUANTILES)
    got_q, got_g = metrics._histogram_summary(counts, sums, lo, width, sqrt_scale, quantiles)
    c, s = counts.sum(axis=0), sums.sum(axis=0)
    want = [_numpy_histogram_stats(c.sum(axis=0), s.sum(axis=0), lo, width, sqrt_scale, quantiles)]
    want += [_numpy_histogram_stats(c[g], s[g], lo, width, sqrt_scale, quantiles) for g in range(groups)]
    np.testing.assert_array_equal(got_q, np.array([q for q, _ in want]))
    np.testing.assert_array_equal(got_g, np.array([g for _, g in want]))
    assert np.isnan(got_g[3]) and not np.isnan(got_g[:3]).any()


def test_wealth_distribution_counts_debts_as_zero(monkeypatch):
    """In square-root bins (wealth) a negative value counts as 0, on both the exact and the
    histogram path, as if the values had been clipped first."""
    from socialcredit import metrics

    rng = np.random.default_rng(3)
    n = 200_000
    values = rng.lognormal(8.0, 1.0, n) - 1500.0  # about a tenth in debt
    assert 0.05 < (values < 0).mean() < 0.3
    include = np.ones(n, np.bool_)
    group = (rng.random(n) < 0.5).astype(np.int64)
    order = np.argsort(group, kind="stable")
    clipped = np.maximum(values, 0.0)
    for limit in (10**9, 1000):  # exact, then histograms
        monkeypatch.setattr(metrics, "EXACT_LIMIT", limit)
        got = metrics.distribution(values, include, group, 2, order, sqrt_scale=True)
        want = metrics.distribution(clipped, include, group, 2, order, sqrt_scale=True)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        assert (got[0] >= 0).all() and np.isfinite(got[1]).all()


def test_unfriended_counts_every_lost_tie_once_and_splits_across_groups():
    """Both ends decide a tie alike: the ties lost in a step equal `unfriended`, and the
    per-group counts (half a tie per member end) add up to it."""
    result = simulate("sesame-as-reported", agents=3000, steps=30, seed=4,
                      overrides={"behaviour.social.unfriend_probability": 0.2})
    m = result.group_metrics
    everyone = result.metrics.set_index("step")
    lost = -everyone["ties"].diff().iloc[1:]
    assert lost.sum() > 100
    assert np.allclose(lost.to_numpy(), everyone["unfriended"].iloc[1:].to_numpy())
    assert m.group_name.nunique() >= 2
    groups = m[m.group_name != "all"].groupby("step")["unfriended"].sum()
    assert np.allclose(groups.to_numpy(), everyone["unfriended"].to_numpy())
    assert len(result.edges_final) == everyone["ties"].iloc[-1]


def test_all_true_reads_eight_flags_at_a_time_and_the_tail_one_by_one():
    """`scoring.all_true` (which picks the update's bare gather when everyone is enrolled):
    one flag off anywhere, in a whole word or in the tail, makes it False."""
    from socialcredit.engine.scoring import all_true

    assert all_true(np.ones(0, np.bool_))
    for n in (1, 7, 8, 9, 16, 21):
        flags = np.ones(n, np.bool_)
        assert all_true(flags)
        for k in range(n):
            flags[k] = False
            assert not all_true(flags), (n, k)
            flags[k] = True
    assert not all_true(np.zeros(21, np.bool_))
