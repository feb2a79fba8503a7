"""The engine: one module per phase of a step (MODEL.md), each a plain function over arrays.

Compiled kernels are Numba functions over the structure-of-arrays state and the CSR
friendship graph; every random draw is counter-based (rng.py).
"""
