"""Tests for socialcredit.graph: the CSR friendship graph, its generators and loaders."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcredit.graph import (
    EdgeListError,
    FriendGraph,
    barabasi_albert,
    erdos_renyi,
    load_edge_list,
    prune,
    stochastic_block,
    watts_strogatz,
)

EGO_FACEBOOK = Path(__file__).resolve().parents[2] / "shared" / "data" / "ego-facebook.edges"


def tie_set(edges) -> set[tuple[int, int]]:
    """Undirected ties as a set of (min, max) pairs, self-loops dropped."""
    return {(min(a, b), max(a, b)) for a, b in np.asarray(edges).tolist() if a != b}


def n_distinct_ties(edges) -> int:
    """Distinct undirected pairs, vectorised (for large generated graphs)."""
    e = np.sort(np.asarray(edges, dtype=np.int64), axis=1)
    return len(np.unique(e[:, 0] * (int(e.max(initial=0)) + 1) + e[:, 1]))


def current_rows(g: FriendGraph) -> list[set[int]]:
    return [set(g.indices[g.indptr[i] : g.ends[i]].tolist()) for i in range(g.n_nodes)]


def assert_consistent(g: FriendGraph) -> None:
    """CSR invariants: dtypes, rows inside their slots, sorted distinct ids, no self-loops,
    symmetric ties."""
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32 and g.ends.dtype == np.int64
    assert g.indptr[0] == 0 and g.indptr[-1] == g.n_entries and len(g.ends) == g.n_nodes
    assert np.all(g.indptr[:-1] <= g.ends) and np.all(g.ends <= g.indptr[1:])
    for i in range(g.n_nodes):
        row = g.indices[g.indptr[i] : g.ends[i]]
        assert np.all(np.diff(row) > 0), f"row {i} not strictly ascending: {row}"
        assert np.all(row >= 0) and np.all(row < g.n_nodes), f"row {i} holds an id outside the graph: {row}"
        assert i not in row.tolist()
    rows = current_rows(g)
    for i, row in enumerate(rows):
        for j in row:
            assert i in rows[j], f"tie {i}-{j} in row {i} but not in row {j}"
    assert g.n_ties() == sum(map(len, rows)) // 2


# --------------------------------------------------------------------------------------
# FriendGraph
# --------------------------------------------------------------------------------------


def test_from_edges_symmetric_sorted_dedup():
    edges = np.array([[0, 3], [3, 0], [2, 1], [1, 1], [0, 3], [4, 0], [1, 2]], dtype=np.int16)
    g = FriendGraph.from_edges(6, edges)
    assert_consistent(g)
    assert g.n_nodes == 6
    assert g.n_ties() == 3
    assert g.n_entries == 6
    assert g.indptr.tolist() == [0, 2, 3, 4, 5, 6, 6]
    assert g.indices.tolist() == [3, 4, 2, 1, 0, 0]
    assert g.degree().tolist() == [2, 1, 1, 1, 1, 0]
    assert g.degree().dtype == np.int32
    assert g.edge_array().tolist() == [[0, 3], [0, 4], [1, 2]]
    assert g.dead_fraction() == 0.0


def test_from_edges_empty_and_isolated():
    g = FriendGraph.from_edges(4, np.empty((0, 2), dtype=np.int64))
    assert g.n_nodes == 4 and g.n_ties() == 0 and g.n_entries == 0
    assert g.edge_array().shape == (0, 2)
    assert g.components()[0] == 4
    assert g.giant_component_share() == 0.25
    assert FriendGraph.from_edges(0, []).n_nodes == 0


@pytest.mark.parametrize("bad", [7, -1])
def test_from_edges_out_of_range_names_the_id(bad):
    with pytest.raises(ValueError, match=rf"node id {bad}\b"):
        FriendGraph.from_edges(7, np.array([[0, 1], [2, bad]]))


def test_from_edges_rejects_bad_shapes_and_dtypes():
    with pytest.raises(ValueError, match="shape"):
        FriendGraph.from_edges(3, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integer"):
        FriendGraph.from_edges(3, np.array([[0.0, 1.0]]))


def test_remove_ties_symmetric_and_counted():
    g = FriendGraph.from_edges(5, np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]]))
    removed = g.remove_ties(np.array([1, 3, 0, 2, 0]), np.array([0, 2, 2, 3, 0]))
    # (1,0) and (3,2) exist; (0,2) is not a tie; (2,3) repeats (3,2); (0,0) is a self pair
    assert removed == 2
    assert g.n_ties() == 3
    assert_consistent(g)
    assert g.degree().tolist() == [1, 1, 1, 1, 2]
    assert g.edge_array().tolist() == [[0, 4], [1, 2], [3, 4]]
    assert g.dead_fraction() == pytest.approx(0.4)
    assert g.remove_ties(np.array([0]), np.array([1])) == 0  # already dead
    assert g.remove_ties(np.array([], dtype=int), np.array([], dtype=int)) == 0
    assert g.n_ties() == 3
    with pytest.raises(ValueError, match="5"):
        g.remove_ties(np.array([0]), np.array([5]))
    with pytest.raises(ValueError, match="same length"):
        g.remove_ties(np.array([0, 1]), np.array([1]))


def test_compact_keeps_exactly_the_current_ties():
    g = FriendGraph.from_edges(6, np.array([[0, 1], [0, 2], [1, 2], [2, 3], [4, 5], [3, 5]]))
    g.remove_ties(np.array([2, 5]), np.array([0, 4]))
    before = g.edge_array().tolist()
    degree = g.degree().tolist()
    g.compact()
    assert_consistent(g)
    assert g.n_entries == 2 * g.n_ties() == 8 and np.array_equal(g.ends, g.indptr[1:])
    assert g.edge_array().tolist() == before
    assert g.degree().tolist() == degree
    assert g.dead_fraction() == 0.0


def test_copy_is_independent():
    g = FriendGraph.from_edges(3, np.array([[0, 1], [1, 2]]))
    h = g.copy()
    h.remove_ties(np.array([0]), np.array([1]))
    assert g.n_ties() == 2 and h.n_ties() == 1


def test_components_labels_and_giant_share():
    g = FriendGraph.from_edges(7, np.array([[5, 6], [1, 2], [2, 4], [0, 3]]))
    count, labels = g.components()
    assert count == 3
    assert labels.dtype == np.int32
    assert labels.tolist() == [0, 1, 1, 0, 1, 2, 2]  # numbered by smallest member
    assert g.giant_component_share() == pytest.approx(3 / 7)
    g.remove_ties(np.array([2]), np.array([4]))
    count, labels = g.components()
    assert count == 4 and labels.tolist() == [0, 1, 1, 0, 2, 3, 3]


@pytest.mark.parametrize("drop", [0.0, 0.5, 0.8])
def test_giant_component_by_search_matches_networkx(drop):
    """Large enough for the search to go bottom up; with 80 % of ties gone the giant
    component holds less than half the nodes and union-find decides."""
    n = 4000
    edges = barabasi_albert(n, 2, seed=11)
    g = FriendGraph.from_edges(n, edges)
    gone = np.random.default_rng(5).random(len(edges)) < drop
    g.remove_ties(edges[gone, 0], edges[gone, 1])
    ref = g.to_networkx()
    giant = max(nx.connected_components(ref), key=lambda c: (len(c), -min(c)))
    assert set(np.flatnonzero(g.giant_component()).tolist()) == giant
    for start in (0, 1, n - 1):
        assert set(np.flatnonzero(g.reach(start)).tolist()) == nx.node_connected_component(ref, start)


def test_to_networkx_roundtrip():
    edges = barabasi_albert(60, 2, seed=3)
    g = FriendGraph.from_edges(60, edges)
    g.remove_ties(edges[:10, 0], edges[:10, 1])
    h = g.to_networkx()
    assert h.number_of_nodes() == 60
    assert tie_set(h.edges()) == tie_set(g.edge_array())


edge_lists = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
    )
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_lists)
def test_property_removals_keep_graph_consistent(case):
    n, edges, removals = case
    edges = np.array(edges, dtype=np.int64).reshape(-1, 2)
    g = FriendGraph.from_edges(n, edges)
    expected = tie_set(edges)
    assert tie_set(g.edge_array()) == expected and g.n_ties() == len(expected)
    assert_consistent(g)

    ties_before = g.n_ties()
    rem = np.array(removals, dtype=np.int64).reshape(-1, 2)
    removed = g.remove_ties(rem[:, 0], rem[:, 1])
    gone = tie_set(rem) & expected
    assert removed == len(gone)
    assert g.n_ties() == ties_before - removed <= ties_before
    alive = expected - gone
    assert tie_set(g.edge_array()) == alive
    assert_consistent(g)
    assert g.edge_array().tolist() == sorted(map(list, alive))

    ref = nx.Graph()
    ref.add_nodes_from(range(n))
    ref.add_edges_from(alive)
    count, labels = g.components()
    assert count == nx.number_connected_components(ref)
    ours = {frozenset(np.flatnonzero(labels == c).tolist()) for c in range(count)}
    assert ours == {frozenset(c) for c in nx.connected_components(ref)}
    biggest = max((len(c) for c in nx.connected_components(ref)), default=0)
    assert g.giant_component_share() == pytest.approx(biggest / n)
    for start in {0, n - 1, int(np.argmax(g.degree()))}:
        assert set(np.flatnonzero(g.reach(start)).tolist()) == nx.node_connected_component(ref, start)
    giant = max(nx.connected_components(ref), key=lambda c: (len(c), -min(c)))  # ties: smallest node
    assert set(np.flatnonzero(g.giant_component()).tolist()) == giant

    degree = g.degree()
    g.compact()
    assert g.n_entries == 2 * len(alive) and np.array_equal(g.ends, g.indptr[1:])
    assert tie_set(g.edge_array()) == alive
    assert np.array_equal(g.degree(), degree)
    assert_consistent(g)


# --------------------------------------------------------------------------------------
# Barabási–Albert
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n,m", [(2, 1), (10, 3), (2000, 3), (5000, 5)])
def test_barabasi_albert_structure(n, m):
    edges = barabasi_albert(n, m, seed=12345)
    assert edges.dtype == np.int32
    assert edges.shape == (m + (n - m - 1) * m, 2)
    assert edges[:m].tolist() == [[i, 0] for i in range(1, m + 1)]  # star_graph(m)
    assert np.all(edges[:, 0] > edges[:, 1])  # rows are (new, old)
    assert np.array_equal(edges[m:, 0], np.repeat(np.arange(m + 1, n, dtype=np.int32), m))
    assert len(tie_set(edges)) == len(edges)  # no duplicates
    g = FriendGraph.from_edges(n, edges)
    assert g.n_ties() == len(edges)
    assert g.components()[0] == 1  # connected by construction


def test_barabasi_albert_reproducible():
    a = barabasi_albert(3000, 4, seed=7)
    assert np.array_equal(a, barabasi_albert(3000, 4, seed=7))
    assert not np.array_equal(a, barabasi_albert(3000, 4, seed=8))


def test_barabasi_albert_rejects_bad_parameters():
    with pytest.raises(ValueError, match="m < n"):
        barabasi_albert(5, 5, seed=1)
    with pytest.raises(ValueError, match="m < n"):
        barabasi_albert(5, 0, seed=1)


def test_barabasi_albert_statistics_match_networkx():
    """Same algorithm as networkx, so degree statistics agree in distribution."""
    n, m, reps = 2000, 3, 20
    ours = [np.bincount(barabasi_albert(n, m, seed=s).ravel(), minlength=n) for s in range(reps)]
    theirs = [
        np.array([d for _, d in sorted(nx.barabasi_albert_graph(n, m, seed=100 + s).degree())])
        for s in range(reps)
    ]
    for deg in ours:
        assert deg.mean() == pytest.approx(2 * (m + (n - m - 1) * m) / n)
        assert deg.max() > 5 * deg.mean()  # heavy tail: hubs far above the mean
        assert deg.min() >= 1
    assert np.mean([d.mean() for d in ours]) == pytest.approx(np.mean([d.mean() for d in theirs]))

    # degree of node 0 (the star centre): compare means over replicates, tolerance from
    # the replicate spread (Welch-style, 5 standard errors)
    a = np.array([d[0] for d in ours], dtype=float)
    b = np.array([d[0] for d in theirs], dtype=float)
    se = math.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
    assert abs(a.mean() - b.mean()) < 5 * se
    # pooled degree distribution: share of leaves (degree m) and of hubs
    pa, pb = np.concatenate(ours), np.concatenate(theirs)
    for thresh in (m, 2 * m, 5 * m):
        sa, sb = np.mean(pa <= thresh), np.mean(pb <= thresh)
        se = math.sqrt(sa * (1 - sa) / pa.size + sb * (1 - sb) / pb.size)
        assert abs(sa - sb) < 6 * se + 1e-3


# --------------------------------------------------------------------------------------
# Watts–Strogatz, Erdős–Rényi, stochastic block model
# --------------------------------------------------------------------------------------


def test_watts_strogatz_p0_is_ring_lattice():
    n, k = 12, 4
    edges = watts_strogatz(n, k, 0.0, seed=1)
    expected = {(min(u, (u + j) % n), max(u, (u + j) % n)) for u in range(n) for j in (1, 2)}
    assert len(edges) == n * k // 2
    assert tie_set(edges) == expected
    assert tie_set(edges) == tie_set(nx.watts_strogatz_graph(n, k, 0.0).edges())


@pytest.mark.parametrize("p", [0.1, 0.5, 1.0])
def test_watts_strogatz_rewired(p):
    n, k = 3000, 6
    edges = watts_strogatz(n, k, p, seed=2)
    assert edges.dtype == np.int32 and edges.shape == (n * k // 2, 2)
    assert np.all(edges[:, 0] != edges[:, 1])
    assert len(tie_set(edges)) == len(edges)
    lattice = {(min(u, (u + j) % n), max(u, (u + j) % n)) for u in range(n) for j in (1, 2, 3)}
    kept = len(tie_set(edges) & lattice)
    # each lattice tie survives with prob about 1 - p (a rewired tie can land back on
    # the lattice only rarely); binomial tolerance
    total = n * k // 2
    sd = math.sqrt(total * p * (1 - p)) if 0 < p < 1 else 1.0
    assert abs(kept - total * (1 - p)) < 6 * sd + 0.01 * total
    assert np.array_equal(edges, watts_strogatz(n, k, p, seed=2))


def test_watts_strogatz_dense_terminates():
    edges = watts_strogatz(9, 8, 1.0, seed=4)  # the complete graph: nothing can move
    assert tie_set(edges) == {(a, b) for a in range(9) for b in range(a + 1, 9)}


def test_watts_strogatz_rejects_bad_parameters():
    with pytest.raises(ValueError, match="even"):
        watts_strogatz(10, 3, 0.1, seed=1)
    with pytest.raises(ValueError, match="smaller than n"):
        watts_strogatz(10, 10, 0.1, seed=1)
    with pytest.raises(ValueError, match="probability"):
        watts_strogatz(10, 2, 1.5, seed=1)


@pytest.mark.parametrize("n,mean_degree", [(5000, 6.0), (100_000, 10.0), (50, 49.0)])
def test_erdos_renyi_mean_degree(n, mean_degree):
    edges = erdos_renyi(n, mean_degree, seed=11)
    assert edges.dtype == np.int32
    assert np.all(edges[:, 0] < edges[:, 1])
    assert n_distinct_ties(edges) == len(edges)
    assert edges.max(initial=0) < n
    # E ~ Binomial(n(n-1)/2, p); mean degree = 2E/n has sd 2*sqrt(M p (1-p))/n
    pairs = n * (n - 1) / 2
    p = mean_degree / (n - 1)
    sd = 2 * math.sqrt(pairs * p * (1 - p)) / n
    observed = 2 * len(edges) / n
    assert abs(observed - mean_degree) <= 5 * sd + 1e-12
    if p < 1:
        # degrees are Binomial(n-1, p): check the variance too (loosely)
        deg = np.bincount(edges.ravel(), minlength=n)
        assert deg.var() == pytest.approx((n - 1) * p * (1 - p), rel=0.2)
    assert np.array_equal(edges, erdos_renyi(n, mean_degree, seed=11))
    assert not np.array_equal(edges, erdos_renyi(n, mean_degree, seed=12)) or p == 1


def test_erdos_renyi_edge_cases():
    assert erdos_renyi(1, 0.0, seed=1).shape == (0, 2)
    assert erdos_renyi(100, 0.0, seed=1).shape == (0, 2)
    with pytest.raises(ValueError, match="n - 1"):
        erdos_renyi(10, 10.0, seed=1)


def _block_degrees(blocks, edges):
    same = blocks[edges[:, 0]] == blocks[edges[:, 1]]
    n = len(blocks)
    within = np.bincount(edges[same].ravel(), minlength=n)
    between = np.bincount(edges[~same].ravel(), minlength=n)
    return within, between


def test_stochastic_block_degrees():
    rng = np.random.default_rng(0)
    blocks = rng.permutation(np.repeat(np.array([3, 7, 11, 20]), 2500))  # equal blocks, shuffled
    n, dw, db = len(blocks), 8.0, 3.0
    edges = stochastic_block(blocks, dw, db, seed=5)
    assert edges.dtype == np.int32
    assert len(tie_set(edges)) == len(edges) and np.all(edges[:, 0] != edges[:, 1])
    within, between = _block_degrees(blocks, edges)
    # within ties: Binomial over 4 * C(2500, 2) pairs; mean within degree = 2 E_w / n
    pw = dw / 2499
    sd_w = 2 * math.sqrt(4 * 2500 * 2499 / 2 * pw * (1 - pw)) / n
    assert abs(within.mean() - dw) < 5 * sd_w
    between_pairs = (n * n - 4 * 2500**2) / 2
    pb = db * n / (2 * between_pairs)
    sd_b = 2 * math.sqrt(between_pairs * pb * (1 - pb)) / n
    assert abs(between.mean() - db) < 5 * sd_b
    for b in (3, 7, 11, 20):  # equal sizes: every block gets the same expectations
        members = blocks == b
        assert within[members].mean() == pytest.approx(dw, abs=0.3)
        assert between[members].mean() == pytest.approx(db, abs=0.3)
    assert np.array_equal(edges, stochastic_block(blocks, dw, db, seed=5))


def test_stochastic_block_unequal_and_small_blocks():
    blocks = np.array([0] * 3000 + [1] * 1000 + [2] * 2)
    edges = stochastic_block(blocks, 6.0, 2.0, seed=9)
    within, between = _block_degrees(blocks, edges)
    assert within[:3000].mean() == pytest.approx(6.0, abs=0.3)
    assert within[3000:4000].mean() == pytest.approx(6.0, abs=0.5)
    assert within[4000:].tolist() == [1, 1]  # a block of two is capped at complete
    assert between.mean() == pytest.approx(2.0, abs=0.2)
    assert stochastic_block(np.zeros(10, dtype=int), 0.0, 0.0, seed=1).shape == (0, 2)
    with pytest.raises(ValueError, match="two blocks"):
        stochastic_block(np.zeros(10, dtype=int), 1.0, 1.0, seed=1)


def test_generators_build_graphs():
    for n, edges in [
        (500, watts_strogatz(500, 4, 0.2, seed=1)),
        (500, erdos_renyi(500, 4.0, seed=1)),
        (500, stochastic_block(np.arange(500) % 5, 4.0, 1.0, seed=1)),
    ]:
        g = FriendGraph.from_edges(n, edges)
        assert g.n_ties() == len(edges)


# --------------------------------------------------------------------------------------
# Edge-list files
# --------------------------------------------------------------------------------------


@pytest.mark.skipif(not EGO_FACEBOOK.exists(), reason=f"SNAP ego-Facebook file not found at {EGO_FACEBOOK}")
def test_load_ego_facebook():
    n, edges, original = load_edge_list(EGO_FACEBOOK)
    assert n == 4039
    assert edges.shape == (88234, 2) and edges.dtype == np.int32
    assert original.dtype == np.int64 and np.array_equal(original, np.arange(4039))
    g = FriendGraph.from_edges(n, edges)
    assert g.n_ties() == 88234
    assert g.components()[0] == 1


def test_load_snap_style_with_comments(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("# Directed graph: tiny\n# FromNodeId\tToNodeId\n\n0\t1\n1\t2\n  \n2 0\n1 0\n3 3\n")
    n, edges, original = load_edge_list(f)
    assert n == 4  # node 3 appears (only in a self-loop) and stays as an isolated node
    assert edges.tolist() == [[0, 1], [0, 2], [1, 2]]
    assert original.tolist() == [0, 1, 2, 3]


def test_load_csv_with_header_and_weights(tmp_path):
    f = tmp_path / "ties.csv"
    f.write_text("source,target,weight\r\n5,7,0.5\r\n7,9,1.0\r\n9 , 5 ,2\r\n")
    n, edges, original = load_edge_list(f)
    assert n == 3
    assert original.tolist() == [5, 7, 9]
    assert edges.tolist() == [[0, 1], [0, 2], [1, 2]]


def test_load_relabels_sparse_ids(tmp_path):
    f = tmp_path / "sparse.edges"
    f.write_text("10 1000\n1000 5\n5 10\n10 1000\n")
    n, edges, original = load_edge_list(f)
    assert n == 3
    assert original.tolist() == [5, 10, 1000]
    assert edges.tolist() == [[0, 1], [0, 2], [1, 2]]
    assert tie_set(original[edges]) == {(10, 1000), (5, 1000), (5, 10)}


@pytest.mark.parametrize(
    "content,line,text",
    [
        ("0 1\n1 2\na b c\n", 3, "a b c"),
        ("# c\n0 1\n\n7\n", 4, "7"),
        ("0 1\n2 -3\n", 2, "2 -3"),
        ("0 1\n1.5 2\n", 2, "1.5 2"),
        ("source,target\n1,2\n3,x\n", 3, "3,x"),
        ("1,2\n3,\n", 2, "3,"),
        ("a,1\n1,2\n", 1, "a,1"),  # not a header: one field is an integer
        ("source target\n1 2\n", 1, "source target"),  # headers only in CSV
        ("0 1\n99999999999999999999 1\n", 2, "99999999999999999999 1"),
    ],
)
def test_load_garbage_lines(tmp_path, content, line, text):
    f = tmp_path / "bad.edges"
    f.write_text(content)
    with pytest.raises(EdgeListError) as info:
        load_edge_list(f)
    msg = str(info.value)
    assert f"line {line}:" in msg
    assert repr(text) in msg
    assert "bad.edges" in msg and "expected two integer node ids" in msg


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "source,target\n"])
def test_load_empty_files(tmp_path, content):
    f = tmp_path / "empty.edges"
    f.write_text(content)
    with pytest.raises(EdgeListError, match="no edges"):
        load_edge_list(f)


def test_load_missing_file(tmp_path):
    with pytest.raises(EdgeListError, match="no such file"):
        load_edge_list(tmp_path / "nope.edges")
    assert issubclass(EdgeListError, ValueError)


def test_load_gzipped(tmp_path):
    import gzip

    f = tmp_path / "tiny.txt.gz"
    with gzip.open(f, "wt") as fh:
        fh.write("# SNAP\n3 4\n4 8\n")
    n, edges, original = load_edge_list(f)
    assert n == 3 and original.tolist() == [3, 4, 8] and edges.tolist() == [[0, 1], [1, 2]]


def test_compile_cache_outside_the_package(tmp_path):
    """Numba's on-disk cache goes to the user's cache folder even when the caller imported
    Numba before socialcredit (Numba reads NUMBA_CACHE_DIR on its first import)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import socialcredit

    package = Path(socialcredit.__file__).parent
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = ("import numba, numpy as np; from socialcredit.graph import FriendGraph; "
            "print(FriendGraph.from_edges(3, np.array([[0, 1], [1, 2]])).n_ties())")
    before = {p: p.stat().st_mtime_ns for p in package.rglob("*.nb[ic]")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"
    assert any((tmp_path / "socialcredit" / "numba").rglob("*.nbi")), "no cache written to the user's cache folder"
    after = {p: p.stat().st_mtime_ns for p in package.rglob("*.nb[ic]")}
    assert after == before, f"cache files written inside the package: {sorted(set(after) - set(before))[:3]}"


def test_unfriend_from_droppable_rows_drops_at_the_rule_rates():
    """`social.unfriend` (geometric skips from the droppable rows) then `prune`: the graph
    stays consistent and symmetric, only ties with a droppable end go, and each goes with
    the chance of the rule: p for one droppable end, 1 − (1 − p)² for two."""
    from socialcredit.engine import social

    n, p = 20_000, 0.3
    g = FriendGraph.from_edges(n, barabasi_albert(n, 5, 3))
    droppable = np.random.default_rng(4).random(n) < 0.4
    flags = np.where(droppable, social.UNFRIENDABLE | social.ENROLLED, social.ENROLLED).astype(np.uint8)
    before = g.edge_array()
    ends_low = droppable[before].sum(axis=1)
    dropped = np.zeros(n, np.int32)
    touched = np.zeros(n, np.bool_)
    social.unfriend(np.uint64(11), g.indptr, g.ends, g.indices, flags, np.ones(n, np.float32), p, False, 1.0, p,
                    dropped, touched)
    removed = prune(g.indptr, g.ends, g.indices, touched)
    assert not touched.any()
    assert_consistent(g)
    after = tie_set(g.edge_array())
    gone = np.array([tuple(e) not in after for e in before.tolist()])
    assert removed == 2 * gone.sum()
    # each row counts the entries it marked: a tie dropped from both ends counts twice
    assert gone.sum() <= dropped.sum() <= gone.sum() + (gone & (ends_low == 2)).sum()
    assert not gone[ends_low == 0].any()
    for k, chance in [(1, p), (2, 1 - (1 - p) ** 2)]:
        m = int((ends_low == k).sum())
        assert m > 2000
        assert abs(gone[ends_low == k].sum() - m * chance) < 4.5 * np.sqrt(m * chance * (1 - chance))


def test_unfriend_walks_rows_longer_than_its_table_and_counts_only_drops():
    """Rows of `rng.KEEP_TABLE` entries or more have no tabled chance of no candidate, so
    `unfriend` always walks them: a droppable hub of 3,000 friends loses each tie with chance
    p (small enough that its table's last power, (1 − p)^255 = 0.88, would often say "none"),
    and rows that drop nothing count 0 (not the mark of a row still to walk)."""
    from socialcredit.engine import rng, social

    n, p, runs = 3_001, 0.0005, 40
    assert n - 1 > rng.KEEP_TABLE
    g = FriendGraph.from_edges(n, np.array([(0, j) for j in range(1, n)], np.int32))
    flags = np.full(n, social.ENROLLED, np.uint8)
    flags[0] |= social.UNFRIENDABLE
    indices, ends = g.indices.copy(), g.ends.copy()
    total = 0
    for key in range(runs):
        g.indices[:] = indices
        g.ends[:] = ends
        dropped = np.full(n, 7, np.int32)
        touched = np.zeros(n, np.bool_)
        social.unfriend(np.uint64(key), g.indptr, g.ends, g.indices, flags, np.ones(n, np.float32), p, False, 1.0, p,
                        dropped, touched)
        assert not dropped[1:].any()
        assert prune(g.indptr, g.ends, g.indices, touched) == 2 * dropped[0]
        assert_consistent(g)
        total += dropped[0]
    m = runs * (n - 1)
    assert abs(total - m * p) < 4.5 * np.sqrt(m * p * (1 - p))


def test_update_closing_marked_rows_equals_prune_then_update():
    """The score update that closes up the rows `unfriend` touched (sc-core's incremental
    compaction) gives the same scores, rows and row ends as `prune` followed by the plain
    update, and clears `touched`; it refuses a population not all enrolled."""
    from socialcredit.engine import scoring, social

    n = 20_000
    g = FriendGraph.from_edges(n, barabasi_albert(n, 5, 5))
    gen = np.random.default_rng(6)
    flags = np.where(gen.random(n) < 0.4, social.UNFRIENDABLE | social.ENROLLED, social.ENROLLED).astype(np.uint8)
    touched = np.zeros(n, np.bool_)
    social.unfriend(np.uint64(3), g.indptr, g.ends, g.indices, flags, np.ones(n, np.float32), 0.2, False, 1.0, 0.2,
                    np.zeros(n, np.int32), touched)
    assert 1000 < touched.sum() < n
    score = gen.uniform(350, 950, n)
    points = gen.normal(0, 5, n)
    enrolled = np.ones(n, np.bool_)
    off = (np.zeros(0, np.int32), (False, 0.0, 0.0), np.zeros((0, 3), np.int32),
           *(np.zeros(0, np.int16),) * 3, np.zeros(0, np.bool_), np.zeros(0, np.int32),
           (False, 0.0, 0.0, False, 0.0), np.zeros(0, np.float32), np.zeros(0, np.bool_), np.zeros(0, np.float64),
           np.zeros(0, np.int32))
    friends = (scoring.AVERAGE, 0.2, 0.0, True)

    def update(graph, rows, out, everyone=enrolled):
        scoring.update(graph.indptr, graph.ends, graph.indices, score, score, everyone, points, 0.0, friends, rows,
                       350.0, 950.0, out, *off)

    pruned = copy.deepcopy(g)
    prune(pruned.indptr, pruned.ends, pruned.indices, touched.copy())
    expected = np.empty(n)
    update(pruned, np.zeros(0, np.bool_), expected)
    with pytest.raises(ValueError, match="everyone enrolled"):
        update(g, touched, np.empty(n), np.arange(n) % 7 > 0)
    closed = np.empty(n)
    update(g, touched, closed)
    assert not touched.any()
    assert np.array_equal(closed, expected)
    assert np.array_equal(g.ends, pruned.ends)
    assert all(np.array_equal(g.neighbors(i), pruned.neighbors(i)) for i in range(0, n, 7))
    assert_consistent(g)


def test_compile_cache_is_per_source(tmp_path, monkeypatch):
    """The cache folder is named by the package's source: a copy with one helper changed
    (Numba would not notice a change in an inlined helper of another module) gets its own
    folder, an identical copy the same one."""
    import shutil
    from pathlib import Path

    import socialcredit

    package = Path(socialcredit.__file__).parent
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    ours = socialcredit._compile_cache_dir()
    assert Path(ours).parent == tmp_path / "cache" / "socialcredit" / "numba"

    def cache_dir_of(copy: Path) -> str:
        monkeypatch.setattr(socialcredit, "__file__", str(copy / "__init__.py"))
        try:
            return socialcredit._compile_cache_dir()
        finally:
            monkeypatch.setattr(socialcredit, "__file__", str(package / "__init__.py"))

    same = tmp_path / "same"
    shutil.copytree(package, same, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache_dir_of(same) == ours
    changed = tmp_path / "changed"
    shutil.copytree(package, changed, ignore=shutil.ignore_patterns("__pycache__"))
    rng = changed / "engine" / "rng.py"
    rng.write_text(rng.read_text() + "\n# a changed helper\n")
    assert cache_dir_of(changed) != ours


def test_unfriend_thinning_matches_each_ties_own_chance():
    """With unequal conformity and the non-drag factor the drop chance differs per tie and
    direction; candidates drawn at the highest chance and thinned must still drop each tie
    with 1 − (1 − q_ab)(1 − q_ba), q = p · conformity of the actor · non_drag_factor."""
    from socialcredit.engine import social

    n, p, non_drag = 20_000, 0.4, 0.25
    g = FriendGraph.from_edges(n, barabasi_albert(n, 5, 8))
    gen = np.random.default_rng(9)
    droppable = gen.random(n) < 0.5
    conformity = gen.random(n).astype(np.float32)
    flags = np.where(droppable, social.UNFRIENDABLE | social.ENROLLED, social.ENROLLED).astype(np.uint8)
    before = g.edge_array()
    a, b = before[:, 0], before[:, 1]
    q_ab = np.where(droppable[b], p * conformity[a] * non_drag, 0.0)  # a drops b
    q_ba = np.where(droppable[a], p * conformity[b] * non_drag, 0.0)
    chance = 1 - (1 - q_ab) * (1 - q_ba)
    dropped = np.zeros(n, np.int32)
    touched = np.zeros(n, np.bool_)
    social.unfriend(np.uint64(21), g.indptr, g.ends, g.indices, flags, conformity, p, False, non_drag,
                    p * float(conformity.max()), dropped, touched)
    prune(g.indptr, g.ends, g.indices, touched)
    assert_consistent(g)
    after = tie_set(g.edge_array())
    gone = np.array([tuple(e) not in after for e in before.tolist()])
    assert chance.sum() > 3000
    assert abs(gone.sum() - chance.sum()) < 4.5 * np.sqrt((chance * (1 - chance)).sum())
    for lo, hi in [(0.0, 0.04), (0.04, 0.2)]:  # low and high chances alike
        sel = (chance > lo) & (chance <= hi)
        assert abs(gone[sel].sum() - chance[sel].sum()) < 4.5 * np.sqrt((chance[sel] * (1 - chance[sel])).sum())
