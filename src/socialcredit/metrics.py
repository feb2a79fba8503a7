"""What every step records (MODEL.md, 'What every run must measure'), overall and per group.

One fused, compiled pass over the agents sums every per-agent measure per group, in fixed
chunks, so the reduction order (and therefore every bit of the result) never depends on
the thread count. The tie statistics (degrees, isolated agents, the sums behind the score
assortativity) come from what phase 8's pass over the rows left in `sim.ties`, so the
record does not walk the graph again. Distributions (quantiles, Gini) come from sorted
copies or histograms; the giant component is followed from step to step by a kept
spanning tree, which only the rows that lost ties can break (`giant.GiantComponent`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .engine.consequences import INTERNET, job_access, row_of
from .engine.social import seen_score, view_of
from .giant import GiantComponent

ALL = "all"
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)

HEADLINE = (
    ("score_mean", "mean score (enrolled)"),
    ("enrolled_share", "enrolled"),
    ("blacklisted_share", "blacklisted"),
    ("chilling_effect", "chilling effect 1 − Σa/Σδ"),
    ("self_censoring_share", "self-censoring"),
    ("defiant_share", "defiant"),
    ("reports_true", "true reports (step)"),
    ("reports_false", "false reports (step)"),
    ("ties", "ties left"),
    ("isolated_share", "isolated"),
    ("score_assortativity", "score assortativity"),
    ("giant_component_share", "giant component"),
    ("gini_score", "Gini of scores"),
    ("gini_wealth", "Gini of wealth"),
)


# Columns of the fused per-group sums (one pass over agents and their CSR rows); tier counts follow.
SUM_COLUMNS = (
    "agents", "enrolled", "blacklisted", "score", "score_sq", "tier_moved", "latent_dissent", "expressed_dissent",
    "compliant", "self_censoring", "defiant", "perceived_surveillance", "perceived_severity", "posts_critical",
    "posts_pro_state", "reports_true", "reports_false", "punished", "travel_denied", "loans_denied", "throttled",
    "job_barred", "wealth", "income", "welfare", "loans_active", "loan_repayments", "loan_defaults",
    "court_judgments", "blacklist_entries", "blacklist_exits", "unfriended", "nudges", "score_shares",
    "tie_ends", "isolated", "pairs", "sx", "sxx", "sy", "syy", "sxy",
)
_K = len(SUM_COLUMNS)
CHUNK = 8192  # fixed chunking: the reduction order never depends on the thread count


@njit(cache=True)
def chunk_members(group, n_groups):
    """Each chunk's agents listed group by group (in agent order within a group): members,
    and bounds[c, g] : bounds[c, g + 1] the slice of chunk c's agents of group g. Groups
    never change, so this is built once; `_group_sums` then visits a group's agents
    without testing every agent's group (a branch the processor cannot predict)."""
    n = len(group)
    n_chunks = (n + CHUNK - 1) // CHUNK
    members = np.empty(n, np.int32)
    bounds = np.empty((n_chunks, n_groups + 1), np.int64)
    for c in range(n_chunks):
        lo = c * CHUNK
        hi = min(n, lo + CHUNK)
        at = lo
        for g in range(n_groups):
            bounds[c, g] = at
            for i in range(lo, hi):
                if group[i] == g:
                    members[at] = i
                    at += 1
        bounds[c, n_groups] = at
    return members, bounds


@njit(parallel=True, cache=True)
def _group_sums(members, bounds, n_groups, n_tiers, friends, enrolled_friends, friend_score_sum, friend_score_sq, score, enrolled, blacklisted, tier, previous_tier,
                dissent, expressed, tolerance, perc_nu, perc_psi, critical, pro_state, rep_true, rep_false, punished,
                travel_denied, loan_denied, table, bl_enabled, bl_jobs, wealth, income, welfare, loan_remaining,
                repaid, missed, judgment, bl_entry, bl_exit, dropped, nudges, shared_now, centre):
    """Per chunk and group: sums of every per-agent measure (SUM_COLUMNS), then tier counts;
    and per chunk the extremes the distributions' histograms need (the lowest and highest
    score of the enrolled, then wealth with debts as 0), exact whatever the chunks."""
    n_chunks = len(bounds)
    out = np.zeros((n_chunks, n_groups, _K + n_tiers))
    extremes = np.empty((n_chunks, 4))
    for c in prange(n_chunks):
        acc = out[c]
        score_lo = wealth_lo = np.inf
        score_hi = wealth_hi = -np.inf
        # one group at a time, in local accumulators the compiler keeps in registers (an
        # accumulator row chosen by each agent's group would be read and written in memory
        # for every agent); each group's additions happen in the same order as in one pass.
        # Counts are added as 0 or 1 rather than behind a test wherever the test is one the
        # processor cannot predict (enrollment before the mandatory step, the expression
        # classes): 10⁶ agents, 17.8 → 12.1 ms at step 40 and 16.3 → 11.7 ms at step 112
        for g in range(n_groups):
            # counts and integer measures in integer accumulators (exact, so the same sums as
            # in floating point, without a conversion per value), the rest in float64
            s0 = s1 = s2 = s5 = s8 = s9 = s10 = s13 = s14 = s15 = s16 = s17 = s18 = s19 = s20 = s21 = s25 = s26 = s27 = s28 = s29 = s30 = s31 = s32 = s33 = s34 = s35 = s36 = 0
            s3 = s4 = s6 = s7 = s11 = s12 = s22 = s23 = s24 = s37 = s38 = s39 = s40 = s41 = 0.0
            lo = bounds[c, g]
            hi = bounds[c, g + 1]
            # three loops over the group's agents, each over a third of the arrays and
            # accumulators: counting without branches paid only in loops this short
            # (docs/performance.md)
            for m in range(lo, hi):  # scores, tiers and the tie statistics
                # without a branch on enrollment (a coin toss per agent before the mandatory
                # step): an agent not enrolled adds 0 to the sums of the enrolled (same sums)
                i = members[m]
                s = score[i]
                e = enrolled[i]
                ef = np.float64(e)
                t = tier[i]
                s0 += 1
                s1 += e
                s3 += s * ef
                s4 += s * s * ef
                score_lo = min(score_lo, s if e else np.inf)
                score_hi = max(score_hi, s if e else -np.inf)
                s5 += e & (t != previous_tier[i])
                acc[g, _K + t] += ef
                cnt = enrolled_friends[i]
                xi = seen_score(view_of(s, 0)) - centre  # as friends see it (engine.social.view_of)
                sy = friend_score_sum[i]
                s36 += cnt * e
                s37 += cnt * xi * ef
                s38 += cnt * xi * xi * ef
                s39 += sy * ef
                s40 += friend_score_sq[i] * ef
                s41 += xi * sy * ef
                # ties left after this step's unfriending, as phase 8 counted them (engine.social.rows)
                deg = friends[i]
                s34 += deg
                s35 += deg == 0
            for m in range(lo, hi):  # speech, perceptions, posts and reports
                i = members[m]
                d = dissent[i]
                x = expressed[i]
                s6 += d
                s7 += x
                # the classes of engine.expression.expression_class: compliant (δ ≤ τ) and
                # self-censoring (a < δ, δ > τ) counted as 0 or 1, the defiant (the rest) after
                # the loop
                compliant = d <= tolerance
                s8 += compliant
                s9 += (x < d) & (not compliant)
                s11 += perc_nu[i]
                s12 += perc_psi[i]
                s13 += critical[i]
                s14 += pro_state[i]
                s15 += rep_true[i]
                s16 += rep_false[i]
                s17 += punished[i]
            s10 = s0 - s8 - s9
            for m in range(lo, hi):  # consequences, the blacklist, money and the graph's changes
                i = members[m]
                row = row_of(enrolled[i], tier[i], n_tiers)
                s18 += travel_denied[i]
                s19 += loan_denied[i]
                s20 += table[row, INTERNET] < 1.0
                b = blacklisted[i]
                s2 += b
                s21 += job_access(table, row, b, bl_enabled, bl_jobs) < 1.0
                w = wealth[i]
                s22 += w
                w = max(w, 0.0)
                wealth_lo = min(wealth_lo, w)
                wealth_hi = max(wealth_hi, w)
                s23 += income[i]
                s24 += welfare[i]
                s25 += loan_remaining[i] > 0.0
                s26 += repaid[i]
                s27 += missed[i]
                s28 += judgment[i]
                s29 += bl_entry[i]
                s30 += bl_exit[i]
                s31 += dropped[i]
                s32 += nudges[i]
                s33 += shared_now[i]
            acc[g, 0] = s0
            acc[g, 1] = s1
            acc[g, 2] = s2
            acc[g, 3] = s3
            acc[g, 4] = s4
            acc[g, 5] = s5
            acc[g, 6] = s6
            acc[g, 7] = s7
            acc[g, 8] = s8
            acc[g, 9] = s9
            acc[g, 10] = s10
            acc[g, 11] = s11
            acc[g, 12] = s12
            acc[g, 13] = s13
            acc[g, 14] = s14
            acc[g, 15] = s15
            acc[g, 16] = s16
            acc[g, 17] = s17
            acc[g, 18] = s18
            acc[g, 19] = s19
            acc[g, 20] = s20
            acc[g, 21] = s21
            acc[g, 22] = s22
            acc[g, 23] = s23
            acc[g, 24] = s24
            acc[g, 25] = s25
            acc[g, 26] = s26
            acc[g, 27] = s27
            acc[g, 28] = s28
            acc[g, 29] = s29
            acc[g, 30] = s30
            acc[g, 31] = s31
            acc[g, 32] = s32
            acc[g, 33] = s33
            acc[g, 34] = s34
            acc[g, 35] = s35
            acc[g, 36] = s36
            acc[g, 37] = s37
            acc[g, 38] = s38
            acc[g, 39] = s39
            acc[g, 40] = s40
            acc[g, 41] = s41
        extremes[c, 0] = score_lo
        extremes[c, 1] = score_hi
        extremes[c, 2] = wealth_lo
        extremes[c, 3] = wealth_hi
    return out, extremes


@njit(cache=True)
def _gini_sorted(x):
    """Gini of sorted non-negative values: 2 Σ i x_(i) / (n Σ x) − (n + 1)/n."""
    n = len(x)
    total = 0.0
    weighted = 0.0
    for i in range(n):
        total += x[i]
        weighted += (i + 1.0) * x[i]
    if n == 0 or total <= 0.0:
        return np.nan
    return 2.0 * weighted / (n * total) - (n + 1.0) / n


#: distributions come from a full sort up to this many values, from histograms above it
EXACT_LIMIT = 1 << 17
BINS = 1 << 16
_BLOCKS = 8  # fixed blocks: the sums never depend on the thread count
_HIST_BLOCKS = 2  # fewer for the histograms: each block holds 2 x 65,536 bins per group


@njit(parallel=True, cache=True)
def _members_per_group(member, members, bounds, n_groups):
    """How many agents of each group the mask holds: integer counts per chunk, visiting each
    chunk's agents group by group (`chunk_members`), so each count is a plain sum without a
    test of the agent's group."""
    n_chunks = len(bounds)
    counts = np.zeros((n_chunks, n_groups), np.int64)
    for c in prange(n_chunks):
        for g in range(n_groups):
            k = 0
            for m in range(bounds[c, g], bounds[c, g + 1]):
                k += member[members[m]]
            counts[c, g] = k
    return counts.sum(axis=0)


@njit(parallel=True, cache=True)
def _included_range(values, include, sqrt_scale):
    """(count, min, max) of the included values (when sqrt_scale, of their square roots,
    negatives counting as 0: the roots of the extremes, the same numbers, since a correctly
    rounded square root never reverses an order); exact, so independent of the thread count."""
    n = len(values)
    per = (n + _BLOCKS - 1) // _BLOCKS
    counts = np.zeros(_BLOCKS, np.int64)
    lows = np.full(_BLOCKS, np.inf)
    highs = np.full(_BLOCKS, -np.inf)
    for b in prange(_BLOCKS):
        c = 0
        lo = np.inf
        hi = -np.inf
        for i in range(b * per, min(n, (b + 1) * per)):
            # without a branch on `include` (a coin toss for the enrolled before the mandatory
            # step): an excluded value enters as ±inf, which leaves the minimum and maximum as they are
            t = max(values[i], 0.0) if sqrt_scale else values[i]
            inc = include[i]
            c += inc
            lo = min(lo, t if inc else np.inf)
            hi = max(hi, t if inc else -np.inf)
        counts[b] = c
        lows[b] = lo
        highs[b] = hi
    lo = lows.min()
    hi = highs.max()
    if sqrt_scale:
        lo = np.sqrt(lo)
        hi = np.sqrt(hi)
    return counts.sum(), lo, hi


@njit(parallel=True, cache=True)
def _histograms(values, include, group, n_groups, lo, width, sqrt_scale):
    """Per group and bin: counts and sums of the included values (bins in value or square-root
    space; in square-root space negatives count as 0)."""
    n = len(values)
    per = (n + _HIST_BLOCKS - 1) // _HIST_BLOCKS
    # one bin more, where the excluded values go: no branch on `include` (a coin toss for the
    # enrolled before the mandatory step); the caller reads the first BINS
    counts = np.zeros((_HIST_BLOCKS, n_groups, BINS + 1), np.int32)  # 4 bytes a bin: a block's bins stay in a core's cache
    sums = np.zeros((_HIST_BLOCKS, n_groups, BINS + 1), np.float64)
    for b in prange(_HIST_BLOCKS):
        for i in range(b * per, min(n, (b + 1) * per)):
            x = max(values[i], 0.0) if sqrt_scale else values[i]
            t = np.sqrt(x) if sqrt_scale else x
            k = min(max(int((t - lo) / width), 0), BINS - 1)
            k = k if include[i] else BINS
            counts[b, group[i], k] += 1
            sums[b, group[i], k] += x
    return counts[:, :, :BINS], sums[:, :, :BINS]


@njit(inline="always", cache=True)
def _block_sum(a, lo, n):
    """NumPy's pairwise summation of one run of at most 128 values (eight interleaved
    partial sums; fewer than 8 values in order)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        k = lo + i
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_sum(a):
    """Σ a in NumPy's order for a contiguous float64 array (its pairwise summation: runs of
    up to 128 values by `_block_sum`, longer runs split in halves at a multiple of 8 and the
    halves' sums added), so that compiled statistics give NumPy's bits. The halving is
    walked with an explicit stack: Numba's cache mishandles recursive functions
    (numba/numba#6061)."""
    los = np.empty(64, np.int64)  # runs still to sum, and how far each has got
    ns = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)  # 0: left half next, 1: right half next, 2: both summed
    sums = np.empty(64)  # sums of the finished runs, in the order they finished
    top = 0
    done = 0
    los[0] = 0
    ns[0] = len(a)
    stage[0] = 0
    while top >= 0:
        lo, n = los[top], ns[top]
        if n <= 128:
            sums[done] = _block_sum(a, lo, n)
            done += 1
            top -= 1
            continue
        half = n // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            top += 1
            los[top], ns[top], stage[top] = lo, half, 0
        elif stage[top] == 1:
            stage[top] = 2
            top += 1
            los[top], ns[top], stage[top] = lo + half, n - half, 0
        else:  # left + right, as the recursion returns them
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
            top -= 1
    return sums[0]


@njit(parallel=True, cache=True)
def _histogram_summary(counts, sums, lo, width, sqrt_scale, quantiles):
    """Quantiles (values inside a bin spread evenly) and Gini (values inside a bin taken as
    equal) from `_histograms`' per-block counts and sums, for everyone (row 0) then per
    group: errors bounded by the bin width, 1/65,536 of the range (of the square root for
    wealth). Blocks, then groups, are added in order, and the Gini's sums are NumPy's
    pairwise sums (`_pairwise_sum`), so the figures are those of the same formulas in NumPy.
    The rows (everyone, then each group) are summarised side by side by the threads; each
    row's arithmetic is the same whichever thread does it."""
    n_blocks, n_groups, bins = counts.shape
    c = np.empty((n_groups + 1, bins), np.int64)
    s = np.empty((n_groups + 1, bins))
    for g in prange(n_groups):
        for k in range(bins):
            ck = np.int64(counts[0, g, k])
            sk = sums[0, g, k]
            for b in range(1, n_blocks):
                ck += counts[b, g, k]
                sk += sums[b, g, k]
            c[g + 1, k] = ck
            s[g + 1, k] = sk
    for k in prange(bins):
        ck = c[1, k]
        sk = s[1, k]
        for g in range(1, n_groups):
            ck += c[g + 1, k]
            sk += s[g + 1, k]
        c[0, k] = ck
        s[0, k] = sk
    q_out = np.full((n_groups + 1, len(quantiles)), np.nan)
    gini = np.full(n_groups + 1, np.nan)
    for row in prange(n_groups + 1):
        n = c[row].sum()
        if n == 0:
            continue
        cum = np.cumsum(c[row])
        before = cum - c[row]
        cum_f = cum.astype(np.float64)  # as NumPy compares an integer array with a float
        for qi in range(len(quantiles)):
            r = quantiles[qi] * (n - 1)
            b = np.searchsorted(cum_f, r, side="right")  # the first bin whose cumulative count exceeds r
            b = min(b, bins - 1)
            t = lo + (b + (r - before[b] + 0.5) / max(c[row, b], 1)) * width
            q_out[row, qi] = t * t if sqrt_scale else t
        total = _pairwise_sum(s[row])
        if total <= 0:
            continue
        # an elementwise product and a pairwise sum, not a dot product (BLAS would split the
        # sum by its own thread count)
        weighted = s[row] * (before + (c[row] + 1) / 2.0)
        gini[row] = 2.0 * _pairwise_sum(weighted) / (n * total) - (n + 1.0) / n
    return q_out, gini


def distribution(values: np.ndarray, include: np.ndarray, group: np.ndarray, n_groups: int, order: np.ndarray,
                 sqrt_scale: bool = False, extent: tuple[int, float, float] | None = None):
    """Quantiles (QUANTILES) and Gini of the included values, for everyone then per group
    (`order` lists the agents grouped by group).

    Exact (sorted copies) up to EXACT_LIMIT included values; above it from histograms of
    65,536 bins per group, linear in the value (scores) or in its square root (wealth: skewed,
    finer bins at the bottom; a square root costs a fraction of a log). With `sqrt_scale`
    negative values count as 0 (debts as no wealth), taken in the passes themselves rather
    than from a clipped copy. `extent` = (count, lowest, highest) of the included values
    (of their square roots with `sqrt_scale`) when the caller has them, as the record's
    per-group sums do; otherwise a pass finds them."""
    count, lo, hi = _included_range(values, include, sqrt_scale) if extent is None else extent
    if count <= EXACT_LIMIT:
        if sqrt_scale:
            values = np.maximum(values, 0.0)
        inc = order[include[order]]
        inc_bounds = np.concatenate([[0], np.cumsum(np.bincount(group[inc], minlength=n_groups))])
        parts = [np.sort(values[include])] + _sorted_parts(values, inc, inc_bounds)
        return np.array([_quantiles_sorted(x) for x in parts]), np.array([_gini_sorted(x) for x in parts])
    lo, hi = float(lo), float(hi)
    width = max(hi - lo, 1e-12) / BINS
    counts, sums = _histograms(values, include, group, n_groups, lo, width, sqrt_scale)
    return _histogram_summary(counts, sums, lo, width, sqrt_scale, np.array(QUANTILES))


def _quantiles_sorted(x: np.ndarray) -> list[float]:
    if len(x) == 0:
        return [float("nan")] * len(QUANTILES)
    out = []
    for q in QUANTILES:
        pos = q * (len(x) - 1)
        lo = int(math.floor(pos))
        hi = min(lo + 1, len(x) - 1)
        out.append(float(x[lo] + (x[hi] - x[lo]) * (pos - lo)))
    return out


def _sorted_parts(values: np.ndarray, order: np.ndarray, bounds: np.ndarray) -> list[np.ndarray]:
    """Each group's values, sorted; `order` lists agents grouped by group, `bounds` the slices."""
    grouped = values[order]
    return [np.sort(grouped[bounds[g]:bounds[g + 1]]) for g in range(len(bounds) - 1)]


class Recorder:
    """The default observer: one row per step for the whole population and per group."""

    def __init__(self, sim):
        pop = sim.population
        self.group = pop.group  # int16: the passes that read it per agent read 2 bytes, not 8
        self.names = pop.group_names
        self.n_groups = len(self.names)
        self.group_order = np.argsort(pop.group, kind="stable")
        self.chunk_members, self.chunk_bounds = chunk_members(pop.group, self.n_groups)
        self.centre = sim.score_centre
        self.everyone = np.ones(len(self.group), np.bool_)
        self.rows: list[dict] = []
        self.giant = GiantComponent()  # followed from step to step (ties are only removed)

    def __call__(self, sim) -> None:
        st, pop, pol = sim.state, sim.population, sim.scenario.policy
        bl = pol.blacklist
        ties = sim.ties
        parts, extremes = _group_sums(self.chunk_members, self.chunk_bounds, self.n_groups, len(pol.tiers), ties.friends, ties.enrolled_friends,
                            ties.friend_score_sum, ties.friend_score_sq, st.score,
                            st.enrolled, st.blacklisted, st.tier, st.previous_tier, pop.dissent, st.expressed_dissent,
                            pol.speech.tolerance, st.perceived_surveillance, st.perceived_severity, st.critical_posts,
                            st.pro_state_posts, st.reports_true, st.reports_false, st.punished, st.travel_denied,
                            st.loan_denied, sim.table, bl.enabled, bl.job_access, st.wealth, st.income_now, st.welfare,
                            st.loan_remaining, st.repaid, st.missed, st.judgment, st.blacklist_entry,
                            st.blacklist_exit, sim.dropped_per_row, st.nudges, sim.shared_now, self.centre)
        per_group = parts.sum(axis=0)  # (G, K + T), fixed order
        sums = np.vstack([per_group.sum(axis=0, keepdims=True), per_group])  # row 0: everyone
        c = {name: sums[:, i] for i, name in enumerate(SUM_COLUMNS)}
        n = c["agents"]
        enr = c["enrolled"]
        cols: dict[str, np.ndarray] = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["agents"] = n
            cols["enrolled_share"] = enr / n
            cols["blacklisted_share"] = c["blacklisted"] / n
            mean = c["score"] / enr
            cols["score_mean"] = mean
            cols["score_sd"] = np.sqrt(np.maximum(c["score_sq"] / enr - mean**2, 0.0))
            # distributions: enrolled scores (unenrolled agents have no public score), wealth with debts at 0
            qs, cols["gini_score"] = distribution(st.score, st.enrolled, self.group, self.n_groups, self.group_order,
                                                  extent=(int(enr[0]), extremes[:, 0].min(), extremes[:, 1].max()))
            for qi, q in enumerate(QUANTILES):
                cols[f"score_p{int(round(q * 100))}"] = qs[:, qi]
            _, cols["gini_wealth"] = distribution(st.wealth, self.everyone, self.group, self.n_groups,
                                                  self.group_order, sqrt_scale=True,  # debts count as 0
                                                  extent=(int(n[0]), np.sqrt(extremes[:, 2].min()),
                                                          np.sqrt(extremes[:, 3].max())))
            for ti, tier in enumerate(pol.tiers):
                cols[f"tier_share__{tier.name}"] = sums[:, _K + ti] / enr
            cols["tier_mobility"] = c["tier_moved"] / enr
            # expression and the chilling effect (Daymude et al. 2025)
            cols["latent_dissent"] = c["latent_dissent"] / n
            cols["expressed_dissent"] = c["expressed_dissent"] / n
            cols["chilling_effect"] = 1.0 - c["expressed_dissent"] / c["latent_dissent"]
            cols["compliant_share"] = c["compliant"] / n
            cols["self_censoring_share"] = c["self_censoring"] / n
            cols["defiant_share"] = c["defiant"] / n
            cols["perceived_surveillance"] = c["perceived_surveillance"] / n
            cols["perceived_severity"] = c["perceived_severity"] / n
            for name in ("posts_critical", "posts_pro_state", "reports_true", "reports_false", "punished",
                         "travel_denied", "loans_denied", "throttled", "job_barred"):
                cols[name] = c[name]
            cols["wealth_mean"] = c["wealth"] / n
            cols["income_mean"] = c["income"] / n
            cols["welfare_mean"] = c["welfare"] / n
            for name in ("loans_active", "loan_repayments", "loan_defaults", "court_judgments",
                         "blacklist_entries", "blacklist_exits"):
                cols[name] = c[name]
            # network: ties held (a tie across groups counts half to each), Pearson assortativity of scores
            cols["ties"] = c["tie_ends"] / 2.0
            cols["mean_degree"] = c["tie_ends"] / n
            cols["isolated_share"] = c["isolated"] / n
            m, sx, sy = c["pairs"], c["sx"], c["sy"]
            cols["score_assortativity"] = (m * c["sxy"] - sx * sy) / np.sqrt((m * c["sxx"] - sx**2) * (m * c["syy"] - sy**2))
            in_giant = self.giant.follow(sim.graph, sim.step_index, int(c["tie_ends"][0]), sim.dropped_per_row,
                                         int(c["unfriended"][0]), sim.ties.friends)
            giant = _members_per_group(in_giant, self.chunk_members, self.chunk_bounds, self.n_groups).astype(np.float64)
            cols["giant_component_share"] = np.concatenate([[giant.sum()], giant]) / n
            cols["unfriended"] = c["unfriended"] / 2.0  # tie ends lost; a tie across groups counts half to each
            cols["nudges"] = c["nudges"]
            cols["score_shares"] = c["score_shares"]
        step = sim.step_index
        for gi, name in enumerate([ALL] + self.names):
            row = {"step": step, "group_name": name}
            for key, values in cols.items():
                row[key] = float(values[gi])
            self.rows.append(row)
