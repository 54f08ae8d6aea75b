"""The green side note: a telescoping difference of discounted sums (seed post, line 207).

Notes
-----
Σ_{t≥0} γ^t V(s_t) − Σ_{t≥1} γ^t V(s_t) = V(s_0) + Σ_{t≥0} γ^t V(s_t) − Σ_{t≥1} γ^t V(s_t) = V(s_0),
an identity of random variables of one trajectory (V = V_{π_θ}).
"""

from __future__ import annotations

from sympy import Sum, oo

from derivations.common import SOURCE, pi_theta
from symrl.check import Derivation, ExpressionChain, Relation, Step
from symrl.expr import StateAt, Value, gamma, t

__all__ = ["DERIVATION"]

difference = Sum(gamma**t * Value(pi_theta, StateAt(t)), (t, 0, oo)) - Sum(
    gamma**t * Value(pi_theta, StateAt(t)), (t, 1, oo)
)

CHAIN = ExpressionChain(
    name="telescoping side note",
    block=18,
    start=difference,
    start_latex=r"\sum_{t=0}^\infty \gamma^t V_{\pi_\theta}(s_t) - \sum_{t=1}^\infty \gamma^t V_{\pi_\theta}(s_t)",
    start_line=207,
    steps=(
        Step(
            Relation.EQ,
            Value(pi_theta, StateAt(0)) + difference,
            r"V_{\pi_\theta}(s_0) + \sum_{t=0}^\infty \gamma^t V_{\pi_\theta}(s_t) - \sum_{t=1}^\infty \gamma^t "
            r"V_{\pi_\theta}(s_t)",
            207,
        ),
        Step(Relation.EQ, Value(pi_theta, StateAt(0)), r"V_{\pi_\theta}(s_0)", 207),
    ),
)

DERIVATION = Derivation(name="telescoping_note", source=SOURCE, items=(CHAIN,))
