"""The parser on RL notation: each notation of standard notes means the same node as its canonical form."""

from __future__ import annotations

import pytest
from sympy import Symbol

from symrl.expr import Expectation, PolicyDistribution, Sample, policy
from symrl.latex.parser import ParseError, parse_expression

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
