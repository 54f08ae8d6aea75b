"""Policy iteration's fixed point and the prose claims around it (seed post, lines 74–101).

Notes
-----
Assume ∀s: π(s) = argmax_a Q_π(s,a) (line 81). Then π'(s) = argmax_a Q_π(s,a) = π(s) (line 87), and
the optimal policy satisfies ∀s: π*(s) = argmax_a Q_{π*}(s,a) (line 93); the text concludes π = π*.
"π(s) = argmax_a f(a)" is read as "π's action attains max_a f(a)" (ties allowed), i.e.
E_{a∼π}[Q_π(s,a)] = max_a Q_π(s,a).
"""

from __future__ import annotations

from derivations.common import SOURCE, a, over_policy, pi, pi_new, pi_star, s
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
from symrl.expr import ActionValue, MaxOver, OptimalValue, PolicyProbability, Return, Value

__all__ = ["DERIVATION"]

WORLD = World(
    policies=(
        ("pi", PolicySpec("near-optimal")),
        ("pi'", PolicySpec("greedy", base="pi")),
        ("pi^*", PolicySpec("optimal")),
    )
)
"""π ranges over all policies, with optimal ones and mixtures of optimal actions well represented."""


def greedy_in_own_q(policy):
    """``∀s: π(s) = argmax_a Q_π(s,a)``: π only uses actions that maximise its own Q."""
    return Statement(over_policy(ActionValue(policy, s, a), policy), Relation.EQ, MaxOver(ActionValue(policy, s, a), a))


def same_policy(first, second):
    """``π = π'`` as tables: ``∀ s, a: π(a|s) = π'(a|s)``."""
    return Statement(PolicyProbability(first, a, s), Relation.EQ, PolicyProbability(second, a, s))


def optimal(policy):
    return Statement(Value(policy, s), Relation.EQ, OptimalValue(s))


def suboptimal(policy):
    return Statement(Value(policy, s), Relation.LT, OptimalValue(s), quantifier="exists")


ASSUMPTION = StatementChain(
    name="fixed point of improvement",
    block=5,
    world=WORLD,
    lines=(StatementLine(greedy_in_own_q(pi), r"\forall s \in S,\quad \pi(s) = \arg\max_a Q_\pi(s, a)", 81),),
)

IMPROVEMENT_IS_IDENTITY = StatementChain(
    name="improvement leaves the policy unchanged",
    block=6,
    world=WORLD,
    assumptions=(greedy_in_own_q(pi),),
    lines=(StatementLine(same_policy(pi_new, pi), r"\pi'(s) = \arg\max_a Q_\pi(s, a) = \pi(s)", 87),),
)

OPTIMAL_IS_GREEDY = StatementChain(
    name="optimal policy is greedy in its own Q",
    block=7,
    world=WORLD,
    mode="facts",
    lines=(
        StatementLine(greedy_in_own_q(pi_star), r"\forall s \in S, \quad \pi^*(s) = \arg\max_a Q_{\pi^*}(s, a)", 93),
    ),
)

FIXED_POINT_IS_OPTIMAL = Claim(
    name="greedy-fixed-point-is-optimal",
    line=96,
    summary="a policy that is greedy with respect to its own Q is optimal",
    premises=(greedy_in_own_q(pi),),
    conclusion=optimal(pi),
    world=WORLD,
)

ARGUMENT = Claim(
    name="fixed-point-argument",
    line=96,
    summary=(
        "the short proof's inference: π and π* both greedy in their own Q, hence π = π* "
        "(the proof needs this, and it is the claim itself restated)"
    ),
    premises=(greedy_in_own_q(pi), greedy_in_own_q(pi_star)),
    conclusion=same_policy(pi, pi_star),
    world=WORLD,
    failure_code="invalid-argument",
)

IMPROVES_WHEN_SUBOPTIMAL = Claim(
    name="improvement-while-suboptimal",
    line=74,
    summary="policy iteration strictly improves η whenever the current policy is suboptimal",
    premises=(suboptimal(pi),),
    conclusion=Statement(Return(pi_new), Relation.GT, Return(pi)),
    world=WORLD,
    conditions=("full-support-initial",),
)

STABLE_ONCE_OPTIMAL = Claim(
    name="same-policy-once-optimal",
    line=74,
    summary="once the policy is optimal, the improvement step returns the same policy",
    premises=(optimal(pi),),
    conclusion=same_policy(pi_new, pi),
    world=WORLD,
    conditions=("deterministic-policies",),
)

IMPROVES_EVERY_STEP = Claim(
    name="improvement-every-step",
    line=100,
    summary="every improvement step of policy iteration gives η(π') ≥ η(π)",
    conclusion=Statement(Return(pi_new), Relation.GE, Return(pi)),
    world=WORLD,
)

NO_EFFECT_ONCE_OPTIMAL = Claim(
    name="no-effect-once-optimal",
    line=101,
    summary="once optimal, further improvement leaves η unchanged",
    premises=(optimal(pi),),
    conclusion=Statement(Return(pi_new), Relation.EQ, Return(pi)),
    world=WORLD,
)

DERIVATION = Derivation(
    name="fixed_point_proof",
    source=SOURCE,
    items=(
        ASSUMPTION,
        IMPROVEMENT_IS_IDENTITY,
        OPTIMAL_IS_GREEDY,
        FIXED_POINT_IS_OPTIMAL,
        ARGUMENT,
        IMPROVES_WHEN_SUBOPTIMAL,
        STABLE_ONCE_OPTIMAL,
        IMPROVES_EVERY_STEP,
        NO_EFFECT_ONCE_OPTIMAL,
    ),
)
