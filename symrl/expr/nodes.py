"""RL quantities as SymPy expressions: V, Q, A, η, r, P, π, h, time-indexed trajectory variables."""

from __future__ import annotations

import sympy
from sympy import Expr, Symbol
from sympy.core.sympify import _sympify
from sympy.printing.latex import translate

__all__ = [
    "ActionAt",
    "ActionValue",
    "Advantage",
    "Gradient",
    "InitialProbability",
    "MaxOver",
    "Reduction",
    "Occupancy",
    "OptimalValue",
    "PolicyAction",
    "PolicyProbability",
    "PolicySymbol",
    "RLQuantity",
    "Return",
    "Reward",
    "SameState",
    "StateAt",
    "SumOver",
    "Transition",
    "Value",
    "action",
    "gamma",
    "horizon",
    "latex_name",
    "policy",
    "state",
    "t",
]

gamma = Symbol("gamma", positive=True)
"""The discount factor γ of the MDP under study."""

t = Symbol("t", integer=True, nonnegative=True)
"""The time index of trajectory sums."""

horizon = Symbol("T", integer=True, positive=True)
"""A finite horizon ``T``: a positive integer, universally quantified like a free state."""


class PolicySymbol(Symbol):
    """A policy's name; prints Greek letters, subscripts and primes: ``pi_theta'`` is π_θ′."""

    def _latex(self, printer) -> str:
        return _symbol_latex(self.name)


def _symbol_latex(name: str) -> str:
    primes = len(name) - len(name.rstrip("'"))
    core = name.rstrip("'")
    base, _, subscript = core.partition("_")
    base, _, superscript = base.partition("^")
    text = translate(base)
    if subscript:
        text += "_{" + translate(subscript) + "'" * primes + "}"
    elif primes:
        text += "'" * primes
    if superscript:
        text += "^{" + translate(superscript) + "}"
    return text


def policy(name: str) -> Symbol:
    """A policy symbol: ``policy("pi'")`` is π′, ``policy("pi_theta")`` is π_θ.

    >>> print(sympy.latex(policy("pi_theta'")))
    \\pi_{\\theta'}
    """
    return PolicySymbol(name)


def state(name: str = "s") -> Symbol:
    """A free state variable (universally quantified over ``S`` unless bound)."""
    return Symbol(name)


def action(name: str = "a") -> Symbol:
    """A free action variable (universally quantified over ``A`` unless bound)."""
    return Symbol(name)


def latex_name(symbol: Expr) -> str:
    """LaTeX of a symbol or index, with SymPy's Greek-letter and subscript conventions."""
    return sympy.latex(symbol)


class RLQuantity(Expr):
    """Base of the RL quantity nodes: real-valued, arguments sympified, printed as ``N_{π}(args)``."""

    is_commutative = True
    is_real = True
    _latex_symbol = ""
    _policy_first = True

    def __new__(cls, *args: object) -> RLQuantity:
        return Expr.__new__(cls, *[_sympify(arg) for arg in args])

    def _latex(self, printer) -> str:
        args = list(self.args)
        subscript = ""
        if self._policy_first:
            subscript = "_{" + printer._print(args.pop(0)) + "}"
        inner = ", ".join(printer._print(arg) for arg in args)
        return f"{self._latex_symbol}{subscript}\\left({inner}\\right)"


class Value(RLQuantity):
    """``V_π(s)``: expected discounted return from ``s`` following ``π``."""

    _latex_symbol = "V"


class ActionValue(RLQuantity):
    """``Q_π(s, a) = r(s,a) + γ Σ_{s'} P(s'|s,a) V_π(s')``."""

    _latex_symbol = "Q"


class Advantage(RLQuantity):
    """``A_π(s, a) = Q_π(s,a) - V_π(s)``."""

    _latex_symbol = "A"


class OptimalValue(RLQuantity):
    """``V^*(s)``: the optimal value."""

    _policy_first = False
    _latex_symbol = "V^{*}"


class Return(RLQuantity):
    """``η(π) = Σ_s h(s) V_π(s)``: expected discounted return of ``π``."""

    _policy_first = False
    _latex_symbol = "\\eta"


class Occupancy(RLQuantity):
    """``d_π(s) = Σ_t γ^t Pr(s_t = s)``: the unnormalised discounted visitation (sums to ``1/(1-γ)``)."""

    _latex_symbol = "d"


class Reward(RLQuantity):
    """``r(s, a)``."""

    _policy_first = False
    _latex_symbol = "r"


class Transition(RLQuantity):
    """``P(s' | s, a)``; arguments are ``(next_state, state, action)``."""

    _policy_first = False

    def _latex(self, printer) -> str:
        nxt, s, a = (printer._print(arg) for arg in self.args)
        return f"P\\left({nxt} \\mid {s}, {a}\\right)"


class PolicyProbability(RLQuantity):
    """``π(a | s)``; arguments are ``(policy, action, state)``."""

    def _latex(self, printer) -> str:
        pi, a, s = (printer._print(arg) for arg in self.args)
        return f"{pi}\\left({a} \\mid {s}\\right)"


class PolicyAction(RLQuantity):
    """``π(s)``: the action a deterministic policy takes in ``s``; arguments ``(policy, state)``."""

    def _latex(self, printer) -> str:
        pi, s = (printer._print(arg) for arg in self.args)
        return f"{pi}\\left({s}\\right)"


class InitialProbability(RLQuantity):
    """``h(s)``: the initial-state distribution."""

    _policy_first = False
    _latex_symbol = "h"


class StateAt(RLQuantity):
    """``s_t``: the trajectory's state at time ``t`` (a random variable)."""

    _policy_first = False

    def _latex(self, printer) -> str:
        return "s_{" + printer._print(self.args[0]) + "}"


class ActionAt(RLQuantity):
    """``a_t``: the trajectory's action at time ``t`` (a random variable)."""

    _policy_first = False

    def _latex(self, printer) -> str:
        return "a_{" + printer._print(self.args[0]) + "}"


class Reduction(Expr):
    """Base of ``max_x f`` and ``Σ_x f``: ``f`` reduced over every value of the variable ``x``."""

    is_commutative = True
    is_real = True

    def __new__(cls, body: object, variable: Symbol) -> Reduction:
        return Expr.__new__(cls, _sympify(body), _sympify(variable))

    @property
    def body(self) -> Expr:
        return self.args[0]

    @property
    def variable(self) -> Symbol:
        return self.args[1]

    @property
    def free_symbols(self) -> set:
        return self.body.free_symbols - {self.variable}


class MaxOver(Reduction):
    """``max_a f``: the maximum of ``f`` over the action variable ``a``.

    >>> s, a = state(), action()
    >>> sympy.latex(MaxOver(ActionValue(policy("pi"), s, a), a))
    '\\\\max_{a} Q_{\\\\pi}\\\\left(s, a\\\\right)'
    """

    def _latex(self, printer) -> str:
        return f"\\max_{{{printer._print(self.variable)}}} {printer._print(self.body)}"


class SumOver(Reduction):
    """``Σ_x f``: an unweighted finite sum of ``f`` over every value of the variable ``x``."""

    def _latex(self, printer) -> str:
        return f"\\sum_{{{printer._print(self.variable)}}} {printer._print(self.body)}"


class SameState(RLQuantity):
    """``1[x = y]``: one when two states (or actions) coincide, else zero."""

    _policy_first = False

    def _latex(self, printer) -> str:
        x, y = (printer._print(arg) for arg in self.args)
        return f"\\mathbb{{1}}\\left[{x} = {y}\\right]"


class Gradient(Expr):
    """``∇_θ f``: the gradient of ``f`` with respect to the parameters ``θ`` of the softmax policy ``π_θ``.

    Its value has one more axis than ``f``: the parameter's components (``θ[s,a]`` flattened for
    tabular softmax, the ``k`` feature weights for linear-feature softmax).
    """

    is_commutative = True  # componentwise, a gradient multiplies scalars like any other quantity

    def __new__(cls, body: object, parameters: Symbol) -> Gradient:
        return Expr.__new__(cls, _sympify(body), _sympify(parameters))

    @property
    def body(self) -> Expr:
        return self.args[0]

    @property
    def free_symbols(self) -> set:
        return self.body.free_symbols  # θ is bound by ∇_θ, not a variable the formula ranges over

    def _latex(self, printer) -> str:
        return f"\\nabla_{{{printer._print(self.args[1])}}} {printer._print(self.body)}"
