"""Row blocks claimed by the threads (schedule.py): every row once, blocks of about equal work."""

import numba
import numpy as np
import pytest
from numba import njit, prange

from socialcredit import schedule


@njit(parallel=True)
def _visits(indptr, visits, owner):
    """The documented pattern, after a serial loop (with which a counter made by `np.zeros` alone
    was found exhausted: no row visited)."""
    n = len(visits)
    all_nonempty = True
    for i in range(n):
        if indptr[i + 1] == indptr[i]:
            all_nonempty = False
            break
    claims = schedule.claims(indptr)
    for _ in prange(schedule.WORKERS):
        block, first, last = schedule.take(claims, indptr)
        while block >= 0:
            for i in range(first, last):
                visits[i] += 1
                owner[i] = block
            block, first, last = schedule.take(claims, indptr)
    return all_nonempty


def _skewed_indptr(n, seed):
    """Row starts of a graph whose last rows hold most entries (as the locality order leaves hubs)."""
    rng = np.random.default_rng(seed)
    degree = rng.poisson(3, n) + (np.arange(n) > 0.9 * n) * rng.integers(0, 400, n)
    return np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 200_000])
@pytest.mark.parametrize("threads", [1, 2])
def test_every_row_is_visited_once(n, threads):
    indptr = _skewed_indptr(n, n)
    visits = np.zeros(n, np.int64)
    owner = np.full(n, -1, np.int64)
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        _visits(indptr, visits, owner)
    finally:
        numba.set_num_threads(previous)
    assert np.all(visits == 1)
    # blocks are contiguous runs of rows, in order
    assert np.all(np.diff(owner) >= 0)


def test_blocks_split_the_work_evenly():
    n = 300_000
    indptr = _skewed_indptr(n, 1)
    blocks = schedule.blocks(indptr)
    assert blocks > 10
    bounds = [schedule.rows(indptr, b, blocks) for b in range(blocks)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(bounds[b][1] == bounds[b + 1][0] for b in range(blocks - 1))
    work = np.array([indptr[hi] - indptr[lo] + schedule.ROW_WORK * (hi - lo) for lo, hi in bounds])
    widest_row = int(np.diff(indptr).max()) + schedule.ROW_WORK
    target = (indptr[-1] + schedule.ROW_WORK * n) / blocks
    # each block holds its share of the work, give or take the row that straddles a boundary
    assert work.max() <= target + widest_row
    assert work.min() >= target - widest_row
    # while equal numbers of rows would not: the last tenth of the rows holds most entries
    assert indptr[-1] - indptr[int(0.9 * n)] > indptr[int(0.9 * n)]
