"""Atomic additions (atomic.py): exact totals when threads add to the same elements."""

import numba
import numpy as np
from numba import njit, prange

from socialcredit import atomic


@njit(parallel=True)
def _add_everywhere(counts, times, step):
    """Every iteration adds `step` to every element: all threads collide on every element."""
    for _ in prange(times):
        for j in range(len(counts)):
            atomic.add(counts, j, step)


def test_colliding_additions_are_all_kept():
    counts = np.zeros(3, np.int32)
    _add_everywhere(counts, 200_000, 1)
    assert numba.get_num_threads() >= 1
    np.testing.assert_array_equal(counts, [200_000] * 3)


def test_add_returns_the_value_before_and_takes_any_integer_width():
    @njit
    def twice(a):
        first = atomic.add(a, 1, 5)
        second = atomic.add(a, 1, -2)
        return first, second

    for dtype in (np.int16, np.int32, np.int64, np.uint32):
        a = np.array([0, 7, 0], dtype)
        assert twice(a) == (7, 12)
        assert a[1] == 10
