"""Exact policy gradients ``∇_θ η`` for tabular and linear-feature softmax policies."""

from __future__ import annotations

from typing import Any

import numpy as np

from symrl.errors import MDPError
from symrl.mdp.finite import FiniteMDP
from symrl.mdp.quantities import evaluate_policy

__all__ = ["policy_gradient"]


def policy_gradient(mdp: FiniteMDP, policy: Any, *, features: Any | None = None) -> np.ndarray:
    """Exact ``∇_θ η(θ)`` at the softmax policy whose probabilities are ``policy``.

    By the policy-gradient theorem ``∇_θ η = Σ_s d_π(s) Σ_a π(a|s) A_π(s,a) ∇_θ log π(a|s)``.
    Tabular softmax (``features=None``): ``∂η/∂θ[s,a] = d_π(s) π(a|s) A_π(s,a)``, shape
    ``(B, S, A)``.  Linear-feature softmax with ``φ (S, A, k)``:
    ``Σ_{s,a} d_π(s) π(a|s) A_π(s,a) φ(s,a)`` (the baseline term vanishes because
    ``Σ_a π(a|s) A_π(s,a) = 0``), shape ``(B, k)``.  Being a closed form in ``π``, it is exact
    on exact and symbolic MDPs too.
    """
    result = evaluate_policy(mdp, policy)
    weighted = result.occupancy[:, :, None] * result.policy * result.A
    if features is None:
        return weighted
    phi = np.asarray(features, dtype=mdp.P.dtype)
    if phi.ndim != 3 or phi.shape[:2] != (mdp.num_states, mdp.num_actions):
        raise MDPError(
            f"features must have shape (S, A, k) = ({mdp.num_states}, {mdp.num_actions}, k); "
            f"got {phi.shape}"
        )
    return np.einsum("bsa,sak->bk", weighted, phi)
