"""Implementations of the reference benchmark workload ``sc-core`` (shared/bench/SPEC.md).

Every implementation is a module with the same small interface:

``NAME``, ``DESCRIPTION``
    short name used by the runner and a one-line description.
``HAS_COMPACTION``
    whether it has a notion of compacting dead ties away (checks B/C force it on/off).
``warmup() -> None`` (optional)
    compile JIT kernels on a tiny graph; the runner reports its time as ``jit_s``.
``setup(edges, n, d, f, s0, params, seed=0, compact="auto") -> model``
    build adjacency + agents from the ``(E, 2)`` edge list; ``compact`` is
    ``"auto"`` (the implementation's own policy), ``"always"`` (compact whenever
    anything was dropped) or ``"never"``; ignored without ``HAS_COMPACTION``.
``step(model) -> None``
    one whole SPEC step (rules 1-6, edge removal and any compaction).
``scores(model) -> np.ndarray``
    float64 scores in node order.
``n_alive_ties(model) -> int``
    surviving undirected ties.

The engine of the project itself is registered in ``benchmarks/run.py`` (``IMPLS``).
"""
