"""The performance-difference lemma (PDL): η(θ') − η(θ) as the expected discounted advantage (seed post, lines 194–206).

Notes
-----
η(θ') − η(θ) = η(θ') − E_{s_0∼h}[V_{π_θ}(s_0)] = η(θ') − E_{τ∼ρ_θ'}[V_{π_θ}(s_0)]
= η(θ') − E_τ[Σ_{t≥0} γ^t V(s_t) − Σ_{t≥1} γ^t V(s_t)] = … = E_{τ∼ρ_θ'}[Σ_t γ^t A_{π_θ}(s_t, a_t)],
with the trajectory distribution ρ_θ'(τ) defined inline on line 197, and the blue and red side
notes of lines 205–206 (η as E_h V; ρ_θ' starts from h).
"""

from __future__ import annotations

from sympy import Integer, Sum, oo

from derivations.common import SOURCE, a, over_initial, over_trajectories, pi_theta, pi_theta_new, s, s_next
from symrl.check import (
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    PolicySpec,
    Relation,
    Statement,
    Step,
    World,
)
from symrl.expr import (
    ActionAt,
    Advantage,
    PolicyProbability,
    Return,
    Reward,
    SameState,
    StateAt,
    Transition,
    Value,
    gamma,
    state,
    t,
)

__all__ = ["DERIVATION", "WORLD"]

WORLD = World(
    policies=(
        ("pi_theta", PolicySpec("softmax")),
        ("pi_theta'", PolicySpec("gradient-step", base="pi_theta")),
    )
)
"""π_θ at any θ and π_θ' after the gradient step of line 189 (exact checks: any interior policies)."""

IDENTITY_WORLD = World()
"""For identities that hold for every pair of policies, the generic world (symbolic proofs apply)."""

V = lambda time: Value(pi_theta, StateAt(time))  # noqa: E731 - notation, as the text writes it
r = Reward(StateAt(t), ActionAt(t))
s_0 = StateAt(0)


def _sum(body, start=0):
    return Sum(body, (t, start, oo))


CHAIN = ExpressionChain(
    name="performance difference",
    block=17,
    start=Return(pi_theta_new) - Return(pi_theta),
    start_latex=r"\eta(\theta') - \eta(\theta)",
    start_line=196,
    steps=(
        Step(
            Relation.EQ,
            Return(pi_theta_new) - over_initial(Value(pi_theta, s)),
            r"\eta(\theta') - \mathbb{E}_{s_0 \sim h(s_0)}\left[V_{\pi_\theta}(s_0)\right]",
            196,
        ),
        Step(
            Relation.EQ,
            Return(pi_theta_new) - over_trajectories(V(0), pi_theta_new),
            r"\eta(\theta') - \mathbb{E}_{s_0, a_0, \cdots \sim \rho_{\theta'}(\tau)}\left[V_{\pi_\theta}(s_0)\right]",
            197,
        ),
        Step(
            Relation.EQ,
            Return(pi_theta_new) - over_trajectories(_sum(gamma**t * V(t)) - _sum(gamma**t * V(t), 1), pi_theta_new),
            r"\eta(\theta') - \mathbb{E}_{\tau\sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty \gamma^t "
            r"V_{\pi_\theta}(s_t) - \sum_{t=1}^\infty \gamma^t V_{\pi_\theta}(s_t)\right]",
            198,
        ),
        Step(
            Relation.EQ,
            over_trajectories(_sum(gamma**t * r), pi_theta_new)
            - over_trajectories(_sum(gamma**t * (gamma * V(t + 1) - V(t))), pi_theta_new),
            r"\mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty \gamma^t r(s_t, a_t) \right]"
            r"-\mathbb{E}_{\tau\sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty \gamma^t "
            r"\left(\gamma V_{\pi_\theta}(s_{t+1}) - V_{\pi_\theta}(s_t)\right)\right]",
            199,
        ),
        Step(
            Relation.EQ,
            over_trajectories(_sum(gamma**t * (r - gamma * V(t + 1) - V(t))), pi_theta_new),
            r"\mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty \gamma^t "
            r"\left(r(s_t, a_t) - \gamma V_{\pi_\theta}(s_{t+1}) - V_{\pi_\theta}(s_t)\right)\right]",
            200,
        ),
        Step(
            Relation.EQ,
            over_trajectories(_sum(gamma**t * Advantage(pi_theta, StateAt(t), ActionAt(t))), pi_theta_new),
            r"\mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}\left[\sum_{t=0}^\infty "
            r"\gamma^t A_{\pi_\theta}(s_t, a_t)\right]",
            201,
        ),
    ),
    world=WORLD,
)

TRAJECTORY_DISTRIBUTION = DistributionDefinition(
    name=r"\rho_{\theta'}(\tau)",
    block=17,
    line=197,
    latex=r"h(s_0)\prod_{t=0}^\infty P(s_{t+1}\mid s_t, a_t)",
    factor=Transition(s_next, s, a),
    standard=PolicyProbability(pi_theta_new, a, s) * Transition(s_next, s, a),
    variables=(s, a, s_next),
    world=IDENTITY_WORLD,
    step=len(CHAIN.steps) + 1,
)

x = state("x")

BLUE_NOTE = Claim(
    name="eta-as-initial-value",
    line=205,
    summary="η(θ) equals the expected value of V_{π_θ} at a start state drawn from h",
    conclusion=Statement(Return(pi_theta), Relation.EQ, over_initial(Value(pi_theta, s))),
    world=IDENTITY_WORLD,
)

RED_NOTE = Claim(
    name="trajectory-starts-from-h",
    line=206,
    summary="trajectories of ρ_θ' start from the initial distribution h",
    conclusion=Statement(
        over_trajectories(SameState(s_0, x), pi_theta_new),
        Relation.EQ,
        over_initial(SameState(s, x)) * Integer(1),
    ),
    world=IDENTITY_WORLD,
)

DERIVATION = Derivation(
    name="pdl",
    source=SOURCE,
    items=(CHAIN, TRAJECTORY_DISTRIBUTION, BLUE_NOTE, RED_NOTE),
)
