"""Locality-improving renumbering of agents: reverse Cuthill–McKee over the friendship graph.

Friends' scores are gathered from memory at random; numbering agents so that friends sit
close together (Cuthill & McKee 1969, reversed as George 1971 suggests) keeps more of each
gather in cache. The order is a deterministic function of the graph, is computed once at
setup, and every output is mapped back to the original agent ids.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .graph import FriendGraph, sort_row


@njit(cache=True)
def _cuthill_mckee(indptr, ends, indices, degree, starts):
    """Breadth-first order, unvisited neighbours by increasing degree, components started
    from their lowest-degree node; returned reversed."""
    n = len(ends)
    seen = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    buf = np.empty(n, np.int64)
    keys = np.empty(n, np.int64)
    head = 0
    tail = 0
    for r in starts:
        if seen[r]:
            continue
        seen[r] = True
        order[tail] = r
        tail += 1
        while head < tail:
            v = order[head]
            head += 1
            m = 0
            for k in range(indptr[v], ends[v]):
                u = indices[k]
                if not seen[u]:
                    seen[u] = True
                    buf[m] = u
                    keys[m] = degree[u]
                    m += 1
            if m > 1:
                idx = np.argsort(keys[:m], kind="mergesort")
                for q in range(m):
                    order[tail] = buf[idx[q]]
                    tail += 1
            elif m == 1:
                order[tail] = buf[0]
                tail += 1
    return order[::-1].copy()


def rcm_order(graph: FriendGraph) -> np.ndarray:
    """order[new] = old: the reverse Cuthill–McKee numbering of the graph's current ties."""
    degree = graph.degree().astype(np.int64)
    starts = np.argsort(degree, kind="stable")
    return _cuthill_mckee(graph.indptr, graph.ends, graph.indices, degree, starts)


@njit(parallel=True, cache=True)
def _permute_rows(indptr, ends, indices, order, rank, new_indptr, new_indices):
    n = len(order)
    for i in prange(n):
        o = order[i]
        start = new_indptr[i]
        m = 0
        for k in range(indptr[o], ends[o]):
            new_indices[start + m] = rank[indices[k]]
            m += 1
        sort_row(new_indices, start, start + m)


def permute(graph: FriendGraph, order: np.ndarray) -> FriendGraph:
    """The same graph with node `order[i]` renamed `i` (free slots released)."""
    n = graph.n_nodes
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    degree = graph.degree().astype(np.int64)
    new_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(degree[order], out=new_indptr[1:])
    new_indices = np.empty(int(new_indptr[-1]), np.int32)
    _permute_rows(graph.indptr, graph.ends, graph.indices, order, rank, new_indptr, new_indices)
    return FriendGraph(new_indptr, new_indices)
