"""An instance of the world a formula is read in: an MDP batch, policy tables, fixed bindings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symrl.errors import SymrlError
from symrl.mdp import FiniteMDP, PolicyEvaluation, evaluate_policy, policy_iteration

__all__ = ["Instance", "UnknownPolicyError"]


class UnknownPolicyError(SymrlError, KeyError):
    """A formula names a policy the instance does not define."""


@dataclass
class Instance:
    """A batch of MDPs together with a table for every policy a formula mentions.

    ``policies`` maps a policy symbol's name (``"pi"``, ``"pi'"``, ``"pi_theta'"``) to a
    ``(B, S, A)`` table; ``bindings`` pins free state/action symbols to indices (an example MDP in
    the text that names its states).
    """

    mdp: FiniteMDP
    policies: dict[str, np.ndarray]
    bindings: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    _evaluations: dict[str, PolicyEvaluation] = field(default_factory=dict, repr=False)
    _optimal: Any = field(default=None, repr=False)

    def policy(self, name: str) -> np.ndarray:
        """The ``(B, S, A)`` table of the policy called ``name``."""
        try:
            return self.policies[name]
        except KeyError:
            known = ", ".join(sorted(self.policies)) or "none"
            raise UnknownPolicyError(f"no policy named {name!r} in this instance (known: {known})") from None

    def evaluation(self, name: str) -> PolicyEvaluation:
        """V, Q, A, η and occupancy of a named policy, computed once per instance."""
        if name not in self._evaluations:
            self._evaluations[name] = evaluate_policy(self.mdp, self.policy(name))
        return self._evaluations[name]

    def optimal_values(self) -> np.ndarray:
        """``V*`` of every MDP of the batch (policy iteration: exact on exact MDPs)."""
        if self._optimal is None:
            # Policy iteration: exact on exact MDPs and, in floats, a few linear solves instead of
            # the thousands of sweeps value iteration needs at γ near 1.
            self._optimal = policy_iteration(self.mdp).V
        return self._optimal

    def select(self, index: int) -> Instance:
        """The single instance at ``index`` of the batch."""
        return Instance(
            mdp=self.mdp.instance(index),
            policies={name: table[index : index + 1] for name, table in self.policies.items()},
            bindings=dict(self.bindings),
            parameters={name: value[index : index + 1] for name, value in self.parameters.items()},
        )
