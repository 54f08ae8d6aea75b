"""Three objectives with the same maximisers over θ' (seed post, lines 129–131).

Notes
-----
max_θ' η(θ') ≡ max_θ' [η(θ') − η(θ)] ≡ max_θ' E_{τ∼ρ_θ'}[Σ_t γ^t A_{π_θ}(s_t, a_t)], for fixed θ.
"""

from __future__ import annotations

from sympy import Sum, oo

from derivations.common import SOURCE, over_trajectories, pi_theta, pi_theta_new
from symrl.check import Derivation, SameMaximisersChain
from symrl.expr import ActionAt, Advantage, Return, StateAt, gamma, t

__all__ = ["DERIVATION"]

CHAIN = SameMaximisersChain(
    name="equivalent objectives",
    block=10,
    policy="pi_theta'",
    objectives=(
        (Return(pi_theta_new), r"\max_{\theta'} \eta(\theta')", 130),
        (Return(pi_theta_new) - Return(pi_theta), r"\max_{\theta'}\left[\eta(\theta') - \eta(\theta)\right]", 130),
        (
            over_trajectories(Sum(gamma**t * Advantage(pi_theta, StateAt(t), ActionAt(t)), (t, 0, oo)), pi_theta_new),
            (
                r"\max_{\theta'}\mathbb{E}_{\tau \sim \rho_{\theta'}(\tau)}"
                r"\left[\sum_{t=0}^\infty \gamma^t A_{\pi_\theta}(s_t, a_t)\right]"
            ),
            130,
        ),
    ),
)

DERIVATION = Derivation(name="equivalent_objectives", source=SOURCE, items=(CHAIN,))
