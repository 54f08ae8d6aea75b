"""Gradients with a parameter axis, logarithms and the discounted visitation, evaluated on MDP instances."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy import Symbol

from symrl.expr import (
    PARAMETER_AXIS,
    ActionValue,
    Advantage,
    EvaluationError,
    Expectation,
    Gradient,
    Instance,
    Occupancy,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Sample,
    Value,
    VisitationDistribution,
    evaluate,
    gamma,
    has_exact_value,
    is_rational_expression,
    policy,
)
from symrl.mdp import feature_softmax_policy, random_mdp, random_policy, tabular_softmax_policy

THETA = Symbol("theta")
PI = policy("pi_theta")
s, a = Symbol("s"), Symbol("a")
STEP = 1e-6


def _eta(P: np.ndarray, r: np.ndarray, h: np.ndarray, discount: float, table: np.ndarray) -> float:
    """``h^T (I − γ P_π)^{-1} r_π`` written out here, independently of symrl's policy evaluation."""
    table = np.reshape(table, P.shape[:2])  # a batch of one, or one table
    transition = np.einsum("sa,sat->st", table, P)
    reward = (table * r).sum(axis=1)
    values = np.linalg.solve(np.eye(len(h)) - discount * transition, reward)
    return float(h @ values)


def _softmax_instance(states: int, actions: int, batch: int, seed: int, features: np.ndarray | None = None):
    mdp = random_mdp(states, actions, batch=batch, seed=seed)
    rng = np.random.default_rng(seed)
    if features is None:
        theta = rng.normal(size=(batch, states, actions))
        table = tabular_softmax_policy(theta)
        parameters = {"theta[pi_theta]": theta}
    else:
        theta = rng.normal(size=(batch, features.shape[-1]))
        table = feature_softmax_policy(features, theta)
        parameters = {"theta[pi_theta]": theta, "phi": np.broadcast_to(features, (batch, *features.shape))}
    return Instance(mdp, {"pi_theta": table}, parameters=parameters), theta


def _finite_differences(instance: Instance, theta: np.ndarray, policy_at) -> np.ndarray:
    """Central differences of η in every parameter component, instance by instance."""
    mdp = instance.mdp
    result = np.zeros((theta.shape[0], theta[0].size))
    for b in range(theta.shape[0]):
        args = (mdp.P[b], mdp.r[b], mdp.h[b], float(mdp.gamma[b]))
        for i in range(theta[0].size):
            bump = np.zeros(theta[0].size)
            bump[i] = STEP
            up = _eta(*args, policy_at(theta[b] + bump.reshape(theta[b].shape)))
            down = _eta(*args, policy_at(theta[b] - bump.reshape(theta[b].shape)))
            result[b, i] = (up - down) / (2 * STEP)
    return result


def test_gradient_of_eta_agrees_with_finite_differences_tabular() -> None:
    instance, theta = _softmax_instance(3, 2, batch=8, seed=11)
    exact = evaluate(Gradient(Return(PI), THETA), instance)
    assert exact.axes == (PARAMETER_AXIS,)
    numeric = _finite_differences(instance, theta, tabular_softmax_policy)
    assert np.max(np.abs(exact.data - numeric)) < 1e-6 * max(1.0, np.max(np.abs(numeric)))


def test_gradient_of_eta_agrees_with_finite_differences_features() -> None:
    features = np.random.default_rng(5).normal(size=(3, 2, 2))
    instance, theta = _softmax_instance(3, 2, batch=8, seed=12, features=features)
    exact = evaluate(Gradient(Return(PI), THETA), instance)
    assert exact.data.shape == (8, 2)
    numeric = _finite_differences(instance, theta, lambda w: feature_softmax_policy(features, w))
    assert np.max(np.abs(exact.data - numeric)) < 1e-6 * max(1.0, np.max(np.abs(numeric)))


def test_policy_gradient_theorem_from_the_score_agrees_with_finite_differences() -> None:
    """``1/(1-γ) E_{s∼d^π, a∼π}[∇ log π(a|s) Q(s,a)]`` built from the score, against differences of η."""
    instance, theta = _softmax_instance(2, 3, batch=6, seed=13)
    score_side = Expectation(
        Expectation(Gradient(sympy.log(PolicyProbability(PI, a, s)), THETA) * ActionValue(PI, s, a),
                    Sample(a, PolicyDistribution(PI, s))),
        Sample(s, VisitationDistribution(PI)),
    ) / (1 - gamma)  # fmt: skip
    value = evaluate(score_side, instance)
    numeric = _finite_differences(instance, theta, tabular_softmax_policy)
    assert value.axes == (PARAMETER_AXIS,)
    assert np.allclose(value.data, numeric, atol=1e-6)


def test_score_is_the_derivative_of_log_pi() -> None:
    instance, theta = _softmax_instance(2, 2, batch=1, seed=3)
    score = evaluate(Gradient(sympy.log(PolicyProbability(PI, a, s)), THETA), instance)
    assert score.axes == ("s", "a", PARAMETER_AXIS)
    for i in range(4):
        bump = np.zeros(4)
        bump[i] = STEP
        up = np.log(tabular_softmax_policy(theta[0] + bump.reshape(2, 2)))
        down = np.log(tabular_softmax_policy(theta[0] - bump.reshape(2, 2)))
        assert np.allclose(score.data[0, :, :, i], (up - down) / (2 * STEP), atol=1e-6)


def test_gradient_of_pi_is_pi_times_the_score() -> None:
    instance, _ = _softmax_instance(2, 2, batch=2, seed=4)
    gradient = evaluate(Gradient(PolicyProbability(PI, a, s), THETA), instance)
    score = evaluate(Gradient(sympy.log(PolicyProbability(PI, a, s)), THETA), instance)
    table = instance.policy("pi_theta")
    assert np.allclose(gradient.aligned(score.axes), table[:, :, :, None] * score.data)


def test_score_is_exact_on_rational_tables() -> None:
    mdp = random_mdp(2, 2, seed=1, backend="exact")
    table = random_policy(mdp, seed=2)
    instance = Instance(mdp, {"pi_theta": table})
    score = evaluate(Gradient(sympy.log(PolicyProbability(PI, 0, 1)), THETA), instance)
    assert score.data.dtype == object
    assert score.data[0].tolist() == [0, 0, 1 - table[0, 1, 0], -table[0, 1, 1]]


def test_baseline_term_vanishes_but_value_weighted_score_is_not_the_gradient() -> None:
    instance, _ = _softmax_instance(3, 2, batch=4, seed=21)
    inner = Gradient(sympy.log(PolicyProbability(PI, a, s)), THETA)
    sampled = (Sample(a, PolicyDistribution(PI, s)), Sample(s, VisitationDistribution(PI)))

    def expected(body):
        return evaluate(Expectation(Expectation(body, sampled[0]), sampled[1]), instance).data

    assert np.allclose(expected(inner * Value(PI, s)), 0)
    assert np.allclose(expected(inner * Advantage(PI, s, a)), expected(inner * ActionValue(PI, s, a)))
    assert not np.allclose(expected(inner * ActionValue(PI, s, a)), 0)


def test_state_visitation_is_a_normalised_distribution() -> None:
    mdp = random_mdp(3, 2, batch=4, seed=8)
    instance = Instance(mdp, {"pi": random_policy(mdp, seed=9)})
    weights = evaluate(Expectation(Occupancy(policy("pi"), s) * 0 + 1, Sample(s, VisitationDistribution(policy("pi")))),
                       instance)  # fmt: skip
    assert np.allclose(weights.data, 1)
    occupancy = evaluate(Occupancy(policy("pi"), s), instance)
    assert np.allclose(occupancy.data.sum(axis=1), 1 / (1 - mdp.gamma))


def test_log_is_float_only_and_undefined_at_zero() -> None:
    expr = sympy.log(PolicyProbability(policy("pi"), a, s))
    assert not has_exact_value(expr) and not is_rational_expression(expr)
    exact = random_mdp(2, 2, seed=1, backend="exact")
    with pytest.raises(EvaluationError, match="float instances"):
        evaluate(expr, Instance(exact, {"pi": random_policy(exact, seed=1)}))
    floats = random_mdp(1, 2, seed=1)
    table = np.array([[[1.0, 0.0]]])
    value = evaluate(expr, Instance(floats, {"pi": table}))
    assert value.data[0, 0, 0] == 0 and np.isnan(value.data[0, 0, 1])


@pytest.mark.parametrize(
    "expr",
    [
        Gradient(Return(policy("pi")), THETA),
        Gradient(Value(PI, s), THETA),
        Gradient(Return(PI), THETA) * Gradient(Return(PI), THETA),
        Gradient(Return(PI), THETA) ** 2,
        sympy.log(Gradient(Return(PI), THETA) + 2),
    ],
    ids=["other-policy", "value", "product-of-gradients", "square", "log-of-gradient"],
)
def test_gradients_without_a_meaning_are_refused(expr: sympy.Expr) -> None:
    instance, _ = _softmax_instance(2, 2, batch=2, seed=0)
    instance.policies["pi"] = instance.policies["pi_theta"]
    with pytest.raises(EvaluationError):
        evaluate(expr, instance)
