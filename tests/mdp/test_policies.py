"""Policy tables: uniform, deterministic, greedy (ties, ``keep``) and the softmax families."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from symrl.mdp import (
    as_policy,
    deterministic_policy,
    evaluate_policy,
    feature_softmax_policy,
    greedy_policy,
    random_mdp,
    symbolic_mdp,
    tabular_softmax_policy,
    uniform_policy,
)
from tests.strategies import PROPERTY_SETTINGS, numeric_mdps, q


def test_uniform_policy_in_every_backend() -> None:
    numeric = random_mdp(3, 4, batch=2, seed=0)
    np.testing.assert_array_equal(uniform_policy(numeric), np.full((2, 3, 4), 0.25))
    exact = random_mdp(2, 3, seed=0, backend="exact")
    assert uniform_policy(exact).tolist() == [[[q("1/3")] * 3] * 2]
    generic = symbolic_mdp(2, 2)
    policy = uniform_policy(generic.mdp)
    half = generic.field.one / 2
    assert policy.tolist() == [[[half, half], [half, half]]]


def test_deterministic_policy_is_one_hot() -> None:
    mdp = random_mdp(3, 3, batch=2, seed=1)
    policy = deterministic_policy(mdp, [2, 0, 1])
    expected = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    np.testing.assert_array_equal(policy, [expected, expected])
    batched = deterministic_policy(mdp, [[0, 0, 0], [1, 1, 2]])
    np.testing.assert_array_equal(batched.argmax(axis=-1), [[0, 0, 0], [1, 1, 2]])
    exact = deterministic_policy(random_mdp(2, 2, seed=1, backend="exact"), [1, 0])
    assert exact.dtype == object
    assert exact.tolist() == [[[0, 1], [1, 0]]]
    as_policy(random_mdp(2, 2, seed=1, backend="exact"), exact)  # a valid exact policy


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ([0, 3, 1], r"action indices must lie in 0\.\.2"),
        ([-1, 0, 0], r"action indices must lie in 0\.\.2"),
        ([0.0, 1.0, 2.0], "deterministic_policy needs integer action indices"),
        ([0, 1], r"actions of shape \(S,\) = \(3,\) or \(B, S\) = \(2, 3\); got \(2,\)"),
        ([[0, 1, 2]] * 3, r"got \(3, 3\)"),
    ],
)
def test_bad_deterministic_actions_are_rejected(actions, message) -> None:
    mdp = random_mdp(3, 3, batch=2, seed=1)
    with pytest.raises(ValueError, match=message):
        deterministic_policy(mdp, actions)


def test_greedy_policy_breaks_ties_towards_the_lowest_index() -> None:
    Q = np.array([[[1.0, 3.0, 3.0], [5.0, 5.0, 5.0], [0.0, -1.0, 0.0], [-2.0, -1.0, -3.0]]])
    np.testing.assert_array_equal(greedy_policy(Q).argmax(axis=-1), [[1, 0, 0, 1]])
    np.testing.assert_array_equal(greedy_policy(Q).sum(axis=-1), np.ones((1, 4)))
    assert greedy_policy(Q).dtype == np.float64


def test_greedy_policy_keeps_a_tied_current_action() -> None:
    Q = np.array([[[1.0, 3.0, 3.0], [5.0, 5.0, 5.0], [0.0, -1.0, 0.0], [2.0, 1.0, 1.0]]])
    current = np.eye(3)[[2, 1, 1, 2]][None]
    # Kept where the current action is among the best; otherwise the lowest best index.
    np.testing.assert_array_equal(greedy_policy(Q, keep=current).argmax(axis=-1), [[2, 1, 0, 0]])


def test_greedy_policy_on_exact_values() -> None:
    Q = np.array([[[q("1/3"), q("2/3")], [q("1/2"), q("1/2")]]], dtype=object)
    policy = greedy_policy(Q)
    assert policy.dtype == object
    assert policy.tolist() == [[[0, 1], [1, 0]]]
    keep = np.array([[[0, 1], [0, 1]]], dtype=object)
    assert greedy_policy(Q, keep=keep).tolist() == [[[0, 1], [0, 1]]]


def test_greedy_policy_refuses_symbolic_values() -> None:
    generic = symbolic_mdp(2, 2)
    Q = evaluate_policy(generic.mdp, generic.policies["pi"]).Q
    with pytest.raises(ValueError, match="symbolic Q has no order"):
        greedy_policy(Q)


@PROPERTY_SETTINGS
@given(numeric_mdps())
def test_greedy_policy_attains_the_row_maximum(mdp) -> None:
    Q = evaluate_policy(mdp, uniform_policy(mdp)).Q
    policy = greedy_policy(Q)
    assert policy.shape == Q.shape
    np.testing.assert_array_equal(policy.sum(axis=-1), 1)
    np.testing.assert_array_equal((policy * Q).sum(axis=-1), Q.max(axis=-1))


def test_tabular_softmax_policy_values() -> None:
    theta = np.array([[0.0, np.log(3.0)], [1.0, 1.0]])
    policy = tabular_softmax_policy(theta)
    assert policy.shape == (1, 2, 2)
    np.testing.assert_allclose(policy[0], [[0.25, 0.75], [0.5, 0.5]], rtol=1e-12)
    batched = tabular_softmax_policy(np.stack([theta, -theta]))
    np.testing.assert_allclose(batched[1, 0], [0.75, 0.25], rtol=1e-12)


def test_tabular_softmax_policy_is_shift_invariant_and_stable() -> None:
    theta = np.array([[1000.0, 1000.0 + np.log(3.0)], [-1000.0, -1001.0]])
    policy = tabular_softmax_policy(theta)
    assert np.all(np.isfinite(policy))
    np.testing.assert_allclose(policy[0, 0], [0.25, 0.75], rtol=1e-9)
    np.testing.assert_allclose(policy[0, 1], [1 / (1 + np.exp(-1)), 1 / (1 + np.e)], rtol=1e-12)


def test_feature_softmax_policy_values() -> None:
    features = np.zeros((2, 3, 2))
    features[0, 1, 0] = 1.0
    features[1, 2, 1] = 1.0
    theta = np.array([np.log(2.0), np.log(4.0)])
    policy = feature_softmax_policy(features, theta)
    assert policy.shape == (1, 2, 3)
    np.testing.assert_allclose(policy[0], [[0.25, 0.5, 0.25], [1 / 6, 1 / 6, 4 / 6]], rtol=1e-12)
    batched = feature_softmax_policy(features, np.stack([theta, np.zeros(2)]))
    np.testing.assert_allclose(batched[1], np.full((2, 3), 1 / 3), rtol=1e-12)


def test_softmax_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"tabular softmax θ must have shape \(S, A\) or \(B, S, A\); got \(3,\)"):
        tabular_softmax_policy(np.zeros(3))
    message = r"features must have shape \(S, A, k\).*got features \(2, 3, 2\) and θ \(3,\)"
    with pytest.raises(ValueError, match=message):
        feature_softmax_policy(np.zeros((2, 3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"features must have shape \(S, A, k\)"):
        feature_softmax_policy(np.zeros((2, 3)), np.zeros(3))
