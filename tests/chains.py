"""Correct RL derivation chains written for the mutation test (tests/test_mutants.py).

Unlike the seed post's chains under ``derivations/`` (which contain real errors), every step here
is true in the chain's world; ``tests/test_mutants.py`` asserts that the engine agrees and then
checks that single-edit mutants of these chains are caught.

Notation: ``s, a`` free state/action, ``b`` a bound action, ``s'`` a next state, ``s_t, a_t``
trajectory variables, ``t`` the time index of ``Σ_{t≥0}``.
"""

from __future__ import annotations

from sympy import Expr, Integer, Sum, Symbol, Tuple, latex, oo

from symrl.check import (
    ExpressionChain,
    PolicySpec,
    Relation,
    Statement,
    StatementChain,
    StatementLine,
    Step,
    World,
)
from symrl.expr import (
    ActionAt,
    ActionValue,
    Advantage,
    Expectation,
    InitialDistribution,
    MaxOver,
    OptimalValue,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Reward,
    Sample,
    StateAt,
    SumOver,
    TrajectoryDistribution,
    Transition,
    TransitionDistribution,
    Value,
    VisitationDistribution,
    action,
    gamma,
    policy,
    state,
    t,
)

__all__ = ["EXPRESSION_CHAINS", "GREEDY", "STATEMENT_CHAINS"]

s = state("s")
a = action("a")
b = action("b")
s_next = state("s'")
tau = Symbol("tau")
pi = policy("pi")
pi_new = policy("pi'")

GREEDY = World(policies=(("pi'", PolicySpec("greedy", base="pi")),))
"""π any policy, π' greedy with respect to Q_π."""

GENERIC = World()
"""Every policy free (stochastic, with deterministic rows mixed in)."""


# -- shorthands -------------------------------------------------------------------------------


def over_h(body: Expr) -> Expr:
    """``E_{s∼h}[body]``."""
    return Expectation(body, Sample(s, InitialDistribution()))


def over_pi(body: Expr, which: Expr = pi, variable: Expr = b) -> Expr:
    """``E_{b∼π(·|s)}[body]``."""
    return Expectation(body, Sample(variable, PolicyDistribution(which, s)))


def over_next(body: Expr, with_action: Expr = a) -> Expr:
    """``E_{s'∼P(·|s,a)}[body]``."""
    return Expectation(body, Sample(s_next, TransitionDistribution(s, with_action)))


def over_tau(body: Expr, which: Expr = pi) -> Expr:
    """``E_{τ∼ρ_π}[body]``."""
    return Expectation(body, Sample(tau, TrajectoryDistribution(which)))


def discounted(body: Expr, start: int = 0) -> Expr:
    """``Σ_{t≥start} γ^t body``."""
    return Sum(gamma**t * body, (t, start, oo))


def V(which: Expr, at: Expr) -> Expr:
    return Value(which, at)


r_t = Reward(StateAt(t), ActionAt(t))


def _chain(name: str, start: Expr, steps: list[tuple], world: World = GENERIC) -> ExpressionChain:
    """A chain from ``(relation, expr[, sampled])`` steps, one per line after the start's line 1."""
    built = []
    for line, item in enumerate(steps, start=2):
        relation, expr = item[0], item[1]
        sampled = item[2] if len(item) > 2 else ()
        built.append(Step(relation, expr, latex(expr), line, sampled))
    return ExpressionChain(
        name=name,
        block=0,
        start=start,
        start_latex=latex(start),
        start_line=1,
        steps=tuple(built),
        world=world,
    )


EQ, GE = Relation.EQ, Relation.GE

# -- the chains -------------------------------------------------------------------------------

POLICY_IMPROVEMENT = _chain(
    "policy improvement (greedy π')",
    Return(pi_new),
    [
        (EQ, over_h(V(pi_new, s))),
        # V_π'(s) ≥ Q_π(s, π'(s)) = max_a Q_π(s,a): the policy improvement theorem, written correctly.
        (GE, over_h(MaxOver(ActionValue(pi, s, a), a))),
        (GE, over_h(over_pi(ActionValue(pi, s, b)))),
        (EQ, over_h(V(pi, s))),
        (EQ, Return(pi)),
    ],
    GREEDY,
)

ADVANTAGE = _chain(
    "advantage identities",
    Advantage(pi, s, a),
    [
        (EQ, ActionValue(pi, s, a) - V(pi, s)),
        (EQ, ActionValue(pi, s, a) - over_pi(ActionValue(pi, s, b))),
        (EQ, over_next(Reward(s, a) + gamma * V(pi, s_next)) - V(pi, s)),
        (EQ, Reward(s, a) + gamma * SumOver(Transition(s_next, s, a) * V(pi, s_next), s_next) - V(pi, s)),
        (
            Relation.APPROX,
            Reward(s, a) + gamma * V(pi, s_next) - V(pi, s),
            (Sample(s_next, TransitionDistribution(s, a)),),
        ),
    ],
)

PERFORMANCE_DIFFERENCE = _chain(
    "performance-difference lemma",
    Return(pi_new) - Return(pi),
    [
        (EQ, Return(pi_new) - over_h(V(pi, s))),
        (EQ, Return(pi_new) - over_tau(V(pi, StateAt(0)), pi_new)),
        (EQ, over_tau(discounted(r_t), pi_new) - over_tau(V(pi, StateAt(0)), pi_new)),
        (
            EQ,
            over_tau(discounted(r_t + gamma * V(pi, StateAt(t + 1)) - V(pi, StateAt(t))), pi_new),
        ),
        (EQ, over_tau(discounted(Advantage(pi, StateAt(t), ActionAt(t))), pi_new)),
        # The visitation distribution is the normalised (1-γ) d_π'(s) π'(a|s).
        (
            EQ,
            Expectation(Advantage(pi, s, a), Sample(Tuple(s, a), VisitationDistribution(pi_new))) / (1 - gamma),
        ),
    ],
)

TELESCOPING = _chain(
    "telescoping discounted sums (under ρ_π)",
    over_tau(discounted(gamma * V(pi, StateAt(t + 1)) - V(pi, StateAt(t)))),
    [
        (EQ, over_tau(discounted(gamma * V(pi, StateAt(t + 1))) - discounted(V(pi, StateAt(t))))),
        (EQ, over_tau(discounted(V(pi, StateAt(t)), 1) - discounted(V(pi, StateAt(t))))),
        (EQ, -over_tau(V(pi, StateAt(0)))),
        (EQ, -over_h(V(pi, s))),
        (EQ, -Return(pi)),
    ],
)

PATHWISE_TELESCOPING = _chain(
    "telescoping discounted sums (one trajectory)",
    discounted(V(pi, StateAt(t))) - discounted(V(pi, StateAt(t)), 1),
    [
        (EQ, discounted(V(pi, StateAt(t))) - Sum(gamma ** (t + 1) * V(pi, StateAt(t + 1)), (t, 0, oo))),
        (
            EQ,
            V(pi, StateAt(0))
            + gamma * discounted(V(pi, StateAt(t + 1)))
            - Sum(gamma ** (t + 1) * V(pi, StateAt(t + 1)), (t, 0, oo)),
        ),
        (EQ, V(pi, StateAt(0))),
    ],
)

BELLMAN_EXPECTATION = _chain(
    "Bellman expectation equation",
    V(pi, s),
    [
        (EQ, over_pi(ActionValue(pi, s, b))),
        (EQ, over_pi(Reward(s, b) + gamma * over_next(V(pi, s_next), b))),
        (EQ, over_pi(Reward(s, b)) + gamma * over_pi(over_next(V(pi, s_next), b))),
        (
            EQ,
            SumOver(
                PolicyProbability(pi, b, s)
                * (Reward(s, b) + gamma * SumOver(Transition(s_next, s, b) * V(pi, s_next), s_next)),
                b,
            ),
        ),
    ],
)

EXPECTED_RETURN = _chain(
    "expected return",
    Return(pi),
    [
        (EQ, over_h(V(pi, s))),
        (EQ, over_tau(discounted(r_t))),
        (EQ, over_h(over_pi(ActionValue(pi, s, b)))),
        (EQ, over_tau(ActionValue(pi, StateAt(0), ActionAt(0)))),
        (EQ, over_tau(Reward(StateAt(0), ActionAt(0)) + gamma * V(pi, StateAt(1)))),
    ],
)

OPTIMAL_BOUND = _chain(
    "optimal value bounds",
    OptimalValue(s),
    [
        (GE, MaxOver(ActionValue(pi, s, a), a)),
        (GE, over_pi(ActionValue(pi, s, b))),
        (EQ, V(pi, s)),
    ],
)

ADVANTAGE_NONNEGATIVE = _chain(
    "greatest advantage is nonnegative",
    MaxOver(Advantage(pi, s, a), a),
    [
        (GE, over_pi(Advantage(pi, s, b))),
        (EQ, over_pi(ActionValue(pi, s, b)) - V(pi, s)),
        (EQ, Integer(0)),
    ],
)

EXPRESSION_CHAINS: tuple[ExpressionChain, ...] = (
    POLICY_IMPROVEMENT,
    ADVANTAGE,
    PERFORMANCE_DIFFERENCE,
    TELESCOPING,
    PATHWISE_TELESCOPING,
    BELLMAN_EXPECTATION,
    EXPECTED_RETURN,
    OPTIMAL_BOUND,
    ADVANTAGE_NONNEGATIVE,
)


# -- statement chains (each line follows from the ones before) ----------------------------------


def _line(statement: Statement, number: int) -> StatementLine:
    return StatementLine(statement, statement.latex(), number)


IMPROVEMENT_IMPLIES_RETURN = StatementChain(
    name="pointwise improvement implies a better return",
    block=0,
    world=GENERIC,
    lines=(
        _line(Statement(V(pi_new, s), GE, V(pi, s)), 1),
        _line(Statement(Return(pi_new), GE, Return(pi)), 2),
    ),
)
"""∀s V_π'(s) ≥ V_π(s) ⟹ η(π') ≥ η(π) (h is a distribution); the converse is false."""

GREEDY_IMPROVES = StatementChain(
    name="nonnegative expected advantage implies improvement",
    block=0,
    world=GENERIC,
    lines=(
        _line(Statement(over_pi(Advantage(pi, s, b), pi_new), GE, Integer(0)), 1),
        _line(Statement(V(pi_new, s), GE, V(pi, s)), 2),
        _line(Statement(Return(pi_new), GE, Return(pi)), 3),
    ),
)
"""∀s E_{a∼π'}[A_π(s,a)] ≥ 0 ⟹ ∀s V_π'(s) ≥ V_π(s) ⟹ η(π') ≥ η(π)."""

STATEMENT_CHAINS: tuple[StatementChain, ...] = (IMPROVEMENT_IMPLIES_RETURN, GREEDY_IMPROVES)
