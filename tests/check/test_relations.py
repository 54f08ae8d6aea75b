"""Relations: composition along a chain and elementwise comparison (exact and float)."""

from __future__ import annotations

import numpy as np
import pytest

from symrl.check.relations import NUMERIC_TOLERANCE, Relation, compare, compose
from symrl.mdp import to_exact

EQ, GE, LE, GT, LT = Relation.EQ, Relation.GE, Relation.LE, Relation.GT, Relation.LT


@pytest.mark.parametrize(
    ("relations", "expected"),
    [
        ([], EQ),
        ([EQ], EQ),
        ([EQ, EQ, EQ], EQ),
        ([Relation.DEFINES, EQ], EQ),
        ([EQ, GE, EQ], GE),
        ([GE, GE], GE),
        ([GE, GT, EQ], GT),
        ([GT], GT),
        ([EQ, LE], LE),
        ([LE, LT, LE], LT),
        ([Relation.APPROX], Relation.APPROX),
        ([EQ, Relation.APPROX, EQ], Relation.APPROX),
        ([GE, LE], None),
        ([GT, LT], None),
        ([EQ, GE, EQ, LE], None),
        ([GE, Relation.APPROX], None),
        ([Relation.IMPLIES], None),
    ],
)
def test_compose(relations: list[Relation], expected: Relation | None) -> None:
    assert compose(relations) is expected


def test_compose_is_insensitive_to_where_the_strict_step_is() -> None:
    for position in range(4):
        chain = [GE] * 4
        chain[position] = GT
        assert compose(chain) is GT
        assert compose([EQ if r is GE else r for r in chain]) is GT


def test_relation_latex_and_plain_symbols() -> None:
    assert GE.value == "\\geq" and GE.symbol == "≥"
    assert LT.value == "<" and LT.symbol == "<"
    assert Relation.APPROX.value == "\\approx" and Relation.APPROX.symbol == "≈"
    assert Relation.IMPLIED_BY.symbol == "⟸"
    assert {r for r in Relation if r.is_order} == {EQ, GE, LE, GT, LT}


# -- compare ------------------------------------------------------------------------------------


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_float_equality_tolerates_rounding_but_not_real_differences() -> None:
    lhs = floats(1.0, 1.0, 1.0, 0.0)
    rhs = floats(1.0 + 1e-12, 1.0 + 1e-3, 1.0 - 1e-9, 1e-12)
    assert compare(lhs, rhs, EQ).tolist() == [True, False, True, True]


def test_float_tolerance_is_relative_to_the_magnitude() -> None:
    big = 1e9
    assert compare(floats(big), floats(big + 1.0), EQ).tolist() == [True]  # 1 part in 1e9
    assert compare(floats(big), floats(big * (1 + 1e-5)), EQ).tolist() == [False]
    assert compare(floats(0.0), floats(10 * NUMERIC_TOLERANCE), EQ).tolist() == [False]


def test_float_strict_inequalities_need_a_margin_beyond_rounding() -> None:
    tiny = 1e-12
    assert compare(floats(1.0 + tiny), floats(1.0), GT).tolist() == [False]
    assert compare(floats(1.0), floats(1.0 + tiny), LT).tolist() == [False]
    assert compare(floats(1.1), floats(1.0), GT).tolist() == [True]
    assert compare(floats(1.0), floats(1.1), LT).tolist() == [True]


def test_float_weak_inequalities_accept_rounding_below_the_bound() -> None:
    tiny = 1e-12
    assert compare(floats(1.0 - tiny), floats(1.0), GE).tolist() == [True]
    assert compare(floats(1.0 + tiny), floats(1.0), LE).tolist() == [True]
    assert compare(floats(0.9), floats(1.0), GE).tolist() == [False]
    assert compare(floats(1.1), floats(1.0), LE).tolist() == [False]


@pytest.mark.parametrize("relation", [EQ, GE, LE, GT, LT])
def test_nan_never_counts_as_a_failure(relation: Relation) -> None:
    result = compare(floats(np.nan, 1.0, np.nan), floats(0.0, np.nan, np.nan), relation)
    assert result.tolist() == [True, True, True]


def test_float_compare_refuses_non_order_relations() -> None:
    with pytest.raises(ValueError, match="not an order relation"):
        compare(floats(1.0), floats(1.0), Relation.APPROX)


def test_exact_compare_has_no_tolerance() -> None:
    third = to_exact("1/3")
    near = third + to_exact(f"1/{10**30}")
    lhs = np.array([third, third, near], dtype=object)
    rhs = np.array([third, near, third], dtype=object)
    assert compare(lhs, rhs, EQ).tolist() == [True, False, False]
    assert compare(lhs, rhs, GT).tolist() == [False, False, True]
    assert compare(lhs, rhs, GE).tolist() == [True, False, True]
    assert compare(lhs, rhs, LT).tolist() == [False, True, False]
    assert compare(lhs, rhs, LE).tolist() == [True, True, False]


def test_compare_broadcasts_and_keeps_shape() -> None:
    lhs = np.arange(6, dtype=float).reshape(2, 3)
    result = compare(lhs, floats(2.0), GE)
    assert result.shape == (2, 3)
    assert result.tolist() == [[False, False, True], [True, True, True]]
