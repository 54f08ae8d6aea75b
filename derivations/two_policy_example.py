"""Two policies that differ in one state, and their advantages (seed post, lines 133–182).

Notes
-----
In state s, π₁ takes a₁ and π₂ takes a₂; both lead to s' deterministically; r(s,a₁) = −1, r(s,a₂) = 1;
elsewhere the policies agree. The text computes A_{π₁}(s, π₁(s)) and A_{π₁}(s, π₂(s)), compares them,
and compares the (undiscounted) sums Σ_{t≥1} E[A_{π₁}(s_t, a_t)] under ρ_{π₁} and ρ_{π₂}.
The example MDP is episodic (its sums are undiscounted): every run ends in an absorbing
zero-reward state. States: s = 0, s' = 1; actions a₁ = 0, a₂ = 1.
"""

from __future__ import annotations

import numpy as np
from sympy import Integer, Sum, oo

from derivations.common import SOURCE, a, over_policy, over_trajectories, pi, pi_1, pi_2, pi_new, s, s_next
from symrl.check import (
    Claim,
    Derivation,
    PolicySpec,
    Relation,
    Statement,
    StatementChain,
    StatementLine,
    World,
)
from symrl.expr import ActionAt, Advantage, Instance, PolicyAction, Return, SameState, StateAt, Value, gamma, t
from symrl.mdp import FiniteMDP

__all__ = ["DERIVATION", "EXAMPLE"]

STATE, NEXT_STATE = 0, 1
ACTION_1, ACTION_2 = 0, 1


def impose_example(instance: Instance) -> Instance:
    """Make a drawn instance the text's example: the two actions in s, their rewards, the policies."""
    mdp = instance.mdp
    exact = mdp.backend == "exact"
    P, r = mdp.P.copy(), mdp.r.copy()
    P[:, STATE, ACTION_1] = 0
    P[:, STATE, ACTION_2] = 0
    P[:, STATE, ACTION_1, NEXT_STATE] = 1
    P[:, STATE, ACTION_2, NEXT_STATE] = 1
    r[:, STATE, ACTION_1] = -1
    r[:, STATE, ACTION_2] = 1
    backend = "exact" if exact else "numeric"
    example = FiniteMDP.create(P, r, mdp.h, mdp.gamma, backend=backend)
    first = instance.policy("pi_1").copy()
    first[:, STATE] = 0
    first[:, STATE, ACTION_1] = 1
    second = first.copy()
    second[:, STATE] = 0
    second[:, STATE, ACTION_2] = 1
    if exact:
        first, second = (np.vectorize(lambda x: x * 1, otypes=[object])(table) for table in (first, second))
    policies = dict(instance.policies, pi_1=first, pi_2=second)
    return Instance(example, policies, dict(instance.bindings), dict(instance.parameters))


EXAMPLE = World(
    policies=(("pi_1", PolicySpec("deterministic")), ("pi_2", PolicySpec("deterministic"))),
    episodic=True,
    example=impose_example,
    bindings=(("s", STATE), ("s'", NEXT_STATE)),
    min_states=3,
    min_actions=2,
)


def advantage_sum(behaviour):
    """``Σ_{t≥1} E_{s_t,a_t∼ρ_behaviour}[A_{π₁}(s_t, a_t)]`` (undiscounted, as written)."""
    return over_trajectories(Sum(Advantage(pi_1, StateAt(t), ActionAt(t)), (t, 1, oo)), behaviour)


def advantage_sum_elsewhere(behaviour):
    """The same sum restricted to ``s_t ≠ s``."""
    term = Advantage(pi_1, StateAt(t), ActionAt(t)) * (1 - SameState(StateAt(t), s))
    return over_trajectories(Sum(term, (t, 1, oo)), behaviour)


ADVANTAGES = StatementChain(
    name="advantages of the two actions",
    block=12,
    mode="facts",
    world=EXAMPLE,
    lines=(
        StatementLine(
            Statement(
                Advantage(pi_1, s, PolicyAction(pi_1, s)),
                Relation.EQ,
                Integer(-1) + gamma * Value(pi_1, s_next) - Value(pi_1, s),
            ),
            r"A_{\pi_1}(s, \pi_1(s)) = -1 + \gamma V_{\pi_1}(s') - V_{\pi_1}(s)",
            152,
        ),
        StatementLine(
            Statement(
                Advantage(pi_1, s, PolicyAction(pi_2, s)),
                Relation.EQ,
                Integer(1) + gamma * Value(pi_1, s_next) - Value(pi_1, s),
            ),
            r"A_{\pi_1}(s, \pi_2(s)) = 1 + \gamma V_{\pi_1}(s') - V_{\pi_1}(s)",
            153,
        ),
    ),
)

COMPARISON = StatementChain(
    name="the better action has the larger advantage",
    block=13,
    mode="facts",
    world=EXAMPLE,
    lines=(
        StatementLine(
            Statement(
                Advantage(pi_1, s, PolicyAction(pi_2, s)), Relation.GT, Advantage(pi_1, s, PolicyAction(pi_1, s))
            ),
            r"A_{\pi_1}(s, \pi_2(s)) > A_{\pi_1}(s, \pi_1(s))",
            160,
        ),
    ),
)

ELSEWHERE = StatementChain(
    name="advantages agree away from s",
    block=14,
    mode="facts",
    world=EXAMPLE,
    lines=(
        StatementLine(
            Statement(advantage_sum_elsewhere(pi_1), Relation.EQ, advantage_sum_elsewhere(pi_2)),
            r"\sum_{t=1}^\infty \mathbb{E}_{s_t, a_t \sim \rho_{\pi_1}} \left[A_{\pi_1}(s_t, a_t)\right] = "
            r"\sum_{t=1}^\infty \mathbb{E}_{s_t, a_t \sim \rho_{\pi_2}} \left[A_{\pi_1}(s_t, a_t)\right] "
            r"\quad \text{for } s_t \neq s",
            166,
        ),
    ),
)

TOTAL = StatementChain(
    name="total advantage is higher under the better policy",
    block=15,
    mode="facts",
    world=EXAMPLE,
    lines=(
        StatementLine(
            Statement(advantage_sum(pi_2), Relation.GT, advantage_sum(pi_1)),
            r"\sum_{t=1}^\infty \mathbb{E}_{s_t, a_t \sim \rho_{\pi_2}} \left[A_{\pi_1}(s_t, a_t)\right] > "
            r"\sum_{t=1}^\infty \mathbb{E}_{s_t, a_t \sim \rho_{\pi_1}} \left[A_{\pi_1}(s_t, a_t)\right]",
            173,
        ),
    ),
)

BETTER_NOT_BEST = Claim(
    name="better-not-best",
    line=182,
    summary="a policy that is better (not best) in every state, E_{a∼π'}[A_π(s,a)] ≥ 0, does not lower η",
    premises=(Statement(over_policy(Advantage(pi, s, a), pi_new), Relation.GE, Integer(0)),),
    conclusion=Statement(Return(pi_new), Relation.GE, Return(pi)),
)

DERIVATION = Derivation(
    name="two_policy_example",
    source=SOURCE,
    items=(ADVANTAGES, COMPARISON, ELSEWHERE, TOTAL, BETTER_NOT_BEST),
)
