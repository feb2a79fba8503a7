"""Atomic additions to integer array elements, for compiled passes whose rows add to other
agents' counts.

A row of a parallel pass may add to a friend's count while another thread's row adds to
the same count; a plain `counts[j] += 1` could then lose one of the two. `add` makes the
read-modify-write one indivisible instruction (LLVM's `atomicrmw add`, a locked add on
x86). Integer additions give the same total in any order, so a pass counting this way is
exact and independent of the thread count; contention is rare (two threads, scattered
targets), so each addition costs about what a cache miss on its target costs anyway.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def add(typingctx, array, index, value):
    """array[index] += value atomically (1-D integer array, index in bounds); returns the
    value before."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and isinstance(array.dtype, types.Integer)):
        return None
    sig = array.dtype(array, index, value)

    def codegen(context, builder, signature, args):
        values, i, v = args
        array_type, index_type, value_type = signature.args
        data = context.make_array(array_type)(context, builder, values)
        i = context.cast(builder, i, index_type, types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [i], wraparound=False)
        v = context.cast(builder, v, value_type, array_type.dtype)
        return builder.atomic_rmw("add", pointer, v, "monotonic")

    return sig, codegen
