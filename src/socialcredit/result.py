"""The result of a run: scenario, per-step metrics, initial and final agents and ties."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .metrics import ALL, HEADLINE
from .scenario import Scenario


def snapshot_labels(n_initial: int, n_final: int) -> pd.Categorical:
    """The `snapshot` column of a result's agent or tie table: 'initial' rows, then 'final' rows."""
    return pd.Categorical.from_codes(np.repeat(np.array([0, 1], np.int8), [n_initial, n_final]),
                                     categories=["initial", "final"])


@dataclass
class RunResult:
    """What `simulate` returns and `open_run` reads back.

    metrics: one row per step for the whole population; group_metrics: one row per
    (step, group); agents: initial and final agent tables (column `snapshot`); edges:
    initial and final ties (columns snapshot, source, target; each tie once, source < target).
    """

    scenario: Scenario
    metrics: pd.DataFrame
    group_metrics: pd.DataFrame
    agents: pd.DataFrame
    edges: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def agents_initial(self) -> pd.DataFrame:
        return self.agents[self.agents["snapshot"] == "initial"].drop(columns="snapshot").reset_index(drop=True)

    @property
    def agents_final(self) -> pd.DataFrame:
        return self.agents[self.agents["snapshot"] == "final"].drop(columns="snapshot").reset_index(drop=True)

    @property
    def edges_initial(self) -> pd.DataFrame:
        return self.edges[self.edges["snapshot"] == "initial"][["source", "target"]].reset_index(drop=True)

    @property
    def edges_final(self) -> pd.DataFrame:
        return self.edges[self.edges["snapshot"] == "final"][["source", "target"]].reset_index(drop=True)

    def summary(self) -> dict[str, float]:
        """Headline measures at the last step."""
        last = self.metrics.iloc[-1]
        return {key: float(last[key]) for key, _ in HEADLINE}

    def metrics_long(self) -> pd.DataFrame:
        """Whole population and groups in one frame (column `group_name`, 'all' for everyone)."""
        return pd.concat([self.metrics, self.group_metrics], ignore_index=True)

    @staticmethod
    def split_metrics(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        whole = frame[frame["group_name"] == ALL].reset_index(drop=True)
        groups = frame[frame["group_name"] != ALL].reset_index(drop=True)
        return whole, groups
