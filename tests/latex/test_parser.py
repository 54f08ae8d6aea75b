"""The parser on RL notation: each notation of standard notes means the same node as its canonical form."""

from __future__ import annotations

import pytest
from sympy import Sum, Symbol, oo

from symrl.expr import (
    ActionAt,
    Expectation,
    MaxOver,
    PolicyDistribution,
    Reward,
    Sample,
    StateAt,
    Value,
    gamma,
    policy,
)
from symrl.latex.parser import ParseError, parse_expression, parse_statement
from symrl.latex.presentation import top_level_relations

# -- the state an action is drawn in ---------------------------------------------------------------


@pytest.mark.parametrize(
    "latex",
    [
        r"\mathbb{E}_{a \sim \pi}\left[r(s,a) + \gamma \sum_{s'} P(s'|s,a) V_\pi(s')\right]",
        r"\mathbb{E}_{a \sim \pi}\left[\gamma \sum_{s'} P(s'|s,a) V_\pi(s') + r(s,a)\right]",
        r"\mathbb{E}_{a \sim \pi}\left[\sum_{s'} P(s'|s,a) V_\pi(s')\right]",
        r"\mathbb{E}_{a \sim \pi}\left[\pi(a|s)\right]",
    ],
)
def test_action_drawn_in_the_state_its_body_pairs_it_with(latex: str) -> None:
    """``E_{a∼π}[… P(s'|s,a) …]`` draws ``a`` from ``π(·|s)``: the state of P, not its action."""
    expr = parse_expression(latex)
    assert isinstance(expr, Expectation)
    (sample,) = expr.samples
    assert sample == Sample(Symbol("a"), PolicyDistribution(policy("pi"), Symbol("s")))


def test_parse_error_is_a_notation_error_with_an_offset() -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(r"V_\pi(s) + \zeta")
    assert "\\zeta" in str(caught.value)
    assert caught.value.offset == len(r"V_\pi(s) + ")


# -- several samples under one expectation sign ---------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "canonical"),
    [
        (
            r"\mathbb{E}_{s \sim h, a \sim \pi}[Q_\pi(s,a)]",
            r"\mathbb{E}_{s \sim h}[\mathbb{E}_{a \sim \pi}[Q_\pi(s,a)]]",
        ),
        (
            r"\mathbb{E}_{s\sim h,\, a \sim \pi(\cdot|s)}\left[Q_\pi(s,a)\right]",
            r"\mathbb{E}_{s \sim h}[\mathbb{E}_{a \sim \pi(\cdot|s)}[Q_\pi(s,a)]]",
        ),
        (
            r"\mathbb{E}_{a \sim \pi, s' \sim P(\cdot|s,a)}[V_\pi(s')]",
            r"\mathbb{E}_{a \sim \pi}[\mathbb{E}_{s' \sim P(\cdot|s,a)}[V_\pi(s')]]",
        ),
        (
            r"\mathbb{E}_{s \sim h, a \sim \pi, s' \sim P(s'|s,a)}[V_\pi(s')]",
            r"\mathbb{E}_{s \sim h}[\mathbb{E}_{a \sim \pi}[\mathbb{E}_{s' \sim P(s'|s,a)}[V_\pi(s')]]]",
        ),
        (  # an old parser dropped 'a ∼ π' here and judged the body with a free a
            r"\mathbb{E}_{s\sim h, a\sim\pi}[Q_\pi(s,a)]",
            r"\mathbb{E}_{s \sim h}[\mathbb{E}_{a \sim \pi}[Q_\pi(s,a)]]",
        ),
        (  # the commas of a list of trajectory variables do not separate samples
            r"\mathbb{E}_{s_0, a_0, \cdots \sim \rho_\pi}[r(s_0,a_0)]",
            r"\mathbb{E}_{\tau \sim \rho_\pi}[r(s_0,a_0)]",
        ),
    ],
)
def test_comma_separated_samples_are_nested_expectations(latex: str, canonical: str) -> None:
    assert parse_expression(latex) == parse_expression(canonical)


@pytest.mark.parametrize(
    ("latex", "culprit"),
    [
        (r"\mathbb{E}_{s \sim h, a}[Q_\pi(s,a)]", ","),
        (r"\mathbb{E}_{s \sim h,}[V_\pi(s)]", ","),
        (r"\mathbb{E}_{, a \sim \pi}[Q_\pi(s,a)]", ","),
        (r"\mathbb{E}_{s \sim h, \sim \pi}[Q_\pi(s,a)]", "\\sim"),
    ],
)
def test_malformed_sample_lists_are_refused_at_the_culprit(latex: str, culprit: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(latex)
    assert latex[caught.value.offset :].startswith(culprit), (str(caught.value), caught.value.offset)


# -- lecture notation: each form means the same node as symrl's canonical one -----------------------

EQUIVALENT_NOTATION = [
    # Sutton & Barto
    (r"v_\pi(s)", r"V_\pi(s)"),
    (r"q_\pi(s,a)", r"Q_\pi(s,a)"),
    (r"v_{\pi'}(s')", r"V_{\pi'}(s')"),
    (r"v_*(s)", r"V^*(s)"),
    (r"q_*(s,a)", r"Q_{\pi^*}(s,a)"),
    (r"q_{\pi_*}(s,a)", r"Q_{\pi^*}(s,a)"),
    (r"\pi_*(a|s)", r"\pi^*(a|s)"),
    (r"p(s'|s,a)", r"P(s'|s,a)"),
    (r"\sum_{s'} p(s' \mid s,a) v_\pi(s')", r"\sum_{s'} P(s'|s,a) V_\pi(s')"),
    # Spinning Up, CS285
    (r"V^\pi(s)", r"V_\pi(s)"),
    (r"V^{\pi}(s)", r"V_\pi(s)"),
    (r"Q^\pi(s,a)", r"Q_\pi(s,a)"),
    (r"A^{\pi}(s,a)", r"A_\pi(s,a)"),
    (r"A^{\pi_\theta}(s,a)", r"A_{\pi_\theta}(s,a)"),
    (r"Q^{\pi'}(s,a)", r"Q_{\pi'}(s,a)"),
    (r"V^{*}(s)", r"V^*(s)"),
    (r"Q^*(s,a)", r"Q_{\pi^*}(s,a)"),
    (r"A^*(s,a)", r"A_{\pi^*}(s,a)"),
    (r"V^{\pi^*}(s)", r"V_{\pi^*}(s)"),
    (r"J(\pi)", r"\eta(\pi)"),
    (r"J(\pi')", r"\eta(\pi')"),
    (r"J(\theta)", r"\eta(\theta)"),
    (r"J(\pi_\theta)", r"\eta(\theta)"),
    # operators
    (r"\max_{a \in \mathcal{A}} Q_\pi(s,a)", r"\max_a Q_\pi(s,a)"),
    (r"\min_{a' \in \mathcal{A}} Q_\pi(s,a')", r"\min_{a'} Q_\pi(s,a')"),
    (r"\arg\max_{a \in A} Q_\pi(s,a)", r"\arg\max_a Q_\pi(s,a)"),
    (r"\operatorname*{arg\,max}_{a} Q^\pi(s,a)", r"\arg\max_a Q_\pi(s,a)"),
    (r"\nabla_\theta J(\theta)", r"\nabla_\theta \eta(\theta)"),
    (  # CS285's trajectory distribution
        r"\mathbb{E}_{\tau \sim p_\theta(\tau)}\left[\sum_{t=0}^\infty \gamma^t r(s_t,a_t)\right]",
        r"\mathbb{E}_{\tau \sim \rho_{\pi_\theta}}\left[\sum_{t=0}^\infty \gamma^t r(s_t,a_t)\right]",
    ),
    (r"\sum_{t=0}^{\infty} \gamma^t r(s_t,a_t)", r"\sum_{t=0}^\infty \gamma^t r(s_t,a_t)"),
    (r"\sum_{t=0}^{\infty} \gamma^{t} r(s_t,a_t)", r"\sum_{t=0}^\infty \gamma^t r(s_t,a_t)"),
]


@pytest.mark.parametrize(("latex", "canonical"), EQUIVALENT_NOTATION)
def test_lecture_notation_means_the_canonical_node(latex: str, canonical: str) -> None:
    assert parse_expression(latex) == parse_expression(canonical)


def test_min_is_minus_max_of_minus() -> None:
    """``min_a f`` is ``-max_a(-f)`` (symrl's only reduction over actions is max)."""
    a = Symbol("a")
    q = parse_expression(r"Q_\pi(s,a)")
    assert parse_expression(r"\min_a Q_\pi(s,a)") == -MaxOver(-q, a)
    assert parse_expression(r"\min_{a'} Q_\pi(s,a')") == -MaxOver(-q.subs(a, Symbol("a'")), Symbol("a'"))


def test_star_in_a_subscript_is_the_optimal_policy_not_a_policy_named_star() -> None:
    """An earlier parser read ``π_*`` as an unknown policy ``pi_*`` (any policy), not as π*."""
    assert parse_expression(r"V_{\pi_*}(s)") == Value(policy("pi^*"), Symbol("s"))


@pytest.mark.parametrize(
    ("line", "relation"),
    [
        (r"Q_\pi(s,a) := r(s,a)", "DEFINES"),
        (r"Q_\pi(s,a) \coloneqq r(s,a)", "DEFINES"),
        (r"Q_\pi(s,a) \triangleq r(s,a)", "DEFINES"),
        (r"Q_\pi(s,a) \doteq r(s,a)", "DEFINES"),
        (r"Q_\pi(s,a) \stackrel{\text{def}}{=} r(s,a)", "DEFINES"),
        (r"Q_\pi(s,a) \overset{(i)}{\geq} r(s,a)", "GE"),
    ],
)
def test_definition_relations_split_a_statement(line: str, relation: str) -> None:
    statement = parse_statement(line)
    assert statement.relation == relation
    assert (statement.lhs, statement.rhs) == (parse_expression(r"Q_\pi(s,a)"), parse_expression("r(s,a)"))


@pytest.mark.parametrize("relation", [r"\doteq", r"\triangleq", ":=", r"\coloneqq"])
def test_presentation_knows_definition_relations(relation: str) -> None:
    (match,) = top_level_relations(rf"V_\pi(s) {relation} \sum_a \pi(a|s) Q_\pi(s,a)")
    assert match.relation == ":="


# -- what symrl cannot map is refused, naming the token and what was expected ----------------------

REFUSED = [
    (r"\sum_{s'} p(s', r | s, a) V_\pi(s')", ",", "r(s,a)"),  # S&B's joint law of next state and reward
    (r"V_\pi^\pi(s)", "V", "subscript and a superscript"),
    (r"V^2(s)", "2", "policy"),
    (r"\min_\theta J(\theta)", "\\theta", "\\max_\\theta"),
    (r"\min Q_\pi(s,a)", "\\min", "\\min_a"),
    (r"J(s)", "s", "policy or parameters"),
    (r"\max_{a \in B} Q_\pi(s,a)", "B", "all actions"),
    (r"\mathbb{E}_{\tau \sim p(\tau)}[r_0]", "p", "policy subscript"),
]


@pytest.mark.parametrize(("latex", "culprit", "expected"), REFUSED)
def test_unsupported_notation_is_refused_at_its_token(latex: str, culprit: str, expected: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(latex)
    assert latex[caught.value.offset :].startswith(culprit), (str(caught.value), caught.value.offset)
    assert expected in str(caught.value)


# -- E_π and Sutton & Barto's conditioned expectations ---------------------------------------------

POLICY_EXPECTATIONS = [
    (r"\mathbb{E}_\pi[Q_\pi(s,a)]", r"\mathbb{E}_{a \sim \pi}[Q_\pi(s,a)]"),
    (r"\mathbb{E}_{\pi}\left[A^\pi(s,a)\right]", r"\mathbb{E}_{a \sim \pi(\cdot|s)}[A_\pi(s,a)]"),
    (r"\mathbb{E}_{\pi'}[Q_\pi(s',a)]", r"\mathbb{E}_{a \sim \pi'(\cdot|s')}[Q_\pi(s',a)]"),
    (r"\mathbb{E}_{\pi_\theta}[r(s,a)]", r"\mathbb{E}_{a \sim \pi_\theta}[r(s,a)]"),
    (
        r"\mathbb{E}_\pi\left[\sum_{t=0}^{\infty} \gamma^t r_t\right]",
        r"\mathbb{E}_{\tau \sim \rho_\pi}\left[\sum_{t=0}^\infty \gamma^t r(s_t,a_t)\right]",
    ),
    (r"\mathbb{E}_{\pi}[G_0]", r"\mathbb{E}_{\tau \sim \rho_\pi}\left[\sum_{t=0}^\infty \gamma^t r(s_t,a_t)\right]"),
    (  # Sutton & Barto's Bellman equation for v_π
        r"\mathbb{E}_\pi[R_{t+1} + \gamma v_\pi(S_{t+1}) \mid S_t = s]",
        r"\mathbb{E}_{a \sim \pi(\cdot|s)}[\mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a) + \gamma V_\pi(s')]]",
    ),
    (  # … and for q_π: the action is given, the next one is drawn in the next state
        r"\mathbb{E}_\pi\left[R_{t+1} + \gamma q_\pi(S_{t+1}, A_{t+1}) \,\middle|\, S_t = s, A_t = a\right]",
        r"\mathbb{E}_{s' \sim P(\cdot|s,a)}[\mathbb{E}_{a' \sim \pi(\cdot|s')}[r(s,a) + \gamma Q_\pi(s',a')]]",
    ),
    (  # no policy is needed when the action is given and nothing later is
        r"\mathbb{E}[R_{t+1} + \gamma v_\pi(S_{t+1}) \mid S_t = s, A_t = a]",
        r"\mathbb{E}_{s' \sim P(s'|s,a)}[r(s,a) + \gamma V_\pi(s')]",
    ),
    (
        r"\mathbb{E}_\pi[r_t + \gamma V_\pi(s_{t+1}) \mid s_t = s]",
        r"\mathbb{E}_{a \sim \pi}[\mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a) + \gamma V_\pi(s')]]",
    ),
    (  # fresh names avoid the body's own free variables
        r"\mathbb{E}_\pi[R_{t+1} + \gamma V_\pi(S_{t+1}) - V_\pi(s') \mid S_t = s]",
        r"\mathbb{E}_{a \sim \pi}[\mathbb{E}_{s'' \sim P(\cdot|s,a)}[r(s,a) + \gamma V_\pi(s'') - V_\pi(s')]]",
    ),
    (r"\mathbb{E}_\pi[R_1 \mid S_0 = s]", r"\mathbb{E}_{a \sim \pi}[r(s,a)]"),
]


@pytest.mark.parametrize(("latex", "canonical"), POLICY_EXPECTATIONS)
def test_policy_expectation_means_the_written_out_samples(latex: str, canonical: str) -> None:
    assert parse_expression(latex) == parse_expression(canonical)


TIME_NOTATION = [
    (r"r_t", r"r(s_t, a_t)"),
    (r"r_{t+1}", r"r(s_{t+1}, a_{t+1})"),
    (r"R_{t+1}", r"r(s_t, a_t)"),  # Sutton & Barto: R_{t+1} is the reward for A_t in S_t
    (r"R_{t+2}", r"r(s_{t+1}, a_{t+1})"),
    (r"\pi(A_t|S_t)", r"\pi(a_t|s_t)"),
    (r"q_\pi(S_{t+1}, A_{t+1})", r"Q_\pi(s_{t+1}, a_{t+1})"),
    (r"G_0", r"\sum_{t=0}^\infty \gamma^t r(s_t,a_t)"),
    (r"\delta_t^\pi", r"r(s_t,a_t) + \gamma V_\pi(s_{t+1}) - V_\pi(s_t)"),
    (r"\delta^{\pi'}_{t}", r"r(s_t,a_t) + \gamma V_{\pi'}(s_{t+1}) - V_{\pi'}(s_t)"),
    (
        r"\sum_{t=0}^\infty \gamma^t \delta_t^\pi",
        r"\sum_{t=0}^\infty \gamma^t (r_t + \gamma V_\pi(s_{t+1}) - V_\pi(s_t))",
    ),
]


@pytest.mark.parametrize(("latex", "canonical"), TIME_NOTATION)
def test_time_indexed_notation_means_the_trajectory_quantity(latex: str, canonical: str) -> None:
    assert parse_expression(latex) == parse_expression(canonical)


def test_return_from_a_later_fixed_time_is_discounted_from_that_time() -> None:
    t = Symbol("t", integer=True, nonnegative=True)
    expected = Sum(gamma ** (t - 2) * Reward(StateAt(t), ActionAt(t)), (t, 2, oo))
    assert parse_expression("G_2") == expected


REFUSED_TIME_AND_EXPECTATIONS = [
    (r"\mathbb{E}_\pi[r(s,a) + \gamma V_\pi(s')]", "\\pi", "s'"),  # which law draws s'? refused, not guessed
    (r"\mathbb{E}_\pi[V_\pi(s')]", "\\pi", "0 free actions"),
    (r"\mathbb{E}_\pi[Q_\pi(s,a) - Q_\pi(s,a')]", "\\pi", "2 free actions"),
    (r"\mathbb{E}_\pi[G_t \mid S_t = s]", "t \\mid", "G_0"),
    (r"\mathbb{E}_\pi[G_0 \mid S_0 = s]", "\\mid", "V_π(s)"),
    (r"\mathbb{E}[R_{t+1} + \gamma v_\pi(S_{t+1}) \mid S_t = s]", "\\mathbb", "\\mathbb{E}_\\pi"),
    (r"\mathbb{E}_{a \sim \pi}[Q_\pi(s,a) \mid S_t = s]", "\\mid", "policy subscript"),
    (r"\mathbb{E}_\pi[\gamma^t r_t \mid S_t = s]", "\\mid", "time t is still free"),
    (r"\mathbb{E}_\pi[r_{t-1} \mid S_t = s]", "\\mid", "steps after the condition"),
    (r"\mathbb{E}_\pi[r_t \mid A_t = a]", "\\mid", "one state"),
    (r"\mathbb{E}_\pi[r_t \mid S_t = a]", "a", "a state goes"),
    (r"\mathbb{E}_\pi[r_t \mid x = s]", "x", "S_t or A_t"),
    (r"\mathbb{E}_\pi[Q_\pi(s,a) \mid S_t = s]", "\\mid", "binds nothing"),
    (r"R_0", "R", "R_1"),
    (r"R(\tau)", "R", "\\sum_{t=0}^\\infty"),
    (r"r_t(\theta) A_t", "(", "PPO"),
    (r"\hat{A}_t", "\\hat", "estimate"),
    (r"\hat{V}(s)", "\\hat", "estimate"),
    (r"A_t", "A", "ambiguous"),
    (r"\delta_t", "\\delta", "policy"),
    (r"G_t", "t", "G_0"),
    (r"r_{s}", "s", "time"),
]


@pytest.mark.parametrize(("latex", "culprit", "expected"), REFUSED_TIME_AND_EXPECTATIONS)
def test_ambiguous_expectations_and_times_are_refused(latex: str, culprit: str, expected: str) -> None:
    test_unsupported_notation_is_refused_at_its_token(latex, culprit, expected)
