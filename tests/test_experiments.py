"""Comparisons: confidence intervals against a direct computation, and the canonical question."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from socialcredit.experiments import Comparison, compare, mean_ci, replicate, welch_ci
from socialcredit.report import write_comparison


def test_mean_ci_is_the_t_interval():
    x = [0.3, 0.5, 0.45, 0.6]
    m, lo, hi, n = mean_ci(x)
    half = stats.t.ppf(0.975, 3) * np.std(x, ddof=1) / math.sqrt(4)
    assert n == 4 and m == pytest.approx(np.mean(x))
    assert (lo, hi) == pytest.approx((np.mean(x) - half, np.mean(x) + half))
    assert math.isnan(mean_ci([1.0])[1])


def test_welch_ci_matches_scipy():
    a, b = [1.0, 1.4, 1.2, 1.9, 1.1], [0.7, 0.9, 1.3]
    d, lo, hi, p = welch_ci(a, b)
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert d == pytest.approx(np.mean(a) - np.mean(b))
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    assert p == pytest.approx(res.pvalue)


@pytest.fixture(scope="module")
def canonical():
    return compare(["sesame-as-reported", "no-system"], seeds=3, agents=1500, steps=10)


def test_compare_table_against_direct_computation(canonical):
    table = canonical.table
    finals = {arm: [r.metrics["chilling_effect"].iloc[-1] for r in runs] for arm, runs in canonical.arms.items()}
    assert [len(v) for v in finals.values()] == [3, 3]
    x, y = finals["sesame-as-reported"], finals["no-system"]
    res = stats.ttest_ind(x, y, equal_var=False)
    name = Comparison.diff_name("sesame-as-reported", "no-system")
    row = table.loc["chilling_effect"]
    assert row[f"{name} diff"] == pytest.approx(np.mean(x) - np.mean(y))
    if np.var(y) > 0:
        ci = res.confidence_interval(0.95)
        assert (row[f"{name} ci_low"], row[f"{name} ci_high"]) == pytest.approx((ci.low, ci.high))
    m, lo, hi, _ = mean_ci(x)
    assert (row["sesame-as-reported mean"], row["sesame-as-reported ci_low"], row["sesame-as-reported ci_high"]) == pytest.approx((m, lo, hi))


def test_canonical_question_shows_a_chilling_effect(canonical, tmp_path):
    name = Comparison.diff_name("sesame-as-reported", "no-system")
    row = canonical.table.loc["chilling_effect"]
    assert row[f"{name} diff"] > 0.02
    assert row[f"{name} ci_low"] > 0
    # the seeds differ, so the replicates are not copies of one run
    seeds = [r.scenario.seed for r in canonical.arms["sesame-as-reported"]]
    assert len(set(seeds)) == 3
    html = write_comparison(canonical, tmp_path)
    text = html.read_text(encoding="utf-8")
    assert "chilling" in text and "data:image/png;base64," in text
    assert "sesame-as-reported" in canonical.to_markdown()


def test_replicate_seeds_are_consecutive():
    runs = replicate("no-system", seeds=2, agents=300, steps=2, base_seed=7)
    assert [r.scenario.seed for r in runs] == [7, 8]


def test_every_measure_against_scipy(canonical):
    """Every headline measure: the t-interval of each arm and the Welch interval of the difference."""
    first, second = list(canonical.arms)
    name = Comparison.diff_name(first, second)
    checked = 0
    for key, row in canonical.table.iterrows():
        x = np.array([r.metrics[key].iloc[-1] for r in canonical.arms[first]], dtype=float)
        y = np.array([r.metrics[key].iloc[-1] for r in canonical.arms[second]], dtype=float)
        for arm, v in ((first, x), (second, y)):
            v = v[np.isfinite(v)]
            assert row[f"{arm} n"] == len(v)
            if len(v) >= 2 and np.var(v) > 0:
                lo, hi = stats.t.interval(0.95, len(v) - 1, loc=np.mean(v), scale=stats.sem(v))
                assert (row[f"{arm} ci_low"], row[f"{arm} ci_high"]) == pytest.approx((lo, hi)), (key, arm)
        if np.isfinite(x).all() and np.isfinite(y).all() and np.var(x) > 0 and np.var(y) > 0:
            res = stats.ttest_ind(x, y, equal_var=False)
            ci = res.confidence_interval(0.95)
            assert (row[f"{name} ci_low"], row[f"{name} ci_high"]) == pytest.approx((ci.low, ci.high)), key
            assert row[f"{name} p"] == pytest.approx(res.pvalue), key
            checked += 1
        elif not (np.isfinite(x).any() and np.isfinite(y).any()):
            assert math.isnan(row[f"{name} diff"]), key  # e.g. no scores in no-system
    assert checked >= 1  # gini_wealth at least; many measures are constant in the control


def test_one_seed_has_no_interval(canonical):
    one = Comparison.from_arms({a: runs[:1] for a, runs in canonical.arms.items()})
    row = one.table.loc["chilling_effect"]
    first, second = list(one.arms)
    assert row[f"{first} n"] == 1 and math.isnan(row[f"{first} ci_low"])
    assert math.isnan(row[f"{Comparison.diff_name(first, second)} ci_low"])
    assert "n/a" in one.to_markdown()


def test_comparison_report_is_self_contained(canonical, tmp_path):
    html = write_comparison(canonical, tmp_path / "cmp").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<script" not in html.lower() and str(tmp_path) not in html
    pngs = {p.stem for p in (tmp_path / "cmp").glob("*.png")}
    assert "compare_chilling_effect" in pngs and "compare_ties" in pngs
    assert html.count("data:image/png;base64,") == len(pngs)


def test_compare_opens_stored_runs_and_reports_progress(tmp_path):
    from socialcredit import simulate, store

    stored = store.save_result(simulate("rongcheng", agents=300, steps=3, seed=4), data_dir=tmp_path, preset="rongcheng")
    ticks = []
    c = compare([stored.id, "no-system"], seeds=2, agents=300, steps=3, data_dir=tmp_path,
                progress=lambda done, total: ticks.append((done, total)))
    first, second = list(c.arms)
    assert first == f"rongcheng ({stored.id})" and second == "no-system"
    assert len(c.arms[first]) == 1 and len(c.arms[second]) == 2
    assert ticks == [(1, 2), (2, 2)]
    with pytest.raises(ValueError):
        compare([])
