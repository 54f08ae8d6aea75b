"""The policy-gradient objective, the update rule and the improvement claim (seed post, lines 111–125, 188–190).

Notes
-----
max_θ η(θ) = max_θ E_{τ∼ρ_θ(τ)}[Σ_{t≥0} γ^t r(s_t, a_t)];  θ' ← θ + α ∇_θ η(θ).
Claimed in prose (line 111): moving in the direction of the gradient guarantees improvement.
"""

from __future__ import annotations

from sympy import Sum, oo

from derivations.common import SOURCE, over_trajectories, pi_theta, pi_theta_new
from symrl.check import (
    Claim,
    Derivation,
    GradientDefinition,
    PolicySpec,
    Relation,
    Statement,
    StatementChain,
    StatementLine,
    World,
)
from symrl.expr import ActionAt, Return, Reward, StateAt, gamma, t

__all__ = ["DERIVATION"]

GRADIENT_STEP = World(
    policies=(
        ("pi_theta", PolicySpec("softmax")),
        ("pi_theta'", PolicySpec("gradient-step", base="pi_theta")),
    )
)

OBJECTIVE = StatementChain(
    name="policy-gradient objective",
    block=8,
    mode="facts",
    lines=(
        StatementLine(
            Statement(
                Return(pi_theta),
                Relation.EQ,
                over_trajectories(Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, oo)), pi_theta),
            ),
            r"\max_\theta \eta(\theta) = \max_\theta \mathbb{E}_{\tau \sim \rho_\theta(\tau)}"
            r"\left[\sum_{t=0}^\infty \gamma^t r(s_t, a_t)\right]",
            116,
        ),
    ),
)

UPDATE_RULE = GradientDefinition(
    name="gradient ascent update",
    block=9,
    line=124,
    latex=r"\theta + \alpha \nabla_\theta \eta(\theta)",
)

UPDATE_RULE_AGAIN = GradientDefinition(
    name="gradient ascent update",
    block=16,
    line=189,
    latex=r"\theta + \alpha \nabla_\theta \eta(\theta)",
)

GRADIENT_IMPROVES = Claim(
    name="gradient-step-improves",
    line=111,
    summary="a step in the direction of the gradient never decreases η, for any step size α > 0",
    conclusion=Statement(Return(pi_theta_new), Relation.GE, Return(pi_theta)),
    world=GRADIENT_STEP,
    conditions=("small-step-size",),
    families=("tabular", "features"),
)

DERIVATION = Derivation(
    name="policy_gradient_objective",
    source=SOURCE,
    items=(GRADIENT_IMPROVES, OBJECTIVE, UPDATE_RULE, UPDATE_RULE_AGAIN),
)
