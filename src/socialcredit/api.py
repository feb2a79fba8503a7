"""`simulate`: one call from a preset or scenario to a result (the notebook entry point)."""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import __version__
from .result import RunResult, snapshot_labels
from .scenario import Scenario, resolve
from .simulation import Simulation


def _edges_frame(initial: np.ndarray, final: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"snapshot": snapshot_labels(len(initial), len(final)),
                         "source": np.concatenate([initial[:, 0], final[:, 0]]),
                         "target": np.concatenate([initial[:, 1], final[:, 1]])}, copy=False)


def result_of(sim: Simulation, started: float | None = None) -> RunResult:
    """Collect a RunResult from a simulation (at any step)."""
    agents = sim.agent_snapshots()
    metrics, group_metrics = RunResult.split_metrics(sim.metrics_frame())
    steps = np.asarray(sim.step_seconds)
    info = {
        "version": __version__,
        "name": sim.scenario.name,
        "seed": sim.scenario.seed,
        "agents": int(sim.state.size),
        "steps": int(sim.step_index),
        "scenario_hash": sim.scenario.hash(),
        "setup_seconds": round(sim.setup_seconds, 4),
        "step_seconds_median": round(float(np.median(steps)), 5) if len(steps) else None,
        "run_seconds": round(float(steps.sum()), 4),
        "python": platform.python_version(),
    }
    if started is not None:
        info["wall_seconds"] = round(time.perf_counter() - started, 4)
    return RunResult(sim.scenario, metrics, group_metrics, agents,
                     _edges_frame(sim.initial_edges, sim.edge_table()), info)


def simulate(scenario: str | Path | Scenario | dict = "sesame-as-reported", *, agents: int | None = None,
             steps: int | None = None, seed: int | None = None,
             overrides: dict[str, Any] | list[str] | None = None,
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Run a preset, a TOML file, a dict or a Scenario and return the result.

    `overrides` maps dotted field paths to values (or is a list of "path=value" strings),
    e.g. {"policy.friends.mode": "average"}. With an edge-list network the population size
    follows the graph and `agents` is ignored.
    """
    started = time.perf_counter()
    sc = resolve(scenario, agents=agents, steps=steps, seed=seed, overrides=overrides)
    sim = Simulation(sc)
    sim.run(progress=progress)
    return result_of(sim, started)
