"""Build a FiniteMDP from a gymnasium toy-text environment's transition table ``P``."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from symrl.errors import MDPError
from symrl.mdp.backends import Backend
from symrl.mdp.finite import FiniteMDP

__all__ = ["from_gymnasium"]

# gymnasium stores 1/3 as 0.33333333333333337; exact MDPs recover the intended fraction.
EXACT_DENOMINATOR_LIMIT = 1000


def from_gymnasium(
    env: Any,
    *,
    gamma: float | str,
    backend: Backend = "numeric",
    initial: Any | None = None,
) -> FiniteMDP:
    """Read ``env.unwrapped.P`` (``P[s][a] = [(prob, next, reward, terminated), …]``) into an MDP.

    Rewards are averaged into ``r(s,a) = Σ prob·reward``.  A transition that terminates goes to
    an extra absorbing state (the last one) with reward 0, so values match the episodic return.
    The initial distribution is ``env.unwrapped.initial_state_distrib`` unless ``initial`` is given.

    >>> import gymnasium
    >>> mdp = from_gymnasium(gymnasium.make("FrozenLake-v1"), gamma=0.9)
    >>> (mdp.num_states, mdp.num_actions)
    (17, 4)
    """
    table = getattr(getattr(env, "unwrapped", env), "P", env)
    if not isinstance(table, dict) or not table:
        raise MDPError("from_gymnasium needs a toy-text environment with a transition table env.unwrapped.P")
    states = sorted(table)
    if states != list(range(len(states))):
        raise MDPError("the environment's P table must be keyed by states 0..S-1")
    actions = sorted(table[0])
    S, A = len(states) + 1, len(actions)
    terminal = S - 1
    number = _exact_number if backend == "exact" else float
    P = np.zeros((S, A, S), dtype=object if backend == "exact" else np.float64)
    r = np.zeros((S, A), dtype=P.dtype)
    for s in states:
        if sorted(table[s]) != actions:
            raise MDPError(f"state {s} has actions {sorted(table[s])}, expected {actions}")
        for a in actions:
            for prob, nxt, reward, terminated in table[s][a]:
                prob = number(prob)
                P[s, a, terminal if terminated else int(nxt)] += prob
                r[s, a] += prob * number(reward)
    P[terminal, :, terminal] = 1
    if initial is None:
        initial = getattr(getattr(env, "unwrapped", env), "initial_state_distrib", None)
        if initial is None:
            raise MDPError("the environment has no initial_state_distrib; pass initial=")
    h = np.zeros(S, dtype=P.dtype)
    h[: S - 1] = [number(p) for p in np.asarray(initial, dtype=np.float64)]
    return FiniteMDP.create(P, r, h, gamma, backend=backend)


def _exact_number(value: Any) -> Fraction:
    return Fraction(float(value)).limit_denominator(EXACT_DENOMINATOR_LIMIT)
