"""Two versions of socialcredit stepping the same simulation alternately, in one process.

    git worktree add ../socialcredit-base <commit>
    python benchmarks/paired.py --base ../socialcredit-base/src --agents 1e6 --steps 60
    python benchmarks/paired.py --base ../socialcredit-base/src --agents 1e6 --from run.npz --steps 30

This machine's speed moves by up to 2x from one minute to the next, more than most changes
to a step. Here the other version (`--base`: a folder holding its `socialcredit` package) is
copied under another package name and imported beside this one; both build the same
scenario (or restore the same checkpoint, `--from`), then take turns: step t of one, step t
of the other, the order swapped every step. Both meet the same machine at nearly the same
moment, so the per-step ratio is steady where the absolute times are not. The two
simulations must end alike (same scores, same ties), which the script checks. Not a timed
test: figures for docs/performance.md. Writes JSON (every step's time) beside the others.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BASE_NAME = "socialcredit_base"


def import_base(source: Path):
    """The package under `source` (a folder with a `socialcredit` package), as BASE_NAME.
    The package imports itself relatively, so a copy under another name is the same code."""
    package = source / "socialcredit"
    if not (package / "__init__.py").is_file():
        raise SystemExit(f"--base {source}: expected a folder holding the socialcredit package")
    folder = Path(tempfile.mkdtemp(prefix="socialcredit-paired-"))
    shutil.copytree(package, folder / BASE_NAME, ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(folder))
    return importlib.import_module(BASE_NAME)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, type=Path, help="folder holding the other version's socialcredit package")
    ap.add_argument("--preset", default="sesame-as-reported")
    ap.add_argument("--agents", default="1e6")
    ap.add_argument("--steps", type=int, default=30, help="steps each version takes")
    ap.add_argument("--scenario-steps", type=int, default=156, help="the scenario's length (checkpoints need it)")
    ap.add_argument("--from", dest="start", type=Path, help="a checkpoint both versions restore instead of a setup")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args(argv)
    import socialcredit
    from socialcredit import checkpoint

    base = import_base(args.base)
    base_checkpoint = importlib.import_module(f"{BASE_NAME}.checkpoint")
    n = int(float(args.agents))
    versions = {"base": (base, base_checkpoint), "this": (socialcredit, checkpoint)}
    sims = {}
    for name, (package, ck) in versions.items():
        package.Simulation(package.scenario.resolve(args.preset, agents=2000, steps=3, seed=1)).run()  # compile
        scenario = package.scenario.resolve(args.preset, agents=n, steps=args.scenario_steps, seed=args.seed)
        t0 = time.perf_counter()
        sims[name] = ck.restore(scenario, args.start) if args.start else package.Simulation(scenario)
        print(f"{name}: ready in {time.perf_counter() - t0:.1f} s", flush=True)
    times = {name: [] for name in sims}
    first = sims["this"].step_index + 1
    for t in range(args.steps):
        for name in (("base", "this") if t % 2 == 0 else ("this", "base")):
            t0 = time.perf_counter()
            sims[name].step()
            times[name].append(time.perf_counter() - t0)
    old, new = np.array(times["base"]), np.array(times["this"])
    same = (np.array_equal(sims["base"].state.score, sims["this"].state.score)
            and sims["base"].graph.n_ties() == sims["this"].graph.n_ties())
    last = sims["this"].step_index
    print(f"{args.preset}, {n:,} agents, steps {first}-{last}: base median {np.median(old) * 1e3:.1f} ms "
          f"(min {old.min() * 1e3:.1f}), this version {np.median(new) * 1e3:.1f} ms (min {new.min() * 1e3:.1f}); "
          f"per-step ratio this ÷ base, median {np.median(new / old):.3f}; same results: {same}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"paired-{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "preset": args.preset, "agents": n, "first_step": first, "last_step": last, "seed": args.seed,
        "base": str(args.base), "same_results": bool(same),
        "base_ms": (old * 1e3).round(3).tolist(), "this_ms": (new * 1e3).round(3).tolist(),
    }, indent=1))
    print(f"wrote {path}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
