"""Replicates and comparisons: the same scenario over several seeds, and arms side by side.

A researcher's question ("what does friend drag do to the network?") is answered by
running each arm over K seeds and comparing the headline measures (`metrics.HEADLINE`) at
the final step: each arm's mean with a 95 % t-interval over seeds, and the difference
between the first arm and every other arm (first minus other; e.g. `sesame-as-reported`
first and the `no-system` control second gives the system's effect) with a 95 % Welch
interval. Seeds are the unit of replication: they are independent runs, so the intervals
are ordinary two-sample statistics over seeds, not over agents.

Import-light on purpose: NumPy, pandas and SciPy only (no Dask). Runs are sequential; a
sweep beyond one machine belongs to a distributed runner built on `replicate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .metrics import HEADLINE
from .result import RunResult
from .scenario import Scenario, preset_names

LEVEL = 0.95
"""Confidence level of every interval in this module."""

Progress = Callable[[int, int], None]
"""Called as progress(runs_done, runs_total) after each finished run."""


# --- statistics ----------------------------------------------------------------------------


def _t_quantile(level: float, df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, df))


def _finite(values: Iterable[float]) -> np.ndarray:
    x = np.asarray(list(values), dtype=np.float64)
    return x[np.isfinite(x)]


def mean_ci(values: Iterable[float], level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean and t-interval over independent replicates: (mean, low, high, n).

    NaN values (a measure undefined in that run) are dropped. With fewer than two values the
    interval is (NaN, NaN): one seed says nothing about the spread between seeds.
    """
    x = _finite(values)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = _t_quantile(level, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half, n


def welch_ci(x: Iterable[float], y: Iterable[float], level: float = LEVEL) -> tuple[float, float, float, float]:
    """Difference mean(x) - mean(y) with Welch's t-interval and two-sided p-value: (diff, low, high, p).

    Degrees of freedom by Welch-Satterthwaite. NaN interval when either side has fewer than
    two finite values; when both sides have zero variance the interval shrinks to the point
    (and p is 0 for a non-zero difference, 1 otherwise).
    """
    a, b = _finite(x), _finite(y)
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan, math.nan
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return diff, math.nan, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if se2 <= 0.0:
        return diff, diff, diff, (0.0 if diff != 0.0 else 1.0)
    df = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    se = math.sqrt(se2)
    half = _t_quantile(level, df) * se
    from scipy import stats

    p = float(2.0 * stats.t.sf(abs(diff) / se, df))
    return diff, diff - half, diff + half, p


def band(frames: Sequence[pd.DataFrame], column: str, level: float = LEVEL) -> pd.DataFrame:
    """Per step: mean of `column` over runs and its t-interval (columns step, mean, low, high, n).

    Runs may differ in length; each step uses the runs that reached it.
    """
    if not frames:
        return pd.DataFrame(columns=["step", "mean", "low", "high", "n"])
    wide = pd.concat([f.set_index("step")[column].rename(i) for i, f in enumerate(frames)], axis=1)
    values = wide.to_numpy(dtype=np.float64)
    ok = np.isfinite(values)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(np.where(ok, values, 0.0), axis=1) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, values - mean[:, None], 0.0)
        sd = np.sqrt((dev**2).sum(axis=1) / np.maximum(n - 1, 1))
    from scipy import stats

    q = np.where(n >= 2, stats.t.ppf(0.5 + level / 2.0, np.maximum(n - 1, 1)), np.nan)
    half = q * sd / np.sqrt(np.maximum(n, 1))
    return pd.DataFrame({"step": wide.index.to_numpy(), "mean": mean, "low": mean - half, "high": mean + half, "n": n})


# --- running -------------------------------------------------------------------------------


def replicate(spec: str | Path | Scenario | dict, seeds: int, agents: int | None = None, steps: int | None = None,
              overrides: dict[str, Any] | list[str] | None = None, base_seed: int = 0,
              progress: Progress | None = None) -> list[RunResult]:
    """Run one scenario (preset name or TOML path) with seeds base_seed .. base_seed + seeds - 1."""
    from .api import simulate

    if seeds < 1:
        raise ValueError(f"seeds = {seeds!r}: expected at least 1")
    if base_seed < 0:
        raise ValueError(f"base_seed = {base_seed!r}: expected a non-negative integer")
    results = []
    for k in range(seeds):
        results.append(simulate(spec, agents=agents, steps=steps, seed=base_seed + k, overrides=overrides))
        if progress is not None:
            progress(k + 1, seeds)
    return results


def _open_run(spec: str, data_dir: str | Path | None) -> list[RunResult]:
    try:
        from .store import open_run
    except ImportError as exc:  # the run store is optional at import time
        raise ValueError(f"{spec!r} is not a preset or a .toml file, and runs cannot be opened: {exc}") from None
    opened = open_run(spec, data_dir)
    if isinstance(opened, RunResult):
        return [opened]
    return list(opened)


def _is_scenario_spec(spec: str) -> bool:
    return spec in preset_names() or spec.endswith(".toml") or Path(spec).is_file()


def _label_of(spec: Any, runs: list[RunResult]) -> str:
    if isinstance(spec, (str, Path)):
        text = str(spec)
        if text in preset_names():
            return text
        path = Path(text)
        if path.suffix == ".toml":
            return path.stem
        run = path.name or text  # a stored run: its scenario's name and its id
        return f"{runs[0].scenario.name} ({run})" if runs else run
    if runs:
        return runs[0].scenario.name
    return "arm"


def _unique(label: str, taken: Mapping[str, Any]) -> str:
    if label not in taken:
        return label
    k = 2
    while f"{label} #{k}" in taken:
        k += 1
    return f"{label} #{k}"


def compare(specs: Sequence[str | Path | RunResult | Sequence[RunResult]], seeds: int = 1, agents: int | None = None,
            steps: int | None = None, data_dir: str | Path | None = None, *,
            overrides: dict[str, Any] | list[str] | None = None, base_seed: int = 0,
            progress: Progress | None = None) -> "Comparison":
    """Run or open each arm and compare the first with every other one.

    A spec is a preset name, a TOML path (both run over `seeds` seeds from `base_seed`), a
    run id or run folder (opened with `socialcredit.store.open_run(id, data_dir)`, used as
    stored), or results already in memory (a RunResult or a list of them).
    `progress(done, total)` counts runs over all arms.
    """
    if not specs:
        raise ValueError("compare needs at least one spec (the first is the reference)")
    fresh = [s for s in specs if isinstance(s, (str, Path)) and _is_scenario_spec(str(s))]
    total = len(fresh) * seeds
    done = 0

    def tick(_k: int, _n: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    arms: dict[str, list[RunResult]] = {}
    for spec in specs:
        if isinstance(spec, RunResult):
            runs = [spec]
        elif isinstance(spec, (str, Path)):
            if _is_scenario_spec(str(spec)):
                runs = replicate(str(spec), seeds, agents=agents, steps=steps, overrides=overrides,
                                 base_seed=base_seed, progress=tick)
            else:
                runs = _open_run(str(spec), data_dir)
        else:
            runs = list(spec)
            if not all(isinstance(r, RunResult) for r in runs):
                raise ValueError(f"spec {spec!r}: expected a preset name, a .toml path, a run id or RunResult objects")
        if not runs:
            raise ValueError(f"spec {spec!r} gave no runs")
        arms[_unique(_label_of(spec, runs), arms)] = runs
    return Comparison.from_arms(arms)


# --- the comparison --------------------------------------------------------------------------


@dataclass
class Comparison:
    """Arms side by side: `arms` maps a label to its runs (one per seed); the first arm is
    compared with every other one.

    `table` has one row per headline measure (index: the metric column), a `label` column,
    then for each arm A the columns `A mean`, `A ci_low`, `A ci_high`, `A n` (runs with a
    defined value), and for each other arm B the columns `FIRST - B diff`, `FIRST - B ci_low`,
    `FIRST - B ci_high`, `FIRST - B p` (Welch; the difference is mean(FIRST) - mean(B)),
    FIRST being the first arm's label (see `diff_name`). All values are at each run's final
    step. CIs are NaN with a single seed.
    """

    arms: dict[str, list[RunResult]]
    table: pd.DataFrame
    measures: list[tuple[str, str]] = field(default_factory=lambda: list(HEADLINE))
    notes: list[str] = field(default_factory=list)
    level: float = LEVEL

    @property
    def reference(self) -> str:
        return next(iter(self.arms))

    @staticmethod
    def diff_name(reference: str, arm: str) -> str:
        """Column prefix of the difference reference - arm in `table`."""
        return f"{reference} - {arm}"

    @classmethod
    def from_arms(cls, arms: Mapping[str, Sequence[RunResult]], measures: Sequence[tuple[str, str]] = HEADLINE,
                  level: float = LEVEL) -> "Comparison":
        arms = {str(k): list(v) for k, v in arms.items()}
        if not arms:
            raise ValueError("a comparison needs at least one arm")
        for label, runs in arms.items():
            if not runs:
                raise ValueError(f"arm {label!r} has no runs")
        measures = list(measures)
        labels = list(arms)
        ref = labels[0]
        finals = {a: {key: [_final(r, key) for r in runs] for key, _ in measures} for a, runs in arms.items()}
        rows = []
        for key, label in measures:
            row: dict[str, Any] = {"measure": key, "label": label}
            for a in labels:
                m, lo, hi, n = mean_ci(finals[a][key], level)
                row.update({f"{a} mean": m, f"{a} ci_low": lo, f"{a} ci_high": hi, f"{a} n": n})
            for b in labels[1:]:
                d, lo, hi, p = welch_ci(finals[ref][key], finals[b][key], level)
                name = cls.diff_name(ref, b)
                row.update({f"{name} diff": d, f"{name} ci_low": lo, f"{name} ci_high": hi, f"{name} p": p})
            rows.append(row)
        table = pd.DataFrame(rows).set_index("measure")
        return cls(arms=arms, table=table, measures=measures, notes=_notes(arms), level=level)

    def final_values(self, measure: str) -> pd.DataFrame:
        """Each run's value of `measure` at its final step (columns arm, seed, value)."""
        rows = [{"arm": a, "seed": r.scenario.seed, "value": _final(r, measure)} for a, runs in self.arms.items() for r in runs]
        return pd.DataFrame(rows)

    def series(self, measure: str) -> dict[str, pd.DataFrame]:
        """Per arm: the mean of `measure` over seeds at each step and its t-band (see `band`)."""
        return {a: band([r.metrics for r in runs], measure, self.level) for a, runs in self.arms.items()}

    def to_markdown(self, digits: int = 4) -> str:
        """The table as GitHub markdown: mean [95 % CI] per arm, then the first arm minus each other arm."""
        labels = list(self.arms)
        ref = labels[0]
        pct = f"{self.level * 100:g} %"
        head = ["measure"] + [f"{a} (n={len(self.arms[a])})" for a in labels] + [f"{ref} − {b}" for b in labels[1:]]
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        for key, row in self.table.iterrows():
            cells = [str(row["label"])]
            for a in labels:
                cells.append(format_estimate(row[f"{a} mean"], row[f"{a} ci_low"], row[f"{a} ci_high"], digits))
            for b in labels[1:]:
                name = self.diff_name(ref, b)
                cells.append(format_estimate(row[f"{name} diff"], row[f"{name} ci_low"], row[f"{name} ci_high"], digits, signed=True))
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        foot = (f"\nValues at the final step; mean over seeds [{pct} t-interval]; differences are "
                f"`{ref}` minus each other arm, with Welch {pct} intervals. `n/a`: not defined (e.g. no scores when nobody is enrolled); "
                "no interval with a single seed.")
        notes = "".join(f"\n- {n}" for n in self.notes)
        return "\n".join(lines) + "\n" + foot + ("\n" + notes if notes else "") + "\n"


def _final(result: RunResult, key: str) -> float:
    m = result.metrics
    if key not in m.columns or len(m) == 0:
        return math.nan
    return float(m[key].iloc[-1])


def _notes(arms: Mapping[str, Sequence[RunResult]]) -> list[str]:
    """Warnings a reader needs: arms of different sizes or lengths are not like for like."""
    notes = []
    sizes = {a: sorted({int(r.info.get("agents", r.metrics["agents"].iloc[-1] if len(r.metrics) else 0)) for r in runs}) for a, runs in arms.items()}
    lengths = {a: sorted({int(r.metrics["step"].iloc[-1]) if len(r.metrics) else 0 for r in runs}) for a, runs in arms.items()}
    if len({tuple(v) for v in sizes.values()}) > 1:
        notes.append("arms differ in population size: " + ", ".join(f"{a}: {'/'.join(map(str, v))}" for a, v in sizes.items()))
    if len({tuple(v) for v in lengths.values()}) > 1:
        notes.append("arms differ in run length (final step): " + ", ".join(f"{a}: {'/'.join(map(str, v))}" for a, v in lengths.items()))
    for a, runs in arms.items():
        seeds = [r.scenario.seed for r in runs]
        if len(set(seeds)) < len(seeds):
            notes.append(f"arm {a} repeats seeds {seeds}: its runs are not independent replicates")
    return notes


def format_number(x: float, digits: int = 4) -> str:
    """Compact, readable number: n/a for NaN, thousands separators for large values."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def format_estimate(est: float, low: float, high: float, digits: int = 4, signed: bool = False) -> str:
    if est is None or not np.isfinite(est):
        return "n/a"
    text = format_number(est, digits)
    if signed and est > 0:
        text = "+" + text
    if np.isfinite(low) and np.isfinite(high):
        text += f" [{format_number(low, digits)}, {format_number(high, digits)}]"
    return text
