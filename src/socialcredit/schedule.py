"""Blocks of rows handed out to the threads as they come free (dynamic scheduling).

Numba's `prange` gives each thread one equal, contiguous share of the agents (its OpenMP
layer ignores `numba.parallel_chunksize`). A pass over the friendship graph costs by tie
entries, not by agents, and the locality order (reverse Cuthill–McKee) gathers the
best-connected agents at the end: at 10⁶ agents of the default preset the second half of
the rows holds 63 % of the entries, so the thread given it works 1.7× as long as the
other, which waits. Here each pass splits the rows into blocks of about equal work
(`BLOCK_WORK` entries and rows, found by a binary search in the row starts, which grow by
each row's slots) and every thread claims the next block from a shared counter (an atomic
fetch-and-add) until none is left, so the threads finish together whatever the degrees.

The pattern, in a kernel compiled with `parallel=True`:

    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            for i in range(first, last):
                ...  # row i's work, writing only what belongs to row i
            block, first, last = schedule.take(claims, indptr)

Which thread computes a row never changes what it computes, so a pass written this way is
bit-identical whatever the thread count or the order in which the blocks were claimed;
a pass that sums across rows keeps its sums per block, in block order, or sums integers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import atomic

#: the work of one block, in tie entries plus ROW_WORK per row: small enough that the last
#: block claimed ends soon after the others, large enough that claims cost nothing (10⁶
#: agents of the default preset: ~800 blocks)
BLOCK_WORK = 1 << 14
#: `prange(WORKERS)` starts the claiming loops: Numba hands each thread an equal share of
#: them, the first one a thread runs claims blocks until none is left, the rest find none
#: (a constant, not `numba.get_num_threads()`, which would keep the kernel out of the cache;
#: beyond 64 threads the others would stay idle)
WORKERS = 64
#: what a row costs besides its entries (its own values read and written), in entries
ROW_WORK = 4


@njit(inline="always", cache=True)
def blocks(indptr):
    """How many blocks a pass over the rows of `indptr` splits into (at least 1)."""
    n = len(indptr) - 1
    return max(1, (np.int64(indptr[n]) + ROW_WORK * n) // BLOCK_WORK)


@njit(inline="always", cache=True)
def _first_row(indptr, work):
    """The first row whose start reaches `work` (entries plus ROW_WORK per row before it)."""
    lo = 0
    hi = len(indptr) - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if np.int64(indptr[mid]) + ROW_WORK * mid < work:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(inline="always", cache=True)
def rows(indptr, b, blocks):
    """(first row, end row) of block b of `blocks`: about equal work each, by the row starts."""
    n = len(indptr) - 1
    total = np.int64(indptr[n]) + ROW_WORK * n
    lo = 0 if b == 0 else _first_row(indptr, total * b // blocks)
    hi = n if b == blocks - 1 else _first_row(indptr, total * (b + 1) // blocks)
    return lo, hi


@njit(inline="always", cache=True)
def claims(indptr):
    """A pass's claim state: the next unclaimed block and the block count. Not `np.zeros`:
    in a kernel compiled with `parallel=True` that becomes a parallel loop of its own, and
    with a serial loop before the `prange` the threads then found every block claimed
    (Numba 0.68)."""
    c = np.empty(2, np.int64)
    c[0] = 0
    c[1] = blocks(indptr)
    return c


@njit(inline="always", cache=True)
def take(claims, indptr):
    """(block, first row, end row) of the next unclaimed block, or (-1, 0, 0) when none is left."""
    b = atomic.add(claims, 0, 1)
    if b >= claims[1]:
        return -1, 0, 0
    first, last = rows(indptr, b, claims[1])
    return b, first, last
