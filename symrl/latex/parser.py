"""Parse the LaTeX of RL formulas into symrl expressions: V, Q, A, η, r, P, π, h, E, Σ, max.

A hand-written recursive-descent parser over a token stream: the RL notation (``P(s'|s,a)``,
``\\mathbb{E}_{s\\sim h}``, ``\\sum_{t=0}^\\infty``, policy subscripts) is exactly what generic LaTeX
grammars misread, so it is handled here, and nothing is ever evaluated as Python.  Every token
must be understood: an unknown macro or symbol raises :class:`NotationError` with its offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy
from sympy import Expr, Integer, Rational, Sum, Symbol, Tuple, oo

from symrl.errors import NotationError
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
    gamma,
    policy,
    t,
)

__all__ = [
    "Token",
    "tokenize",
    "Notation",
    "ParseError",
    "Parser",
    "parse_expression",
    "ArgMax",
    "Gradient",
    "PolicyMax",
    "Product",
]


class ParseError(NotationError):
    """A formula could not be read; ``offset`` points at the offending token of the LaTeX."""

    def __init__(self, message: str, offset: int, length: int = 1):
        super().__init__(message)
        self.offset = offset
        self.length = max(1, length)


@dataclass(frozen=True)
class Token:
    """One lexical unit: ``kind`` is ``command``, ``letter``, ``number`` or ``symbol``."""

    kind: str
    text: str
    offset: int


_TOKEN = re.compile(
    r"(?P<command>\\(?:[A-Za-z]+|.))|(?P<number>\d+(?:\.\d+)?)|(?P<letter>[A-Za-z])|(?P<space>\s+)|(?P<symbol>.)",
    re.DOTALL,
)

# Presentation-only macros: no meaning, dropped wherever they appear.
_IGNORED = {
    "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr",
    "\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle", "\\limits", "\\nonumber",
}  # fmt: skip


def tokenize(latex: str) -> list[Token]:
    """Split LaTeX into tokens, dropping spaces and presentation-only macros.

    >>> [token.text for token in tokenize(r"V_{\\pi}(s')")]
    ['V', '_', '{', '\\\\pi', '}', '(', 's', "'", ')']
    """
    tokens = []
    for match in _TOKEN.finditer(latex):
        kind = match.lastgroup
        text = match.group()
        if kind == "space" or text in _IGNORED:
            continue
        tokens.append(Token(kind, text, match.start()))
    return tokens


@dataclass(frozen=True)
class Notation:
    """What letters mean: the defaults of RL notes, overridable per document.

    States are ``s`` (with primes and subscripts), actions ``a``; ``t`` indexes time; the
    parameter letter ``\\theta`` names the policy ``π_θ``.
    """

    state_letters: frozenset[str] = frozenset({"s", "x"})
    action_letters: frozenset[str] = frozenset({"a", "u"})
    time_letter: str = "t"
    parameter_macro: str = "\\theta"
    constants: dict[str, Expr] = field(default_factory=dict)


class ArgMax(sympy.Expr):
    """``argmax_a f``: a set of actions; only meaningful as ``π(s) = argmax_a f`` (read by the reader)."""

    def __new__(cls, body: Expr, variable: Symbol) -> ArgMax:
        return sympy.Expr.__new__(cls, body, variable)

    @property
    def body(self) -> Expr:
        return self.args[0]

    @property
    def variable(self) -> Symbol:
        return self.args[1]


class PolicyMax(sympy.Expr):
    """``max_θ f``: an optimisation over a policy's parameters; ``policy`` is the policy's name."""

    def __new__(cls, body: Expr, policy_name: Symbol) -> PolicyMax:
        return sympy.Expr.__new__(cls, body, policy_name)

    @property
    def body(self) -> Expr:
        return self.args[0]


class Gradient(sympy.Expr):
    """``∇_θ f``: the gradient of ``f`` with respect to the parameters ``θ``."""

    def __new__(cls, body: Expr, parameters: Symbol) -> Gradient:
        return sympy.Expr.__new__(cls, body, parameters)

    @property
    def body(self) -> Expr:
        return self.args[0]


class Product(sympy.Expr):
    """``Π_{t=k}^∞ f``: a product over time (used in definitions of trajectory distributions)."""

    def __new__(cls, body: Expr, lower: Expr) -> Product:
        return sympy.Expr.__new__(cls, body, lower)

    @property
    def body(self) -> Expr:
        return self.args[0]


_GREEK_POLICY_FREE = {"\\alpha", "\\beta", "\\delta", "\\epsilon", "\\lambda", "\\mu", "\\sigma"}
_RELATION_STOP = {"=", "<", ">", "\\geq", "\\leq", "\\ge", "\\le", "\\approx", "\\equiv", "\\neq", "\\in", ",", "&"}


class Parser:
    """Recursive-descent parser over the tokens of one formula."""

    def __init__(self, latex: str, notation: Notation | None = None):
        self.latex = latex
        self.tokens = tokenize(latex)
        self.position = 0
        self.notation = notation or Notation()

    # -- token helpers ----------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise ParseError("unexpected end of formula", len(self.latex))
        self.position += 1
        return token

    def expect(self, text: str, what: str = "") -> Token:
        token = self.peek()
        if token is None or token.text != text:
            found = "the end of the formula" if token is None else repr(token.text)
            raise ParseError(
                f"expected {text!r}{' ' + what if what else ''}, found {found}",
                token.offset if token else len(self.latex),
                len(token.text) if token else 1,
            )
        return self.take()

    def error(self, message: str, token: Token | None = None) -> ParseError:
        token = token or self.peek()
        if token is None:
            return ParseError(message, len(self.latex))
        return ParseError(message, token.offset, len(token.text))

    @property
    def done(self) -> bool:
        return self.position >= len(self.tokens)

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> Expr:
        """The whole input as one expression."""
        expr = self.expression()
        if not self.done:
            raise self.error(f"did not understand {self.peek().text!r} here")
        return expr

    def expression(self) -> Expr:
        """``term (± term)*``."""
        if self.at("+", "-"):
            sign = -1 if self.take().text == "-" else 1
            value = sign * self.term()
        else:
            value = self.term()
        while self.at("+", "-"):
            sign = -1 if self.take().text == "-" else 1
            value = value + sign * self.term()
        return value

    def term(self) -> Expr:
        """Factors multiplied by juxtaposition, ``\\cdot``, ``\\times`` or divided by ``/``."""
        value = self.power()
        while True:
            if self.at("\\cdot", "\\times", "*"):
                self.take()
                value = value * self.power()
            elif self.at("/"):
                self.take()
                value = value / self.power()
            elif self.starts_factor():
                value = value * self.power()
            else:
                return value

    def starts_factor(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("letter", "number"):
            return True
        if token.kind == "command":
            return token.text not in _RELATION_STOP and token.text not in _STOP_COMMANDS
        return token.text in ("(", "[", "{")

    def power(self) -> Expr:
        base = self.primary()
        if self.at("^"):
            self.take()
            exponent = self.group_expression()
            return base**exponent
        return base

    def group_expression(self) -> Expr:
        """A braced group or a single token (``^t``, ``^{t+1}``)."""
        if self.at("{"):
            self.take()
            value = self.expression()
            self.expect("}")
            return value
        token = self.take()
        if token.kind == "number":
            return Integer(int(token.text)) if token.text.isdigit() else Rational(token.text)
        if token.kind == "letter":
            return self.symbol_for(token.text)
        if token.text == "\\infty":
            return oo
        if token.text == "\\gamma":
            return gamma
        raise self.error(f"cannot use {token.text!r} as an exponent", token)

    def primary(self) -> Expr:
        token = self.peek()
        if token is None:
            raise self.error("expected a term, found the end of the formula")
        if token.kind == "number":
            self.take()
            return Integer(int(token.text)) if token.text.isdigit() else Rational(token.text)
        if token.text in ("(", "["):
            closing = ")" if token.text == "(" else "]"
            self.take()
            value = self.expression()
            self.expect(closing, "to close the bracket")
            return value
        if token.text == "{":
            self.take()
            value = self.expression()
            self.expect("}", "to close the group")
            return value
        if token.kind == "command":
            return self.command()
        if token.kind == "letter":
            return self.letter()
        raise self.error(f"did not expect {token.text!r} here")

    # -- macros -----------------------------------------------------------------------------
    def command(self) -> Expr:
        token = self.take()
        name = token.text
        if name == "\\gamma":
            return gamma
        if name == "\\frac":
            numerator = self.braced_expression()
            denominator = self.braced_expression()
            return numerator / denominator
        if name in ("\\textcolor", "\\color"):
            self.braced_text()
            return self.braced_expression() if name == "\\textcolor" else self.expression()
        if name == "\\boxed":
            return self.braced_expression()
        if name == "\\mathbb":
            letter = self.braced_text()
            if letter != "E":
                raise self.error(f"\\mathbb{{{letter}}} is not a known operator (only \\mathbb{{E}})", token)
            return self.expectation(token)
        if name == "\\eta":
            return self.return_of()
        if name == "\\sum":
            return self.sum(token)
        if name == "\\prod":
            return self.product(token)
        if name == "\\max":
            return self.maximum(token)
        if name in ("\\arg", "\\operatorname"):
            return self.argmax(token)
        if name == "\\pi":
            return self.policy_expression(token)
        if name == self.notation.parameter_macro:
            primes = ""
            while self.at("'"):
                self.take()
                primes += "'"
            return Symbol("theta" + primes)
        if name == "\\alpha":
            return Symbol("alpha", positive=True)
        if name == "\\nabla":
            subscript = self.subscript_tokens()
            wrt = self.sub_parser(subscript).command() if subscript else Symbol("theta")
            return Gradient(self.power(), wrt)
        if name == "\\rho":
            raise self.error("ρ(τ) is a distribution; it can only be sampled from (τ ∼ ρ)", token)
        raise self.error(f"unknown macro {name}; declare it or rewrite the formula", token)

    def braced_text(self) -> str:
        self.expect("{")
        start = self.position
        depth = 1
        while depth:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token.text, 0)
        return "".join(token.text for token in self.tokens[start : self.position - 1])

    def braced_expression(self) -> Expr:
        self.expect("{")
        value = self.expression()
        self.expect("}", "to close the group")
        return value

    def subscript_tokens(self) -> list[Token]:
        """The tokens of ``_x`` or ``_{…}`` (consumed), or an empty list when there is no subscript."""
        if not self.at("_"):
            return []
        self.take()
        if self.at("{"):
            self.take()
            start = self.position
            depth = 1
            while depth:
                token = self.take()
                depth += {"{": 1, "}": -1}.get(token.text, 0)
            return self.tokens[start : self.position - 1]
        return [self.take()]

    def sub_parser(self, tokens: list[Token]) -> Parser:
        parser = Parser.__new__(Parser)
        parser.latex = self.latex
        parser.tokens = tokens
        parser.position = 0
        parser.notation = self.notation
        return parser

    # -- policies ---------------------------------------------------------------------------
    def policy_name(self, start: Token) -> str:
        """After ``\\pi``: subscripts, primes and ``^*`` give the policy's canonical name."""
        name = "pi"
        subscript = self.subscript_tokens()
        if subscript:
            name += "_" + self.subscript_name(subscript)
        if self.at("^"):
            self.take()
            star = self.take() if not self.at("{") else None
            if star is None:
                inner = self.braced_text()
                if inner != "*":
                    raise self.error(f"π^{{{inner}}} is not a policy name I know", start)
            elif star.text != "*":
                raise self.error("expected * after π^", star)
            name += "^*"
        while self.at("'"):
            self.take()
            name += "'"
        return name

    def subscript_name(self, tokens: list[Token]) -> str:
        parts = []
        for token in tokens:
            if token.text == self.notation.parameter_macro:
                parts.append("theta")
            elif token.text == "\\pi":
                continue
            elif token.kind in ("letter", "number") or token.text in ("'", "*"):
                parts.append(token.text)
            elif token.text in ("_", "{", "}"):
                continue
            else:
                raise self.error(f"cannot read {token.text!r} in a policy's name", token)
        return "".join(parts).replace("pi_", "")

    def policy_from_subscript(self, tokens: list[Token], owner: Token) -> Symbol:
        """``_\\pi``, ``_{\\pi_\\theta}``, ``_{\\theta'}``, ``_{\\pi^*}`` → the policy symbol."""
        if not tokens:
            raise self.error(f"{owner.text} needs a policy subscript such as _\\pi", owner)
        sub = self.sub_parser(tokens)
        first = sub.take()
        if first.text == "\\pi":
            name = sub.policy_name(first)
        elif first.text == self.notation.parameter_macro:
            name = "pi_theta" + "".join(token.text for token in sub.tokens[sub.position :] if token.text == "'")
            sub.position = len(sub.tokens)
        else:
            raise self.error(f"expected a policy such as \\pi or \\theta in the subscript of {owner.text}", first)
        if not sub.done:
            raise self.error(f"did not understand {sub.peek().text!r} in a policy subscript", sub.peek())
        return policy(name)

    def policy_expression(self, token: Token) -> Expr:
        """``π(a|s)``, ``π(s)`` (a deterministic policy's action)."""
        name = self.policy_name(token)
        self.expect("(", "after a policy: π(a|s) or π(s)")
        first = self.argument()
        if self.at("|", "\\mid"):
            self.take()
            state = self.argument()
            self.expect(")")
            return PolicyProbability(policy(name), first, state)
        self.expect(")")
        return PolicyAction(policy(name), first)

    # -- RL quantities ----------------------------------------------------------------------
    def letter(self) -> Expr:
        token = self.take()
        text = token.text
        if text in ("V", "Q", "A") and (self.at("_") or self.at("^")):
            return self.value_function(token)
        if text == "r" and self.at("("):
            self.take()
            state = self.argument()
            self.expect(",")
            action = self.argument()
            self.expect(")")
            return Reward(state, action)
        if text == "P" and self.at("("):
            return self.transition(token)
        if text == "h" and self.at("("):
            self.take()
            state = self.argument()
            self.expect(")")
            return InitialProbability(state)
        if text in self.notation.constants:
            return self.notation.constants[text]
        variable = self.variable_after(token)
        if variable is not None:
            return variable
        raise self.error(
            f"unknown symbol {text!r}; known: states {sorted(self.notation.state_letters)}, actions "
            f"{sorted(self.notation.action_letters)}, r(s,a), P(s'|s,a), h(s), V/Q/A with a policy",
            token,
        )

    def value_function(self, token: Token) -> Expr:
        if self.at("^"):
            self.take()
            star = self.take()
            if star.text != "*" or token.text != "V":
                raise self.error("only V^* (the optimal value) is known with a superscript", star)
            self.expect("(")
            state = self.argument()
            self.expect(")")
            return OptimalValue(state)
        owner = policy_symbol = self.policy_from_subscript(self.subscript_tokens(), token)
        del owner
        self.expect("(", f"after {token.text}_π")
        state = self.argument()
        if token.text == "V":
            self.expect(")")
            return Value(policy_symbol, state)
        self.expect(",")
        action = self.argument()
        self.expect(")")
        node = ActionValue if token.text == "Q" else Advantage
        return node(policy_symbol, state, action)

    def transition(self, token: Token) -> Expr:
        self.expect("(")
        nxt = self.argument()
        if not self.at("|", "\\mid"):
            raise self.error("expected | in P(s'|s,a)")
        self.take()
        state = self.argument()
        self.expect(",")
        action = self.argument()
        self.expect(")")
        return Transition(nxt, state, action)

    def return_of(self) -> Expr:
        """``η(π)``, ``η(π')``, ``η(θ)``, ``η(θ')``."""
        self.expect("(", "after η")
        token = self.take()
        if token.text == "\\pi":
            name = self.policy_name(token)
        elif token.text == self.notation.parameter_macro:
            name = "pi_theta"
            while self.at("'"):
                self.take()
                name += "'"
        else:
            raise self.error("η takes a policy or parameters: η(π), η(θ')", token)
        self.expect(")")
        return Return(policy(name))

    def argument(self) -> Expr:
        """A state or action argument: ``s``, ``s'``, ``s_t``, ``a_{t+1}``, ``s_0``, ``π(s)``."""
        token = self.peek()
        if token is not None and token.text == "\\pi":
            self.take()
            return self.policy_expression(token)
        if token is None or token.kind != "letter":
            raise self.error("expected a state or action such as s, a, s' or s_t")
        self.take()
        variable = self.variable_after(token)
        if variable is None:
            raise self.error(f"{token.text!r} is not a state or action letter", token)
        return variable

    def variable_after(self, token: Token) -> Expr | None:
        """A state/action/time variable starting with ``token`` (subscripts and primes consumed)."""
        text = token.text
        notation = self.notation
        if text == notation.time_letter:
            return t
        if text not in notation.state_letters | notation.action_letters:
            return None
        subscript = self.subscript_tokens()
        primes = ""
        while self.at("'"):
            self.take()
            primes += "'"
        if subscript:
            time = self.sub_parser(subscript).expression()
            if time.free_symbols <= {t} and (time.has(t) or time.is_Integer):
                node = StateAt if text in notation.state_letters else ActionAt
                if primes:
                    raise self.error("a primed time-indexed variable is ambiguous", token)
                return node(time)
            return Symbol(f"{text}_{sympy.sstr(time)}{primes}")
        return Symbol(text + primes)

    def symbol_for(self, text: str) -> Expr:
        if text == self.notation.time_letter:
            return t
        raise ParseError(f"{text!r} is not known here", 0)

    # -- operators with subscripts --------------------------------------------------------------
    def expectation(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if not self.at("["):
            raise self.error("expected [ after \\mathbb{E}_{…}")
        self.take()
        body = self.expression()
        self.expect("]", "to close the expectation")
        if not subscript:
            raise self.error("an expectation needs a subscript naming what is sampled (x \\sim D)", token)
        return self.sampled(subscript, body, token)

    def sampled(self, tokens: list[Token], body: Expr, owner: Token) -> Expr:
        """``E_{x ∼ D}[body]``."""
        sample, body = self.sample(tokens, body)
        return Expectation(body, sample)

    def sample(self, tokens: list[Token], body: Expr | None) -> tuple[Sample, Expr | None]:
        """``x \\sim D`` subscripts (several variables, ``s_0, a_0, \\cdots \\sim ρ``), and the body
        with any renaming they imply (``s_0 ∼ h`` names a plain state)."""
        texts = [token.text for token in tokens]
        if "\\sim" not in texts:
            raise self.error("expected '\\sim' in the expectation's subscript", tokens[0])
        split = texts.index("\\sim")
        variables = self.sub_parser(tokens[:split])
        distribution = tokens[split + 1 :]
        names: list[Expr] = []
        trajectory_variables = False
        while not variables.done:
            current = variables.take()
            if current.text in (",", "\\cdots", "\\ldots", "\\dots"):
                continue
            if current.text == "\\tau":
                trajectory_variables = True
                continue
            if current.text in ("(", ")"):
                continue
            variable = variables.variable_after(current)
            if variable is None:
                raise self.error(f"cannot sample {current.text!r}", current)
            if isinstance(variable, (StateAt, ActionAt)):
                trajectory_variables = True
            names.append(variable)
        dist_parser = self.sub_parser(distribution)
        head = dist_parser.take()
        if head.text == "\\rho":
            rho_policy = dist_parser.policy_from_subscript(dist_parser.subscript_tokens(), head)
            dist_parser.skip_call()
            return Sample(Symbol("tau"), TrajectoryDistribution(rho_policy)), body
        if trajectory_variables and head.text in ("h", "P"):
            # ``s_0 ∼ h(s_0)`` names one state, not the trajectory's: read it as a plain variable.
            renamed = {var: Symbol(f"s_{sympy.sstr(var.args[0])}") for var in names if isinstance(var, StateAt)}
            body = body.xreplace(renamed) if body is not None else None
            names = [renamed.get(var, var) for var in names]
            trajectory_variables = False
        if trajectory_variables:
            if head.text == "\\pi" or head.text == self.notation.parameter_macro:
                dist_parser.position -= 1
                name = dist_parser.take()
                chosen = policy(dist_parser.policy_name(name)) if name.text == "\\pi" else policy("pi_theta")
                return Sample(Symbol("tau"), TrajectoryDistribution(chosen)), body
            raise self.error("trajectory variables are sampled from a trajectory distribution ρ", head)
        if len(names) != 1:
            if head.text == "P" and len(names) == 2:
                visitation = dist_parser.policy_from_subscript(dist_parser.subscript_tokens(), head)
                return Sample(Tuple(*names), VisitationDistribution(visitation)), body
            raise self.error("sample one variable at a time here (x \\sim D)", tokens[0])
        variable = names[0]
        if head.text == "h":
            dist_parser.skip_call()
            return Sample(variable, InitialDistribution()), body
        if head.text == "P":
            return self.transition_sample(dist_parser, variable), body
        if head.text == "\\pi":
            chosen = policy(dist_parser.policy_name(head))
            state = dist_parser.conditioning_state() or _paired_state(body, variable)
            return Sample(variable, PolicyDistribution(chosen, state)), body
        raise self.error(f"unknown distribution {head.text!r} (known: h, π, P(·|s,a), ρ_π)", head)

    def transition_sample(self, parser: Parser, variable: Expr) -> Sample:
        parser.expect("(")
        while not parser.at("|", "\\mid"):
            parser.take()
        parser.take()
        state = parser.argument()
        parser.expect(",")
        action = parser.argument()
        parser.expect(")")
        return Sample(variable, TransitionDistribution(state, action))

    def skip_call(self) -> None:
        """Skip an optional ``(τ)`` / ``(s)`` after a distribution's name."""
        if self.at("("):
            depth = 0
            while True:
                token = self.take()
                depth += {"(": 1, ")": -1}.get(token.text, 0)
                if depth == 0:
                    return

    def conditioning_state(self) -> Expr | None:
        """``π(·|s)`` written out in a subscript, if it is."""
        if not self.at("("):
            return None
        self.take()
        while not self.at("|", "\\mid"):
            self.take()
        self.take()
        state = self.argument()
        self.expect(")")
        return state

    def sum(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        upper = None
        if self.at("^"):
            self.take()
            upper = self.group_expression()
        body = self.power_term()
        if not subscript:
            raise self.error("a sum needs its index: \\sum_{t=0}^\\infty or \\sum_{a}", token)
        texts = [tok.text for tok in subscript]
        if "=" in texts:
            split = texts.index("=")
            index = self.sub_parser(subscript[:split]).expression()
            lower = self.sub_parser(subscript[split + 1 :]).expression()
            if index != t:
                raise self.error("only sums over time t are supported with bounds", subscript[0])
            return Sum(body, (t, lower, upper if upper is not None else oo))
        variable_tokens = subscript[: texts.index("\\in")] if "\\in" in texts else subscript
        variable = self.sub_parser(variable_tokens).argument()
        return SumOver(body, variable)

    def power_term(self) -> Expr:
        """The body of a sum, max or product: a product of factors (it stops at + and -)."""
        return self.term()

    def product(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if self.at("^"):
            self.take()
            self.group_expression()
        body = self.power_term()
        texts = [tok.text for tok in subscript]
        if "=" not in texts:
            raise self.error("a product needs its index: \\prod_{t=0}^\\infty", token)
        lower = self.sub_parser(subscript[texts.index("=") + 1 :]).expression()
        return Product(body, lower)

    def maximum(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if not subscript:
            raise self.error("\\max needs the variable it maximises over: \\max_a", token)
        head = subscript[0]
        body = self.power_term()
        if head.text == self.notation.parameter_macro:
            name = "pi_theta" + "".join(tok.text for tok in subscript if tok.text == "'")
            return PolicyMax(body, Symbol(name))
        variable = self.sub_parser(subscript).argument()
        return MaxOver(body, variable)

    def argmax(self, token: Token) -> Expr:
        if token.text == "\\operatorname":
            name = self.braced_text()
            if name not in ("argmax", "arg\\,max", "arg max"):
                raise self.error(f"unknown operator {name}", token)
        else:
            self.expect("\\max", "after \\arg")
        subscript = self.subscript_tokens()
        variable = self.sub_parser(subscript).argument()
        return ArgMax(self.power_term(), variable)


_STOP_COMMANDS = {"\\sim", "\\mid", "\\cdots", "\\ldots", "\\dots", "\\therefore", "\\forall", "\\implies",
                  "\\iff", "\\Rightarrow", "\\leftarrow", "\\gets", "\\to", "\\text"}  # fmt: skip


def _paired_state(body: Expr | None, action: Expr) -> Expr:
    """The state an action is drawn in, from the body: ``E_{a∼π}[Q(s,a)]`` draws ``a`` in ``s``."""
    if body is None:
        return Symbol("s")
    for node in sympy.preorder_traversal(body):
        if isinstance(node, (ActionValue, Advantage, Reward)):
            args = node.args[1:] if not isinstance(node, Reward) else node.args
            if len(args) == 2 and args[1] == action:
                return args[0]
        if isinstance(node, (PolicyProbability, Transition)) and action in node.args:
            return node.args[2]
    return Symbol("s")


def parse_expression(latex: str, notation: Notation | None = None) -> Expr:
    """Parse one RL formula (no relation) into a symrl expression.

    >>> parse_expression(r"\\mathbb{E}_{s \\sim h(s)}\\left[\\max_a Q_\\pi(s, a)\\right]")
    Expectation(MaxOver(ActionValue(pi, s, a), a), (Sample(s, InitialDistribution()),))
    """
    return Parser(latex, notation).parse()


_RELATIONS = {
    "=": "EQ", "\\geq": "GE", "\\ge": "GE", "\\leq": "LE", "\\le": "LE", ">": "GT", "<": "LT",
    "\\approx": "APPROX", "\\equiv": "EQUIV", "\\implies": "IMPLIES", "\\Rightarrow": "IMPLIES",
    "\\iff": "IFF", "\\leftarrow": "DEFINES", "\\gets": "DEFINES",
}  # fmt: skip
"""Top-level relation tokens and the name of the ``symrl.check.Relation`` each one means."""


@dataclass(frozen=True)
class ParsedStatement:
    """``∀ domain: lhs relation rhs`` read from one line; ``therefore`` marks an explicit ``∴``."""

    lhs: Expr
    relation: str
    rhs: Expr
    domain: tuple[Sample, ...] = ()
    therefore: bool = False


def split_relations(latex: str) -> list[tuple[str | None, int, int]]:
    """Top-level relation tokens of a line as ``(relation name, start, end)`` offsets.

    Relations inside braces, brackets, parentheses or subscripts do not count.

    >>> [name for name, _, _ in split_relations(r"\\sum_{t=0} x_t = \\mathbb{E}_{a \\sim \\pi}[Q] \\geq 0")]
    ['EQ', 'GE']
    """
    found = []
    depth = 0
    tokens = tokenize(latex)
    for index, token in enumerate(tokens):
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and token.text in _RELATIONS:
            previous = tokens[index - 1].text if index else ""
            if previous in ("_", "^"):
                continue
            found.append((_RELATIONS[token.text], token.offset, token.offset + len(token.text)))
    return found


def parse_statement(latex: str, notation: Notation | None = None) -> ParsedStatement:
    """Parse ``[∴] [∀ x ∼ D,] lhs rel rhs`` (one relation) into its parts.

    >>> line = r"\\therefore \\forall (s,a) \\sim P_{\\pi_{\\theta'}}(s, a), A_{\\pi_\\theta}(s, a) > 0"
    >>> statement = parse_statement(line)
    >>> statement.relation, statement.therefore, statement.domain
    ('GT', True, (Sample((s, a), VisitationDistribution(pi_theta')),))
    """
    text = latex
    therefore = False
    tokens = tokenize(text)
    start = 0
    if tokens and tokens[0].text in ("\\therefore", "\\implies", "\\Rightarrow"):
        therefore = True
        start = tokens[1].offset if len(tokens) > 1 else len(text)
    domain: tuple[Sample, ...] = ()
    rest = tokenize(text[start:])
    if rest and rest[0].text == "\\forall":
        comma = _top_level_comma(rest)
        if comma is None:
            raise ParseError("expected ',' after the quantifier ∀ …", start + rest[0].offset)
        domain = _quantifier(text, start, rest[1:comma], notation)
        start = start + rest[comma].offset + 1
    relations = split_relations(text[start:])
    if len(relations) != 1:
        what = "no relation" if not relations else f"{len(relations)} relations"
        raise ParseError(f"expected one relation in a statement, found {what}", start, len(text) - start)
    name, begin, end = relations[0]
    lhs = _parse_at(text, start, start + begin, notation)
    rhs = _parse_at(text, start + end, len(text), notation)
    return ParsedStatement(lhs, name, rhs, domain, therefore)


def _top_level_comma(tokens: list[Token]) -> int | None:
    depth = 0
    for index, token in enumerate(tokens):
        depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(token.text, 0)
        if depth == 0 and token.text == ",":
            return index
    return None


def _quantifier(text: str, base: int, tokens: list[Token], notation: Notation | None) -> tuple[Sample, ...]:
    """``∀ s ∈ S`` (no restriction) or ``∀ (s,a) ∼ P_π(s,a)`` (the pairs a policy visits)."""
    texts = [token.text for token in tokens]
    if "\\in" in texts:
        return ()
    if "\\sim" not in texts:
        raise ParseError("expected '∈ S' or '∼ D' in the quantifier", base + (tokens[0].offset if tokens else 0))
    parser = Parser(text, notation)
    parser.tokens = [Token(tok.kind, tok.text, base + tok.offset) for tok in tokens]
    sample, _ = parser.sample(parser.tokens, None)
    return (sample,)


def _parse_at(text: str, start: int, end: int, notation: Notation | None) -> Expr:
    parser = Parser(text[:end], notation)
    parser.tokens = [token for token in parser.tokens if token.offset >= start]
    if not parser.tokens:
        raise ParseError("this side of the relation is empty", start)
    return parser.parse()
