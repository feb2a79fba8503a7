"""What every step records (MODEL.md, 'What every run must measure'), overall and per group.

Per-agent quantities are reduced with `np.bincount` over the group index, so the whole
population and every group come from one pass; edge quantities come from one compiled pass
over the CSR rows, reduced the same way. Reductions never depend on the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .engine.consequences import INTERNET, JOBS
from .engine.expression import classify

ALL = "all"
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)

HEADLINE = (
    ("score_mean", "mean score (enrolled)"),
    ("enrolled_share", "enrolled"),
    ("blacklisted_share", "blacklisted"),
    ("chilling_effect", "chilling effect 1 − Σa/Σδ"),
    ("self_censoring_share", "self-censoring"),
    ("defiant_share", "defiant"),
    ("reports_true", "true reports (step)"),
    ("reports_false", "false reports (step)"),
    ("ties", "ties left"),
    ("isolated_share", "isolated"),
    ("score_assortativity", "score assortativity"),
    ("giant_component_share", "giant component"),
    ("gini_score", "Gini of scores"),
    ("gini_wealth", "Gini of wealth"),
)


@njit(parallel=True, cache=True)
def _edge_partials(indptr, indices, alive, score, enrolled, centre, out):
    """Per row: alive degree, and sums over ties with both ends enrolled for assortativity."""
    n = len(score)
    for i in prange(n):
        deg = 0
        cnt = 0
        sy = 0.0
        syy = 0.0
        xi = score[i] - centre
        for k in range(indptr[i], indptr[i + 1]):
            if alive[k]:
                deg += 1
                j = indices[k]
                if enrolled[i] and enrolled[j]:
                    y = score[j] - centre
                    cnt += 1
                    sy += y
                    syy += y * y
        out[i, 0] = deg
        out[i, 1] = cnt
        out[i, 2] = cnt * xi
        out[i, 3] = cnt * xi * xi
        out[i, 4] = sy
        out[i, 5] = syy
        out[i, 6] = xi * sy


@njit(parallel=True, cache=True)
def _job_and_speed(enrolled, blacklisted, tier, table, n_tiers, bl_enabled, bl_jobs, out_job, out_throttled):
    n = len(tier)
    for i in prange(n):
        row = tier[i] if enrolled[i] else n_tiers
        j = table[row, JOBS]
        if blacklisted[i] and bl_enabled and bl_jobs < j:
            j = bl_jobs
        out_job[i] = j < 1.0
        out_throttled[i] = table[row, INTERNET] < 1.0


def _gini_sorted(x: np.ndarray) -> float:
    n = len(x)
    total = x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.dot(ranks, x) / (n * total) - (n + 1) / n)


def _quantiles_sorted(x: np.ndarray) -> list[float]:
    if len(x) == 0:
        return [float("nan")] * len(QUANTILES)
    out = []
    for q in QUANTILES:
        pos = q * (len(x) - 1)
        lo = int(math.floor(pos))
        hi = min(lo + 1, len(x) - 1)
        out.append(float(x[lo] + (x[hi] - x[lo]) * (pos - lo)))
    return out


def _sorted_parts(values: np.ndarray, order: np.ndarray, bounds: np.ndarray) -> list[np.ndarray]:
    """Each group's values, sorted; `order` lists agents grouped by group, `bounds` the slices."""
    grouped = values[order]
    return [np.sort(grouped[bounds[g]:bounds[g + 1]]) for g in range(len(bounds) - 1)]


class Recorder:
    """The default observer: one row per step for the whole population and per group."""

    def __init__(self, sim):
        self.sim = sim
        pop = sim.population
        self.group = pop.group.astype(np.intp)
        self.names = pop.group_names
        self.n_groups = len(self.names)
        self.group_order = np.argsort(pop.group, kind="stable")
        counts = np.bincount(self.group, minlength=self.n_groups)
        self.bounds = np.concatenate([[0], np.cumsum(counts)])
        self.counts = counts.astype(np.float64)
        self.rows: list[dict] = []

    def _by_group(self, values, weights=None) -> np.ndarray:
        """[total, per group...] sums."""
        w = values if weights is None else weights
        s = np.bincount(self.group, weights=np.asarray(w, dtype=np.float64), minlength=self.n_groups)
        return np.concatenate([[s.sum()], s])

    def __call__(self, sim) -> None:
        st, pop, pol = sim.state, sim.population, sim.scenario.policy
        G = self.n_groups
        n = np.concatenate([[self.counts.sum()], self.counts])
        cols: dict[str, np.ndarray] = {}

        def share(x):
            return self._by_group(x) / np.maximum(n, 1)

        def total(x):
            return self._by_group(x)

        enrolled = st.enrolled
        n_enr = total(enrolled)
        cols["agents"] = n
        cols["enrolled_share"] = n_enr / np.maximum(n, 1)
        cols["blacklisted_share"] = share(st.blacklisted)

        # score distribution over enrolled agents (unenrolled agents have no public score)
        sc_enr = np.where(enrolled, st.score, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total(sc_enr) / n_enr
            var = total(np.where(enrolled, st.score**2, 0.0)) / n_enr - mean**2
        cols["score_mean"] = mean
        cols["score_sd"] = np.sqrt(np.maximum(var, 0.0))
        enr_idx = self.group_order[enrolled[self.group_order]]
        enr_counts = np.bincount(self.group[enr_idx], minlength=G)
        enr_bounds = np.concatenate([[0], np.cumsum(enr_counts)])
        overall_s = np.sort(st.score[enrolled])
        parts_s = _sorted_parts(st.score, enr_idx, enr_bounds)
        qs = [_quantiles_sorted(overall_s)] + [_quantiles_sorted(p) for p in parts_s]
        for qi, q in enumerate(QUANTILES):
            cols[f"score_p{int(q * 100)}"] = np.array([row[qi] for row in qs])
        cols["gini_score"] = np.array([_gini_sorted(overall_s)] + [_gini_sorted(p) for p in parts_s])
        w_pos = np.maximum(st.wealth, 0.0)
        overall_w = np.sort(w_pos)
        parts_w = _sorted_parts(w_pos, self.group_order, self.bounds)
        cols["gini_wealth"] = np.array([_gini_sorted(overall_w)] + [_gini_sorted(p) for p in parts_w])

        # tiers (enrolled agents)
        for ti, tier in enumerate(pol.tiers):
            with np.errstate(invalid="ignore", divide="ignore"):
                cols[f"tier_share__{tier.name}"] = total(enrolled & (st.tier == ti)) / n_enr
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["tier_mobility"] = total(enrolled & (st.tier != st.previous_tier)) / n_enr

        # expression and the chilling effect (Daymude et al. 2025)
        latent = total(pop.dissent)
        expressed = total(st.expressed_dissent)
        cols["latent_dissent"] = latent / np.maximum(n, 1)
        cols["expressed_dissent"] = expressed / np.maximum(n, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["chilling_effect"] = 1.0 - expressed / latent
        kind = classify(pop.dissent, st.expressed_dissent, pol.speech.tolerance)
        cols["compliant_share"] = share(kind == 0)
        cols["self_censoring_share"] = share(kind == 1)
        cols["defiant_share"] = share(kind == 2)
        cols["perceived_surveillance"] = total(st.perceived_surveillance) / np.maximum(n, 1)
        cols["perceived_severity"] = total(st.perceived_severity) / np.maximum(n, 1)
        cols["posts_critical"] = total(st.critical_posts)
        cols["posts_pro_state"] = total(st.pro_state_posts)
        cols["reports_true"] = total(st.reports_true)
        cols["reports_false"] = total(st.reports_false)
        cols["punished"] = total(st.punished)

        # sanctions by kind
        job = np.empty(len(st.tier), np.bool_)
        thr = np.empty(len(st.tier), np.bool_)
        bl = pol.blacklist
        _job_and_speed(enrolled, st.blacklisted, st.tier, sim.table, len(pol.tiers), bl.enabled, bl.job_access, job, thr)
        cols["travel_denied"] = total(st.travel_denied)
        cols["loans_denied"] = total(st.loan_denied)
        cols["throttled"] = total(thr)
        cols["job_barred"] = total(job)

        # finance
        cols["wealth_mean"] = total(st.wealth) / np.maximum(n, 1)
        cols["income_mean"] = total(st.income_now) / np.maximum(n, 1)
        cols["welfare_mean"] = total(st.welfare) / np.maximum(n, 1)
        cols["loans_active"] = total(st.loan_remaining > 0)
        cols["loan_repayments"] = total(st.repaid)
        cols["loan_defaults"] = total(st.missed)
        cols["court_judgments"] = total(st.judgment)
        cols["blacklist_entries"] = total(st.blacklist_entry)
        cols["blacklist_exits"] = total(st.blacklist_exit)

        # network
        g = sim.graph
        centre = float(overall_s.mean()) if len(overall_s) else 0.0
        part = np.empty((len(st.score), 7), np.float64)
        _edge_partials(g.indptr, g.indices, g.alive, st.score, enrolled, centre, part)
        sums = np.stack([self._by_group(part[:, c]) for c in range(7)])
        deg, cnt, sx, sxx, sy, syy, sxy = sums
        cols["ties"] = deg / 2.0
        cols["mean_degree"] = deg / np.maximum(n, 1)
        cols["isolated_share"] = share(part[:, 0] == 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = cnt * sxy - sx * sy
            cols["score_assortativity"] = cov / np.sqrt((cnt * sxx - sx**2) * (cnt * syy - sy**2))
        _, labels = g.components()
        sizes = np.bincount(labels)
        in_giant = labels == int(np.argmax(sizes))
        cols["giant_component_share"] = share(in_giant)
        cols["unfriended"] = total(sim.dropped_per_row) / 2.0
        cols["nudges"] = total(st.nudges)
        cols["score_shares"] = total(sim.shared_now)

        step = sim.step_index
        for gi, name in enumerate([ALL] + self.names):
            row = {"step": step, "group_name": name}
            for key, values in cols.items():
                row[key] = float(values[gi])
            self.rows.append(row)
