"""Statements: quantifiers, domains restricted to a distribution's support, evaluation on batches."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from sympy import Integer, Symbol, Tuple

from symrl.check import Relation, Statement
from symrl.expr import (
    EvaluationError,
    Gradient,
    Instance,
    Return,
    Reward,
    Sample,
    TransitionDistribution,
    Value,
    VisitationDistribution,
    action,
    policy,
    state,
)
from symrl.mdp import FiniteMDP, as_policy
from tests.strategies import fraction_array

s, a, s_next = state("s"), action("a"), state("s'")
pi = policy("pi")
VISITED = Sample(Tuple(s, a), VisitationDistribution(pi))
NEXT = Sample(s_next, TransitionDistribution(s, a))


@pytest.fixture(scope="module")
def unreachable() -> Instance:
    """States 0 → 1 → 1 (absorbing) and 2 → 0; h = δ_0, so state 2 is never visited.

    π always takes action 0; action 1 is never taken.  γ = 1/2 and r(·, 0) = (5, 5, −10), so
    V = (10, 10, −5) by hand; r(·, 1) = −100.
    """
    successor = [1, 1, 0]
    P = [[[int(j == successor[i]) for j in range(3)] for _ in range(2)] for i in range(3)]
    r = [[5, -100], [5, -100], [-10, -100]]
    mdp = FiniteMDP.create(
        fraction_array(P), fraction_array(r), fraction_array([1, 0, 0]), Fraction(1, 2), backend="exact"
    )
    return Instance(mdp, {"pi": as_policy(mdp, fraction_array([[1, 0], [1, 0], [1, 0]]))})


def truth(statement: Statement, instance: Instance) -> bool:
    value = statement.evaluate(instance)
    assert value.truth.shape == (1,)
    return bool(value.truth[0])


def test_hand_computed_values(unreachable: Instance) -> None:
    value = Statement(Value(pi, s), Relation.EQ, Integer(0)).evaluate(unreachable)
    assert [Fraction(str(v)) for v in value.lhs.data[0]] == [10, 10, -5]


def test_forall_over_every_state_sees_the_unreachable_one(unreachable: Instance) -> None:
    assert not truth(Statement(Value(pi, s), Relation.GE, Integer(10)), unreachable)
    assert not truth(Statement(Reward(s, a), Relation.GE, Integer(-10)), unreachable)


def test_visitation_domain_restricts_to_visited_pairs(unreachable: Instance) -> None:
    # Visited: (0, 0) and (1, 0) only.
    assert truth(Statement(Reward(s, a), Relation.GE, Integer(-10), domain=(VISITED,)), unreachable)
    assert truth(Statement(Reward(s, a), Relation.EQ, Integer(5), domain=(VISITED,)), unreachable)
    assert not truth(Statement(Reward(s, a), Relation.GT, Integer(5), domain=(VISITED,)), unreachable)


def test_domain_variable_unused_by_the_statement_still_restricts_the_others(unreachable: Instance) -> None:
    assert truth(Statement(Value(pi, s), Relation.GE, Integer(10), domain=(VISITED,)), unreachable)


def test_transition_domain_restricts_next_states(unreachable: Instance) -> None:
    # Next states reachable in one step: 1 from 0 and 1, 0 from 2; V = 10 on both.
    assert truth(Statement(Value(pi, s_next), Relation.EQ, Integer(10), domain=(NEXT,)), unreachable)
    assert not truth(Statement(Value(pi, s_next), Relation.EQ, Integer(10)), unreachable)


def test_chained_domains_compose(unreachable: Instance) -> None:
    statement = Statement(Reward(s, a) + Value(pi, s_next), Relation.EQ, Integer(15), domain=(VISITED, NEXT))
    assert truth(statement, unreachable)


def test_exists_quantifier(unreachable: Instance) -> None:
    negative = Statement(Value(pi, s), Relation.LT, Integer(0), quantifier="exists")
    assert truth(negative, unreachable)
    visited_negative = Statement(Value(pi, s), Relation.LT, Integer(0), domain=(VISITED,), quantifier="exists")
    assert not truth(visited_negative, unreachable)
    assert not truth(Statement(Value(pi, s), Relation.GT, Integer(10), quantifier="exists"), unreachable)


def test_holds_entrywise_marks_the_failing_assignment(unreachable: Instance) -> None:
    value = Statement(Value(pi, s), Relation.GE, Integer(10)).evaluate(unreachable)
    assert value.axes == ("s",)
    assert value.holds_entrywise[0].tolist() == [True, True, False]


def test_batch_truth_is_per_instance() -> None:
    P = np.zeros((2, 1, 1, 1))
    P[..., 0] = 1.0
    mdp = FiniteMDP.create(P, np.array([[[1.0]], [[-1.0]]]), np.ones((2, 1)), np.array([0.5, 0.5]))
    world = Instance(mdp, {"pi": np.ones((2, 1, 1))})
    value = Statement(Value(pi, s), Relation.GT, Integer(0)).evaluate(world)
    assert value.truth.tolist() == [True, False]


def test_policies_include_those_of_the_domain() -> None:
    other = policy("pi'")
    visited = Sample(Tuple(s, a), VisitationDistribution(other))
    statement = Statement(Reward(s, a), Relation.GE, Integer(0), domain=(visited,))
    assert statement.policies() == {"pi'"}
    assert Statement(Value(pi, s), Relation.EQ, Value(other, s)).policies() == {"pi", "pi'"}


def test_latex() -> None:
    assert Statement(Value(pi, s), Relation.GE, Integer(10)).latex() == r"V_{\pi}\left(s\right) \geq 10"


def test_a_gradient_compares_with_the_zero_vector_not_with_a_scalar(unreachable: Instance) -> None:
    instance = Instance(unreachable.mdp, {"pi_theta": unreachable.policy("pi")})
    gradient = Gradient(Return(policy("pi_theta")), Symbol("theta"))
    value = Statement(gradient, Relation.EQ, Integer(0)).evaluate(instance)
    assert value.lhs.axes == ("theta",) and value.truth.shape == (1,)
    with pytest.raises(EvaluationError, match="scalar"):
        Statement(Return(policy("pi_theta")), Relation.EQ, gradient).evaluate(instance)
