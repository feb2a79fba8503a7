"""Locality-improving renumbering of agents: reverse Cuthill–McKee over the friendship graph.

Friends' scores are gathered from memory at random; numbering agents so that friends sit
close together (Cuthill & McKee 1969, reversed as George 1971 suggests) keeps more of each
gather in cache. The order is a deterministic function of the graph, is computed once at
setup, and every output is mapped back to the original agent ids.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import prefetch
from .graph import FriendGraph, sort_row


#: how far along the breadth-first queue the search asks for rows, and for the rows' entries
_ROW_AHEAD = 16
_ENTRIES_AHEAD = 8
_KEYS_AHEAD = 4


@njit(cache=True)
def _cuthill_mckee(indptr, ends, indices, degree, starts):
    """Breadth-first order, unvisited neighbours by increasing degree, components started
    from their lowest-degree node; returned reversed.

    The queue says which rows come next, so the search asks for them ahead (their bounds,
    then their entries, then their friends' degrees): at 10^7 nodes every one is a
    scattered read from main memory."""
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
            if head + _ROW_AHEAD < tail:
                w = order[head + _ROW_AHEAD]
                prefetch.at(indptr, w)
                prefetch.at(ends, w)
            if head + _ENTRIES_AHEAD < tail:
                prefetch.at(indices, indptr[order[head + _ENTRIES_AHEAD]])
            if head + _KEYS_AHEAD < tail:
                w = order[head + _KEYS_AHEAD]
                for k in range(indptr[w], ends[w]):
                    prefetch.at(degree, indices[k])
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


@njit(cache=True)
def _by_degree(degree):
    """Nodes by increasing degree, ties by id: a stable counting sort."""
    counts = np.zeros(degree.max() + 2, np.int64)
    for d in degree:
        counts[d + 1] += 1
    for d in range(1, len(counts)):
        counts[d] += counts[d - 1]
    out = np.empty(len(degree), np.int64)
    for i in range(len(degree)):
        d = degree[i]
        out[counts[d]] = i
        counts[d] += 1
    return out


def rcm_order(graph: FriendGraph) -> np.ndarray:
    """order[new] = old: the reverse Cuthill–McKee numbering of the graph's current ties."""
    degree = graph.degree().astype(np.int64)
    if len(degree) == 0:
        return np.zeros(0, np.int64)
    return _cuthill_mckee(graph.indptr, graph.ends, graph.indices, degree, _by_degree(degree))


@njit(parallel=True, cache=True)
def _permute_rows(indptr, ends, indices, rank, new_indptr, new_indices):
    """Old row o, its friends renamed, becomes new row rank[o]; then every new row is sorted.
    The old rows are read in order, so the renaming gather `rank[indices[k]]` is asked for
    ahead along the flat array."""
    n = len(rank)
    for o in prange(n):
        w = new_indptr[rank[o]]
        for k in range(indptr[o], ends[o]):
            prefetch.ahead(rank, indices, k, 1, prefetch.LIGHT_PASS)
            new_indices[w] = rank[indices[k]]
            w += 1
    for i in prange(n):
        sort_row(new_indices, new_indptr[i], new_indptr[i + 1])


def permute(graph: FriendGraph, order: np.ndarray) -> FriendGraph:
    """The same graph with node `order[i]` renamed `i` (free slots released)."""
    n = graph.n_nodes
    rank = np.empty(n, np.int32)  # ids fit int32 (FriendGraph's indices)
    rank[order] = np.arange(n, dtype=np.int32)
    degree = graph.degree().astype(np.int64)
    new_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(degree[order], out=new_indptr[1:])
    new_indices = np.empty(int(new_indptr[-1]), np.int32)
    _permute_rows(graph.indptr, graph.ends, graph.indices, rank, new_indptr, new_indices)
    return FriendGraph(new_indptr, new_indices)


@njit(parallel=True, cache=True)
def _take(values, index, out):
    for i in prange(len(index)):
        out[i] = values[index[i]]  # an element, or a row of a 2-D array


def take(values: np.ndarray, index: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """values[index] along the first axis (agents), gathered in parallel (into `out` if given):
    renumbering moves every per-agent array once at setup, and every agent table back."""
    index = np.asarray(index)
    if out is None:
        out = np.empty((len(index),) + values.shape[1:], values.dtype)
    _take(np.ascontiguousarray(values), index, out)
    return out
