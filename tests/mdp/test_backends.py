"""Number conversions between backends and the batched inverse shared by all three."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from symrl.mdp import batched_inverse, infer_backend, symbolic_mdp, to_exact, to_sympy
from tests.strategies import PROPERTY_SETTINGS, q


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, q(3)),
        (np.int64(-2), q(-2)),
        (flint.fmpz(5), q(5)),
        (Fraction(2, 6), q("1/3")),
        (sympy.Rational(-3, 4), q("-3/4")),
        (0.5, q("1/2")),
        (np.float64(0.125), q("1/8")),
        (" 2/3 ", q("2/3")),
        ("0.25", q("1/4")),
        (q("7/9"), q("7/9")),
    ],
)
def test_to_exact_converts_without_rounding(value, expected) -> None:
    converted = to_exact(value)
    assert isinstance(converted, flint.fmpq)
    assert converted == expected


def test_to_exact_keeps_every_bit_of_a_float() -> None:
    # 0.1 is not 1/10 in binary; the exact backend must not pretend it is.
    converted = to_exact(0.1)
    assert converted != q("1/10")
    assert Fraction(int(converted.p), int(converted.q)) == Fraction(0.1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("inf"), "non-finite number inf"),
        (float("nan"), "non-finite number nan"),
        ("two thirds", r"cannot read 'two thirds' as an exact rational such as '2/3'"),
        (sympy.Symbol("x"), "cannot convert x of type Symbol to an exact rational"),
        (1 + 2j, "cannot convert .* of type complex"),
    ],
)
def test_to_exact_rejects_what_is_not_a_rational(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        to_exact(value)


def test_to_sympy_covers_every_backend() -> None:
    assert to_sympy(q("3/4")) == sympy.Rational(3, 4)
    assert isinstance(to_sympy(q("3/4")), sympy.Rational)
    assert to_sympy(0.5) == sympy.Float(0.5)
    assert to_sympy(7) == sympy.Integer(7)
    generic = symbolic_mdp(1, 2)
    gamma = generic.mdp.gamma[0]
    assert to_sympy(gamma) == sympy.Symbol("gamma", real=True)


def test_infer_backend() -> None:
    assert infer_backend(np.zeros(3)) == "numeric"
    assert infer_backend(np.array([q(1)], dtype=object)) == "exact"
    assert infer_backend(symbolic_mdp(1, 1).mdp.P) == "symbolic"


def _diagonally_dominant(rng: np.random.Generator, batch: int, n: int) -> np.ndarray:
    """``I - γ P`` for random row-stochastic ``P``: the only matrices symrl inverts."""
    P = rng.dirichlet(np.ones(n), size=(batch, n))
    gamma = rng.uniform(0.01, 0.99, size=(batch, 1, 1))
    return np.eye(n) - gamma * P


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 9, 12])
def test_float_inverse_matches_lapack(n: int) -> None:
    rng = np.random.default_rng(n)
    matrices = _diagonally_dominant(rng, 50, n)
    inverse = batched_inverse(matrices)
    assert inverse.shape == matrices.shape
    np.testing.assert_allclose(inverse, np.linalg.inv(matrices), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(matrices @ inverse, np.broadcast_to(np.eye(n), matrices.shape), atol=1e-12)


def test_float_inverse_handles_general_nonsingular_matrices() -> None:
    matrices = np.array([[[2.0, 1.0], [1.0, 2.0]], [[4.0, 0.0], [0.0, 0.5]], [[1.0, 2.0], [3.0, 4.0]]])
    np.testing.assert_allclose(batched_inverse(matrices), np.linalg.inv(matrices), rtol=1e-12)


def test_float_inverse_of_a_large_batch() -> None:
    # Large batches may be processed in chunks; every matrix must still be inverted.
    rng = np.random.default_rng(0)
    matrices = _diagonally_dominant(rng, 20_000, 3)
    np.testing.assert_allclose(batched_inverse(matrices), np.linalg.inv(matrices), rtol=1e-9, atol=1e-12)


def test_integer_matrices_are_inverted_as_floats() -> None:
    inverse = batched_inverse(np.array([[[2, 1], [1, 1]]]))
    np.testing.assert_allclose(inverse, [[[1.0, -1.0], [-1.0, 2.0]]])


@PROPERTY_SETTINGS
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_exact_inverse_matches_sympy(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 4, size=(2, n, n)) + np.eye(n, dtype=int)  # rows never all zero
    gamma = [q(f"{k}/10") for k in rng.integers(1, 10, size=2)]
    matrices = np.empty((2, n, n), dtype=object)
    for b in range(2):
        for i in range(n):
            total = int(weights[b, i].sum())
            for j in range(n):
                matrices[b, i, j] = int(i == j) - gamma[b] * q(f"{int(weights[b, i, j])}/{total}")
    inverse = batched_inverse(matrices)
    assert inverse.dtype == object
    for b in range(2):
        expected = sympy.Matrix(n, n, [to_sympy(x) for x in matrices[b].flat]).inv()
        assert [to_sympy(x) for x in inverse[b].flat] == list(expected)
        assert all(isinstance(x, flint.fmpq) for x in inverse[b].flat)


def test_symbolic_inverse_is_the_inverse() -> None:
    generic = symbolic_mdp(2, 1)
    field = generic.field
    gamma = generic.mdp.gamma[0]
    P = generic.mdp.P[0, :, 0, :]
    matrix = np.empty((1, 2, 2), dtype=object)
    for i in range(2):
        for j in range(2):
            matrix[0, i, j] = field.one * int(i == j) - gamma * P[i, j]
    inverse = batched_inverse(matrix)
    product = np.einsum("ij,jk->ik", matrix[0], inverse[0])
    assert product.tolist() == [[field.one, field.zero], [field.zero, field.one]]


@pytest.mark.parametrize("shape", [(2, 2), (1, 2, 3), (1, 1, 2, 2)])
def test_inverse_needs_a_stack_of_square_matrices(shape) -> None:
    with pytest.raises(ValueError, match=r"batched_inverse expects shape \(B, n, n\)"):
        batched_inverse(np.ones(shape))
