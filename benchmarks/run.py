"""Runner of the sc-core benchmark (shared/bench/SPEC.md): implementations side by side.

Every configuration (implementation x N x steps) runs in a fresh Python process. Before
any timing the agreement checks A, B, C (``checks.py``) run for every implementation, and
an implementation that fails them is not timed. Results (all raw numbers and a machine
description) go to ``<out>/sc-core-<stamp>.json`` and a Markdown table with ratios to
``<out>/sc-core-<stamp>.md``; per-configuration raw records to ``<out>/raw/<stamp>/``.

Usage::

    python benchmarks/run.py --sizes 1e4,1e5 --steps 20,150 --impls mesa,numpy,fused
    python benchmarks/run.py --sizes 1e6 --steps 20 --impls numpy,fused --no-graphgen

Internal: ``run.py --worker {step,graphgen,bandwidth,gather} ...`` is one configuration.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# --------------------------------------------------------------------------------------
# Registered implementations: name -> module (under benchmarks/) with the sc_core
# interface (see sc_core/__init__.py). The order is the order of the table; `engine` is
# the project's own engine (sc_core/engine.py).
# --------------------------------------------------------------------------------------
IMPLS: dict[str, str] = {
    "mesa": "sc_core.mesa_model",
    "numpy": "sc_core.reference",
    "fused": "sc_core.fused_numba",
    "engine": "sc_core.engine",
}
BASELINE = "mesa"       # "Mesa per-step / implementation per-step"
HAND_WRITTEN = "fused"  # "implementation / fused"


# ===================================================================== worker side ====

def _rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    """Peak RSS of this process: VmHWM (the high-water mark of its own address space).

    ``ru_maxrss`` is recorded too, but on Linux a child started by fork+exec inherits the
    parent's high-water mark at exec time, so it can be the driver's, not the worker's.
    """
    try:
        with open("/proc/self/status") as fh:
            for ln in fh:
                if ln.startswith("VmHWM:"):
                    return int(ln.split()[1]) * 1024
    except OSError:
        pass
    return _ru_maxrss_bytes()


def _ru_maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _cpu_busy_seconds() -> float:
    """CPU-seconds all CPUs of the machine have been busy since boot (/proc/stat)."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    busy = f[0] + f[1] + f[2] + sum(f[5:8])  # user nice system + irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def others_cores(seconds: float = 1.0) -> float:
    """Average number of cores kept busy by other processes over a short window."""
    b0, o0, t0 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    b1, o1, t1 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    return max(0.0, ((b1 - b0) - (o1 - o0)) / (t1 - t0))


def _median(xs):
    import numpy as np

    return float(np.median(xs)) if len(xs) else None


def worker_step(impl: str, n: int, steps: int, seed: int) -> dict:
    import numpy as np

    import graphs
    from sc_core import common

    t0 = time.perf_counter()
    module = importlib.import_module(IMPLS[impl])
    import_s = time.perf_counter() - t0
    jit_s = None
    if hasattr(module, "warmup"):
        t0 = time.perf_counter()
        module.warmup()
        jit_s = time.perf_counter() - t0
    path = graphs.path_for(n)
    rss_before_setup = _rss_bytes()

    t0 = time.perf_counter()
    edges = np.load(path)
    d, f = common.traits(n)
    model = module.setup(edges, n, d, f, common.start_scores(n), common.DEFAULT, seed=seed)
    setup_s = time.perf_counter() - t0
    n_edges = int(edges.shape[0])
    del edges, d, f
    rss_after_setup = _rss_bytes()

    times = []
    busy0, own0, wall0 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    for _ in range(steps):
        t0 = time.perf_counter()
        module.step(model)
        times.append(time.perf_counter() - t0)
    busy1, own1, wall1 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    peak = _peak_rss_bytes()
    rss_after = _rss_bytes()
    others_after = others_cores(1.0)  # short runs: /proc/stat ticks are too coarse
    ties = int(module.n_alive_ties(model))
    s = module.scores(model)
    out = {
        "kind": "step", "impl": impl, "module": IMPLS[impl], "n": n, "edges": n_edges,
        "steps": steps, "seed": seed, "import_s": import_s, "jit_s": jit_s,
        "setup_s": setup_s, "step_s": times,
        "step_median_s": _median(times), "step_min_s": min(times), "step_max_s": max(times),
        "step_mean_s": float(np.mean(times)), "run_s": float(np.sum(times)),
        "peak_rss_bytes": peak, "ru_maxrss_bytes": _ru_maxrss_bytes(), "rss_after_bytes": rss_after,
        "rss_before_setup_bytes": rss_before_setup, "rss_after_setup_bytes": rss_after_setup,
        "ties": ties, "ties_fraction": ties / n_edges,
        "score_mean": float(s.mean()), "score_std": float(s.std()),
        "score_below_low": float(np.mean(s < common.DEFAULT.low)),
        # CPU use during the timed steps: this process (cores) and everything else
        "own_cores": (own1 - own0) / (wall1 - wall0),
        "others_cores": max(0.0, ((busy1 - busy0) - (own1 - own0)) / (wall1 - wall0)),
        "others_cores_after": others_after,
    }
    if steps >= 150:
        out["step_median_1_50_s"] = _median(times[0:50])
        out["step_median_101_150_s"] = _median(times[100:150])
    try:
        import numba

        out["numba_threads"] = numba.get_num_threads()
    except ImportError:
        pass
    return out


def worker_graphgen(n: int, repeat: int) -> dict:
    import numpy as np

    import graphs

    gen = graphs.project_generator()
    name = graphs.GENERATOR if gen is not None else graphs.FALLBACK
    if gen is None:
        if n > graphs.FALLBACK_MAX_N:
            return {"kind": "graphgen", "n": n, "generator": None,
                    "error": "socialcredit.graph.barabasi_albert is missing"}
        gen = graphs.networkx_mirror
    times, edges = [], None
    for _ in range(repeat):
        edges = None
        t0 = time.perf_counter()
        edges = gen(n, graphs.M, graphs.SEED)
        times.append(time.perf_counter() - t0)
    edges = np.asarray(edges)
    graphs.validate(edges, n)
    cached = graphs.path_for(n)
    same = None
    if cached.exists():
        same = bool(np.array_equal(np.load(cached), edges))
    return {"kind": "graphgen", "n": n, "generator": name, "edges": int(edges.shape[0]),
            "gen_s": times, "first_s": times[0], "best_s": min(times),
            "equals_cached_file": same, "peak_rss_bytes": _peak_rss_bytes()}


def worker_bandwidth() -> dict:
    from sc_core import floors

    out = floors.bandwidth()
    out.update(kind="bandwidth", peak_rss_bytes=_peak_rss_bytes())
    return out


def worker_gather(n: int) -> dict:
    import numpy as np

    import graphs
    from sc_core import floors

    edges = np.load(graphs.path_for(n))
    out = floors.gather_floor(edges, n)
    out.update(kind="gather", edges=int(edges.shape[0]),
               traffic_bytes=floors.traffic_bytes(n, int(edges.shape[0])),
               peak_rss_bytes=_peak_rss_bytes())
    return out


def worker_main(args) -> None:
    load_start = os.getloadavg()
    busy0, own0, wall0 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    if args.worker == "step":
        res = worker_step(args.impl, args.n, args.nsteps, args.seed)
    elif args.worker == "graphgen":
        res = worker_graphgen(args.n, args.repeat)
    elif args.worker == "bandwidth":
        res = worker_bandwidth()
    elif args.worker == "gather":
        res = worker_gather(args.n)
    elif args.worker == "machine":
        res = machine()
    elif args.worker == "ensure":
        import graphs

        graphs.ensure(args.n)
        res = {"n": args.n, "path": f"benchmarks/data/{graphs.path_for(args.n).name}",
               "generator": graphs.cached_generator(args.n)}
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    res["loadavg_start"], res["loadavg_end"] = load_start, os.getloadavg()
    busy1, own1, wall1 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()
    res["worker_others_cores"] = max(0.0, ((busy1 - busy0) - (own1 - own0)) / (wall1 - wall0))
    Path(args.result).write_text(json.dumps(res))


# ===================================================================== driver side ====

def machine() -> dict:
    """CPU, cores, RAM and library versions of this machine."""
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "logical_cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        info["cpu_model"] = models[0] if models else None
    except OSError:
        info["cpu_model"] = None
    try:
        with open("/proc/meminfo") as fh:
            kib = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
        info["ram_bytes"] = kib * 1024
    except (OSError, StopIteration):
        info["ram_bytes"] = None
    try:
        import psutil

        info["physical_cores"] = psutil.cpu_count(logical=False)
    except ImportError:
        info["physical_cores"] = None
    for lib in ("numpy", "scipy", "numba", "mesa", "networkx", "socialcredit"):
        try:
            info[f"{lib}_version"] = importlib.import_module(lib).__version__
        except Exception:
            info[f"{lib}_version"] = None
    try:
        import numba

        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    except ImportError:
        pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, timeout=10
        ).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["git_commit"] = None
    return info


QUIET = {"wait_s": 0.0, "threshold": 0.25}


def wait_quiet() -> float | None:
    """Wait (up to QUIET["wait_s"]) until other processes use < threshold cores."""
    if QUIET["wait_s"] <= 0:
        return None
    deadline = time.perf_counter() + QUIET["wait_s"]
    busy = others_cores(1.0)
    said = False
    while busy >= QUIET["threshold"] and time.perf_counter() < deadline:
        if not said:
            print(f"(waiting: other processes use {busy:.2f} cores)", end=" ", flush=True)
            said = True
        time.sleep(2.0)
        busy = others_cores(1.0)
    return busy


def spawn(worker_args: list[str], result: Path, timeout: float | None) -> dict:
    """Run one configuration in a fresh Python process; returns its record."""
    others_before = wait_quiet()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *worker_args,
           "--result", str(result)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s", "args": worker_args}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not result.exists():
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}",
                "args": worker_args}
    rec = json.loads(result.read_text())
    rec["process_wall_s"] = wall
    rec["others_cores_before"] = others_before
    return rec


def _fmt_s(x, unit=1.0, digits=3):
    if x is None:
        return "–"
    v = x / unit
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}g}" if v < 1 else f"{v:.2f}"


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    r = a / b
    return f"{r:,.0f}×" if r >= 100 else (f"{r:.1f}×" if r >= 10 else f"{r:.2f}×")


def _load(rec) -> str:
    """Cores kept busy by other processes around the timed steps (shared machines).

    /proc/stat counts in 10 ms ticks, so for short runs (< 0.5 s of steps) the larger of
    the 1 s samples taken just before and just after the steps is shown (marked *).
    """
    if rec.get("run_s", 0) >= 0.5 and rec.get("others_cores") is not None:
        return f"{rec['others_cores']:.2f}"
    xs = [x for x in (rec.get("others_cores_before"), rec.get("others_cores_after")) if x is not None]
    return "–" if not xs else f"{max(xs):.2f}*"


def _mib(x):
    return "–" if x is None else f"{x / 2**20:,.0f}"


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# sc-core benchmark ({report['created']})", "",
        "Workload: shared/bench/SPEC.md (sc-core v1). Each configuration ran in a fresh "
        "Python process; per-step times are `perf_counter` around whole steps.", "",
        f"Machine: {m.get('cpu_model')}, {m.get('logical_cpus')} logical CPUs "
        f"({m.get('physical_cores')} physical), {(m.get('ram_bytes') or 0) / 2**30:.1f} GiB RAM; "
        f"Python {m.get('python')}, NumPy {m.get('numpy_version')}, Numba {m.get('numba_version')} "
        f"({m.get('numba_threads')} threads), Mesa {m.get('mesa_version')}, "
        f"networkx {m.get('networkx_version')}.", "",
        f"Command: `{report['command']}`", "",
    ]
    floors = report.get("floors", {})
    gather = floors.get("gather", {})
    bw = floors.get("bandwidth") or {}
    best_gbs = bw.get("best_gbs")

    # checks
    chk = report.get("checks", {}).get("results", {})
    if chk:
        lines += ["## Agreement checks (N = 1,000, 5 steps, tol 1e-9)", "",
                  "| implementation | A | B | C |", "|---|---|---|---|"]
        for name, res in chk.items():
            if "error" in res:
                lines.append(f"| {name} | error: {res['error']} | | |")
                continue
            cells = [f"{'pass' if r['passed'] else 'FAIL'} ({r['max_abs_diff']:.1e}, "
                     f"{r['ties']}/{r['ties_ref']} ties)" for r in res.values()]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")

    # per-step tables
    runs = [r for r in report["runs"] if "error" not in r]
    keys = sorted({(r["n"], r["steps"]) for r in report["runs"] if "n" in r})
    if keys:
        lines += ["## Per-step times", "",
                  "Times in ms per step (median over the run's steps; min–max beside it). "
                  "Ratios use medians: *Mesa ÷ impl* is the speed-up over idiomatic Mesa, "
                  "*impl ÷ fused* is relative to the hand-written fused Numba kernel (<1 is "
                  "faster), *impl ÷ gather* to one bare neighbour-sum pass over the CSR in generated order "
                  "(*engine order*: over the engine's renumbered CSR), "
                  "*impl ÷ bound* to the SPEC memory-traffic bound. Peak RSS is the worker's "
                  "VmHWM (ru_maxrss is in the JSON), in MiB. *others' cores*: CPU used by "
                  "other processes during the timed steps (from /proc/stat; * = short run, the larger "
                  "of 1 s samples just before and after it); well above 0 means the numbers are disturbed.", ""]
    for n, steps in keys:
        group = [r for r in runs if r["n"] == n and r["steps"] == steps]
        errs = [r for r in report["runs"] if r.get("n") == n and r.get("steps") == steps
                and "error" in r]
        by = {r["impl"]: r for r in group}
        base = by.get(BASELINE, {}).get("step_median_s")
        hand = by.get(HAND_WRITTEN, {}).get("step_median_s")
        g = gather.get(str(n), {})
        gfloor = g.get("median_s")
        bound = g["traffic_bytes"] / (best_gbs * 1e9) if g.get("traffic_bytes") and best_gbs else None
        e = group[0]["edges"] if group else None
        lines += [f"### N = {n:,} (E = {e:,}), {steps} steps" if e else f"### N = {n:,}, {steps} steps", ""]
        long = steps >= 150
        head = ["impl", "setup s", "jit s", "step ms (median)", "min–max ms"]
        if long:
            head += ["steps 1–50 ms", "steps 101–150 ms"]
        head += ["peak RSS", "RSS after", "ties left", "Mesa ÷ impl", "impl ÷ fused",
                 "impl ÷ gather", "impl ÷ gather (engine order)", "impl ÷ bound", "others' cores"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in group:
            med = r["step_median_s"]
            row = [r["impl"], _fmt_s(r["setup_s"]), _fmt_s(r["jit_s"]),
                   _fmt_s(med, 1e-3), f"{_fmt_s(r['step_min_s'], 1e-3)}–{_fmt_s(r['step_max_s'], 1e-3)}"]
            if long:
                row += [_fmt_s(r.get("step_median_1_50_s"), 1e-3),
                        _fmt_s(r.get("step_median_101_150_s"), 1e-3)]
            row += [_mib(r["peak_rss_bytes"]), _mib(r["rss_after_bytes"]),
                    f"{r['ties']:,} ({100 * r['ties_fraction']:.0f}%)",
                    _ratio(base, med), _ratio(med, hand), _ratio(med, gfloor),
                    _ratio(med, g.get("engine_order_median_s")), _ratio(med, bound), _load(r)]
            lines.append("| " + " | ".join(row) + " |")
        for r in errs:
            lines.append(f"| {r.get('impl')} | error: {r['error'][:200]} |")
        lines.append("")

    # floors
    if bw or gather:
        lines += ["## Floors", ""]
        if bw:
            lines += [f"Memory bandwidth (NumPy, {bw['array_bytes'] / 2**30:.0f} GiB arrays, best of "
                      f"{bw['repeats']}): copy {bw['copy_gbs']:.1f} GB/s, triad {bw['triad_gbs']:.1f} GB/s; "
                      f"bound uses {best_gbs:.1f} GB/s (others' cores during the test: "
                      f"{bw.get('worker_others_cores', float('nan')):.2f}).", ""]
        if gather:
            lines += ["| N | E | traffic bound bytes | bound ms | gather pass ms (median) | min ms "
                      "| gather, engine order ms (median) | threads | others' cores |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for n_str, g in sorted(gather.items(), key=lambda kv: int(kv[0])):
                if "error" in g:
                    lines.append(f"| {int(n_str):,} | error: {g['error'][:200]} |")
                    continue
                bound = g["traffic_bytes"] / (best_gbs * 1e9) if best_gbs else None
                lines.append(f"| {int(n_str):,} | {g['edges']:,} | {g['traffic_bytes']:,} | "
                             f"{_fmt_s(bound, 1e-3)} | {_fmt_s(g['median_s'], 1e-3)} | "
                             f"{_fmt_s(g['min_s'], 1e-3)} | {_fmt_s(g.get('engine_order_median_s'), 1e-3)} | "
                             f"{g['threads']} | "
                             f"{g.get('worker_others_cores', float('nan')):.2f} |")
            lines.append("")

    gg = report.get("graph_generation", [])
    if gg:
        lines += ["## Graph generation (BA, m = 5, seed 12345; fresh process)", "",
                  "| N | generator | first call s | best s | equals cached file | peak RSS |",
                  "|---|---|---|---|---|---|"]
        for r in gg:
            if "error" in r:
                lines.append(f"| {r.get('n', 0):,} | error: {r['error'][:200]} | | | | |")
                continue
            lines.append(f"| {r['n']:,} | {r['generator']} | {_fmt_s(r['first_s'])} | "
                         f"{_fmt_s(r['best_s'])} | {r['equals_cached_file']} | {_mib(r['peak_rss_bytes'])} |")
        lines.append("")
    return "\n".join(lines)


def parse_list(text: str, conv) -> list:
    return [conv(x) for x in text.split(",") if x.strip()]


def driver_main(args) -> int:
    import graphs

    sizes = parse_list(args.sizes, graphs.parse_size)
    step_counts = parse_list(args.steps, int)
    impls = parse_list(args.impls, str) if args.impls else list(IMPLS)
    unknown = [x for x in impls if x not in IMPLS]
    if unknown:
        print(f"unknown implementation(s) {unknown}; registered: {list(IMPLS)}", file=sys.stderr)
        return 2
    mesa_max = graphs.parse_size(args.mesa_max)
    QUIET.update(wait_s=args.quiet_wait, threshold=args.quiet_threshold)
    out_dir = Path(args.out).resolve()
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw_dir = out_dir / "raw" / stamp
    raw_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "spec": "sc-core v1", "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/run.py", *sys.argv[1:]]),
        "machine": spawn(["machine"], raw_dir / "machine.json", args.timeout), "sizes": sizes, "steps": step_counts, "impls": impls,
        "seed": args.seed, "graphs": {}, "graph_generation": [], "checks": {},
        "floors": {}, "runs": [],
    }
    print(f"sc-core benchmark {stamp}: sizes {sizes}, steps {step_counts}, impls {impls}", flush=True)
    m = report["machine"]
    print(f"machine: {m['cpu_model']}, {m['logical_cpus']} CPUs, "
          f"{(m['ram_bytes'] or 0) / 2**30:.1f} GiB", flush=True)

    # graphs (cached files every implementation loads), made in a worker to keep this lean
    for n in sizes:
        rec = spawn(["ensure", "--n", str(n)], raw_dir / f"ensure_{n}.json", args.timeout)
        report["graphs"][str(n)] = rec
        if "error" in rec:
            print(f"graph N={n:,}: {rec['error']}", file=sys.stderr)
            return 2
        print(f"graph N={n:,}: benchmarks/data/ba_{n}.npy by {rec['generator']}", flush=True)
        if rec["generator"] != graphs.GENERATOR:
            print(f"WARNING: graph N={n:,} comes from {rec['generator']}, not {graphs.GENERATOR}",
                  flush=True)

    if not args.no_graphgen:
        for n in sizes:
            print(f"[graphgen] N={n:,} ...", end=" ", flush=True)
            rec = spawn(["graphgen", "--n", str(n), "--repeat", str(args.graphgen_repeat)],
                        raw_dir / f"graphgen_{n}.json", args.timeout)
            rec.setdefault("n", n)
            report["graph_generation"].append(rec)
            print(rec.get("error") or f"{rec['generator']}: first {rec['first_s']:.2f} s, "
                  f"best {rec['best_s']:.2f} s", flush=True)

    # agreement checks, before any timing
    print("[checks] A, B, C at N=1,000 ...", flush=True)
    proc = subprocess.run([sys.executable, str(HERE / "checks.py"), "--impls", ",".join(impls),
                           "--json"], capture_output=True, text=True, timeout=args.timeout)
    sys.stdout.write(proc.stderr)
    try:
        report["checks"] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        report["checks"] = {"error": proc.stderr[-2000:], "results": {}}
    results = report["checks"].get("results", {})
    passed = [x for x in impls
              if x in results and "error" not in results[x]
              and all(r["passed"] for r in results[x].values())]
    for x in impls:
        if x not in passed:
            print(f"REFUSING to time {x!r}: it failed the agreement checks", flush=True)

    # floors
    if not args.no_floors:
        print("[floors] memory bandwidth (1 GiB arrays) ...", end=" ", flush=True)
        bw = spawn(["bandwidth"], raw_dir / "bandwidth.json", args.timeout)
        report["floors"]["bandwidth"] = bw
        print(bw.get("error") or f"copy {bw['copy_gbs']:.1f} GB/s, triad {bw['triad_gbs']:.1f} GB/s",
              flush=True)
        report["floors"]["gather"] = {}
        for n in sizes:
            print(f"[floors] gather pass N={n:,} ...", end=" ", flush=True)
            g = spawn(["gather", "--n", str(n)], raw_dir / f"gather_{n}.json", args.timeout)
            report["floors"]["gather"][str(n)] = g
            print(g.get("error") or f"median {g['median_s'] * 1e3:.2f} ms/pass", flush=True)

    # timed runs
    for n in sizes:
        for steps in step_counts:
            for impl in passed:
                if impl == BASELINE and n > mesa_max:
                    continue
                print(f"[run] {impl:>6} N={n:>10,} steps={steps:>4} ...", end=" ", flush=True)
                rec = spawn(["step", "--impl", impl, "--n", str(n), "--nsteps", str(steps),
                             "--seed", str(args.seed)],
                            raw_dir / f"step_{impl}_{n}_{steps}.json", args.timeout)
                if "error" in rec:
                    rec.update(impl=impl, n=n, steps=steps)
                report["runs"].append(rec)
                if "error" in rec:
                    print(rec["error"][:500], flush=True)
                else:
                    print(f"setup {rec['setup_s']:.2f} s, step median {rec['step_median_s'] * 1e3:.2f} ms "
                          f"(min {rec['step_min_s'] * 1e3:.2f}, max {rec['step_max_s'] * 1e3:.2f}), "
                          f"peak RSS {rec['peak_rss_bytes'] / 2**20:,.0f} MiB, ties {rec['ties']:,}",
                          flush=True)
                # rewrite the files after every configuration: partial results survive
                _write(report, out_dir, stamp)
    json_path, md_path = _write(report, out_dir, stamp)
    print(f"wrote {json_path}\nwrote {md_path}", flush=True)
    print()
    print(markdown(report))
    return 0 if len(passed) == len(impls) else 1


def _write(report: dict, out_dir: Path, stamp: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"sc-core-{stamp}.json"
    md_path = out_dir / f"sc-core-{stamp}.md"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1))
    tmp.replace(json_path)
    md_path.write_text(markdown(report) + "\n")
    return json_path, md_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="sc-core benchmark runner (shared/bench/SPEC.md)")
    ap.add_argument("--sizes", default="1e4,1e5", help="comma-separated N, e.g. 1e4,1e5")
    ap.add_argument("--steps", default="20,150", help="comma-separated step counts")
    ap.add_argument("--impls", default=None, help=f"comma-separated, from {list(IMPLS)} (default all)")
    ap.add_argument("--mesa-max", default="1e5", help="largest N for the Mesa baseline")
    ap.add_argument("--out", default=str(HERE / "results"), help="output folder")
    ap.add_argument("--seed", type=int, default=0, help="RNG seed of the Bernoulli draws")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per configuration")
    ap.add_argument("--no-floors", action="store_true", help="skip bandwidth and gather floors")
    ap.add_argument("--no-graphgen", action="store_true", help="skip timing graph generation")
    ap.add_argument("--graphgen-repeat", type=int, default=2, help="generator calls per size")
    ap.add_argument("--quiet-wait", type=float, default=120.0,
                    help="before each configuration wait up to this many seconds until other "
                         "processes use < --quiet-threshold cores (0: do not wait)")
    ap.add_argument("--quiet-threshold", type=float, default=0.25, help="cores, see --quiet-wait")
    # worker mode (one configuration in this fresh process)
    ap.add_argument("--worker", choices=["step", "graphgen", "bandwidth", "gather", "machine", "ensure"],
                    help=argparse.SUPPRESS)
    ap.add_argument("--impl", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--nsteps", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args)
        return 0
    return driver_main(args)


if __name__ == "__main__":
    sys.exit(main())
