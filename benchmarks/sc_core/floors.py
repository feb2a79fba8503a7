"""Floors under any sc-core step: memory bandwidth and the random-gather pass.

(a) ``bandwidth()``: best of several NumPy copy (``b[:] = a``) and triad
    (``a = b + 3 * c``, done as two in-place ufunc calls) runs over 1 GiB float64 arrays,
    in GB/s of bytes the kernel has to move (copy 2 x 1 GiB, triad 3 x 1 GiB; write
    allocation not counted). ``traffic_bytes(n, e)`` is the SPEC's memory-traffic lower
    bound of one step: s read + s' written + d + f (4 x 8 B x N) + int32 row pointers
    (4 B x (N+1)) + int32 column indices (4 B x 2E); bound = bytes / best bandwidth.
(b) ``gather_floor(edges, n)``: a bare two-thread Numba ``prange`` loop that only sums
    the neighbours' scores over the same CSR as the fused kernel
    (``acc[i] = sum s[indices[k]] for k in row i``), timed per pass. No RNG, no mask, no
    drops: what the random gather alone costs.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, prange

GIB = 1 << 30


def traffic_bytes(n: int, e: int) -> int:
    """SPEC memory-traffic lower bound of one step, in bytes."""
    return 4 * 8 * n + 4 * (n + 1) + 4 * 2 * e


def bandwidth(repeats: int = 5, nbytes: int = GIB) -> dict:
    """Best NumPy copy and triad bandwidth over ``nbytes`` arrays (GB/s = 1e9 B/s)."""
    k = nbytes // 8
    a = np.ones(k)
    b = np.empty(k)
    np.copyto(b, a)  # touch every page before timing
    copy_s = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(b, a)
        copy_s.append(time.perf_counter() - t0)
    c = np.full(k, 2.0)
    triad_s = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)  # a = b + 3 c (two passes over a: 5 x 1 GiB moved in all)
        triad_s.append(time.perf_counter() - t0)
    del a, b, c
    copy_gbs = 2 * nbytes / min(copy_s) / 1e9
    # the two ufunc passes move c->a (2 arrays) then a,b->a (3 arrays): 5 x nbytes
    triad_gbs = 5 * nbytes / min(triad_s) / 1e9
    return {
        "array_bytes": nbytes, "repeats": repeats,
        "copy_s": copy_s, "triad_s": triad_s,
        "copy_gbs": copy_gbs, "triad_gbs": triad_gbs,
        "best_gbs": max(copy_gbs, triad_gbs),
    }


@njit(parallel=True)
def _gather_pass(indptr, indices, s, acc):
    n = s.shape[0]
    for i in prange(n):
        t = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            t += s[indices[k]]
        acc[i] = t


def gather_floor(edges: np.ndarray, n: int, passes: int = 20, threads: int = 2,
                 warmup_passes: int = 3) -> dict:
    """Time the bare neighbour-sum pass over the fused kernel's CSR (seconds per pass), then
    over the engine's CSR in its own (reverse Cuthill–McKee) order.

    ``warmup_passes`` untimed passes first (thread pool start-up, first touch of pages).
    """
    import numba

    from .fused_numba import build_csr

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    t0 = time.perf_counter()
    tiny = np.array([[1, 0], [2, 0], [2, 1]], dtype=np.int32)
    ip, ix, _ = build_csr(tiny, 3)
    _gather_pass(ip, ix, np.ones(3), np.empty(3))
    jit_s = time.perf_counter() - t0
    indptr, indices, _rev = build_csr(np.ascontiguousarray(edges, dtype=np.int32), n)
    del _rev
    s = np.random.default_rng(7).uniform(350.0, 950.0, n)
    acc = np.empty(n)
    for _ in range(warmup_passes):
        _gather_pass(indptr, indices, s, acc)
    times = []
    for _ in range(passes):
        t0 = time.perf_counter()
        _gather_pass(indptr, indices, s, acc)
        times.append(time.perf_counter() - t0)
    # the same pass over the graph in the engine's own order (reverse Cuthill–McKee)
    from socialcredit import locality
    from socialcredit.graph import FriendGraph

    del indptr, indices
    graph = FriendGraph.from_edges(n, np.ascontiguousarray(edges, dtype=np.int32))
    graph = locality.permute(graph, locality.rcm_order(graph))
    for _ in range(warmup_passes):
        _gather_pass(graph.indptr, graph.indices, s, acc)
    engine_times = []
    for _ in range(passes):
        t0 = time.perf_counter()
        _gather_pass(graph.indptr, graph.indices, s, acc)
        engine_times.append(time.perf_counter() - t0)
    return {
        "n": n, "entries": int(graph.indices.shape[0]), "threads": numba.get_num_threads(),
        "warmup_passes": warmup_passes,
        "jit_s": jit_s, "pass_s": times,
        "median_s": float(np.median(times)), "min_s": float(min(times)),
        "engine_order_pass_s": engine_times,
        "engine_order_median_s": float(np.median(engine_times)), "engine_order_min_s": float(min(engine_times)),
    }
