"""The improvement rule: act greedily with respect to Q_π (seed post, lines 57–59).

Notes
-----
π'(s) = argmax_a Q_π(s, a): a deterministic policy whose action attains max_a Q_π(s, a).
"""

from __future__ import annotations

from sympy import Integer

from derivations.common import SOURCE, a, pi, pi_new, s
from symrl.check import Derivation, PolicySpec, Relation, Statement, StatementChain, StatementLine, World
from symrl.expr import ActionValue, MaxOver, PolicyAction, PolicyProbability, SumOver

__all__ = ["DERIVATION"]

GREEDY = World(policies=(("pi'", PolicySpec("greedy", base="pi")),))

RULE = StatementChain(
    name="greedy improvement rule",
    block=3,
    mode="facts",
    world=GREEDY,
    lines=(
        StatementLine(
            Statement(ActionValue(pi, s, PolicyAction(pi_new, s)), Relation.EQ, MaxOver(ActionValue(pi, s, a), a)),
            r"\pi'(s) = \arg\max_a Q_\pi(s, a)",
            58,
        ),
        StatementLine(
            Statement(SumOver(PolicyProbability(pi_new, a, s) ** 2, a), Relation.EQ, Integer(1)),
            r"\pi'(s) = \arg\max_a Q_\pi(s, a)",
            58,
        ),
    ),
)
"""The rule is well formed: π' attains the maximum and is deterministic (Σ_a π'(a|s)² = 1)."""

DERIVATION = Derivation(name="greedy_improvement", source=SOURCE, items=(RULE,))
