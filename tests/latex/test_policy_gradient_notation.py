"""The notation of policy-gradient notes: visitation d^π, ∇_θ, log, read to their nodes or refused by name."""

from __future__ import annotations

import pytest
import sympy
from sympy import Sum, Symbol

from symrl.expr import (
    ActionAt,
    ActionValue,
    Expectation,
    Gradient,
    Occupancy,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Reward,
    Sample,
    StateAt,
    Value,
    VisitationDistribution,
    gamma,
    horizon,
    policy,
    t,
)
from symrl.latex.parser import ParseError, parse_expression

s, a = Symbol("s"), Symbol("a")
PI, PI_THETA = policy("pi"), policy("pi_theta")
THETA = Symbol("theta")


@pytest.mark.parametrize(
    ("latex", "owner"),
    [
        (r"d^\pi(s)", PI),
        (r"d^{\pi}(s)", PI),
        (r"d^{\pi_\theta}(s)", PI_THETA),
        (r"d^{\pi'}(s)", policy("pi'")),
        (r"d^\theta(s)", PI_THETA),
    ],
)
def test_superscript_visitation_is_normalised(latex: str, owner: sympy.Symbol) -> None:
    assert parse_expression(latex) == (1 - gamma) * Occupancy(owner, s)


@pytest.mark.parametrize("latex", [r"d_\pi(s)", r"d_{\pi}(s)"])
def test_subscript_visitation_is_design_s_unnormalised_d(latex: str) -> None:
    """DESIGN §1 defines ``d_π(s) = Σ_t γ^t Pr(s_t = s)`` without the factor (1-γ)."""
    assert parse_expression(latex) == Occupancy(PI, s)


@pytest.mark.parametrize("latex", [r"\mathbb{E}_{s \sim d^\pi}[r(s,a)]", r"\mathbb{E}_{s \sim d_\pi(s)}[r(s,a)]"])
def test_sampling_from_the_visitation_draws_states(latex: str) -> None:
    expr = parse_expression(latex)
    assert expr == Expectation(Reward(s, a), Sample(s, VisitationDistribution(PI)))


def test_state_then_action_samples_nest() -> None:
    expr = parse_expression(r"\mathbb{E}_{s \sim d^{\pi_\theta}, a \sim \pi_\theta}[Q_{\pi_\theta}(s,a)]")
    inner = Expectation(ActionValue(PI_THETA, s, a), Sample(a, PolicyDistribution(PI_THETA, s)))
    assert expr == Expectation(inner, Sample(s, VisitationDistribution(PI_THETA)))


def test_score_times_q_is_a_gradient_factor_and_q() -> None:
    expr = parse_expression(r"\nabla_\theta \log \pi_\theta(a|s) Q_{\pi_\theta}(s,a)")
    score = Gradient(sympy.log(PolicyProbability(PI_THETA, a, s)), THETA)
    assert expr == score * ActionValue(PI_THETA, s, a)
    assert THETA not in expr.free_symbols  # ∇_θ binds θ


@pytest.mark.parametrize("latex", [r"\nabla_\theta \eta(\theta)", r"\nabla_\theta J(\theta)"])
def test_gradient_of_the_objective(latex: str) -> None:
    assert parse_expression(latex) == Gradient(Return(PI_THETA), THETA)


@pytest.mark.parametrize("latex", [r"\log \pi(a|s)", r"\ln \pi(a|s)", r"\log(\pi(a|s))"])
def test_log_of_a_probability(latex: str) -> None:
    assert parse_expression(latex) == sympy.log(PolicyProbability(PI, a, s))


@pytest.mark.parametrize(
    ("latex", "token", "expected"),
    [
        (r"d^\pi_\mu(s)", "d", "start distribution"),
        (r"d^\pi(s, a)", ",", "not of state-action pairs"),
        (r"d^\pi(a)", "a", "where a state goes"),
        (r"d(s)", "d", "unknown symbol"),
        (r"\mathbb{E}_{(s,a) \sim d^\pi}[A_\pi(s,a)]", "d", "distribution over states"),
        (r"\nabla_\theta V_{\pi_\theta}(s)", "V", "∇_θ is understood of η"),
        (r"\nabla_\theta \log \pi(a|s)", "\\log", "∇_θ is understood of η"),
        (r"\nabla_\theta \eta(\pi)", "\\eta", "∇_θ is understood of η"),
        (r"\nabla_\theta \log \eta(\theta)", "\\log", "∇_θ is understood of η"),
        (r"\log 0", "0", "not positive"),
        (r"\log (-1)", "(", "not positive"),
    ],
    ids=[
        "start-distribution",
        "pair",
        "action",
        "no-policy",
        "pair-sample",
        "grad-value",
        "grad-log-pi",
        "grad-eta-pi",
        "grad-log-eta",
        "log-zero",
        "log-negative",
    ],
)
def test_what_is_not_supported_is_refused_at_its_token(latex: str, token: str, expected: str) -> None:
    with pytest.raises(ParseError, match=expected) as caught:
        parse_expression(latex)
    error = caught.value
    assert latex[error.offset : error.offset + len(token)] == token, (error.offset, str(error))


# -- a finite horizon T ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"\sum_{t=0}^{T-1} \gamma^t r(s_t,a_t)", Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, horizon - 1))),
        (r"\sum_{t=0}^{T} r_t", Sum(Reward(StateAt(t), ActionAt(t)), (t, 0, horizon))),
        (r"\gamma^T V_\pi(s_T)", gamma**horizon * Value(PI, StateAt(horizon))),
        (r"\gamma^{T+1} V_\pi(s_{T+1})", gamma ** (horizon + 1) * Value(PI, StateAt(horizon + 1))),
        (r"r(s_{T-1}, a_{T-1})", Reward(StateAt(horizon - 1), ActionAt(horizon - 1))),
    ],
)
def test_horizon_reads_as_the_positive_integer_t(latex: str, expected: sympy.Expr) -> None:
    assert parse_expression(latex) == expected


@pytest.mark.parametrize(
    ("latex", "token", "expected"),
    [
        (r"V_\pi(s_{T-2})", "T", "must be a time"),
        (r"V_\pi(s_{t+T})", "t", "must be a time"),
        (r"\sum_{t=0}^{2T} r_t", "{", "T plus an integer"),
        (r"\sum_{t=0}^{T^2} r_t", "{", "T plus an integer"),
    ],
    ids=["before-time-zero", "t-plus-horizon", "twice-the-horizon", "horizon-squared"],
)
def test_horizon_forms_symrl_cannot_evaluate_are_refused(latex: str, token: str, expected: str) -> None:
    with pytest.raises(ParseError, match=expected) as caught:
        parse_expression(latex)
    error = caught.value
    assert latex[error.offset : error.offset + len(token)] == token, (error.offset, str(error))
