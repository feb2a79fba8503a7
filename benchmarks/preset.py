"""Full-model benchmark: a shipped preset at a given size, in a fresh process per size.

    python benchmarks/preset.py --preset sesame-as-reported --sizes 1e5,1e6 --steps 156

Measures what a user waits for: setup (population, graph, renumbering), the per-step wall
time of the whole pipeline including metrics (median, min, max), the whole run, and the peak
resident memory of the process. Numba compilation is done by a warm-up run in the same
process before timing (reported as `jit_s`). Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(preset: str, n: int, steps: int, seed: int) -> dict:
    import numpy as np

    from socialcredit.scenario import resolve
    from socialcredit.simulation import Simulation

    t0 = time.perf_counter()
    Simulation(resolve(preset, agents=2000, steps=2, seed=seed)).run()  # compile / load the kernels
    jit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = Simulation(resolve(preset, agents=n, steps=steps, seed=seed))
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run()
    run_s = time.perf_counter() - t0
    st = np.asarray(sim.step_seconds)
    return {
        "preset": preset, "agents": n, "steps": steps, "seed": seed, "jit_s": jit_s, "setup_s": setup_s,
        "run_s": run_s, "total_s": setup_s + run_s, "step_median_ms": float(np.median(st) * 1e3),
        "step_min_ms": float(st.min() * 1e3), "step_max_ms": float(st.max() * 1e3),
        "peak_rss_mib": _peak_rss_mib(), "ties_left": int(sim.graph.n_ties()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="sesame-as-reported")
    ap.add_argument("--sizes", default="1e5,1e6", help="comma-separated agent counts, e.g. 1e5,1e6,1e7")
    ap.add_argument("--steps", type=int, default=156)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "results", help="folder for the JSON")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.worker:
        print(json.dumps(worker(args.preset, sizes[0], args.steps, args.seed)))
        return 0
    rows = []
    for n in sizes:
        print(f"{args.preset}: {n:,} agents x {args.steps} steps ...", file=sys.stderr, flush=True)
        out = subprocess.run([sys.executable, __file__, "--worker", "--preset", args.preset, "--sizes", str(n),
                              "--steps", str(args.steps), "--seed", str(args.seed)],
                             capture_output=True, text=True, env=os.environ.copy())
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"preset-{args.preset}-{stamp}.json").write_text(json.dumps(rows, indent=2))
    print("| preset | agents | steps | setup s | step ms (median) | min–max ms | whole run s | peak RSS MiB | ties left |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['preset']} | {r['agents']:,} | {r['steps']} | {r['setup_s']:.2f} | {r['step_median_ms']:.1f} | "
              f"{r['step_min_ms']:.1f}–{r['step_max_ms']:.1f} | {r['total_s']:.1f} | {r['peak_rss_mib']:.0f} | {r['ties_left']:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
