"""Policies as tables ``π[s, a] = π(a|s)``: uniform, deterministic, greedy and softmax families."""

from __future__ import annotations

from typing import Any

import numpy as np

from symrl.errors import MDPError
from symrl.mdp.finite import FiniteMDP

__all__ = [
    "uniform_policy",
    "deterministic_policy",
    "greedy_policy",
    "tabular_softmax_policy",
    "feature_softmax_policy",
]


def uniform_policy(mdp: FiniteMDP) -> np.ndarray:
    """``π(a|s) = 1/|A|`` in every state, shape ``(B, S, A)``, in ``mdp``'s number type."""
    shape = (mdp.batch_size, mdp.num_states, mdp.num_actions)
    if mdp.backend == "numeric":
        return np.full(shape, 1.0 / mdp.num_actions)
    one = mdp.P.flat[0] * 0 + 1  # the backend's own 1 (fmpq or field element)
    return np.full(shape, one / mdp.num_actions, dtype=object)


def deterministic_policy(mdp: FiniteMDP, actions: Any) -> np.ndarray:
    """One-hot policy taking ``actions[s]`` (shape ``(S,)`` or ``(B, S)``) in state ``s``.

    >>> mdp = FiniteMDP.create(P=[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], r=[[0, 1], [1, 0]],
    ...                        h=[1, 0], gamma=0.5)
    >>> deterministic_policy(mdp, [1, 0]).tolist()
    [[[0.0, 1.0], [1.0, 0.0]]]
    """
    requested = np.asarray(actions)
    try:
        chosen = np.broadcast_to(requested, (mdp.batch_size, mdp.num_states))
    except ValueError:
        raise MDPError(
            f"deterministic_policy needs actions of shape (S,) = ({mdp.num_states},) or (B, S) = "
            f"({mdp.batch_size}, {mdp.num_states}); got {requested.shape}"
        ) from None
    if not np.issubdtype(chosen.dtype, np.integer):
        raise MDPError(f"deterministic_policy needs integer action indices, got dtype {chosen.dtype}")
    if chosen.size and (chosen.min() < 0 or chosen.max() >= mdp.num_actions):
        raise MDPError(f"action indices must lie in 0..{mdp.num_actions - 1}; got {np.unique(chosen)}")
    one_hot = (chosen[..., None] == np.arange(mdp.num_actions)).astype(np.float64)
    return one_hot if mdp.backend == "numeric" else one_hot.astype(int).astype(object)


def greedy_policy(Q: np.ndarray, *, keep: np.ndarray | None = None) -> np.ndarray:
    """Deterministic policy choosing ``argmax_a Q(s, a)`` (lowest index among ties).

    With ``keep`` (a current deterministic policy) a tied action already chosen is kept, the
    rule policy iteration needs to stop.  Works on float and exact ``Q``; symbolic ``Q`` has no
    order, so it is refused.
    """
    if Q.dtype == object and not _is_ordered(Q.flat[0]):
        raise MDPError("greedy_policy needs numeric or exact Q; a symbolic Q has no order")
    best = Q.max(axis=-1, keepdims=True)
    is_best = Q == best
    choice = np.argmax(is_best, axis=-1)
    if keep is not None:
        kept = np.argmax(keep, axis=-1)
        keep_ok = np.take_along_axis(is_best, kept[..., None], axis=-1)[..., 0]
        choice = np.where(keep_ok, kept, choice)
    one_hot = choice[..., None] == np.arange(Q.shape[-1])
    return one_hot.astype(np.float64) if Q.dtype != object else one_hot.astype(int).astype(object)


def tabular_softmax_policy(theta: Any) -> np.ndarray:
    """``π_θ(a|s) = exp θ[s,a] / Σ_b exp θ[s,b]`` for ``θ`` of shape ``(S, A)`` or ``(B, S, A)``."""
    logits = np.asarray(theta, dtype=np.float64)
    if logits.ndim not in (2, 3):
        raise MDPError(f"tabular softmax θ must have shape (S, A) or (B, S, A); got {logits.shape}")
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    policy = shifted / shifted.sum(axis=-1, keepdims=True)
    return policy if policy.ndim == 3 else policy[None]


def feature_softmax_policy(features: Any, theta: Any) -> np.ndarray:
    """``π_θ(a|s) ∝ exp(φ(s,a)·θ)`` for features ``φ (S, A, k)`` and ``θ (k,)`` or ``(B, k)``."""
    phi = np.asarray(features, dtype=np.float64)
    weights = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    if phi.ndim != 3 or phi.shape[-1] != weights.shape[-1]:
        raise MDPError(
            f"features must have shape (S, A, k) and θ shape (k,) or (B, k); "
            f"got features {phi.shape} and θ {np.shape(theta)}"
        )
    return tabular_softmax_policy(np.einsum("sak,bk->bsa", phi, weights))


def _is_ordered(value: Any) -> bool:
    try:
        return isinstance(value < value, bool)
    except TypeError:
        return False
