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
