"""Finite MDPs and their exact quantities, in numeric, exact and symbolic backends."""

from symrl.mdp.backends import BACKENDS, Backend, batched_inverse, infer_backend, to_exact, to_sympy
from symrl.mdp.finite import FiniteMDP, as_policy
from symrl.mdp.generators import MDP_KINDS, MDPKind, random_mdp, random_policy
from symrl.mdp.gradient import policy_gradient
from symrl.mdp.gym_adapter import from_gymnasium
from symrl.mdp.optimal import OptimalSolution, bellman_optimality_backup, policy_iteration, value_iteration
from symrl.mdp.policies import (
    deterministic_policy,
    feature_softmax_policy,
    greedy_policy,
    tabular_softmax_policy,
    uniform_policy,
)
from symrl.mdp.quantities import (
    PolicyEvaluation,
    action_values,
    advantages,
    discounted_occupancy,
    discounted_state_action_occupancy,
    evaluate_policy,
    expected_return,
    policy_reward,
    policy_transition_matrix,
    state_values,
    trajectory_expectation,
)
from symrl.mdp.symbolic import SymbolicMDP, symbolic_mdp

__all__ = [
    "BACKENDS",
    "Backend",
    "FiniteMDP",
    "MDPKind",
    "MDP_KINDS",
    "OptimalSolution",
    "PolicyEvaluation",
    "SymbolicMDP",
    "action_values",
    "advantages",
    "as_policy",
    "batched_inverse",
    "bellman_optimality_backup",
    "deterministic_policy",
    "discounted_occupancy",
    "discounted_state_action_occupancy",
    "evaluate_policy",
    "expected_return",
    "feature_softmax_policy",
    "from_gymnasium",
    "greedy_policy",
    "infer_backend",
    "policy_gradient",
    "policy_iteration",
    "policy_reward",
    "policy_transition_matrix",
    "random_mdp",
    "random_policy",
    "state_values",
    "symbolic_mdp",
    "tabular_softmax_policy",
    "to_exact",
    "to_sympy",
    "trajectory_expectation",
    "uniform_policy",
    "value_iteration",
]
