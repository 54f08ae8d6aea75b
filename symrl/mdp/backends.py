"""The three number systems an MDP can live in: numeric float64, exact rationals, symbolic."""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational
from typing import Any, Literal

import flint
import numpy as np
import sympy
from sympy.polys.fields import FracElement

from symrl.errors import MDPError

__all__ = [
    "Backend",
    "BACKENDS",
    "to_exact",
    "to_sympy",
    "infer_backend",
    "batched_inverse",
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
    if isinstance(value, FracElement):
        return value.as_expr()
    if isinstance(value, (float, np.floating)):
        return sympy.Float(float(value))
    return sympy.sympify(value, strict=True)


def infer_backend(array: np.ndarray) -> Backend:
    """Name the backend an array's entries belong to."""
    if array.dtype != object:
        return "numeric"
    sample = array.flat[0] if array.size else None
    if isinstance(sample, FracElement):
        return "symbolic"
    return "exact"


def batched_inverse(matrices: np.ndarray) -> np.ndarray:
    """Invert a stack of square matrices ``(B, n, n)`` by Gauss-Jordan elimination, batch-vectorised.

    No pivoting: symrl only inverts ``I - γ P_π`` whose rows are strictly diagonally dominant
    (off-diagonal mass ``γ < 1``), so every pivot is nonzero and elimination is stable.  The same
    code serves float64, exact ``fmpq`` and symbolic field entries (object arrays), which keeps
    one definition of every quantity across the three backends.

    >>> batched_inverse(np.array([[[2.0, 1.0], [1.0, 2.0]]])).round(4).tolist()
    [[[0.6667, -0.3333], [-0.3333, 0.6667]]]
    """
    if matrices.ndim != 3 or matrices.shape[1] != matrices.shape[2]:
        raise MDPError(f"batched_inverse expects shape (B, n, n), got {matrices.shape}")
    n = matrices.shape[1]
    if matrices.dtype != object and n > _GAUSS_JORDAN_MAX_FLOAT_SIZE:
        return np.linalg.inv(matrices)
    work = matrices.copy()
    inverse = np.zeros_like(matrices)
    identity = np.eye(n, dtype=int)
    inverse[...] = identity if matrices.dtype != object else identity.astype(object)
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


# Above this size LAPACK's blocked inverse beats a Python loop over pivots.
_GAUSS_JORDAN_MAX_FLOAT_SIZE = 8
