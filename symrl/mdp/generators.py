"""Seeded random MDPs and policies: dense, deterministic, near-deterministic, absorbing, sparse."""

from __future__ import annotations

from typing import Literal

import flint
import numpy as np

from symrl.errors import MDPError
from symrl.mdp.backends import Backend, to_exact
from symrl.mdp.finite import FiniteMDP

__all__ = ["MDPKind", "MDP_KINDS", "random_mdp", "random_policy"]

MDPKind = Literal["dense", "deterministic", "near-deterministic", "absorbing", "sparse"]
MDP_KINDS: tuple[MDPKind, ...] = ("dense", "deterministic", "near-deterministic", "absorbing", "sparse")

# Exact instances use small integer weights so that counterexamples stay readable by hand.
EXACT_WEIGHT_RANGE = 4
EXACT_REWARD_RANGE = 3
NEAR_DETERMINISTIC_MASS = 1e-3
SPARSE_SUPPORT = 2


def random_mdp(
    states: int,
    actions: int,
    *,
    batch: int = 1,
    seed: int = 0,
    kind: MDPKind = "dense",
    backend: Backend = "numeric",
    gamma: float | str | None = None,
) -> FiniteMDP:
    """A batch of random MDPs of one kind, reproducible from ``seed``.

    Kinds: ``dense`` (Dirichlet rows), ``deterministic`` (one next state per ``(s, a)``),
    ``near-deterministic`` (one next state carries all but ``1e-3`` of the mass; numeric only),
    ``absorbing`` (the last state loops to itself with reward 0), ``sparse`` (at most two next
    states).  Exact MDPs have small rational entries; ``gamma`` defaults to a random value in
    ``(0, 1)``.

    >>> random_mdp(3, 2, batch=5, seed=1).P.shape
    (5, 3, 2, 3)
    """
    if states < 1 or actions < 1 or batch < 1:
        raise MDPError(f"random_mdp needs positive sizes; got states={states}, actions={actions}, batch={batch}")
    if kind not in MDP_KINDS:
        raise MDPError(f"unknown MDP kind {kind!r}; expected one of {', '.join(MDP_KINDS)}")
    if backend == "symbolic":
        raise MDPError("random_mdp draws numbers; use symbolic_mdp for a generic symbolic MDP")
    rng = np.random.default_rng(seed)
    if backend == "exact":
        return _random_exact(rng, states, actions, batch, kind, gamma)
    if kind == "near-deterministic":
        one_hot = _one_hot_rows(rng, (batch, states, actions), states)
        noise = rng.dirichlet(np.ones(states), size=(batch, states, actions))
        P = (1 - NEAR_DETERMINISTIC_MASS) * one_hot + NEAR_DETERMINISTIC_MASS * noise
    else:
        weights = _kind_weights(rng, (batch, states, actions), states, kind).astype(np.float64)
        weights *= rng.gamma(1.0, size=weights.shape)
        weights[weights.sum(axis=-1) == 0, 0] = 1.0
        P = weights / weights.sum(axis=-1, keepdims=True)
    r = rng.normal(size=(batch, states, actions))
    h = rng.dirichlet(np.ones(states), size=batch)
    if kind == "absorbing":
        P[:, -1] = 0.0
        P[:, -1, :, -1] = 1.0
        r[:, -1] = 0.0
    # float("1/2") fails; reading γ as an exact rational first accepts every form exact MDPs take.
    discount = rng.uniform(0.05, 0.95, size=batch) if gamma is None else np.full(batch, float(to_exact(gamma)))
    return FiniteMDP.create(P, r, h, discount, backend="numeric")


def random_policy(mdp: FiniteMDP, *, seed: int = 0, deterministic: bool = False) -> np.ndarray:
    """A random policy for every MDP of the batch, in the MDP's number type."""
    rng = np.random.default_rng(seed)
    shape = (mdp.batch_size, mdp.num_states, mdp.num_actions)
    if deterministic:
        weights = _one_hot_rows(rng, shape[:2], mdp.num_actions)
    elif mdp.backend == "exact":
        weights = rng.integers(0, EXACT_WEIGHT_RANGE + 1, size=shape)
        weights[weights.sum(axis=-1) == 0, 0] = 1
    else:
        return rng.dirichlet(np.ones(mdp.num_actions), size=shape[:2])
    if mdp.backend == "numeric":
        return weights / weights.sum(axis=-1, keepdims=True)
    return _normalise_exact(weights)


def _kind_weights(rng: np.random.Generator, shape: tuple[int, ...], width: int, kind: MDPKind) -> np.ndarray:
    if kind == "deterministic":
        return _one_hot_rows(rng, shape, width)
    if kind == "sparse":
        support = np.zeros(shape + (width,), dtype=np.int64)
        for _ in range(SPARSE_SUPPORT):
            support |= _one_hot_rows(rng, shape, width)
        return support
    return np.ones(shape + (width,), dtype=np.int64)


def _one_hot_rows(rng: np.random.Generator, shape: tuple[int, ...], width: int) -> np.ndarray:
    return (rng.integers(0, width, size=shape)[..., None] == np.arange(width)).astype(np.int64)


def _normalise_exact(weights: np.ndarray) -> np.ndarray:
    totals = weights.sum(axis=-1, keepdims=True)
    out = np.empty(weights.shape, dtype=object)
    for index, value in np.ndenumerate(weights):
        out[index] = flint.fmpq(int(value), int(totals[index[:-1] + (0,)]))
    return out


def _random_exact(
    rng: np.random.Generator, states: int, actions: int, batch: int, kind: MDPKind, gamma: float | str | None
) -> FiniteMDP:
    if kind == "near-deterministic":
        raise MDPError("near-deterministic MDPs are a float stress test; use backend='numeric'")
    weights = _kind_weights(rng, (batch, states, actions), states, kind)
    if kind in ("dense", "absorbing", "sparse"):
        weights = weights * rng.integers(0, EXACT_WEIGHT_RANGE + 1, size=weights.shape)
        weights[weights.sum(axis=-1) == 0, 0] = 1
    if kind == "absorbing":
        weights[:, -1] = 0
        weights[:, -1, :, -1] = 1
    r = rng.integers(-EXACT_REWARD_RANGE, EXACT_REWARD_RANGE + 1, size=(batch, states, actions))
    if kind == "absorbing":
        r[:, -1] = 0
    h_weights = rng.integers(0, EXACT_WEIGHT_RANGE + 1, size=(batch, states))
    h_weights[h_weights.sum(axis=-1) == 0, 0] = 1
    if gamma is None:
        discount = [flint.fmpq(int(k), 10) for k in rng.integers(1, 10, size=batch)]
    else:
        discount = [gamma] * batch
    return FiniteMDP.create(_normalise_exact(weights), r, _normalise_exact(h_weights), discount, backend="exact")
