"""Exact policy gradients against central finite differences of η(θ)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symrl.mdp import (
    evaluate_policy,
    expected_return,
    feature_softmax_policy,
    policy_gradient,
    random_mdp,
    random_policy,
    tabular_softmax_policy,
)
from tests.strategies import PROPERTY_SETTINGS, SLOW_PROPERTY_SETTINGS, numeric_mdps, q

STEP = 1e-6


def tabular_finite_differences(mdp, theta: np.ndarray) -> np.ndarray:
    """Central differences of η(softmax θ) for every θ[s, a] (θ has shape (B, S, A))."""
    gradient = np.zeros_like(theta)
    for index in np.ndindex(theta.shape[1:]):
        bump = np.zeros_like(theta)
        bump[(slice(None), *index)] = STEP
        up = expected_return(mdp, tabular_softmax_policy(theta + bump))
        down = expected_return(mdp, tabular_softmax_policy(theta - bump))
        gradient[(slice(None), *index)] = (up - down) / (2 * STEP)
    return gradient


def feature_finite_differences(mdp, features: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Central differences of η(softmax φ·θ) for every θ[k] (θ has shape (B, k))."""
    gradient = np.zeros_like(theta)
    for k in range(theta.shape[-1]):
        bump = np.zeros_like(theta)
        bump[:, k] = STEP
        up = expected_return(mdp, feature_softmax_policy(features, theta + bump))
        down = expected_return(mdp, feature_softmax_policy(features, theta - bump))
        gradient[:, k] = (up - down) / (2 * STEP)
    return gradient


def _tolerance(mdp) -> float:
    # Central differences err by O(STEP²) plus rounding O(ε η / STEP); gradients of η scale
    # like max|r| / (1-γ)².  Observed errors stay below 1e-10 of that scale.
    return 1e-8 * (1 + np.abs(mdp.r).max()) / (1 - mdp.gamma.max()) ** 2


@PROPERTY_SETTINGS
@given(numeric_mdps(), st.integers(0, 2**32 - 1))
def test_tabular_softmax_gradient_matches_finite_differences(mdp, seed: int) -> None:
    theta = np.random.default_rng(seed).normal(size=(mdp.batch_size, mdp.num_states, mdp.num_actions))
    exact = policy_gradient(mdp, tabular_softmax_policy(theta))
    assert exact.shape == theta.shape
    np.testing.assert_allclose(exact, tabular_finite_differences(mdp, theta), atol=_tolerance(mdp), rtol=1e-6)


@SLOW_PROPERTY_SETTINGS
@given(numeric_mdps(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_feature_softmax_gradient_matches_finite_differences(mdp, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(mdp.num_states, mdp.num_actions, k))
    theta = rng.normal(size=(mdp.batch_size, k))
    exact = policy_gradient(mdp, feature_softmax_policy(features, theta), features=features)
    assert exact.shape == theta.shape
    np.testing.assert_allclose(
        exact, feature_finite_differences(mdp, features, theta), atol=_tolerance(mdp), rtol=1e-6
    )


def test_tabular_gradient_is_the_policy_gradient_theorem() -> None:
    # ∂η/∂θ[s,a] = d_π(s) π(a|s) A_π(s,a), term by term, on an exact MDP.
    mdp = random_mdp(3, 2, seed=8, backend="exact")
    policy = random_policy(mdp, seed=2)
    result = evaluate_policy(mdp, policy)
    gradient = policy_gradient(mdp, policy)
    for s in range(3):
        for a in range(2):
            expected = result.occupancy[0, s] * result.policy[0, s, a] * result.A[0, s, a]
            assert gradient[0, s, a] == expected
    # Softmax gradients in θ[s, ·] sum to zero: shifting a row of θ leaves π unchanged.
    assert all(total == 0 for total in gradient.sum(axis=-1).flat)


def test_exact_gradient_agrees_with_numeric_gradient() -> None:
    mdp = random_mdp(3, 3, batch=2, seed=5, backend="exact")
    policy = random_policy(mdp, seed=9)
    features = np.arange(18).reshape(3, 3, 2) % 5 - 2
    float_mdp = type(mdp).create(mdp.P, mdp.r, mdp.h, mdp.gamma, backend="numeric")
    float_policy = np.asarray(policy, dtype=np.float64)
    for extra in ({}, {"features": features}):
        exact = policy_gradient(mdp, policy, **extra)
        assert all(isinstance(x, type(q(1))) for x in exact.flat)
        numeric = policy_gradient(float_mdp, float_policy, **extra)
        np.testing.assert_allclose(numeric, np.asarray(exact, dtype=np.float64), rtol=1e-10, atol=1e-12)


def test_gradient_ascent_step_improves_the_return() -> None:
    mdp = random_mdp(4, 3, batch=5, seed=21)
    theta = np.zeros((5, 4, 3))
    before = expected_return(mdp, tabular_softmax_policy(theta))
    gradient = policy_gradient(mdp, tabular_softmax_policy(theta))
    after = expected_return(mdp, tabular_softmax_policy(theta + 1e-3 * gradient))
    assert np.all(after > before)
    np.testing.assert_allclose(after - before, 1e-3 * (gradient**2).sum(axis=(1, 2)), rtol=1e-2)


def test_bad_feature_shape_is_rejected() -> None:
    mdp = random_mdp(3, 2, seed=0)
    policy = random_policy(mdp, seed=0)
    with pytest.raises(ValueError, match=r"features must have shape \(S, A, k\) = \(3, 2, k\); got \(2, 3, 1\)"):
        policy_gradient(mdp, policy, features=np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match=r"got \(3, 2\)"):
        policy_gradient(mdp, policy, features=np.zeros((3, 2)))
