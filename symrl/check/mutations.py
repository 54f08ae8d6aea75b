"""Nearby expressions: the edits a slip makes (sign, index, factor, policy, time); used for fixes and mutants."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import sympy
from sympy import Add, Expr, Mul, Sum

from symrl.check.relations import Relation
from symrl.expr import (
    ActionAt,
    Expectation,
    PolicySymbol,
    Reduction,
    RLQuantity,
    StateAt,
    gamma,
)

__all__ = ["MUTATION_CODES", "Mutation", "expression_mutations", "relation_mutations"]

MUTATION_CODES: dict[str, str] = {
    "sign-flip": "flip the sign of a term",
    "index-shift": "shift the start index of a sum",
    "missing-factor": "add a factor of γ",
    "extra-factor": "remove a factor",
    "policy-swap": "swap one policy for another",
    "dropped-term": "drop a term",
    "time-shift": "shift a trajectory variable by one step",
    "relation": "change the relation",
}
"""Diagnostic codes of the edits, shown as ``[code]`` with a suggested fix."""


@dataclass(frozen=True)
class Mutation:
    """One edit: its code, a human description, and the edited expression (or relation)."""

    code: str
    description: str
    expr: Expr | None = None
    relation: Relation | None = None


def relation_mutations(relation: Relation) -> Iterator[Mutation]:
    """Weaker or reversed relations to try when ``relation`` fails.

    >>> [m.relation.symbol for m in relation_mutations(Relation.EQ)]
    ['≥', '≤']
    """
    for other in _RELATION_EDITS.get(relation, ()):
        yield Mutation("relation", f"use {other.symbol} instead of {relation.symbol}", relation=other)


_RELATION_EDITS = {
    Relation.EQ: (Relation.GE, Relation.LE),
    Relation.GT: (Relation.GE, Relation.LT),
    Relation.LT: (Relation.LE, Relation.GT),
    Relation.GE: (Relation.EQ, Relation.LE),
    Relation.LE: (Relation.EQ, Relation.GE),
}


def expression_mutations(expr: Expr, policies: tuple[str, ...] = ()) -> Iterator[Mutation]:
    """Every single-edit variant of ``expr``, outermost edits first, without duplicates.

    ``policies`` are the policy names a swap may introduce (those of the surrounding step).
    """
    seen = {expr}
    candidates = _mutations(expr, policies)
    if not isinstance(expr, Add):
        negated = Mutation("sign-flip", f"flip the sign of {sympy.latex(expr)}", -expr)
        candidates = itertools.chain([negated], candidates)
    for mutation in candidates:
        if mutation.expr is not None and mutation.expr not in seen:
            seen.add(mutation.expr)
            yield mutation


def _mutations(expr: Expr, policies: tuple[str, ...]) -> Iterator[Mutation]:
    latex = sympy.latex
    if isinstance(expr, Add):
        for index, term in enumerate(expr.args):
            rest = [arg for i, arg in enumerate(expr.args) if i != index]
            yield Mutation("sign-flip", f"flip the sign of {latex(term)}", Add(*rest, -term))
        for index, term in enumerate(expr.args):
            rest = [arg for i, arg in enumerate(expr.args) if i != index]
            yield Mutation("dropped-term", f"drop the term {latex(term)}", Add(*rest))
    if isinstance(expr, Mul):
        factors = expr.args
        for index, factor in enumerate(factors):
            if factor == -1:
                continue
            rest = [arg for i, arg in enumerate(factors) if i != index]
            yield Mutation("extra-factor", f"remove the factor {latex(factor)}", Mul(*rest))
    if isinstance(expr, Sum):
        body, (index, lower, upper) = expr.args[0], expr.limits[0]
        for shift in (-1, 1):
            if (lower + shift).is_nonnegative:
                yield Mutation(
                    "index-shift",
                    f"start the sum at {index} = {lower + shift}",
                    Sum(body, (index, lower + shift, upper)),
                )
    if expr.is_commutative and not expr.is_Number and expr != gamma and not isinstance(expr, PolicySymbol):
        if _is_term(expr):
            yield Mutation("missing-factor", f"multiply {latex(expr)} by γ", gamma * expr)
    if isinstance(expr, RLQuantity):
        yield from _node_mutations(expr, policies)
        return
    for position, arg in enumerate(expr.args):
        if not isinstance(arg, Expr) or arg.is_Number or isinstance(arg, PolicySymbol):
            continue
        for inner in _mutations(arg, policies):
            args = list(expr.args)
            args[position] = inner.expr
            try:
                rebuilt = expr.func(*args)
            except (TypeError, ValueError):
                continue
            yield Mutation(inner.code, inner.description, rebuilt)


def _is_term(expr: Expr) -> bool:
    """Terms worth scaling by γ: RL quantities and sums, not bare numbers or distributions."""
    return isinstance(expr, (RLQuantity, Expectation, Sum, Reduction)) and not isinstance(expr, (StateAt, ActionAt))


def _node_mutations(node: RLQuantity, policies: tuple[str, ...]) -> Iterator[Mutation]:
    latex = sympy.latex
    for position, arg in enumerate(node.args):
        if isinstance(arg, PolicySymbol):
            for other in policies:
                if other != arg.name:
                    args = list(node.args)
                    args[position] = PolicySymbol(other)
                    swapped = node.func(*args)
                    yield Mutation("policy-swap", f"use {latex(PolicySymbol(other))} in {latex(node)}", swapped)
        if isinstance(arg, (StateAt, ActionAt)):
            for shift in (-1, 1):
                moved = arg.func(arg.args[0] + shift)
                if (moved.args[0].subs(sympy.Symbol("t", integer=True, nonnegative=True), 0)).is_negative:
                    continue
                args = list(node.args)
                args[position] = moved
                yield Mutation("time-shift", f"use {latex(moved)} instead of {latex(arg)}", node.func(*args))
