"""The parser on RL notation: each notation of standard notes means the same node as its canonical form."""

from __future__ import annotations

import pytest
from sympy import Symbol

from symrl.expr import Expectation, MaxOver, PolicyDistribution, Sample, Value, policy
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
]


@pytest.mark.parametrize(("latex", "culprit", "expected"), REFUSED)
def test_unsupported_notation_is_refused_at_its_token(latex: str, culprit: str, expected: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(latex)
    assert latex[caught.value.offset :].startswith(culprit), (str(caught.value), caught.value.offset)
    assert expected in str(caught.value)
