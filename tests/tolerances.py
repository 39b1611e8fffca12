"""How closely two computations of the same number may be asked to agree in a test.

Our networks run in float32 (machine epsilon 1.2e-7). The same input in another batch shape, with
another thread count, or on another CPU goes through other matrix-product kernels, which add in
another order: the results agree to rounding, not bit for bit (3.6e-7 relative was seen between a
batch of one and a batch of two on one CPU). These bounds leave room for a few hundred such roundings
through a network's layers and are still orders of magnitude below what a real mistake (a row mixed up
with another, padding leaking into a series) changes. float64 paths get float64 bounds at the call site.
"""

FLOAT32_RTOL = 1e-5
"""Relative agreement of float32 network outputs computed in different batch shapes or thread counts."""

FLOAT32_ATOL = 1e-5
"""Absolute agreement of probabilities (values in [0, 1]) that pass through a float32 network."""
