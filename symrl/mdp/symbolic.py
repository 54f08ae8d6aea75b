"""The generic symbolic MDP: one symbol per free parameter, simplex constraints built in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from symrl.mdp.finite import FiniteMDP
from symrl.mdp.rational_functions import RationalFunctionField

__all__ = ["SymbolicMDP", "symbolic_mdp"]


@dataclass(frozen=True)
class SymbolicMDP:
    """A generic MDP and policies over one rational-function field.

    ``mdp`` has entries in ``field`` (``ℚ(symbols)``); each distribution's last entry is one
    minus the others, so every identity proved here holds on the whole simplex.  ``policies``
    maps a name (``"pi"``, ``"pi'"`` …) to a generic stochastic policy table ``(1, S, A)``.
    """

    mdp: FiniteMDP
    policies: dict[str, np.ndarray]
    field: RationalFunctionField
    symbols: tuple[sympy.Symbol, ...]


def symbolic_mdp(states: int = 2, actions: int = 2, policies: tuple[str, ...] = ("pi",)) -> SymbolicMDP:
    """Build the generic ``states × actions`` MDP with symbols for ``P, r, h, γ`` and each policy.

    >>> generic = symbolic_mdp(2, 2)
    >>> generic.mdp.P[0, 0, 0].tolist()
    [P_0_0_0, 1 - P_0_0_0]
    """
    names: list[str] = ["gamma"]
    names += [f"P_{s}_{a}_{t}" for s in range(states) for a in range(actions) for t in range(states - 1)]
    names += [f"r_{s}_{a}" for s in range(states) for a in range(actions)]
    names += [f"h_{s}" for s in range(states - 1)]
    for policy in policies:
        names += [f"{_policy_symbol(policy)}_{s}_{a}" for s in range(states) for a in range(actions - 1)]
    symbols = sympy.symbols(names, real=True)
    field = RationalFunctionField(symbols)
    gen = dict(zip(names, field.gens))

    def simplex(prefix: str, width: int) -> list:
        free = [gen[f"{prefix}_{i}" if prefix else str(i)] for i in range(width - 1)]
        return free + [field.one - sum(free, field.zero)]

    P = np.empty((1, states, actions, states), dtype=object)
    r = np.empty((1, states, actions), dtype=object)
    for s in range(states):
        for a in range(actions):
            P[0, s, a] = simplex(f"P_{s}_{a}", states)
            r[0, s, a] = gen[f"r_{s}_{a}"]
    h = np.array([simplex("h", states)], dtype=object)
    gamma = np.array([gen["gamma"]], dtype=object)
    mdp = FiniteMDP.create(P, r, h, gamma, backend="symbolic")
    tables = {}
    for policy in policies:
        table = np.empty((1, states, actions), dtype=object)
        for s in range(states):
            table[0, s] = simplex(f"{_policy_symbol(policy)}_{s}", actions)
        tables[policy] = table
    return SymbolicMDP(mdp=mdp, policies=tables, field=field, symbols=tuple(symbols))


def _policy_symbol(name: str) -> str:
    return name.replace("'", "p")
