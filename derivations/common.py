"""Notation shared by the derivation modules of the seed post: symbols, policies, shorthands."""

from __future__ import annotations

import sympy
from sympy import Symbol

from symrl.expr import (
    Expectation,
    InitialDistribution,
    PolicyDistribution,
    Sample,
    TrajectoryDistribution,
    TransitionDistribution,
    action,
    policy,
    state,
)

__all__ = [
    "SOURCE",
    "s",
    "a",
    "s_next",
    "tau",
    "pi",
    "pi_new",
    "pi_star",
    "pi_theta",
    "pi_theta_new",
    "pi_1",
    "pi_2",
    "over_initial",
    "over_policy",
    "over_next_state",
    "over_trajectories",
]

SOURCE = "000_1a0abbced62b64ca.txt"
"""The text these modules encode (under ``../shared/seed/``)."""

s = state("s")
a = action("a")
s_next = state("s'")
tau = Symbol("tau")

pi = policy("pi")
pi_new = policy("pi'")
pi_star = policy("pi^*")
pi_theta = policy("pi_theta")
pi_theta_new = policy("pi_theta'")
pi_1 = policy("pi_1")
pi_2 = policy("pi_2")


def over_initial(body: sympy.Expr, variable: Symbol = s) -> sympy.Expr:
    """``E_{s∼h}[body]``."""
    return Expectation(body, Sample(variable, InitialDistribution()))


def over_policy(body: sympy.Expr, which: Symbol, in_state: Symbol = s, variable: Symbol = a) -> sympy.Expr:
    """``E_{a∼π(·|s)}[body]``."""
    return Expectation(body, Sample(variable, PolicyDistribution(which, in_state)))


def over_next_state(body: sympy.Expr, in_state: Symbol = s, with_action: Symbol = a) -> sympy.Expr:
    """``E_{s'∼P(·|s,a)}[body]``."""
    return Expectation(body, Sample(s_next, TransitionDistribution(in_state, with_action)))


def over_trajectories(body: sympy.Expr, which: Symbol) -> sympy.Expr:
    """``E_{τ∼ρ_π}[body]``."""
    return Expectation(body, Sample(tau, TrajectoryDistribution(which)))
