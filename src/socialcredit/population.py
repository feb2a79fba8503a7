"""Synthetic agents: traits drawn once from the scenario's distributions, shifted by group.

Only synthetic people: nothing here reads records about real individuals (MODEL.md, Scope).
Each trait has its own NumPy stream derived from (seed, trait), so adding a trait or a
category never changes the draws of the others.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numba
import numpy as np

from .locality import take
from .scenario import TRAIT_DOMAINS, Beta, Constant, Gamma, LogNormal, Normal, Scenario, Uniform

_SETUP_PHASE = 0xC0FFEE


def _stream(seed: int, *names: str) -> np.random.Generator:
    words = [seed, _SETUP_PHASE] + [int.from_bytes(n.encode()[:8].ljust(8, b"\0"), "little") for n in names]
    return np.random.default_rng(np.random.SeedSequence(words))


def draw(dist, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws from one of the scenario's distributions, as float64."""
    if isinstance(dist, Beta):
        return rng.beta(dist.a, dist.b, n)
    if isinstance(dist, Uniform):
        return rng.uniform(dist.low, dist.high, n)
    if isinstance(dist, Normal):
        return rng.normal(dist.mean, dist.sd, n)
    if isinstance(dist, LogNormal):
        return dist.median * np.exp(rng.normal(0.0, dist.sigma, n))
    if isinstance(dist, Gamma):
        return rng.gamma(dist.shape, dist.scale, n)
    if isinstance(dist, Constant):
        return np.full(n, dist.value, dtype=np.float64)
    raise TypeError(f"unknown distribution {dist!r}")


@dataclass
class Population:
    """Static traits, one row per agent (structure of arrays)."""

    group: np.ndarray  # int16 group index
    group_names: list[str]
    dissent: np.ndarray  # desired dissent δ in [0, 1]
    boldness: np.ndarray  # β > 0
    reliability: np.ndarray
    conformity: np.ndarray
    informant: np.ndarray
    privacy_cost: np.ndarray
    posting_rate: np.ndarray
    income: np.ndarray  # base income per step
    taste: np.ndarray  # (N, C) purchases per step
    baseline: np.ndarray  # s0 from the financial/identity profile

    @property
    def size(self) -> int:
        return len(self.group)

    def permuted(self, order: np.ndarray) -> "Population":
        """The same agents renumbered: new agent i is old agent order[i]."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return Population(**{k: (v if k == "group_names" else take(v, order)) for k, v in values.items()})


def assign_groups(n: int, shares: list[float], rng: np.random.Generator) -> np.ndarray:
    """Exact group sizes (largest remainder), randomly placed over agent ids."""
    raw = np.asarray(shares) * n
    counts = np.floor(raw).astype(np.int64)
    short = n - counts.sum()
    if short:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares), dtype=np.int16), counts))


def baseline_scores(reliability: np.ndarray, income: np.ndarray, scenario: Scenario) -> np.ndarray:
    """s0 = mean + sd · z, z the standardised mix of reliability and log income (MODEL.md, 'Dynamic')."""
    b = scenario.policy.baseline

    def z(x):
        sd = x.std()
        return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)

    mix = b.reliability_weight * z(reliability) + b.income_weight * z(np.log1p(np.maximum(income, 0.0)))
    s0 = b.mean + b.sd * z(mix)
    return np.clip(s0, scenario.policy.score_min, scenario.policy.score_max)


def make_population(scenario: Scenario, n: int) -> Population:
    """Draw n agents for the scenario (n may come from an edge list rather than the scenario)."""
    seed = scenario.seed
    pop = scenario.population
    group = assign_groups(n, [g.share for g in pop.groups], _stream(seed, "groups"))

    wide = ("income", "reliability")  # kept in float64: the baseline score is computed from them

    def trait(name):
        values = draw(getattr(pop.traits, name), n, _stream(seed, "trait", name))
        for gi, g in enumerate(pop.groups):
            shift = g.shifts.get(name)
            if shift:
                values[group == gi] += shift
        lo, hi = TRAIT_DOMAINS[name]
        values = np.clip(values, lo, hi)
        return values if name in wide else values.astype(np.float32)

    def category_taste(cat):
        return np.maximum(draw(cat.taste, n, _stream(seed, "taste", cat.name)), 0.0).astype(np.float32)

    # every trait and category has its own stream, so they are drawn side by side (NumPy's
    # generators release the GIL) and the draws are the same whatever the number of threads
    cats = scenario.behaviour.consumption.categories
    with ThreadPoolExecutor(max_workers=numba.get_num_threads()) as pool:
        drawn = pool.map(trait, TRAIT_DOMAINS)
        tastes = pool.map(category_taste, cats)
        traits = dict(zip(TRAIT_DOMAINS, drawn))
        taste = np.empty((n, len(cats)), dtype=np.float32)
        for ci, t in enumerate(tastes):
            taste[:, ci] = t
    f32 = {k: (v.astype(np.float32) if k in wide else v) for k, v in traits.items() if k != "income"}
    return Population(
        group=group,
        group_names=[g.name for g in pop.groups],
        income=traits["income"],
        taste=taste,
        baseline=baseline_scores(traits["reliability"], traits["income"], scenario),
        **f32,
    )
