"""A policy is a distribution over actions in every state (seed post, lines 38–40).

Notes
-----
π(a|s) ∈ [0, 1] and Σ_{a∈A(s)} π(a|s) = 1, for every policy π and state s.
"""

from __future__ import annotations

from sympy import Integer

from derivations.common import SOURCE, a, pi, s
from symrl.check import Derivation, Relation, Statement, StatementChain, StatementLine
from symrl.expr import PolicyProbability, SumOver

__all__ = ["DERIVATION"]

CONSTRAINTS = StatementChain(
    name="policy constraints",
    block=1,
    mode="facts",
    lines=(
        StatementLine(Statement(PolicyProbability(pi, a, s), Relation.GE, Integer(0)), r"\pi(a|s) \in [0, 1]", 39),
        StatementLine(Statement(PolicyProbability(pi, a, s), Relation.LE, Integer(1)), r"\pi(a|s) \in [0, 1]", 39),
        StatementLine(
            Statement(SumOver(PolicyProbability(pi, a, s), a), Relation.EQ, Integer(1)),
            r"\sum_{a\in A(s)}\pi(a|s) = 1",
            39,
        ),
    ),
)

DERIVATION = Derivation(name="policy_constraints", source=SOURCE, items=(CONSTRAINTS,))
