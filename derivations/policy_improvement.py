"""Policy improvement: greedy π' w.r.t. Q_π is at least as good as π (seed post, lines 63–72).

Notes
-----
η(π') = E_{s∼h}[V_{π'}(s)] = E_h[max_a Q_π(s,a)] ≥ E_h[E_{a∼π} Q_π(s,a)] = E_h[V_π(s)] = η(π),
with π'(s) = argmax_a Q_π(s,a) (defined on line 58).
"""

from __future__ import annotations

from derivations.common import SOURCE, a, over_initial, over_policy, pi, pi_new, s
from symrl.check import Derivation, ExpressionChain, PolicySpec, Relation, Statement, StatementLine, Step, World
from symrl.expr import ActionValue, MaxOver, Return, Value

__all__ = ["DERIVATION", "WORLD"]

WORLD = World(policies=(("pi'", PolicySpec("greedy", base="pi")),))
"""π is any policy; π' is greedy with respect to Q_π (the improvement rule of line 58)."""

CHAIN = ExpressionChain(
    name="policy improvement",
    block=4,
    start=Return(pi_new),
    start_latex=r"\eta(\pi')",
    start_line=65,
    steps=(
        Step(Relation.EQ, over_initial(Value(pi_new, s)), r"\mathbb{E}_{s \sim h(s)}\left[V_{\pi'}(s)\right]", 65),
        Step(
            Relation.EQ,
            over_initial(MaxOver(ActionValue(pi, s, a), a)),
            r"\mathbb{E}_{s \sim h(s)}\left[\max_a Q_\pi(s, a)\right]",
            66,
        ),
        Step(
            Relation.GE,
            over_initial(over_policy(ActionValue(pi, s, a), pi)),
            r"\mathbb{E}_{s \sim h(s)}\left[ \mathbb{E}_{a \sim \pi}\left[Q_\pi(s, a)\right] \right]",
            67,
        ),
        Step(Relation.EQ, over_initial(Value(pi, s)), r"\mathbb{E}_{s \sim h(s)}\left[ V_\pi(s) \right]", 68),
        Step(Relation.EQ, Return(pi), r"\eta(\pi)", 69),
    ),
    world=WORLD,
    conclusion=StatementLine(
        Statement(Return(pi_new), Relation.GE, Return(pi)), r"\therefore \eta(\pi') \geq \eta(\pi)", 70
    ),
)

DERIVATION = Derivation(name="policy_improvement", source=SOURCE, items=(CHAIN,))
