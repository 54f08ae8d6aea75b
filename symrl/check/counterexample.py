"""Counterexamples: one concrete MDP (exact rationals where possible) with both sides' values."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from symrl.expr import Instance
from symrl.mdp import FiniteMDP, to_exact, to_sympy

__all__ = ["Counterexample", "complexity", "format_number", "rationalize_instance"]

RATIONAL_DENOMINATORS = (2, 4, 10, 100, 1000)


def format_number(value: Any) -> str:
    """A value as a reader writes it: ``3/4``, ``-2``, or the shortest float that reads back exactly."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    expr = to_sympy(value)
    if isinstance(expr, sympy.Rational):
        return str(expr)
    return sympy.sstr(expr)


@dataclass
class Counterexample:
    """A single MDP instance on which a step fails, with the free variables' failing values."""

    instance: Instance
    lhs: Any
    rhs: Any
    assignment: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def exact(self) -> bool:
        return self.instance.mdp.backend == "exact"

    def to_record(self) -> dict:
        mdp = self.instance.mdp
        record = {
            "states": mdp.num_states,
            "actions": mdp.num_actions,
            "exact": self.exact,
            "gamma": format_number(mdp.gamma[0]),
            "P": _nested(mdp.P[0]),
            "r": _nested(mdp.r[0]),
            "h": _nested(mdp.h[0]),
            "policies": {name: _nested(table[0]) for name, table in sorted(self.instance.policies.items())},
            "at": dict(sorted(self.assignment.items())),
            "lhs": format_number(self.lhs),
            "rhs": format_number(self.rhs),
        }
        if self.instance.bindings:
            record["bindings"] = dict(sorted(self.instance.bindings.items()))
        if self.instance.parameters:
            record["parameters"] = {
                name: _nested(np.asarray(value)[0]) for name, value in sorted(self.instance.parameters.items())
            }
        if self.note:
            record["note"] = self.note
        return record


def _nested(array: np.ndarray) -> list | str:
    if not isinstance(array, np.ndarray):
        return format_number(array)
    if array.ndim == 0:
        return format_number(array.item())
    return [_nested(row) for row in array]


def complexity(instance: Instance) -> int:
    """How hard an exact instance is to read: total size of numerators and denominators."""
    total = 0
    arrays = [instance.mdp.P, instance.mdp.r, instance.mdp.h, instance.mdp.gamma, *instance.policies.values()]
    for array in arrays:
        for value in array.flat:
            if hasattr(value, "p"):
                total += abs(int(value.p)) + int(value.q)
            else:
                total += 1000
    return total


def rationalize_instance(instance: Instance, denominator: int) -> Instance | None:
    """A nearby exact instance: every probability row rounded to ``1/denominator`` steps."""
    mdp = instance.mdp

    def rows(array: np.ndarray) -> np.ndarray:
        out = np.empty(array.shape, dtype=object)
        for index in np.ndindex(array.shape[:-1]):
            values = [Fraction(float(x)).limit_denominator(denominator) for x in array[index]]
            largest = int(np.argmax([float(x) for x in array[index]]))
            values[largest] = 1 - (sum(values) - values[largest])
            if values[largest] < 0:
                return None  # type: ignore[return-value]
            out[index] = values
        return out

    def plain(array: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda x: Fraction(float(x)).limit_denominator(denominator), otypes=[object])(array)

    P, h = rows(mdp.P), rows(mdp.h)
    policies = {name: rows(table) for name, table in instance.policies.items()}
    if P is None or h is None or any(table is None for table in policies.values()):
        return None
    gamma = plain(mdp.gamma)
    if not 0 < gamma[0] < 1:
        return None
    exact = FiniteMDP.create(P, plain(mdp.r), h, gamma, backend="exact")
    converted = {name: np.vectorize(to_exact, otypes=[object])(table) for name, table in policies.items()}
    return Instance(exact, converted, dict(instance.bindings))
