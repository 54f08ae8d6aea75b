"""RL expression nodes: LaTeX, rebuilding from ``.args``, bound variables, Expectation's constructor."""

from __future__ import annotations

import pytest
import sympy
from sympy import Integer, Sum, Symbol, Tuple, oo

from symrl.expr import (
    ActionAt,
    ActionValue,
    Advantage,
    Expectation,
    InitialDistribution,
    InitialProbability,
    MaxOver,
    OptimalValue,
    PolicyAction,
    PolicyDistribution,
    PolicyProbability,
    PolicySymbol,
    Return,
    Reward,
    SameState,
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

s, a, b = state("s"), action("a"), action("b")
s_next = state("s'")
tau = Symbol("tau")
pi = policy("pi")


# -- LaTeX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("pi", r"\pi"),
        ("pi'", r"\pi'"),
        ("pi''", r"\pi''"),
        ("pi_theta", r"\pi_{\theta}"),
        ("pi_theta'", r"\pi_{\theta'}"),
        ("pi^*", r"\pi^{*}"),
        ("pi_1", r"\pi_{1}"),
        ("pi_2", r"\pi_{2}"),
        ("mu", r"\mu"),
    ],
)
def test_policy_symbol_latex_keeps_subscripts_superscripts_and_primes(name: str, latex: str) -> None:
    assert sympy.latex(policy(name)) == latex


def test_policies_that_differ_only_in_decoration_are_different_symbols() -> None:
    names = ["pi", "pi'", "pi''", "pi_theta", "pi_theta'", "pi^*", "pi_1", "pi_2"]
    symbols = [policy(name) for name in names]
    assert len(set(symbols)) == len(names)
    assert len({sympy.latex(Value(p, s)) for p in symbols}) == len(names)
    # V_{π_1} - V_{π_2} must not collapse (the "x_1 + x_2 → 2x" failure of peers).
    assert Value(policy("pi_1"), s) - Value(policy("pi_2"), s) != 0


@pytest.mark.parametrize(
    ("expr", "latex"),
    [
        (Value(policy("pi_theta'"), s), r"V_{\pi_{\theta'}}\left(s\right)"),
        (Value(policy("pi^*"), s_next), r"V_{\pi^{*}}\left(s'\right)"),
        (ActionValue(policy("pi_1"), s, a), r"Q_{\pi_{1}}\left(s, a\right)"),
        (Advantage(policy("pi_theta"), StateAt(t), ActionAt(t)), r"A_{\pi_{\theta}}\left(s_{t}, a_{t}\right)"),
        (Return(policy("pi'")), r"\eta\left(\pi'\right)"),
        (OptimalValue(s), r"V^{*}\left(s\right)"),
        (Reward(s, a), r"r\left(s, a\right)"),
        (Transition(s_next, s, a), r"P\left(s' \mid s, a\right)"),
        (PolicyProbability(policy("pi_theta'"), a, s), r"\pi_{\theta'}\left(a \mid s\right)"),
        (PolicyAction(policy("pi_2"), s), r"\pi_{2}\left(s\right)"),
        (InitialProbability(s), r"h\left(s\right)"),
        (StateAt(t + 1), r"s_{t + 1}"),
        (ActionAt(Integer(0)), r"a_{0}"),
        (MaxOver(ActionValue(pi, s, a), a), r"\max_{a} Q_{\pi}\left(s, a\right)"),
        (SumOver(Reward(s, b), b), r"\sum_{b} r\left(s, b\right)"),
        (SameState(StateAt(t), s), r"\mathbb{1}\left[s_{t} = s\right]"),
        (
            Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s))),
            r"\mathbb{E}_{a \sim \pi}\left[Q_{\pi}\left(s, a\right)\right]",
        ),
        (
            Expectation(Value(pi, s_next), Sample(s_next, TransitionDistribution(s, a))),
            r"\mathbb{E}_{s' \sim P(\cdot \mid s, a)}\left[V_{\pi}\left(s'\right)\right]",
        ),
        (
            Expectation(Value(pi, s), Sample(s, InitialDistribution())),
            r"\mathbb{E}_{s \sim h}\left[V_{\pi}\left(s\right)\right]",
        ),
        (
            Expectation(Reward(StateAt(0), ActionAt(0)), Sample(tau, TrajectoryDistribution(policy("pi_theta'")))),
            r"\mathbb{E}_{\tau \sim \rho_{\pi_{\theta'}}}\left[r\left(s_{0}, a_{0}\right)\right]",
        ),
    ],
)
def test_node_latex(expr: sympy.Expr, latex: str) -> None:
    assert sympy.latex(expr) == latex


def test_latex_of_a_discounted_trajectory_sum() -> None:
    body = Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 1, oo))
    text = sympy.latex(Expectation(body, Sample(tau, TrajectoryDistribution(pi))))
    assert r"\sum_{t=1}^{\infty}" in text
    assert r"\gamma^{t} r\left(s_{t}, a_{t}\right)" in text
    assert text.startswith(r"\mathbb{E}_{\tau \sim \rho_{\pi}}")


# -- rebuilding from args -----------------------------------------------------------------------

REBUILDABLE = [
    Value(pi, s),
    ActionValue(policy("pi'"), s, a),
    Advantage(policy("pi_theta"), StateAt(t), ActionAt(t)),
    Return(policy("pi^*")),
    OptimalValue(s),
    Reward(s, a),
    Transition(s_next, s, a),
    PolicyProbability(pi, a, s),
    PolicyAction(pi, s),
    InitialProbability(s),
    StateAt(t + 1),
    ActionAt(t),
    SameState(StateAt(t), s),
    MaxOver(ActionValue(pi, s, a), a),
    SumOver(PolicyProbability(pi, a, s) * ActionValue(pi, s, a), a),
    Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s))),
    Expectation(
        Reward(s, a) + gamma * Value(pi, s_next),
        Sample(a, PolicyDistribution(pi, s)),
        Sample(s_next, TransitionDistribution(s, a)),
    ),
    Expectation(Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, oo)), Sample(tau, TrajectoryDistribution(pi))),
    Expectation(Advantage(pi, s, a), Sample(Tuple(s, a), VisitationDistribution(pi))),
    Sample(s, InitialDistribution()),
    PolicyDistribution(pi, s),
    TransitionDistribution(s, a),
    TrajectoryDistribution(pi),
    VisitationDistribution(pi),
]


@pytest.mark.parametrize("expr", REBUILDABLE, ids=lambda e: type(e).__name__)
def test_rebuild_from_args(expr: sympy.Expr) -> None:
    rebuilt = expr.func(*expr.args)
    assert rebuilt == expr
    assert type(rebuilt) is type(expr)
    assert hash(rebuilt) == hash(expr)


@pytest.mark.parametrize("expr", REBUILDABLE, ids=lambda e: type(e).__name__)
def test_substitution_and_srepr_round_trip(expr: sympy.Expr) -> None:
    # xreplace rebuilds every node from its args; an identity replacement must give the same tree.
    assert expr.xreplace({Symbol("unused"): Symbol("other")}) == expr
    namespace = {name: getattr(sympy, name) for name in dir(sympy)}
    namespace.update({type(node).__name__: type(node) for node in sympy.preorder_traversal(expr)})
    assert eval(sympy.srepr(expr), namespace) == expr


def test_policy_swap_by_substitution_reaches_every_node() -> None:
    other = policy("pi'")
    expr = Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s))) + Value(pi, s)
    swapped = expr.xreplace({pi: other})
    assert pi not in swapped.free_symbols
    assert swapped == Expectation(ActionValue(other, s, a), Sample(a, PolicyDistribution(other, s))) + Value(other, s)


def test_policy_symbol_is_a_symbol_with_its_own_class() -> None:
    assert isinstance(policy("pi_theta'"), PolicySymbol)
    assert policy("pi_theta'").name == "pi_theta'"


# -- Expectation's constructor -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "sample"),
    [
        (Value(pi, s), Sample(a, PolicyDistribution(pi, s))),
        (Reward(s, a), Sample(s_next, TransitionDistribution(s, a))),
        (Integer(3), Sample(s, InitialDistribution())),
        (gamma * Return(pi), Sample(s, InitialDistribution())),
    ],
)
def test_expectation_of_a_body_free_of_the_sampled_variable_is_the_body(body: sympy.Expr, sample: Sample) -> None:
    result = Expectation(body, sample)
    assert result == body
    assert not isinstance(result, Expectation)


def test_expectation_keeps_a_body_that_uses_the_sampled_variable() -> None:
    result = Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s)))
    assert isinstance(result, Expectation)
    assert result.body == ActionValue(pi, s, a)
    assert result.samples == (Sample(a, PolicyDistribution(pi, s)),)


def test_expectation_keeps_a_body_that_uses_any_of_several_samples() -> None:
    result = Expectation(
        Value(pi, s_next), Sample(a, PolicyDistribution(pi, s)), Sample(s_next, TransitionDistribution(s, a))
    )
    assert isinstance(result, Expectation)
    assert len(result.samples) == 2


def test_expectation_needs_a_sample() -> None:
    with pytest.raises(TypeError, match="at least one Sample"):
        Expectation(Value(pi, s))


def test_trajectory_expectation_is_kept_even_for_a_time_free_body() -> None:
    # Trajectory variables are not symbols; the expectation over τ must not be dropped.
    result = Expectation(Value(pi, StateAt(0)), Sample(tau, TrajectoryDistribution(pi)))
    assert isinstance(result, Expectation)


# -- free symbols ---------------------------------------------------------------------------------


def test_free_symbols_exclude_the_sampled_action() -> None:
    expr = Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s)))
    assert a not in expr.free_symbols
    assert {s, pi} <= expr.free_symbols


def test_free_symbols_of_chained_samples_keep_only_the_outer_free_state() -> None:
    expr = Expectation(
        Reward(s, a) + gamma * Value(pi, s_next),
        Sample(a, PolicyDistribution(pi, s)),
        Sample(s_next, TransitionDistribution(s, a)),
    )
    assert expr.free_symbols == {s, pi, gamma}


def test_a_bound_variable_shadows_a_free_one_of_the_same_name() -> None:
    # Q(s, a) − E_{a∼π}[Q(s, a)]: the first a is free, the second bound.
    expr = ActionValue(pi, s, a) - Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s)))
    assert a in expr.free_symbols
    inner = Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s)))
    assert a not in inner.free_symbols


def test_free_symbols_of_reductions_exclude_their_variable() -> None:
    assert MaxOver(ActionValue(pi, s, a), a).free_symbols == {s, pi}
    assert SumOver(PolicyProbability(pi, b, s) * Reward(s, b), b).free_symbols == {s, pi}
    assert Expectation(Value(pi, s), Sample(s, InitialDistribution())).free_symbols == {pi}


def test_free_symbols_of_a_trajectory_expectation() -> None:
    body = Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, oo))
    expr = Expectation(body, Sample(tau, TrajectoryDistribution(pi)))
    assert expr.free_symbols == {gamma, pi}


def test_free_symbols_exclude_both_variables_of_a_pair_sample() -> None:
    expr = Expectation(Advantage(pi, s, a), Sample(Tuple(s, a), VisitationDistribution(pi)))
    assert s not in expr.free_symbols
    assert a not in expr.free_symbols
    assert expr.free_symbols == {pi}
