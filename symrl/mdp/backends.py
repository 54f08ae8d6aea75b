"""The three number systems an MDP can live in: numeric float64, exact rationals, symbolic."""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational
from typing import Any, Literal

import flint
import numpy as np
import sympy

from symrl.errors import MDPError
from symrl.mdp.rational_functions import RationalFunction

__all__ = [
    "Backend",
    "BACKENDS",
    "to_exact",
    "to_sympy",
    "infer_backend",
    "batched_inverse",
    "float_chunk",
    "inverse_batch_last",
]

Backend = Literal["numeric", "exact", "symbolic"]
BACKENDS: tuple[Backend, ...] = ("numeric", "exact", "symbolic")


def to_exact(value: Any) -> flint.fmpq:
    """Convert a number to an exact rational (``flint.fmpq``) without rounding.

    >>> to_exact("2/3") + to_exact(1)
    5/3
    """
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, (int, np.integer, flint.fmpz)):
        return flint.fmpq(int(value))
    if isinstance(value, sympy.Rational):
        return flint.fmpq(int(value.p), int(value.q))
    if isinstance(value, (Fraction, Rational)):
        return flint.fmpq(int(value.numerator), int(value.denominator))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise MDPError(f"cannot use the non-finite number {value!r} in an exact MDP")
        exact = Fraction(float(value))
        return flint.fmpq(exact.numerator, exact.denominator)
    if isinstance(value, str):
        try:
            exact = Fraction(value.strip())
        except ValueError:
            raise MDPError(f"cannot read {value!r} as an exact rational such as '2/3'") from None
        return flint.fmpq(exact.numerator, exact.denominator)
    raise MDPError(f"cannot convert {value!r} of type {type(value).__name__} to an exact rational")


def to_sympy(value: Any) -> sympy.Expr:
    """Convert one entry of any backend to a SymPy expression (for printing and reports).

    >>> to_sympy(to_exact("3/4"))
    3/4
    """
    if isinstance(value, flint.fmpq):
        return sympy.Rational(int(value.p), int(value.q))
    if isinstance(value, RationalFunction):
        return value.as_expr()
    if isinstance(value, (float, np.floating)):
        return sympy.Float(float(value))
    return sympy.sympify(value, strict=True)  # safe: strict mode converts numbers, never parses text


def infer_backend(array: np.ndarray) -> Backend:
    """Name the backend an array's entries belong to."""
    if array.dtype != object:
        return "numeric"
    sample = array.flat[0] if array.size else None
    if isinstance(sample, RationalFunction):
        return "symbolic"
    return "exact"


def batched_inverse(matrices: np.ndarray) -> np.ndarray:
    """Invert a stack of square matrices ``(B, n, n)`` by elimination without pivoting.

    No pivoting: symrl only inverts ``I - γ P_π`` whose rows are strictly diagonally dominant
    (off-diagonal mass ``γ < 1``), so every pivot is nonzero and elimination is stable.  Exact
    ``fmpq`` and symbolic field entries (object arrays) go through one batch-vectorised
    Gauss-Jordan elimination, which keeps one definition of every quantity across the exact and
    symbolic backends.  Floats take a fast path with the same result up to rounding: see
    :func:`inverse_batch_last`.

    >>> batched_inverse(np.array([[[2.0, 1.0], [1.0, 2.0]]])).round(4).tolist()
    [[[0.6667, -0.3333], [-0.3333, 0.6667]]]
    >>> batched_inverse(np.array([[[2, 1], [1, 2]]], dtype=object) * to_exact(1)).tolist()
    [[[2/3, -1/3], [-1/3, 2/3]]]
    """
    if matrices.ndim != 3 or matrices.shape[1] != matrices.shape[2]:
        raise MDPError(f"batched_inverse expects shape (B, n, n), got {matrices.shape}")
    n = matrices.shape[1]
    if matrices.dtype != object:
        if n > _GAUSS_JORDAN_MAX_FLOAT_SIZE:
            return np.linalg.inv(matrices)
        dtype = matrices.dtype if matrices.dtype.kind in "fc" else np.dtype(np.float64)
        inverse = np.empty(matrices.shape, dtype=dtype)
        chunk = float_chunk(4 * n * n)  # input, [m | I], output
        for start in range(0, matrices.shape[0], chunk):
            block = matrices[start : start + chunk]
            batch_last = np.ascontiguousarray(block.transpose(1, 2, 0), dtype=dtype)
            inverse[start : start + len(block)] = inverse_batch_last(batch_last).transpose(2, 0, 1)
        return inverse
    work = matrices.copy()
    inverse = np.zeros_like(matrices)
    identity = np.eye(n, dtype=int)
    inverse[...] = identity.astype(object)
    for k in range(n):
        pivot = work[:, k, k][:, None].copy()  # a view would change under us
        work[:, k, :] = work[:, k, :] / pivot
        inverse[:, k, :] = inverse[:, k, :] / pivot
        for i in range(n):
            if i == k:
                continue
            factor = work[:, i, k][:, None].copy()
            work[:, i, :] = work[:, i, :] - factor * work[:, k, :]
            inverse[:, i, :] = inverse[:, i, :] - factor * inverse[:, k, :]
    return inverse


def inverse_batch_last(m: np.ndarray) -> np.ndarray:
    """Invert float matrices stored batch-last, ``m[i, j, b]`` of shape ``(n, n, C)``; same layout out.

    With the batch on the last, contiguous axis every arithmetic step is one vectorised pass over
    ``C`` numbers, which is what makes small matrices fast in NumPy.  ``n ≤ 3`` uses the closed
    form ``adj(m) / det(m)``; larger ``n`` runs Gauss-Jordan elimination without pivoting on
    ``[m | I]`` (see :func:`batched_inverse` for why no pivoting is needed).  Singular matrices
    give non-finite entries, as elimination does.

    >>> inverse_batch_last(np.array([[[4.0]], [[2.0]]]).reshape(1, 1, 2)).tolist()
    [[[0.25, 0.5]]]
    """
    n = m.shape[0]
    if n == 1:
        return 1.0 / m
    out = np.empty_like(m)
    if n == 2:
        scale = 1.0 / (m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])
        np.multiply(m[1, 1], scale, out=out[0, 0])
        np.multiply(m[0, 0], scale, out=out[1, 1])
        np.negative(scale, out=scale)
        np.multiply(m[0, 1], scale, out=out[0, 1])
        np.multiply(m[1, 0], scale, out=out[1, 0])
        return out
    if n == 3:
        for (i, j), (a, b, c, d) in _ADJUGATE_3.items():
            np.multiply(m[a], m[b], out=out[i, j])
            out[i, j] -= m[c] * m[d]
        det = m[0, 0] * out[0, 0]  # expansion along the first row: Σ_j m[0, j] C[0, j]
        det += m[0, 1] * out[1, 0]
        det += m[0, 2] * out[2, 0]
        out *= np.divide(1.0, det, out=det)
        return out
    aug = np.zeros((n, 2 * n, *m.shape[2:]), dtype=m.dtype)
    aug[:, :n] = m
    for i in range(n):
        aug[i, n + i] = 1.0
    scratch = np.empty((2 * n, *m.shape[2:]), dtype=m.dtype)
    for k in range(n):
        row = aug[k, k + 1 :]  # columns left of k are already eliminated
        row /= aug[k, k]
        for i in range(n):
            if i != k:
                aug[i, k + 1 :] -= np.multiply(aug[i, k], row, out=scratch[: len(row)])
    out[...] = aug[:, n:]
    return out


# The adjugate of a 3x3 matrix, adj[i, j] = C[j, i] = m[a] m[b] - m[c] m[d] (C the cofactors).
_ADJUGATE_3 = {
    (0, 0): ((1, 1), (2, 2), (1, 2), (2, 1)),
    (1, 0): ((1, 2), (2, 0), (1, 0), (2, 2)),
    (2, 0): ((1, 0), (2, 1), (1, 1), (2, 0)),
    (0, 1): ((0, 2), (2, 1), (0, 1), (2, 2)),
    (1, 1): ((0, 0), (2, 2), (0, 2), (2, 0)),
    (2, 1): ((0, 1), (2, 0), (0, 0), (2, 1)),
    (0, 2): ((0, 1), (1, 2), (0, 2), (1, 1)),
    (1, 2): ((0, 2), (1, 0), (0, 0), (1, 2)),
    (2, 2): ((0, 0), (1, 1), (0, 1), (1, 0)),
}

# Above this size LAPACK's blocked inverse beats a Python loop over pivots.
_GAUSS_JORDAN_MAX_FLOAT_SIZE = 8

# Float batches are processed in chunks whose working set stays in cache: one pass over a whole
# batch of 500k small MDPs from memory is 2-3x slower than over chunks of a few MiB.
FLOAT_CHUNK_BYTES = 3 * 2**20
MIN_FLOAT_CHUNK = 1024


def float_chunk(floats_per_instance: int) -> int:
    """Instances per chunk when each instance touches ``floats_per_instance`` float64 values."""
    return max(MIN_FLOAT_CHUNK, FLOAT_CHUNK_BYTES // (8 * max(1, floats_per_instance)))
