"""Exact policy evaluation: V, Q, A, η, discounted occupancies and trajectory expectations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from symrl.mdp.backends import batched_inverse, float_chunk, inverse_batch_last
from symrl.mdp.finite import FiniteMDP, as_policy, batch_axis, convert_entries

__all__ = [
    "PolicyEvaluation",
    "evaluate_policy",
    "policy_transition_matrix",
    "policy_reward",
    "state_values",
    "action_values",
    "advantages",
    "expected_return",
    "discounted_occupancy",
    "discounted_state_action_occupancy",
    "trajectory_expectation",
]


@dataclass(frozen=True)
class PolicyEvaluation:
    """Every quantity of one policy on a batch of MDPs, from a single linear solve.

    ``V (B,S)``, ``Q (B,S,A)``, ``A (B,S,A)``, ``eta (B,)``, ``occupancy (B,S)`` with
    ``occupancy[s] = Σ_t γ^t Pr(s_t = s)`` (unnormalised, sums to ``1/(1-γ)``).
    """

    policy: np.ndarray
    V: np.ndarray
    Q: np.ndarray
    A: np.ndarray
    eta: np.ndarray
    occupancy: np.ndarray


def policy_transition_matrix(mdp: FiniteMDP, policy: np.ndarray) -> np.ndarray:
    """``P_π[s, s'] = Σ_a π(a|s) P(s'|s,a)``, shape ``(B, S, S)``."""
    return np.einsum("bsa,bsat->bst", policy, mdp.P)


def policy_reward(mdp: FiniteMDP, policy: np.ndarray) -> np.ndarray:
    """``r_π[s] = Σ_a π(a|s) r(s,a)``, shape ``(B, S)``."""
    return np.einsum("bsa,bsa->bs", policy, mdp.r)


def _resolvent(mdp: FiniteMDP, policy: np.ndarray) -> np.ndarray:
    """``(I - γ P_π)^{-1}``: row s holds ``Σ_t γ^t Pr(s_t = · | s_0 = s)``."""
    identity = np.eye(mdp.num_states, dtype=int)
    if mdp.backend != "numeric":
        identity = identity.astype(object)
    return batched_inverse(identity - mdp.gamma[:, None, None] * policy_transition_matrix(mdp, policy))


def evaluate_policy(mdp: FiniteMDP, policy: Any) -> PolicyEvaluation:
    """Evaluate ``policy`` exactly (no truncation) on every MDP of the batch.

    >>> mdp = FiniteMDP.create(P=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]], r=[[0, 1], [0, 0]],
    ...                        h=[1, 0], gamma="1/2", backend="exact")
    >>> result = evaluate_policy(mdp, [[0, 1], [1, 0]])
    >>> result.V.tolist(), result.Q.tolist()
    ([[1, 0]], [[[1/2, 1], [0, 0]]])
    """
    pi = as_policy(mdp, policy)
    if mdp.backend == "numeric" and mdp.num_states <= _BATCH_LAST_MAX_STATES:
        return PolicyEvaluation(pi, *_evaluate_float(mdp, pi))
    resolvent = _resolvent(mdp, pi)
    V = np.einsum("bst,bt->bs", resolvent, policy_reward(mdp, pi))
    Q = mdp.r + mdp.gamma[:, None, None] * np.einsum("bsat,bt->bsa", mdp.P, V)
    occupancy = np.einsum("bs,bst->bt", mdp.h, resolvent)
    return PolicyEvaluation(
        policy=pi,
        V=V,
        Q=Q,
        A=Q - V[:, :, None],
        eta=np.einsum("bs,bs->b", mdp.h, V),
        occupancy=occupancy,
    )


# Up to this many states the float path below beats einsum + LAPACK; above it, the einsum path.
_BATCH_LAST_MAX_STATES = 8


def _evaluate_float(mdp: FiniteMDP, pi: np.ndarray) -> tuple[np.ndarray, ...]:
    """``V, Q, A, η, occupancy`` of a float batch: the formulas of :func:`evaluate_policy`, fast.

    Small MDPs make every einsum contraction a loop over tiny axes, so instead each chunk of the
    batch is transposed batch-last (``x[s, a, b]``) and every sum over states or actions becomes
    a few whole-array multiply-adds over the contiguous batch axis; the resolvent comes from
    :func:`~symrl.mdp.backends.inverse_batch_last`.  Chunks keep the working set in cache.
    """
    B, S, A = mdp.batch_size, mdp.num_states, mdp.num_actions
    V = np.empty((B, S))
    Q = np.empty((B, S, A))
    advantage = np.empty((B, S, A))
    eta = np.empty(B)
    occupancy = np.empty((B, S))
    step = float_chunk(S * A * S + 4 * S * A + 3 * S * S)  # P; π, r, Q, A; M, R, temporaries
    for start in range(0, B, step):
        chunk = slice(start, min(B, start + step))
        P = _batch_last(mdp.P[chunk])  # P[s, a, t, b]
        w = _batch_last(pi[chunk])  # w[s, a, b] = π(a|s)
        r = _batch_last(mdp.r[chunk])
        h = _batch_last(mdp.h[chunk])
        gamma = mdp.gamma[chunk]
        M = w[:, 0, None] * P[:, 0]  # P_π[s, t, b], then I - γ P_π
        r_pi = w[:, 0] * r[:, 0]
        for a in range(1, A):
            M += w[:, a, None] * P[:, a]
            r_pi += w[:, a] * r[:, a]
        M *= -gamma
        for s in range(S):
            M[s, s] += 1.0
        R = inverse_batch_last(M)
        v = R[:, 0] * r_pi[0]  # V = R r_π
        for t in range(1, S):
            v += R[:, t] * r_pi[t]
        q = P[:, :, 0] * v[0]  # Q = r + γ P V
        for t in range(1, S):
            q += P[:, :, t] * v[t]
        q *= gamma
        q += r
        d = h[0] * R[0]  # occupancy = h R, η = h V
        e = h[0] * v[0]
        for s in range(1, S):
            d += h[s] * R[s]
            e += h[s] * v[s]
        V[chunk] = v.T
        Q[chunk] = q.transpose(2, 0, 1)
        np.subtract(Q[chunk], V[chunk, :, None], out=advantage[chunk])
        eta[chunk] = e
        occupancy[chunk] = d.T
    return V, Q, advantage, eta, occupancy


def _batch_last(arr: np.ndarray) -> np.ndarray:
    """Move the leading batch axis last, contiguously: ``x[b, ...] -> x[..., b]``."""
    return np.ascontiguousarray(np.moveaxis(arr, 0, -1))


def state_values(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``V_π(s)``, the solution of ``V = r_π + γ P_π V``; shape ``(B, S)``."""
    return evaluate_policy(mdp, policy).V


def action_values(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``Q_π(s,a) = r(s,a) + γ Σ_{s'} P(s'|s,a) V_π(s')``; shape ``(B, S, A)``."""
    return evaluate_policy(mdp, policy).Q


def advantages(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``A_π(s,a) = Q_π(s,a) - V_π(s)``; shape ``(B, S, A)``."""
    return evaluate_policy(mdp, policy).A


def expected_return(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``η(π) = Σ_s h(s) V_π(s)``; shape ``(B,)``."""
    return evaluate_policy(mdp, policy).eta


def discounted_occupancy(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``d_π(s) = Σ_t γ^t Pr(s_t = s)`` with ``s_0 ~ h``; shape ``(B, S)``, sums to ``1/(1-γ)``."""
    return evaluate_policy(mdp, policy).occupancy


def discounted_state_action_occupancy(mdp: FiniteMDP, policy: Any) -> np.ndarray:
    """``d_π(s) π(a|s)``; shape ``(B, S, A)``."""
    result = evaluate_policy(mdp, policy)
    return result.occupancy[:, :, None] * result.policy


def trajectory_expectation(mdp: FiniteMDP, policy: Any, f: Any) -> np.ndarray:
    """``E_{τ∼ρ_π}[Σ_{t≥0} γ^t f(s_t, a_t, s_{t+1})]`` exactly, for ``f[s, a, s']``; shape ``(B,)``.

    ``f`` has shape ``(S, A, S)`` (shared by the batch) or ``(B, S, A, S)``.  The infinite sum
    is not truncated: it equals ``Σ_{s,a} d_π(s) π(a|s) Σ_{s'} P(s'|s,a) f(s,a,s')``.
    """
    S, A = mdp.num_states, mdp.num_actions
    values = convert_entries(np.asarray(f, dtype=mdp.P.dtype), mdp.backend)
    values = batch_axis(values, "f", (mdp.batch_size, S, A, S))
    weights = discounted_state_action_occupancy(mdp, policy)
    return np.einsum("bsa,bsat,bsat->b", weights, mdp.P, values)
