"""The giant component followed from step to step (the record's giant-component share).

During a run ties are only ever removed (unfriending, MODEL.md step 8), so the component
that held more than half of the agents at the last step can only lose members, and the
ones it keeps are exactly those still connected to any one of its members, its root. A
spanning tree of it rooted there (each member's parent: the friend a search reached it
from, `FriendGraph.reach`) certifies most of them at once: a member none of whose tree
ties went is still connected to the root. So a step that lost ties looks only at the
rows that lost some (`dropped`, left by the phase-8 pass). A member whose tie to its
parent went takes a friend still inside and shallower in the tree as its new parent if
it has one; if not, it leaves, and the friends whose parent it was are asked the same
(`_reroute`). Those that left are searched again, level by level (does any friend still
belong?), and each one that rejoins takes the friend it found as its parent.

The answer is the same set a full search gives, whatever the tree looks like (a tree
built by parallel sweeps depends on the threads' timing; the set does not). At 10⁶
agents of the default preset a full search takes 14-17 ms; following the component
takes about 2 ms at a step that loses ~2,000 ties and 8-11 ms at one that loses
~27,000; at 10⁷ agents, ~16 against ~230 ms at step 61 (docs/performance.md). A full
search runs at the first step, whenever the graph changed in a way the kept tree cannot
account for (a step skipped, ties removed outside phase 8, a restored checkpoint), and
whenever the root's component holds half of the agents or fewer (union-find labels
then decide, and no tree is kept).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import prefetch
from .graph import FriendGraph, find_entry, friend_at

#: agents per block of the parallel passes over every agent (`_cut`, `_depths`)
_ROWS = 1 << 14


#: `_cut` asks for a listed row's parent and bounds this many rows before it checks the row,
#: and for the row's first entries half as many before
_CUT_AHEAD = 8


@njit(parallel=True, cache=True)
def _cut(indptr, ends, indices, inside, parent, dropped, root, found):
    """The members whose tie to their parent went this step (only rows that lost ties are
    looked up), listed in agent order; returns how many. `found` (one slot per agent) is
    scratch: each block lists its rows that lost ties at its own offset, keeps those cut
    from the root, then the lists are closed up. The rows listed are far apart in memory,
    so each one's parent, bounds and first entries are asked for a few rows before its check
    (`_CUT_AHEAD`)."""
    n = len(inside)
    n_blocks = (n + _ROWS - 1) // _ROWS
    count = np.zeros(n_blocks, np.int64)
    for b in prange(n_blocks):
        first = b * _ROWS
        m = first
        for v in range(first, min(n, first + _ROWS)):
            if dropped[v] > 0:
                found[m] = v
                m += 1
        kept = first  # never past t: the list closes up in place
        for t in range(first, m):
            if t + _CUT_AHEAD < m:
                u = found[t + _CUT_AHEAD]
                prefetch.at(parent, u)
                prefetch.at(inside, u)
                prefetch.at(indptr, u)
                prefetch.at(ends, u)
            if t + _CUT_AHEAD // 2 < m:
                prefetch.at(indices, indptr[found[t + _CUT_AHEAD // 2]])
            v = found[t]
            if inside[v] and v != root and find_entry(indptr, ends, indices, v, parent[v]) < 0:
                found[kept] = v
                kept += 1
        count[b] = kept - first
    total = 0
    for b in range(n_blocks):
        for k in range(count[b]):
            found[total + k] = found[b * _ROWS + k]
        total += count[b]
    return total


@njit(parallel=True, cache=True)
def _depths(parent, inside, root, depth):
    """Each member's depth in the tree (the root's is 0); returns the largest. A member's
    parent is always shallower, which is all `_reroute` asks of these numbers.

    Each member walks up to the first member whose depth is known, then writes the depths
    along the way. Two threads may walk the same path: both write the same numbers (a
    depth depends on the tree alone), and a walk that meets one already written stops."""
    n = len(inside)
    for v in prange(n):
        depth[v] = -1
    depth[root] = 0
    n_blocks = (n + _ROWS - 1) // _ROWS
    deepest = np.zeros(max(n_blocks, 1), np.int64)
    for b in prange(n_blocks):
        most = 0
        for v in range(b * _ROWS, min(n, (b + 1) * _ROWS)):
            if not inside[v] or depth[v] >= 0:
                continue
            u = v
            k = 0
            while depth[u] < 0:
                u = parent[u]
                k += 1
            d = depth[u] + k
            most = max(most, d)
            u = v
            while depth[u] < 0:
                depth[u] = d
                d -= 1
                u = parent[u]
        deepest[b] = most
    return deepest.max()


@njit(cache=True)
def _reroute(indptr, ends, indices, inside, parent, depth, deepest, cut, n_cut, queued, following, lost):
    """Give each cut member another parent, shallowest members first: any friend still inside
    and shallower than itself (whose own path to the root is settled by then, being
    shallower). A member with none leaves (`inside` cleared, listed in `lost`) and the
    friends whose parent it was are asked the same in their turn. Returns how many left.
    A shallower parent keeps every depth above its children's, so no path of parents can
    loop; the depths need not be exact. `queued` is False everywhere on entry and on exit;
    `following` links the members waiting at each depth."""
    head = np.full(deepest + 1, -1, np.int64)
    for c in range(n_cut):
        v = cut[c]
        queued[v] = True
        following[v] = head[depth[v]]
        head[depth[v]] = v
    m = 0
    for r in range(deepest + 1):
        while head[r] >= 0:
            v = head[r]
            head[r] = following[v]
            queued[v] = False
            new = -1
            for q in range(indptr[v], ends[v]):
                u = friend_at(indices, q)
                if inside[u] and depth[u] < r:
                    new = u
                    break
            if new >= 0:
                parent[v] = new
                continue
            inside[v] = False
            lost[m] = v
            m += 1
            for q in range(indptr[v], ends[v]):
                w = friend_at(indices, q)
                if inside[w] and parent[w] == v and not queued[w]:
                    queued[w] = True
                    following[w] = head[depth[w]]  # deeper than v: met later in this loop
                    head[depth[w]] = w
    return m


@njit(parallel=True, cache=True)
def _look(indptr, ends, indices, inside, lost, m, found):
    """For each agent that left and is not back: a friend inside, or -1 (reads `inside`
    only, so the answer does not depend on the threads)."""
    for t in prange(m):
        v = lost[t]
        found[t] = -1
        if not inside[v]:
            for q in range(indptr[v], ends[v]):
                u = friend_at(indices, q)
                if inside[u]:
                    found[t] = u
                    break


@njit(cache=True)
def _rejoin(inside, parent, depth, lost, m, found, deepest):
    """The agents `_look` found a friend inside for rejoin below it; returns (how many
    rejoined, the largest depth)."""
    back = 0
    for t in range(m):
        u = found[t]
        if u >= 0:
            v = lost[t]
            inside[v] = True
            parent[v] = u
            depth[v] = depth[u] + 1
            deepest = max(deepest, depth[v])
            back += 1
    return back, deepest


class GiantComponent:
    """Membership of the largest connected component, kept from one step's record to the
    next (see the module's docstring). `follow` returns the mask it keeps: it is
    overwritten at the next call."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None
        self.parent: np.ndarray | None = None  # the spanning tree; None when labels decided
        self.depth: np.ndarray | None = None
        self.queued: np.ndarray | None = None  # `_reroute`'s marks, False between calls
        # `_repair`'s lists (cut, following, lost), kept: fresh pages for 12 bytes per agent
        # at every step cost more than the repair itself at 10⁷ agents
        self.scratch: np.ndarray | None = None
        self.deepest = 0
        self.root = -1
        self.step = -1
        self.tie_ends = -1
        self.members = 0
        self.last_was_full = True  # whether the last answer came from a full search

    def follow(self, graph: FriendGraph, step: int, tie_ends: int, dropped: np.ndarray, lost: int,
               degree: np.ndarray) -> np.ndarray:
        """The giant component of `graph` at `step`, where `tie_ends` is the graph's current
        number of tie ends, `dropped` each row's tie ends lost since the last step (the
        phase-8 pass's count), `lost` their sum and `degree` each agent's ties: a full
        search starts from a best-connected agent (in the giant component if anyone is)."""
        n = graph.n_nodes
        follows = (self.mask is not None and step == self.step + 1 and len(self.mask) == n
                   and tie_ends == self.tie_ends - lost)
        if follows and lost > 0:  # with no tie lost the last answer holds, tree or not
            follows = self.parent is not None and self._repair(graph, dropped)
        if not follows:
            self._search(graph, int(np.argmax(degree)) if n else 0)
        self.step = step
        self.tie_ends = tie_ends
        self.last_was_full = not follows
        return self.mask

    def _search(self, graph: FriendGraph, start: int) -> None:
        n = graph.n_nodes
        if self.parent is None or len(self.parent) != n:
            self.parent = np.empty(n, np.int32)
            self.depth = np.empty(n, np.int32)
        if self.queued is None or len(self.queued) != n:
            self.queued = np.zeros(n, np.bool_)
            self.scratch = np.empty((3, n), np.int32)
        inside = graph.reach(start, self.parent) if n else np.zeros(0, np.bool_)
        members = int(np.count_nonzero(inside))
        if 2 * members > n:
            self.mask, self.root, self.members = inside, start, members
            self.deepest = int(_depths(self.parent, inside, start, self.depth))
        else:  # no majority: labels decide, and no tree is kept
            self.mask = graph.largest_component() if n else inside
            self.parent = self.depth = None
            self.root, self.members = -1, int(np.count_nonzero(self.mask))

    def _repair(self, graph: FriendGraph, dropped: np.ndarray) -> bool:
        """Reroute what lost its tie to its parent, or let it leave, and search again for what left;
        False when the root's component no longer holds more than half of the agents."""
        n = graph.n_nodes
        g = (graph.indptr, graph.ends, graph.indices)
        cut, following, lost = self.scratch
        n_cut = _cut(*g, self.mask, self.parent, dropped, self.root, cut)
        if n_cut == 0:
            return True
        m = _reroute(*g, self.mask, self.parent, self.depth, self.deepest, cut, n_cut, self.queued, following, lost)
        found = np.empty(m, np.int32)
        back = 0
        while m:
            _look(*g, self.mask, lost, m, found)
            joined, self.deepest = _rejoin(self.mask, self.parent, self.depth, lost, m, found, self.deepest)
            back += joined
            if joined == 0:
                break
        self.members += back - m
        return 2 * self.members > n
