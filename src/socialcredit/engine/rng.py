"""Counter-based randomness: every draw is a pure function of (seed, step, phase, agent, slot).

A run is therefore bit-identical for the same scenario and seed whatever the number of
threads or the order in which agents are visited (DESIGN.md, 'Performance and memory').
A stream's key is SplitMix64's finaliser (Steele, Lea & Flood 2014) applied in a chain to
(seed, step, phase); a draw is one more SplitMix64 step: the finaliser of key + counter · γ,
with the counter (agent, slot) packed into 64 bits, one multiply-xorshift chain per draw.
"""

import math

import numpy as np
from numba import njit

_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
_S32 = np.uint64(32)

# Phase ids: one independent stream per (step, phase).
ADOPTION = 1
EXPRESSION = 2
CONSUMPTION = 3
FINANCE = 4
REPORTING = 5
CONSEQUENCES = 7
UNFRIEND = 8
NUDGE = 9
SHARE = 10


@njit(inline="always", cache=True)
def mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def stream_key(seed, step, phase):
    """The key of one (seed, step, phase) stream."""
    k = mix(np.uint64(seed) + _G)
    k = mix(k ^ (np.uint64(step) * _G))
    return mix(k ^ (np.uint64(phase) * _M1))


def key(seed: int, step: int, phase: int) -> np.uint64:
    return np.uint64(stream_key(np.uint64(seed), np.uint64(step), np.uint64(phase)))


@njit(inline="always", cache=True)
def counter(agent, slot):
    """The 64-bit counter of (agent, slot): distinct for every pair of values below 2^32."""
    return (np.uint64(agent) << _S32) | np.uint64(slot)


@njit(inline="always", cache=True)
def uniform(key, agent, slot):
    """A uniform draw in [0, 1) (53 bits) for (agent, slot) of a stream: SplitMix64 of the
    counter (key + counter · γ, then the finaliser)."""
    h = mix(np.uint64(key) + counter(agent, slot) * _G)
    return np.float64(np.int64(h >> _S11)) * _INV53  # via int64: one conversion instruction


#: rows shorter than this read (1 − p)^entries from a table (`keep_powers`)
KEEP_TABLE = 256


@njit(cache=True)
def keep_powers(p, size):
    """(1 − p)^t for t = 0 .. size − 1, and log(1 − p) (−inf for p = 1): what a walk by
    geometric gaps over a row (`gap_before`) needs to tell whether any of the entries left
    is a candidate without a logarithm."""
    keep = 1.0 - p
    log_keep = math.log(keep) if keep > 0.0 else -np.inf
    out = np.empty(size)
    out[0] = 1.0
    for t in range(1, size):
        out[t] = out[t - 1] * keep
    return out, log_keep


@njit(inline="always", cache=True)
def none_among(keep_pow, log_keep, entries):
    """(1 − p)^entries: the chance that none of `entries` entries is a candidate."""
    return keep_pow[entries] if entries < len(keep_pow) else math.exp(entries * log_keep)


@njit(inline="always", cache=True)
def some_within(u, none):
    """Whether a walk by geometric gaps from the uniform u finds a candidate among entries
    whose chance of none is `none` = (1 − p)^entries: the test `gap_before` makes first, and
    the one a pass deciding beforehand which rows to walk must make (no branch, no call)."""
    return 1.0 - u > none


@njit(inline="always", cache=True)
def gap_before(u, left, none, log_keep):
    """A walk by geometric gaps over `left` entries, each a candidate with chance p
    independently: from one uniform u, the number of entries before the next candidate
    ⌊log(1 − u) / log(1 − p)⌋, or −1 when none falls among them, (1 − u) ≤ none =
    (1 − p)^left (then without a logarithm). One draw per candidate instead of one per
    entry; a candidate kept with chance q / p (thinning, Lewis & Shedler 1979) is an entry
    taken with chance q."""
    if not some_within(u, none):
        return -1
    gap = 0.0 if log_keep == -np.inf else math.log1p(-u) / log_keep
    if gap >= left:  # rounding: the bound and the gap disagree at the edge
        return -1
    return np.int64(gap)


#: a walk by geometric gaps over the agents (`walk`) pays where an event's chance is at most
#: this (a logarithm per event against a hash per agent); above it every agent draws
RARE = 0.25
#: agents per segment of such a walk: fixed, so the draws never depend on the threads
SEGMENT = 1 << 14


@njit(inline="always", cache=True)
def segments(n):
    """How many segments of `SEGMENT` agents cover n agents."""
    return (n + SEGMENT - 1) // SEGMENT


@njit(inline="always", cache=True)
def segment(s, n):
    """(first, end) of segment s of n agents."""
    first = s * SEGMENT
    return first, min(n, first + SEGMENT)


@njit(inline="always", cache=True)
def walk(key, first, end, keep_pow, log_keep, hits):
    """The agents first .. end − 1 (a segment) at which a Bernoulli(p) process over them has
    an event (`keep_powers(p)`), walked by geometric gaps on agent `first`'s counter: slot 0
    for the first gap, 2c for the gap after the c-th event (slot 2c − 1 is left for the
    c-th event's own draw). Stores them in `hits` in order and returns how many there are:
    one draw per event instead of one per agent."""
    left = end - first
    c = 0
    u = uniform(key, first, 0)
    while True:
        gap = gap_before(u, left, none_among(keep_pow, log_keep, left), log_keep)
        if gap < 0:
            return c
        i = end - left + gap
        hits[c] = i
        c += 1
        left = end - i - 1
        u = uniform(key, first, 2 * c)


@njit(inline="always", cache=True)
def bernoulli(key, agent, slot, p):
    return uniform(key, agent, slot) < p


@njit(inline="always", cache=True)
def poisson(key, agent, slot, lam):
    """Poisson(lam) by inversion of one uniform; a rounded normal above lam = 60 (two uniforms)."""
    if lam <= 0.0:
        return 0
    if lam > 60.0:
        u1 = uniform(key, agent, slot)
        u2 = uniform(key, agent, slot + 1000)
        z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        k = int(math.floor(lam + math.sqrt(lam) * z + 0.5))
        return k if k > 0 else 0
    u = uniform(key, agent, slot)
    # 1 − λ + λ²/2 − λ³/6 ≤ e^−λ (Taylor, alternating remainder): below it the count is 0
    # without computing the exponential (most draws at the small rates of the presets); the
    # margin keeps the decision exactly that of the comparison with e^−λ below
    if u < 1.0 - lam * (1.0 - lam * (0.5 - lam * (1.0 / 6.0))) - 1e-12:
        return 0
    return _inversion(u, lam, math.exp(-lam))


@njit(inline="always", cache=True)
def poisson_some(u, lam, none):
    """Poisson(lam) given at least one event, none = e^−lam, lam ≤ 60, by inversion of the
    uniform u: the smallest k ≥ 1 with P(X ≤ k) ≥ none + u (1 − none)."""
    return max(1, _inversion(none + u * (1.0 - none), lam, none))


@njit(inline="always", cache=True)
def poisson_none_given(key, agent, slot, lam, none):
    """`poisson` for a rate whose chance of no event, none = e^−lam (computed by `math.exp`),
    is known in advance: the same draw, without the exponential."""
    if lam <= 0.0:
        return 0
    if lam > 60.0:
        return poisson(key, agent, slot, lam)
    return _inversion(uniform(key, agent, slot), lam, none)


#: cumulative probabilities `_inversion` evaluates without a branch (most counts at the
#: presets' rates are below it)
TERMS = 8


@njit(inline="always", cache=True)
def _inversion(u, lam, none):
    """The smallest k with u ≤ P(X ≤ k), X ~ Poisson(lam), none = P(X = 0) (sequential search).

    The first TERMS cumulative probabilities are summed without a branch and k counts
    those below u (the sums never decrease, so the count is the answer when it is below
    TERMS); the search goes on from there. The same arithmetic in the same order as the
    plain search, so the same counts, without its hard-to-predict exit: two draws per agent
    at 10⁶ agents 29.4 → 17.0 ms. A count of 0 (u ≤ P(X = 0), most draws at the presets'
    small rates) returns before the sums: the one branch is mostly taken and the eight
    divisions are skipped (docs/performance.md)."""
    if u <= none:
        return 0
    k, p, f = poisson_head(u, lam, none)
    if k < TERMS:
        return k
    while u > f and k < 400:
        k += 1
        p *= lam / k
        f += p
    return k


@njit(inline="always", cache=True)
def poisson_head(u, lam, none):
    """`_inversion`'s first TERMS cumulative probabilities of Poisson(lam), none = P(X = 0):
    (k, p, f) with k how many of P(X ≤ 0) .. P(X ≤ TERMS − 1) are below u (the count,
    when below TERMS; 0 when u ≤ none), p = P(X = TERMS) and f = P(X ≤ TERMS). Without
    branches or calls, so a loop of draws that uses it can become vector code
    (`consumption.consume`)."""
    p = none
    f = p
    k = 0
    for m in range(1, TERMS + 1):
        k += u > f
        p *= lam / m
        f += p
    return k, p, f


@njit(cache=True)
def binomial(key, agent, slot, n, p):
    """Binomial(n, p) by inversion of one uniform (n is a count of friends: small)."""
    return binomial_none_given(key, agent, slot, n, p, none_of_binomial(n, p))


@njit(inline="always", cache=True)
def none_of_binomial(n, p):
    """P(X = 0) = (1 − p)^n for X ~ Binomial(n, p), as `binomial` computes it."""
    return (1.0 - p) ** np.int64(n)


@njit(cache=True)
def none_of_binomial_table(p, size):
    """`none_of_binomial(n, p)` for n = 0 .. size − 1: a pass drawing from many Binomial(n, p)
    with one p looks the chance of none up instead of computing a power per draw."""
    out = np.empty(size)
    for n in range(size):
        out[n] = none_of_binomial(n, p)
    return out


@njit(cache=True)
def binomial_none_given(key, agent, slot, n, p, none):
    """`binomial` for a chance of no event, none = `none_of_binomial(n, p)`, known in
    advance: the same draw, without the power."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    u = uniform(key, agent, slot)
    ratio = p / (1.0 - p)
    pk = none
    f = pk
    k = 0
    while u > f and k < n:
        pk *= ratio * (n - k) / (k + 1.0)
        k += 1
        f += pk
    return k
