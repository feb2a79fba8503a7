"""The sc-core benchmark graph: a Barabási–Albert graph per N, cached as ``.npy``.

SPEC (shared/bench/SPEC.md, "Graph"): undirected BA graph, ``m = 5``, seed ``12345``,
the networkx 3.x algorithm (``star_graph(m)`` start, ``m`` distinct targets drawn from
the degree-weighted "repeated nodes" list); saved once per N as an ``int32`` array of
shape ``(E, 2)``, ``E = m + (N - m - 1) * m``, one row ``(new, old)`` per edge.

The graph is generated with ``socialcredit.graph.barabasi_albert(n, m, seed)``. While
that function does not exist yet, a pure-Python mirror of
``networkx.barabasi_albert_graph`` (same RNG calls, hence the same edge set as networkx)
is used for small N so the benchmarks can be developed; every cached file records its
generator in a sidecar ``.json`` and is regenerated once the project's generator exists.

Usage::

    python benchmarks/graphs.py 1e4 1e5          # make (or reuse) the cached files
    python benchmarks/graphs.py --force 1e4      # regenerate
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import random
import time
from pathlib import Path

import numpy as np

M = 5
SEED = 12345
DATA_DIR = Path(__file__).resolve().parent / "data"
GENERATOR = "socialcredit.graph.barabasi_albert"
FALLBACK = "networkx-mirror (pure Python, development fallback)"
FALLBACK_MAX_N = 2_000_000  # the fallback is ~5 s per million nodes


def expected_edges(n: int, m: int = M) -> int:
    """E = m + (N - m - 1) * m (star graph on m + 1 nodes, then m edges per new node)."""
    return m + (n - m - 1) * m


def project_generator():
    """The project's generator, or None while it is not written yet."""
    try:
        from socialcredit.graph import barabasi_albert
    except ImportError:
        return None
    return barabasi_albert


def networkx_mirror(n: int, m: int = M, seed: int = SEED) -> np.ndarray:
    """networkx 3.x ``barabasi_albert_graph`` step by step, keeping the generation order.

    Same ``random.Random(seed)`` calls as networkx (``rng.choice(repeated_nodes)`` until
    ``m`` distinct targets), so the edge set equals networkx's; rows are ``(new, old)``.
    Development fallback only (pure Python).
    """
    rng = random.Random(seed)
    rows = [(i, 0) for i in range(1, m + 1)]  # star_graph(m): hub 0 joined to 1..m
    repeated = [0] * m + list(range(1, m + 1))  # degree-weighted node list of the star
    for source in range(m + 1, n):
        targets: set[int] = set()
        while len(targets) < m:
            targets.add(rng.choice(repeated))
        rows.extend((source, t) for t in targets)
        repeated.extend(targets)
        repeated.extend([source] * m)
    return np.asarray(rows, dtype=np.int32).reshape(-1, 2)


def generate(n: int, m: int = M, seed: int = SEED) -> tuple[np.ndarray, str]:
    """Generate the SPEC graph; returns (edges, name of the generator used)."""
    gen = project_generator()
    if gen is not None:
        edges = np.asarray(gen(n, m, seed))
        return edges, GENERATOR
    if n > FALLBACK_MAX_N:
        raise RuntimeError(
            f"socialcredit.graph.barabasi_albert is missing and N={n:,} is too large for "
            f"the pure-Python fallback (max {FALLBACK_MAX_N:,})"
        )
    return networkx_mirror(n, m, seed), FALLBACK


def validate(edges: np.ndarray, n: int, m: int = M) -> None:
    """The SPEC's shape rules: int32 (E, 2), rows (new, old), no self-loops, no duplicates."""
    e = expected_edges(n, m)
    if edges.dtype != np.int32 or edges.shape != (e, 2):
        raise ValueError(f"graph N={n}: expected int32 ({e}, 2), got {edges.dtype} {edges.shape}")
    new, old = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    if not (np.all(new > old) and old.min() >= 0 and new.max() < n):
        raise ValueError(f"graph N={n}: rows must be (new, old) with 0 <= old < new < N")
    if np.unique(new * n + old).size != e:
        raise ValueError(f"graph N={n}: duplicate edges")


def path_for(n: int) -> Path:
    return DATA_DIR / f"ba_{n}.npy"


def _meta_path(n: int) -> Path:
    return DATA_DIR / f"ba_{n}.json"


def fingerprint() -> str:
    """Which generator (and which version of its source) the cache should come from."""
    gen = project_generator()
    if gen is None:
        return FALLBACK
    try:
        source = inspect.getsource(inspect.getmodule(gen))
    except (OSError, TypeError):
        return GENERATOR
    return f"{GENERATOR} sha256:{hashlib.sha256(source.encode()).hexdigest()[:16]}"


def _cached_meta(n: int) -> dict | None:
    p, meta = path_for(n), _meta_path(n)
    if not p.exists():
        return None
    if not meta.exists():
        return {"generator": "unknown", "fingerprint": "unknown"}
    return json.loads(meta.read_text())


def cached_generator(n: int) -> str | None:
    """Which generator made the cached file for N (None if there is no cached file)."""
    meta = _cached_meta(n)
    return None if meta is None else meta.get("generator", "unknown")


def ensure(n: int, force: bool = False, verbose: bool = True) -> Path:
    """Make sure ``data/ba_N.npy`` exists and was made by the current best generator.

    The cache is remade when the generator's source (socialcredit/graph.py) changes.
    """
    n = int(n)
    p = path_for(n)
    meta = _cached_meta(n)
    if not force and meta is not None and meta.get("fingerprint") == fingerprint():
        return p
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    edges, used = generate(n)
    gen_s = time.perf_counter() - t0
    validate(edges, n)
    tmp = p.with_suffix(".tmp.npy")
    np.save(tmp, edges)
    tmp.replace(p)
    _meta_path(n).write_text(
        json.dumps({"n": n, "m": M, "seed": SEED, "edges": int(edges.shape[0]),
                    "generator": used, "fingerprint": fingerprint(), "generation_s": gen_s},
                   indent=1)
    )
    if verbose:
        print(f"graph N={n:,}: {edges.shape[0]:,} edges by {used} in {gen_s:.2f} s -> {p.name}")
    return p


def load(n: int) -> np.ndarray:
    """Load the cached graph for N (making it first if needed)."""
    return np.load(ensure(n, verbose=False))


def parse_size(text: str) -> int:
    """'1e5' -> 100000, '20000' -> 20000."""
    value = float(text)
    if value != int(value) or value < M + 1:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    return int(value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="+", type=parse_size)
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = ap.parse_args()
    if project_generator() is None:
        print("note: socialcredit.graph.barabasi_albert is missing; using the networkx mirror")
    for n in args.sizes:
        ensure(n, force=args.force)


if __name__ == "__main__":
    main()
