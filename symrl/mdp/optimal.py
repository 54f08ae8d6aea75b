"""Optimal values and policies by value iteration and by policy iteration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from symrl.errors import MDPError
from symrl.mdp.finite import FiniteMDP
from symrl.mdp.policies import deterministic_policy, greedy_policy
from symrl.mdp.quantities import evaluate_policy

__all__ = ["OptimalSolution", "value_iteration", "policy_iteration", "bellman_optimality_backup"]

StopReason = Literal["converged", "max-iterations", "policy-stable"]
CONVERGED: StopReason = "converged"
MAX_ITERATIONS: StopReason = "max-iterations"
POLICY_STABLE: StopReason = "policy-stable"

DEFAULT_TOLERANCE = 1e-10
DEFAULT_MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class OptimalSolution:
    """Optimal ``V* (B,S)``, a greedy optimal policy ``(B,S,A)``, and how the solver stopped."""

    V: np.ndarray
    policy: np.ndarray
    iterations: int
    stop_reason: StopReason


def bellman_optimality_backup(mdp: FiniteMDP, V: np.ndarray) -> np.ndarray:
    """``(T V)(s, a) = r(s,a) + γ Σ_{s'} P(s'|s,a) V(s')``; the max over ``a`` is the caller's."""
    return mdp.r + mdp.gamma[:, None, None] * np.einsum("bsat,bt->bsa", mdp.P, V)


def value_iteration(
    mdp: FiniteMDP,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> OptimalSolution:
    """Iterate ``V ← max_a T V`` until ``‖V* - V‖_∞ ≤ tolerance`` is guaranteed (numeric only).

    The stop test uses the contraction bound ``‖V* - V_k‖ ≤ γ/(1-γ) ‖V_k - V_{k-1}‖``.
    """
    if mdp.backend != "numeric":
        raise MDPError("value_iteration converges only in the limit; use policy_iteration for exact MDPs")
    V = np.zeros((mdp.batch_size, mdp.num_states))
    gamma = mdp.gamma[:, None]
    for iteration in range(1, max_iterations + 1):
        updated = bellman_optimality_backup(mdp, V).max(axis=-1)
        change = np.abs(updated - V).max(axis=-1, keepdims=True)
        V = updated
        if np.all(gamma / (1 - gamma) * change <= tolerance):
            return OptimalSolution(V, greedy_policy(bellman_optimality_backup(mdp, V)), iteration, CONVERGED)
    return OptimalSolution(V, greedy_policy(bellman_optimality_backup(mdp, V)), max_iterations, MAX_ITERATIONS)


def policy_iteration(mdp: FiniteMDP, *, max_iterations: int = 10_000) -> OptimalSolution:
    """Howard's policy iteration from the all-first-action policy; exact on exact MDPs."""
    policy = deterministic_policy(mdp, np.zeros(mdp.num_states, dtype=int))
    for iteration in range(1, max_iterations + 1):
        result = evaluate_policy(mdp, policy)
        improved = greedy_policy(result.Q, keep=policy)
        if np.array_equal(improved, policy):
            return OptimalSolution(result.V, policy, iteration, POLICY_STABLE)
        policy = improved
    return OptimalSolution(evaluate_policy(mdp, policy).V, policy, max_iterations, MAX_ITERATIONS)
