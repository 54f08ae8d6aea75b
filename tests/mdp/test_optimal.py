"""Optimal values and policies: value iteration, policy iteration, and independent solvers."""

from __future__ import annotations

import mdptoolbox.mdp
import numpy as np
import pytest
from hypothesis import given

from symrl.mdp import (
    MDP_KINDS,
    FiniteMDP,
    bellman_optimality_backup,
    evaluate_policy,
    greedy_policy,
    policy_iteration,
    random_mdp,
    random_policy,
    value_iteration,
)
from tests.strategies import PROPERTY_SETTINGS, chain_mdp, exact_mdps, numeric_mdps, q

TOLERANCE = 1e-10


def plain_value_iteration(P, r, gamma: float, sweeps: int) -> list[float]:
    """Textbook value iteration with Python lists and loops, independent of numpy and symrl."""
    S, A = len(P), len(P[0])
    V = [0.0] * S
    for _ in range(sweeps):
        V = [
            max(r[s][a] + gamma * sum(P[s][a][t] * V[t] for t in range(S)) for a in range(A))
            for s in range(S)
        ]
    return V


def _sweeps(gamma: float, scale: float, tolerance: float) -> int:
    # ‖V_k - V*‖ ≤ γ^k max|r| / (1-γ) from V_0 = 0.
    return int(np.ceil(np.log(tolerance * (1 - gamma) / max(scale, 1e-300)) / np.log(gamma))) + 1


@pytest.mark.parametrize("seed", range(6))
def test_value_iteration_matches_an_independent_plain_python_solver(seed: int) -> None:
    kind = MDP_KINDS[seed % len(MDP_KINDS)]
    mdp = random_mdp(3, 2, seed=seed, kind=kind, gamma=0.85)
    P, r, gamma = mdp.P[0].tolist(), mdp.r[0].tolist(), float(mdp.gamma[0])
    expected = plain_value_iteration(P, r, gamma, _sweeps(gamma, np.abs(mdp.r).max(), 1e-12))
    np.testing.assert_allclose(value_iteration(mdp).V[0], expected, atol=1e-9)
    np.testing.assert_allclose(policy_iteration(mdp).V[0], expected, atol=1e-9)


@pytest.mark.parametrize(("gamma", "best_in_state_0"), [("1/3", 0), ("2/3", 1), ("1/2", 0)])
def test_optimal_policy_on_the_hand_solved_chain(gamma: str, best_in_state_0: int) -> None:
    # Staying in state 0 is worth 1/(1-γ); moving on is worth 2γ/(1-γ); at γ = 1/2 they tie.
    mdp = chain_mdp(gamma).mdp
    g = q(gamma)
    solution = policy_iteration(mdp)
    V1 = 2 / (1 - g)
    V0 = max(1 / (1 - g), g * V1)
    assert solution.V.tolist() == [[V0, V1]]
    assert solution.policy[0].argmax(axis=-1).tolist() == [best_in_state_0, 0]
    assert solution.stop_reason == "policy-stable"
    numeric = value_iteration(chain_mdp(gamma, backend="numeric").mdp)
    np.testing.assert_allclose(numeric.V, [[float(V0), float(V1)]], atol=TOLERANCE)


def test_bellman_optimality_backup_closed_form() -> None:
    mdp = chain_mdp("2/3").mdp
    V = np.array([[q(3), q(6)]], dtype=object)
    expected = [[[1 + q("2/3") * 3, q("2/3") * 6], [2 + q("2/3") * 6, q("2/3") * 6]]]
    assert bellman_optimality_backup(mdp, V).tolist() == expected


@PROPERTY_SETTINGS
@given(numeric_mdps())
def test_value_iteration_is_within_tolerance_of_policy_iteration(mdp) -> None:
    vi = value_iteration(mdp, tolerance=TOLERANCE)
    pi = policy_iteration(mdp)
    assert vi.stop_reason == "converged"
    assert pi.stop_reason == "policy-stable"
    scale = 1 + np.abs(pi.V).max()
    assert np.abs(vi.V - pi.V).max() <= TOLERANCE + 1e-12 * scale
    # V* is a fixed point of the Bellman optimality operator.
    np.testing.assert_allclose(bellman_optimality_backup(mdp, pi.V).max(axis=-1), pi.V, atol=1e-10 * scale)


@PROPERTY_SETTINGS
@given(numeric_mdps())
def test_policy_iteration_returns_a_policy_greedy_for_its_own_values(mdp) -> None:
    solution = policy_iteration(mdp)
    result = evaluate_policy(mdp, solution.policy)
    np.testing.assert_array_equal(greedy_policy(result.Q, keep=solution.policy), solution.policy)
    np.testing.assert_allclose(result.V, solution.V, atol=1e-12 * (1 + np.abs(solution.V).max()))
    assert np.all(np.isin(solution.policy, (0.0, 1.0)))
    np.testing.assert_array_equal(solution.policy.sum(axis=-1), 1)
    # No policy beats it anywhere.
    for seed in range(3):
        other = evaluate_policy(mdp, random_policy(mdp, seed=seed)).V
        assert np.all(other <= solution.V + 1e-9 * (1 + np.abs(solution.V).max()))


@PROPERTY_SETTINGS
@given(exact_mdps(max_batch=2))
def test_exact_policy_iteration_satisfies_bellman_optimality_exactly(mdp) -> None:
    solution = policy_iteration(mdp)
    assert solution.stop_reason == "policy-stable"
    backup = bellman_optimality_backup(mdp, solution.V)
    assert np.array_equal(backup.max(axis=-1), solution.V)
    float_mdp = FiniteMDP.create(mdp.P, mdp.r, mdp.h, mdp.gamma, backend="numeric")
    np.testing.assert_allclose(
        policy_iteration(float_mdp).V, np.asarray(solution.V, dtype=np.float64), rtol=1e-10, atol=1e-10
    )


def test_value_iteration_reports_running_out_of_iterations() -> None:
    mdp = random_mdp(3, 2, seed=0, gamma=0.99)
    solution = value_iteration(mdp, max_iterations=3)
    assert solution.stop_reason == "max-iterations"
    assert solution.iterations == 3
    plain = plain_value_iteration(mdp.P[0].tolist(), mdp.r[0].tolist(), 0.99, 3)
    np.testing.assert_allclose(solution.V[0], plain, rtol=1e-12)


def test_value_iteration_refuses_exact_mdps() -> None:
    with pytest.raises(ValueError, match="use policy_iteration for exact MDPs"):
        value_iteration(random_mdp(2, 2, backend="exact"))


def test_policy_iteration_starts_from_the_first_action_and_stops_at_once_when_optimal() -> None:
    # Action 0 is optimal everywhere (it pays 1, action 1 pays 0, same transitions).
    P = np.full((3, 2, 3), 1 / 3)
    mdp = FiniteMDP.create(P, [[1.0, 0.0]] * 3, np.full(3, 1 / 3), 0.5)
    solution = policy_iteration(mdp)
    assert solution.iterations == 1
    assert solution.stop_reason == "policy-stable"
    np.testing.assert_allclose(solution.V, [[2.0, 2.0, 2.0]])


def test_policy_iteration_keeps_tied_actions_and_terminates() -> None:
    # Both actions are identical, so every policy is optimal; keep=… must stop the iteration.
    mdp = FiniteMDP.create(np.full((2, 2, 2), 0.5), [[1.0, 1.0], [0.0, 0.0]], [0.5, 0.5], 0.9)
    solution = policy_iteration(mdp)
    assert solution.stop_reason == "policy-stable"
    assert solution.iterations == 1


# --- against pymdptoolbox ------------------------------------------------------------------------


def _toolbox_arrays(mdp: FiniteMDP, index: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """pymdptoolbox wants P as (A, S, S) and R as (S, A)."""
    return mdp.P[index].transpose(1, 0, 2).copy(), mdp.r[index].copy(), float(mdp.gamma[index])


@pytest.mark.parametrize("kind", MDP_KINDS)
@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.97])
def test_optimal_values_agree_with_pymdptoolbox(kind: str, gamma: float) -> None:
    mdp = random_mdp(5, 3, seed=13, kind=kind, gamma=gamma)
    P, R, discount = _toolbox_arrays(mdp)
    toolbox_pi = mdptoolbox.mdp.PolicyIteration(P, R, discount)
    toolbox_pi.run()
    ours = policy_iteration(mdp)
    scale = 1 + np.abs(ours.V).max()
    np.testing.assert_allclose(ours.V[0], toolbox_pi.V, atol=1e-9 * scale)
    np.testing.assert_allclose(value_iteration(mdp).V[0], toolbox_pi.V, atol=1e-9 * scale)
    # pymdptoolbox's value iteration stops on a span criterion: its values may be shifted, but
    # the policy it returns must be optimal.
    toolbox_vi = mdptoolbox.mdp.ValueIteration(P, R, discount, epsilon=1e-12)
    toolbox_vi.run()
    toolbox_policy = np.eye(mdp.num_actions)[list(toolbox_vi.policy)]
    np.testing.assert_allclose(evaluate_policy(mdp, toolbox_policy).V, ours.V, atol=1e-8 * scale)
