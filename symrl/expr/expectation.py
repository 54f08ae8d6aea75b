"""Expectations over the distributions of an MDP: h, π(·|s), P(·|s,a), trajectories ρ_π."""

from __future__ import annotations

from sympy import Expr, Symbol, Tuple
from sympy.core.sympify import _sympify

__all__ = [
    "Distribution",
    "Expectation",
    "InitialDistribution",
    "PolicyDistribution",
    "Sample",
    "TrajectoryDistribution",
    "TransitionDistribution",
    "VisitationDistribution",
]


class Distribution(Expr):
    """Base of the sampling distributions an expectation can range over."""

    is_commutative = True


class InitialDistribution(Distribution):
    """``h``: states drawn from the initial distribution."""

    def _latex(self, printer) -> str:
        return "h"


class PolicyDistribution(Distribution):
    """``π(·|s)``: actions drawn from a policy in a given state; arguments ``(policy, state)``."""

    def __new__(cls, policy: Expr, state: Expr) -> PolicyDistribution:
        return Expr.__new__(cls, _sympify(policy), _sympify(state))

    def _latex(self, printer) -> str:
        return printer._print(self.args[0])


class TransitionDistribution(Distribution):
    """``P(·|s,a)``: next states; arguments ``(state, action)``."""

    def __new__(cls, state: Expr, action: Expr) -> TransitionDistribution:
        return Expr.__new__(cls, _sympify(state), _sympify(action))

    def _latex(self, printer) -> str:
        s, a = (printer._print(arg) for arg in self.args)
        return f"P(\\cdot \\mid {s}, {a})"


class TrajectoryDistribution(Distribution):
    """``ρ_π``: trajectories ``h(s_0) Π_t π(a_t|s_t) P(s_{t+1}|s_t,a_t)``; argument ``(policy,)``."""

    def __new__(cls, policy: Expr) -> TrajectoryDistribution:
        return Expr.__new__(cls, _sympify(policy))

    @property
    def policy(self) -> Expr:
        return self.args[0]

    def _latex(self, printer) -> str:
        return "\\rho_{" + printer._print(self.args[0]) + "}"


class VisitationDistribution(Distribution):
    """``(s, a) ∼ P_π``: pairs with weights ``(1-γ) d_π(s) π(a|s)``; ``s ∼ d^π``: states with ``(1-γ) d_π(s)``."""

    def __new__(cls, policy: Expr) -> VisitationDistribution:
        return Expr.__new__(cls, _sympify(policy))

    def _latex(self, printer) -> str:
        return "P_{" + printer._print(self.args[0]) + "}"


class Sample(Expr):
    """``x ∼ D``: the variable ``x`` (a symbol; ``tau`` for a trajectory) drawn from ``D``."""

    def __new__(cls, variable: Symbol, distribution: Distribution) -> Sample:
        return Expr.__new__(cls, _sympify(variable), distribution)

    @property
    def variable(self) -> Symbol:
        return self.args[0]

    @property
    def distribution(self) -> Distribution:
        return self.args[1]

    def _latex(self, printer) -> str:
        return f"{printer._print(self.variable)} \\sim {printer._print(self.distribution)}"


class Expectation(Expr):
    """``E_{x∼D, …}[body]``; samples are bound in order (later ones may depend on earlier ones).

    Like ``sympy.stats.Expectation``, a body free of the sampled variables is returned unchanged.

    >>> from symrl.expr.nodes import Value, policy, state
    >>> s = state()
    >>> Expectation(Value(policy("pi"), s), Sample(s, InitialDistribution()))
    Expectation(Value(pi, s), (Sample(s, InitialDistribution()),))
    >>> Expectation(3, Sample(s, InitialDistribution()))
    3
    """

    is_commutative = True
    is_real = True

    def __new__(cls, body: object, *samples: Sample) -> Expr:
        body = _sympify(body)
        if len(samples) == 1 and isinstance(samples[0], Tuple):  # rebuilt from .args
            samples = tuple(samples[0])
        if not samples:
            raise TypeError("Expectation needs at least one Sample")
        sampled = set()
        for sample in samples:
            variable = sample.variable
            sampled |= set(variable.args) if isinstance(variable, Tuple) else {variable}
        trajectory = any(isinstance(sample.distribution, TrajectoryDistribution) for sample in samples)
        if not trajectory and not (body.free_symbols & sampled):
            return body
        return Expr.__new__(cls, body, Tuple(*samples))

    @property
    def body(self) -> Expr:
        return self.args[0]

    @property
    def samples(self) -> tuple[Sample, ...]:
        return tuple(self.args[1])

    @property
    def bound_symbols(self) -> set:
        return {sample.variable for sample in self.samples}

    @property
    def free_symbols(self) -> set:
        free = set(self.body.free_symbols)
        for sample in reversed(self.samples):
            variable = sample.variable
            free -= set(variable.args) if isinstance(variable, Tuple) else {variable}
            free |= sample.distribution.free_symbols
        return free

    def _latex(self, printer) -> str:
        under = ", ".join(printer._print(sample) for sample in self.samples)
        return f"\\mathbb{{E}}_{{{under}}}\\left[{printer._print(self.body)}\\right]"
