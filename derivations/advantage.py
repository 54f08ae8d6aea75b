"""The advantage and its one-sample estimate (seed post, lines 139–146).

Notes
-----
A_π(s,a) = Q_π(s,a) − E_{a∼π}[Q_π(s,a)] = Q_π(s,a) − V_π(s)
= E_{s'∼P(s'|s,a)}[r(s,a) + γ V_π(s')] − V_π(s) ≈ r(s,a) + γ V_π(s') − V_π(s).
The bound a of E_{a∼π} shadows the free a; the ≈ samples s' ∼ P(·|s,a).
"""

from __future__ import annotations

from derivations.common import SOURCE, a, over_next_state, over_policy, pi, s, s_next
from symrl.check import Derivation, ExpressionChain, Relation, Step
from symrl.expr import ActionValue, Advantage, Reward, Sample, TransitionDistribution, Value, gamma

__all__ = ["DERIVATION"]

CHAIN = ExpressionChain(
    name="advantage",
    block=11,
    start=Advantage(pi, s, a),
    start_latex=r"A_{\pi}(s, a)",
    start_line=141,
    steps=(
        Step(
            Relation.EQ,
            ActionValue(pi, s, a) - over_policy(ActionValue(pi, s, a), pi),
            r"Q_\pi(s, a) - \mathbb{E}_{a \sim \pi}\left[Q_\pi(s, a) \right]",
            141,
        ),
        Step(Relation.EQ, ActionValue(pi, s, a) - Value(pi, s), r"Q_\pi(s, a) - V_\pi(s)", 142),
        Step(
            Relation.EQ,
            over_next_state(Reward(s, a) + gamma * Value(pi, s_next)) - Value(pi, s),
            r"\mathbb{E}_{s'\sim P(s'|s, a)}\left[r(s, a) + \gamma V_\pi(s')\right] - V_\pi(s)",
            143,
        ),
        Step(
            Relation.APPROX,
            Reward(s, a) + gamma * Value(pi, s_next) - Value(pi, s),
            r"r(s, a) + \gamma V_\pi(s') - V_\pi(s)",
            144,
            sampled=(Sample(s_next, TransitionDistribution(s, a)),),
        ),
    ),
)

DERIVATION = Derivation(name="advantage", source=SOURCE, items=(CHAIN,))
