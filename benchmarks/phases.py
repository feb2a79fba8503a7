"""Where a step of the full model spends its time: each phase timed on its own.

    python benchmarks/phases.py --agents 1e6 --at 50,110 --repeat 5

Builds the preset at the given size, runs it to step `--at` (before and after the
mandatory-enrolment step of `sesame-as-reported`, 104, the work differs), then runs the
next step's phases one at a time, each `--repeat` times, and prints the minimum and the
median per phase (the minimum is the figure least disturbed by a noisy machine). Repeating a
phase redoes its work on the state it left, which costs the same. The record follows the
giant component from the last step as a run does (`giant.GiantComponent`): each repeat
starts from the component kept at the step before, with every tie lost since then (the
repeats of phase 8 may drop a few more) counted as this step's. Not a timed test: figures
for docs/performance.md.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from socialcredit.engine import adoption, conduct, consumption, expression, finance, scoring, social
from socialcredit.engine.consequences import consequences_all
from socialcredit.scenario import resolve
from socialcredit.simulation import Simulation


def _record(sim) -> None:
    sim.recorder(sim)


def _kept(sim):
    """What the record keeps from one step to the next: the giant component, and each
    agent's ties then (to count the tie ends lost since)."""
    return copy.deepcopy(sim.recorder.giant), sim.ties.friends.copy()


def _from_step_before(sim, kept) -> None:
    """Before each repeat of the record (untimed): the giant component as kept at the step
    before, and every tie end lost since then counted as this step's."""
    giant, friends = kept
    sim.recorder.giant = copy.deepcopy(giant)
    sim.dropped_per_row[:] = friends - sim.ties.friends


PHASES = (
    ("1 adoption", adoption.adopt),
    ("2 expression", expression.express_all),
    ("3 consumption", consumption.consume_all),
    ("4 finance", finance.finance_all),
    ("good deeds", conduct.conduct_all),
    ("5-6 reports and score", scoring.score_all),
    ("7 tiers and consequences", consequences_all),
    ("8 social", social.socialise),
    ("9 record", _record),
)
#: what a phase needs restored before each repeat, from the state `_kept` at the step before
PREPARE = {"9 record": _from_step_before}


def profile(preset: str, agents: int, at: int, repeat: int, seed: int) -> list[tuple[str, float, float]]:
    sim = Simulation(resolve(preset, agents=agents, steps=at + 1, seed=seed))
    sim.run(at)
    kept = _kept(sim)
    sim.step_index += 1
    rows = []
    for name, phase in PHASES:
        times = []
        prepare = PREPARE.get(name)
        for _ in range(repeat):
            if prepare is not None:
                prepare(sim, kept)
            t0 = time.perf_counter()
            phase(sim)
            times.append(time.perf_counter() - t0)
        rows.append((name, min(times), float(np.median(times))))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="sesame-as-reported")
    ap.add_argument("--agents", default="1e6")
    ap.add_argument("--at", default="50,110", help="comma-separated steps to profile after")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    n = int(float(args.agents))
    Simulation(resolve(args.preset, agents=2000, steps=2, seed=args.seed)).run()  # compile / load the kernels
    for at in (int(x) for x in args.at.split(",")):
        rows = profile(args.preset, n, at, args.repeat, args.seed)
        print(f"\n{args.preset}, {n:,} agents, step {at + 1} (min / median of {args.repeat}, ms)\n")
        print("| phase | min ms | median ms |\n|---|---:|---:|")
        for name, lo, med in rows:
            print(f"| {name} | {lo * 1e3:.1f} | {med * 1e3:.1f} |")
        print(f"| **sum** | **{sum(r[1] for r in rows) * 1e3:.1f}** | {sum(r[2] for r in rows) * 1e3:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
