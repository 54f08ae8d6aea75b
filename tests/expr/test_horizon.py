"""A finite horizon T: sums up to T-1 or T inside trajectory expectations, evaluated at each T of HORIZONS."""

from __future__ import annotations

import numpy as np
import pytest
from sympy import Integer, Sum, Symbol, oo

from symrl.expr import (
    HORIZON_AXIS,
    HORIZONS,
    ActionAt,
    EvaluationError,
    Expectation,
    Instance,
    Reward,
    Sample,
    StateAt,
    TrajectoryDistribution,
    Value,
    evaluate,
    gamma,
    horizon,
    is_rational_expression,
    policy,
    t,
)
from symrl.mdp import random_mdp, random_policy

PI = policy("pi")
TAU = Symbol("tau")


def _instance(backend: str = "numeric") -> Instance:
    mdp = random_mdp(3, 2, batch=1 if backend == "exact" else 5, seed=4, backend=backend)
    return Instance(mdp, {"pi": random_policy(mdp, seed=6)})


def _truncated_return(instance: Instance, steps: int) -> np.ndarray:
    """``Σ_{t<steps} γ^t h P_π^t r_π``, written out here independently of the evaluator."""
    mdp = instance.mdp
    table = instance.policy("pi").astype(float)
    P, r, h, g = (np.asarray(x, dtype=float) for x in (mdp.P, mdp.r, mdp.h, mdp.gamma))
    transition = np.einsum("bsa,bsat->bst", table, P)
    reward = (table * r).sum(axis=2)
    weights, total = h.copy(), np.zeros(len(g))
    for step in range(steps):
        total += g**step * np.einsum("bs,bs->b", weights, reward)
        weights = np.einsum("bs,bst->bt", weights, transition)
    return total


def _expected_sum(upper) -> Expectation:
    body = Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, upper))
    return Expectation(body, Sample(TAU, TrajectoryDistribution(PI)))


@pytest.mark.parametrize(("upper", "shift"), [(horizon - 1, 0), (horizon, 1)])
def test_finite_sum_is_evaluated_at_every_horizon(upper, shift: int) -> None:
    instance = _instance()
    value = evaluate(_expected_sum(upper), instance)
    assert value.axes == (HORIZON_AXIS,)
    for index, T in enumerate(HORIZONS):
        assert np.allclose(value.data[:, index], _truncated_return(instance, T + shift))


def test_truncated_return_plus_discounted_tail_is_eta_exactly() -> None:
    instance = _instance("exact")
    tail = gamma**horizon * Expectation(Value(PI, StateAt(horizon)), Sample(TAU, TrajectoryDistribution(PI)))
    value = evaluate(_expected_sum(horizon - 1) + tail, instance)
    eta = instance.evaluation("pi").eta[0]
    assert value.data[0].tolist() == [eta] * len(HORIZONS)
    wrong = evaluate(_expected_sum(horizon - 1) + gamma * tail, instance)
    assert all(x != eta for x in wrong.data[0])


def test_a_horizon_is_no_proof_for_every_t() -> None:
    assert not is_rational_expression(_expected_sum(horizon - 1))
    assert is_rational_expression(_expected_sum(oo))


def test_a_huge_finite_sum_inside_an_expectation_is_refused() -> None:
    with pytest.raises(EvaluationError, match="sums up to an integer"):
        evaluate(_expected_sum(Integer(10_000)), _instance())
