"""When does the new policy improve? The statement chain of lines 210–225 of the seed post.

Notes
-----
E_{τ∼ρ_θ'}[Σ_t γ^t A_{π_θ}(s_t,a_t)] > 0 ⟹ Σ_t γ^t E_{τ∼ρ_θ'}[A_{π_θ}(s_t,a_t)] > 0
∴ ∀(s,a) ∼ P_{π_θ'}(s,a): A_{π_θ}(s,a) > 0 ⟹ r(s,a) + γV_{π_θ}(s') − V_{π_θ}(s) > 0
⟹ r(s,a) + γV_{π_θ}(s') > V_{π_θ}(s);
and the bullets after it: improvement requires every visited action to have r + γV(s') > V(s).
"""

from __future__ import annotations

from sympy import Integer, Sum, Tuple, oo

from derivations.common import SOURCE, a, over_trajectories, pi_theta, pi_theta_new, s, s_next
from symrl.check import Claim, Derivation, Relation, Statement, StatementChain, StatementLine, World
from symrl.expr import (
    ActionAt,
    Advantage,
    Return,
    Reward,
    Sample,
    StateAt,
    TransitionDistribution,
    Value,
    VisitationDistribution,
    gamma,
    t,
)

__all__ = ["DERIVATION"]

WORLD = World()
"""π_θ and π_θ' range over all policies (tabular softmax reaches every interior policy)."""

VISITED = Sample(Tuple(s, a), VisitationDistribution(pi_theta_new))
NEXT = Sample(s_next, TransitionDistribution(s, a))

expected_advantage = over_trajectories(
    Sum(gamma**t * Advantage(pi_theta, StateAt(t), ActionAt(t)), (t, 0, oo)), pi_theta_new
)
advantage_per_step = Sum(
    gamma**t * over_trajectories(Advantage(pi_theta, StateAt(t), ActionAt(t)), pi_theta_new), (t, 0, oo)
)
one_step_gain = Reward(s, a) + gamma * Value(pi_theta, s_next) - Value(pi_theta, s)

CHAIN = StatementChain(
    name="improvement condition",
    block=19,
    world=WORLD,
    lines=(
        StatementLine(
            Statement(expected_advantage, Relation.GT, Integer(0)),
            r"\mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty \gamma^t "
            r"A_{\pi_\theta}(s_t, a_t)\right] > 0",
            214,
        ),
        StatementLine(
            Statement(advantage_per_step, Relation.GT, Integer(0)),
            r"\sum_{t=0}^\infty \gamma^t \mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}"
            r"\left[  A_{\pi_\theta}(s_t, a_t)\right] > 0",
            215,
        ),
        StatementLine(
            Statement(Advantage(pi_theta, s, a), Relation.GT, Integer(0), domain=(VISITED,)),
            r"\therefore \forall (s,a) \sim P_{\pi_{\theta'}}(s, a), A_{\pi_\theta}(s, a) > 0",
            216,
        ),
        StatementLine(
            Statement(one_step_gain, Relation.GT, Integer(0), domain=(VISITED, NEXT)),
            r"r(s, a) + \gamma V_{\pi_\theta}(s') - V_{\pi_\theta}(s) > 0",
            217,
        ),
        StatementLine(
            Statement(
                Reward(s, a) + gamma * Value(pi_theta, s_next), Relation.GT, Value(pi_theta, s), domain=(VISITED, NEXT)
            ),
            r"r(s, a) + \gamma V_{\pi_\theta}(s') > V_{\pi_\theta}(s)",
            218,
        ),
    ),
)

NECESSARY_CONDITION = Claim(
    name="improvement-requires-better-steps",
    line=222,
    summary=(
        "for η to improve, every action the new policy takes must satisfy r(s,a) + γV(s') > V(s) "
        "(the bullets' necessary condition)"
    ),
    premises=(Statement(Return(pi_theta_new), Relation.GT, Return(pi_theta)),),
    conclusion=Statement(one_step_gain, Relation.GT, Integer(0), domain=(VISITED, NEXT)),
    world=WORLD,
)

DERIVATION = Derivation(name="improvement_condition", source=SOURCE, items=(CHAIN, NECESSARY_CONDITION))
