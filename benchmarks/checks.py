"""The SPEC's RNG-free agreement checks A, B and C for sc-core implementations.

At N = 1,000 (the SPEC graph) for 5 steps from ``s0 = default_rng(7).uniform(350, 950, N)``:

* A: ``p_pos = neg_mult = foreign_mult = p_drop = 0`` (only friend averaging);
* B: ``p_pos = 1, neg_mult = foreign_mult = 0, p_drop = 1`` (every agent +5, every tie
  touching an agent with ``s' < 450`` dropped), compaction forced whenever anything was
  dropped (for implementations that compact);
* C: as B but compaction never runs.

Pass: max |s_impl - s_ref| <= 1e-9 and the same number of surviving ties, where s_ref is
the plain NumPy implementation (``sc_core/reference.py``, always compacting; its own C
run keeps dropped ties masked, so the reference's masked path is checked against it too).

Usage::

    python benchmarks/checks.py                      # all registered implementations
    python benchmarks/checks.py --impls numpy,fused --json
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import graphs  # noqa: E402
from sc_core import common  # noqa: E402
from sc_core import reference  # noqa: E402

N_CHECK = 1000
STEPS = 5
TOL = 1e-9
CHECKS = {
    # name: (params, compaction policy of the implementation, policy of the reference)
    "A": (common.CHECK_A, "auto", "always"),
    "B": (common.CHECK_B, "always", "always"),
    "C": (common.CHECK_C, "never", "always"),
}


def impl_registry() -> dict[str, str]:
    from run import IMPLS

    return IMPLS


def _run(module, edges, n, params, compact):
    d, f = common.traits(n)
    model = module.setup(edges, n, d, f, common.check_scores(n), params, seed=0, compact=compact)
    for _ in range(STEPS):
        module.step(model)
    return module.scores(model), module.n_alive_ties(model)


def check_impl(module, edges, n=N_CHECK) -> dict:
    """Run A, B, C for one implementation module; returns a result per check."""
    out = {}
    for name, (params, policy, ref_policy) in CHECKS.items():
        s_ref, ties_ref = _run(reference, edges, n, params, ref_policy)
        if not getattr(module, "HAS_COMPACTION", False):
            policy = "auto"
        t0 = time.perf_counter()
        s, ties = _run(module, edges, n, params, policy)
        err = float(np.max(np.abs(s - s_ref)))
        out[name] = {
            "max_abs_diff": err, "ties": int(ties), "ties_ref": int(ties_ref),
            "edges": int(edges.shape[0]), "compaction": policy,
            "passed": bool(err <= TOL and ties == ties_ref), "seconds": time.perf_counter() - t0,
        }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="sc-core agreement checks A, B, C")
    ap.add_argument("--impls", default=None, help="comma-separated names (default: all registered)")
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = ap.parse_args(argv)
    registry = impl_registry()
    names = args.impls.split(",") if args.impls else list(registry)
    unknown = [x for x in names if x not in registry]
    if unknown:
        ap.error(f"unknown implementation(s) {unknown}; registered: {list(registry)}")
    edges = graphs.load(N_CHECK)
    results, ok = {}, True
    for name in names:
        try:
            module = importlib.import_module(registry[name])
            res = check_impl(module, edges)
        except Exception as exc:  # a broken implementation fails its checks, others go on
            res = {"error": f"{type(exc).__name__}: {exc}"}
        results[name] = res
        passed = "error" not in res and all(r["passed"] for r in res.values())
        ok &= passed
        if "error" in res:
            print(f"{name:>8}: ERROR {res['error']}", file=sys.stderr)
            continue
        parts = [
            f"{c}: {'ok' if r['passed'] else 'FAIL'} |ds|={r['max_abs_diff']:.1e} "
            f"ties {r['ties']}/{r['ties_ref']} ({r['compaction']})"
            for c, r in res.items()
        ]
        print(f"{name:>8}: " + "; ".join(parts), file=sys.stderr)
    print(f"checks {'passed' if ok else 'FAILED'} (N={N_CHECK}, {STEPS} steps, "
          f"E={edges.shape[0]}, tol {TOL:g})", file=sys.stderr)
    if args.json:
        print(json.dumps({"n": N_CHECK, "steps": STEPS, "tol": TOL, "results": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
