"""Checkpoints: save a running simulation to one `.npz` file and continue it later, bit for bit.

A checkpoint holds only what changes while a simulation runs: the state arrays, the
friendship graph (CSR indptr/indices plus each row's end), the step index, the scratch
arrays the step pipeline carries from one step to the next, and the metric rows recorded
so far (as JSON, which round-trips every float exactly). Everything else - the synthetic
population, the consequence tables, the initial agent and tie snapshots - is rebuilt by
constructing a fresh `Simulation` from the same scenario, which is deterministic. The
randomness is counter-based per (seed, step, phase), so there is no generator state to
save: a restored simulation continues exactly as the uninterrupted one would have.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .engine import social
from .scenario import Scenario
from .simulation import Simulation

#: bump when the layout of a checkpoint changes
FORMAT = 2

_STATE = "state__"
_GRAPH = ("indptr", "indices", "ends")
#: per-agent arrays the step pipeline keeps on the Simulation between steps
_CARRIED = ("dropped_per_row", "shared_now", "penalty")


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read, or that belongs to another scenario."""


def save(sim: Simulation, path: str | Path) -> Path:
    """Write `sim`'s current state to `path` atomically (temp file, then rename)."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {f"{_STATE}{k}": v for k, v in sim.state.arrays().items()}
    for name in _GRAPH:
        arrays[f"graph__{name}"] = getattr(sim.graph, name)
    for name in _CARRIED:
        arrays[f"sim__{name}"] = getattr(sim, name)
    meta = {
        "format": FORMAT,
        "scenario_hash": sim.scenario.hash(),
        "step_index": int(sim.step_index),
        "agents": int(sim.state.size),
        "step_seconds": [float(x) for x in sim.step_seconds],
        "setup_seconds": float(sim.setup_seconds),
    }
    arrays["meta"] = np.array(json.dumps(meta))
    arrays["rows"] = np.array(json.dumps(sim.recorder.rows))
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def read_meta(path: str | Path) -> dict:
    """The small header of a checkpoint (step index, scenario hash) without loading the arrays."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        raise CheckpointError(f"checkpoint {str(path)!r} cannot be read: {exc}") from None


def restore(scenario: Scenario, path: str | Path) -> Simulation:
    """A Simulation of `scenario` positioned exactly where the checkpoint at `path` was saved."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {str(path)!r} cannot be read: {exc}") from None
    with data:
        try:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise CheckpointError(f"checkpoint {str(path)!r} has format {meta.get('format')}, expected {FORMAT}")
            if meta["scenario_hash"] != scenario.hash():
                raise CheckpointError(
                    f"checkpoint {str(path)!r} belongs to scenario {meta['scenario_hash']}, not {scenario.hash()}")
            sim = Simulation(scenario)
            if sim.state.size != meta["agents"]:
                raise CheckpointError(f"checkpoint {str(path)!r} has {meta['agents']} agents, the scenario {sim.state.size}")
            for name, current in sim.state.arrays().items():
                saved = data[f"{_STATE}{name}"]
                if saved.shape != current.shape or saved.dtype != current.dtype:
                    raise CheckpointError(f"checkpoint {str(path)!r}: state.{name} has shape {saved.shape} "
                                          f"{saved.dtype}, expected {current.shape} {current.dtype}")
                setattr(sim.state, name, np.array(saved))
            for name in _GRAPH:
                setattr(sim.graph, name, np.ascontiguousarray(data[f"graph__{name}"]))
            for name in _CARRIED:
                setattr(sim, name, np.array(data[f"sim__{name}"]))
            social.count_ties(sim)  # derived from the graph and the state just restored
            sim.step_index = int(meta["step_index"])
            sim.recorder.rows = json.loads(str(data["rows"]))
            sim.step_seconds = list(meta.get("step_seconds", []))
        except KeyError as exc:
            raise CheckpointError(f"checkpoint {str(path)!r} lacks {exc}") from None
    return sim
