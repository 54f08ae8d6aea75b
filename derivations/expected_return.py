"""The value of a policy as the expected value of its start state (seed post, lines 52–54).

Notes
-----
η(π) = E_{s∼h(s)}[V_π(s)].
"""

from __future__ import annotations

from derivations.common import SOURCE, over_initial, pi, s
from symrl.check import Derivation, Relation, Statement, StatementChain, StatementLine
from symrl.expr import Return, Value

__all__ = ["DERIVATION"]

EVALUATION = StatementChain(
    name="policy evaluation",
    block=2,
    mode="facts",
    lines=(
        StatementLine(
            Statement(Return(pi), Relation.EQ, over_initial(Value(pi, s))),
            r"\eta(\pi) = \mathbb{E}_{s \sim h(s)}\left[V_\pi(s)\right]",
            53,
        ),
    ),
)

DERIVATION = Derivation(name="expected_return", source=SOURCE, items=(EVALUATION,))
