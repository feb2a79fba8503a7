"""Software prefetch for the passes over the friendship graph.

A pass over the rows reads each friend's values at scattered places (`values[indices[k]]`).
Beyond the last-level cache (10⁷ agents: tens of MB per per-agent array) each such read
waits for main memory, and the out-of-order core overlaps only a few of them. Asking for
the friend `AHEAD` entries further along the flat CSR array (rows are contiguous, so this
crosses row ends naturally) keeps many loads in flight: the bare neighbour-sum pass at 10⁷
agents ran 794–812 ms without and 484–493 ms with it (docs/performance.md).

Where the values stay cached the hint mostly costs instructions. A light pass (a load and
an add or a test per friend) runs faster without it while its array is small next to the
last-level cache (32 MiB here): at 10⁶ agents, summing friends' scores (8 MB) took 14.5 ms
without and 19.0 ms with it, counting friends' flags (1 MB) 10.9 and 12.9 ms. At 10⁷ agents
(every per-agent array 10 MB or more, and ten times more graph streaming through the
cache) it stays on in every pass, where the figures above were measured. A heavy pass (a
hash per tie, the report pass) waits on the cache even at 10⁶: 31.6 ms without, 27.7 ms
with it (8 MB). So each caller says from what array size on it asks (`beyond`):
`LIGHT_PASS` or `HEAVY_PASS`.

`ahead(values, indices, k, width, beyond)` is a hint only: it never faults and changes no
value; a free slot past a row's end holds an old agent id, which is as good a guess as any.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: how many entries ahead a pass asks for (long enough to cover a memory latency at a few
#: nanoseconds per entry, short enough that the line is still cached when it is used)
AHEAD = 32
#: array sizes beyond which a pass asks: a light pass beyond a quarter of the last-level
#: cache (which the graph streamed through it would crowd out), a heavy one beyond a core's
#: private cache (1 MiB of L2 here)
LIGHT_PASS = 1 << 23
HEAVY_PASS = 1 << 20


@intrinsic
def _prefetch(typingctx, values, index):
    """llvm.prefetch of values[index]: a read, to be kept in every cache level."""
    sig = types.void(values, index)

    def codegen(context, builder, signature, args):
        array, i = args
        data = context.make_array(signature.args[0])(context, builder, array).data
        pointer = builder.bitcast(builder.gep(data, [i]), ir.IntType(8).as_pointer())
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer()] + [ir.IntType(32)] * 3)
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        read, all_levels, data_cache = (ir.Constant(ir.IntType(32), v) for v in (0, 3, 1))
        builder.call(fn, [pointer, read, all_levels, data_cache])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", cache=True)
def ahead(values, indices, k, width, beyond):
    """Prefetch the values of the friend AHEAD entries after entry k, if there is one:
    values[width · j] (`width` values per agent, side by side), when `values` is larger than
    `beyond` bytes. A marked entry (negative, `graph.mark_dropped`; rare, and only within
    phase 8) is skipped."""
    if values.nbytes <= beyond:
        return
    m = k + AHEAD
    if m < len(indices):
        j = indices[m]
        if 0 <= j and width * j < len(values):
            _prefetch(values, width * j)


@njit(inline="always", cache=True)
def at(values, index):
    """Prefetch values[index] (a hint: any index, in bounds or not, is harmless)."""
    if 0 <= index < len(values):
        _prefetch(values, index)
