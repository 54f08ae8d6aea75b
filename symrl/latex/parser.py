"""Parse the LaTeX of RL formulas into symrl expressions: V, Q, A, η, r, P, π, h, E, Σ, max.

A hand-written recursive-descent parser over a token stream: the RL notation (``P(s'|s,a)``,
``\\mathbb{E}_{s\\sim h}``, ``\\sum_{t=0}^\\infty``, policy subscripts) is exactly what generic LaTeX
grammars misread, so it is handled here, and nothing is ever evaluated as Python.  Every token
must be understood: an unknown macro or symbol raises :class:`NotationError` with its offset.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

import sympy
from sympy import Expr, Integer, Rational, Sum, Symbol, Tuple, oo

from symrl.errors import NotationError
from symrl.expr import (
    ActionAt,
    ActionValue,
    Advantage,
    Expectation,
    Gradient,
    InitialDistribution,
    InitialProbability,
    MaxOver,
    Occupancy,
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
    has_trajectory_variables,
    horizon,
    policy,
    t,
)
from symrl.latex.presentation import top_level_relations

__all__ = [
    "Token",
    "tokenize",
    "Notation",
    "ParseError",
    "Parser",
    "parse_expression",
    "parse_statement",
    "split_relations",
    "MAX_DEPTH",
    "ArgMax",
    "Gradient",
    "PolicyMax",
    "Product",
]


MAX_DEPTH = 40
"""Deepest nesting of groups, brackets, subscripts and macro arguments a formula may have.

Deeper formulas raise :class:`ParseError` ("nested too deeply") instead of exhausting Python's
recursion limit; real formulas nest a handful of levels.
"""

MAX_NUMBER_DIGITS = 60
"""Longest number literal read (longer ones are not RL notation and would be slow to convert)."""

MAX_NUMBER_BITS = 10_000
"""Largest exact number a power of numbers may produce (``2^{2^{2^{2^{2^2}}}}`` would not finish)."""


class ParseError(NotationError):
    """A formula could not be read; ``offset`` points at the offending token of the LaTeX."""

    def __init__(self, message: str, offset: int, length: int = 1):
        super().__init__(message)
        self.offset = offset
        self.length = max(1, length)


class Token(NamedTuple):
    """One lexical unit: ``kind`` is ``command``, ``letter``, ``number`` or ``symbol``."""

    kind: str
    text: str
    offset: int


_TOKEN = re.compile(
    r"(?P<command>\\(?:[A-Za-z]+|.))|(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<letter>[A-Za-z])|(?P<space>\s+)|(?P<symbol>.)",
    re.DOTALL,
)

# Presentation-only macros: no meaning, dropped wherever they appear.
_IGNORED = {
    "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr",
    "\\middle", "\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle", "\\limits", "\\nonumber",
}  # fmt: skip


def tokenize(latex: str) -> list[Token]:
    """Split LaTeX into tokens, dropping spaces and presentation-only macros.

    >>> [token.text for token in tokenize(r"V_{\\pi}(s')")]
    ['V', '_', '{', '\\\\pi', '}', '(', 's', "'", ')']
    """
    return list(_cached_tokens(latex) if len(latex) <= _CACHED_LENGTH else _tokens(latex))


_CACHED_LENGTH = 20_000
"""Formulas up to this length keep their tokens cached (the reader tokenizes a line several times)."""


@functools.lru_cache(maxsize=64)
def _cached_tokens(latex: str) -> tuple[Token, ...]:
    return _tokens(latex)


def _tokens(latex: str) -> tuple[Token, ...]:
    ignored = _IGNORED
    return tuple(
        Token(match.lastgroup, match.group(), match.start())
        for match in _TOKEN.finditer(latex)
        if match.lastgroup != "space" and match.group() not in ignored
    )


@dataclass(frozen=True)
class Notation:
    """What letters mean: the defaults of RL notes, overridable per document.

    States are ``s`` (with primes and subscripts), actions ``a``; ``t`` indexes time, ``T`` is a
    finite horizon (a positive integer); the parameter letter ``\\theta`` names the policy ``π_θ``.
    """

    state_letters: frozenset[str] = frozenset({"s", "x"})
    action_letters: frozenset[str] = frozenset({"a", "u"})
    time_letter: str = "t"
    horizon_letter: str = "T"
    parameter_macro: str = "\\theta"
    constants: dict[str, Expr] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)  # a post's own macros: ``\\E`` → ``\\mathbb{E}``
    macro_arguments: dict[str, int] = field(default_factory=dict)  # ``\\newcommand{\\E}[1]{…}``: 1


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


class Product(sympy.Expr):
    """``Π_{t=k}^∞ f``: a product over time (used in definitions of trajectory distributions)."""

    def __new__(cls, body: Expr, lower: Expr) -> Product:
        return sympy.Expr.__new__(cls, body, lower)

    @property
    def body(self) -> Expr:
        return self.args[0]


_Method = TypeVar("_Method", bound=Callable)

_SYMPY_FAILURES = (ArithmeticError, TypeError, ValueError, AttributeError, IndexError, KeyError)
"""What sympy may raise on odd constructions; turned into a :class:`ParseError` at the construct."""


def _nested(method: _Method) -> _Method:
    """Count one level of nesting around a grammar rule that can recurse.

    Beyond :data:`MAX_DEPTH` levels the formula is refused with a :class:`ParseError` naming the
    token where the too-deep level starts, so deep input can never exhaust the recursion limit.
    A failure of sympy while building the construct is reported at the construct's first token.
    """

    @functools.wraps(method)
    def guarded(self: Parser, *args):
        start = self.peek() or (self.tokens[-1] if self.tokens else self.anchor)
        if self.depth >= MAX_DEPTH:
            raise self.error(f"formula nested too deeply (more than {MAX_DEPTH} levels) at {_shown(start)}", start)
        self.depth += 1
        try:
            return method(self, *args)
        except NotationError:
            raise
        except RecursionError:
            raise self.error(f"formula nested too deeply at {_shown(start)}", start) from None
        except _SYMPY_FAILURES as failure:
            raise self.error(
                f"internal error ({type(failure).__name__}) building the formula at {_shown(start)}: {failure}", start
            ) from failure
        finally:
            self.depth -= 1

    return guarded  # type: ignore[return-value]


def _shown(token: Token | None) -> str:
    return "the start of the formula" if token is None else repr(token.text)


def _number(parser: Parser, token: Token) -> Expr:
    """The exact value of a number token (refused when absurdly long)."""
    if len(token.text) > MAX_NUMBER_DIGITS:
        raise parser.error(f"the number {token.text[:12]!r}… is too long (more than {MAX_NUMBER_DIGITS} digits)", token)
    return Integer(int(token.text)) if token.text.isdigit() else Rational(token.text)


def _size_bits(number: Expr) -> int:
    """An upper bound on the bits of the exact rationals inside a numeric expression."""
    return 1 + sum(max(r.p.bit_length(), r.q.bit_length()) for r in number.atoms(sympy.Rational))


_UNDEFINED = (sympy.S.ComplexInfinity, sympy.S.NaN, sympy.S.Infinity, sympy.S.NegativeInfinity)


_VALUE_LETTERS = {"V": "V", "Q": "Q", "A": "A", "v": "V", "q": "Q"}
"""Letters of value functions, and the canonical one each means (``v_π`` is ``V_π``, ``q_π`` is ``Q_π``)."""

_GREEK_POLICY_FREE = {"\\alpha", "\\beta", "\\delta", "\\epsilon", "\\lambda", "\\mu", "\\sigma"}
_RELATION_STOP = {"=", "<", ">", "\\geq", "\\leq", "\\ge", "\\le", "\\approx", "\\equiv", "\\neq", "\\in", ",", "&"}


MACRO_PASSES = 8
"""Rounds of macro expansion allowed (a macro may use another); more means a macro uses itself."""

MAX_EXPANDED_TOKENS = 20_000
"""Tokens a formula may grow to by macro expansion."""


def expand_macros(
    tokens: list[Token], macros: dict[str, str], arguments: dict[str, int] | None = None
) -> list[Token]:
    """``tokens`` with each declared macro replaced by its definition's tokens.

    A macro with ``arguments[name]`` = n takes the n groups after it (``{…}`` or one token) for
    ``#1`` … ``#n``.  Every token of a definition keeps the offset of the macro it came from, and
    every token of an argument its own, so an error points at what was written.

    >>> [t.text for t in expand_macros(tokenize(r"\\E[x]"), {r"\\E": r"\\mathbb{E}"})]
    ['\\\\mathbb', '{', 'E', '}', '[', 'x', ']']
    >>> [t.text for t in expand_macros(tokenize(r"\\Ex{V(s)}"), {r"\\Ex": r"E[#1]"}, {r"\\Ex": 1})]
    ['E', '[', 'V', '(', 's', ')', ']']
    """
    arguments = arguments or {}
    for _ in range(MACRO_PASSES):
        if not any(token.text in macros for token in tokens):
            return tokens
        expanded: list[Token] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            if token.text not in macros:
                expanded.append(token)
                continue
            values = []
            for number in range(1, arguments.get(token.text, 0) + 1):
                value, index = _macro_argument(tokens, index, token, number)
                values.append(value)
            expanded += _substituted(tokenize(macros[token.text]), values, token)
            if len(expanded) > MAX_EXPANDED_TOKENS:
                message = f"the macro {token.text} expands to more than {MAX_EXPANDED_TOKENS} tokens"
                raise ParseError(message, token.offset)
        tokens = expanded
    looping = next(token for token in tokens if token.text in macros)
    raise ParseError(f"the macro {looping.text} does not stop expanding (it uses itself)", looping.offset)


def _macro_argument(tokens: list[Token], index: int, macro: Token, number: int) -> tuple[list[Token], int]:
    """Argument ``number`` of ``macro`` starting at ``tokens[index]``: a braced group or one token."""
    if index >= len(tokens):
        raise ParseError(f"the macro {macro.text} needs argument #{number}, found the end of the formula", macro.offset)
    if tokens[index].text != "{":
        return [tokens[index]], index + 1
    depth = 0
    for end in range(index, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[end].text, 0)
        if depth == 0:
            return tokens[index + 1 : end], end + 1
    raise ParseError(f"argument #{number} of the macro {macro.text} is never closed", tokens[index].offset)


def _substituted(body: list[Token], values: list[list[Token]], macro: Token) -> list[Token]:
    """A macro's body at the macro's offset, with ``#k`` replaced by argument ``k``."""
    result: list[Token] = []
    position = 0
    while position < len(body):
        token = body[position]
        following = body[position + 1] if position + 1 < len(body) else None
        if token.text == "#" and following is not None and following.text.isdigit():
            number = int(following.text)
            if not 1 <= number <= len(values):
                raise ParseError(f"the macro {macro.text} uses #{number} but takes {len(values)}", macro.offset)
            result += values[number - 1]
            position += 2
            continue
        result.append(Token(token.kind, token.text, macro.offset))
        position += 1
    return result


class Parser:
    """Recursive-descent parser over the tokens of one formula."""

    def __init__(self, latex: str, notation: Notation | None = None):
        self.latex = latex
        self.notation = notation or Notation()
        self.tokens = tokenize(latex)
        if self.notation.macros:
            self.tokens = expand_macros(self.tokens, self.notation.macros, self.notation.macro_arguments)
        self.position = 0
        self.depth = 0
        self.anchor: Token | None = None  # what an empty sub-parser's "end of formula" follows

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
            raise self.error("unexpected end of formula")
        self.position += 1
        return token

    def expect(self, text: str, what: str = "") -> Token:
        token = self.peek()
        if token is None or token.text != text:
            found = "the end of the formula" if token is None else repr(token.text)
            raise self.error(f"expected {text!r}{' ' + what if what else ''}, found {found}", token)
        return self.take()

    def error(self, message: str, token: Token | None = None) -> ParseError:
        """A :class:`ParseError` at ``token`` (default: the next one, or the end after the last one)."""
        token = token or self.peek()
        if token is not None:
            if repr(token.text) not in message and (len(token.text) == 1 or token.text not in message):
                message = f"{message} (at {token.text!r})"
            return ParseError(message, token.offset, len(token.text))
        last = self.tokens[-1] if self.tokens else self.anchor
        if last is None:
            return ParseError(message, len(self.latex))
        return ParseError(f"{message} (after {last.text!r})", last.offset + len(last.text))

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
        """``term (± term)*`` (the terms are added once, so long sums stay linear)."""
        terms = []
        sign = 1
        if self.at("+", "-"):
            sign = -1 if self.take().text == "-" else 1
        terms.append(self.term() if sign == 1 else -self.term())
        while self.at("+", "-"):
            sign = -1 if self.take().text == "-" else 1
            terms.append(self.term() if sign == 1 else -self.term())
        return terms[0] if len(terms) == 1 else sympy.Add(*terms)

    def term(self) -> Expr:
        """Factors multiplied by juxtaposition, ``\\cdot``, ``\\times`` or divided by ``/``."""
        factors = [self.power()]
        while True:
            if self.at("\\cdot", "\\times", "*"):
                self.take()
                factors.append(self.power())
            elif self.at("/"):
                slash = self.take()
                factors.append(self.reciprocal(self.power(), slash))
            elif self.starts_factor():
                factors.append(self.power())
            else:
                return factors[0] if len(factors) == 1 else sympy.Mul(*factors)

    def reciprocal(self, denominator: Expr, token: Token) -> Expr:
        """``1/denominator``, refused when the denominator is zero (``1/0`` is no number)."""
        if denominator == 0:
            raise self.error(f"division by zero at {token.text!r}", token)
        return self.raised(denominator, Integer(-1), token)

    def starts_factor(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("letter", "number"):
            return True
        if token.kind == "command":
            return token.text not in _RELATION_STOP and token.text not in _STOP_COMMANDS
        return token.text in ("(", "[", "{")

    @_nested
    def power(self) -> Expr:
        base = self.primary()
        if self.at("^"):
            caret = self.take()
            exponent = self.group_expression()
            return self.raised(base, exponent, caret)
        return base

    def raised(self, base: Expr, exponent: Expr, token: Token) -> Expr:
        """``base^exponent``, refused when it is no finite real number or would be huge."""
        if base.is_number and exponent.is_number:
            if exponent in _UNDEFINED:
                raise self.error(f"a number to an infinite power is not a number, at {token.text!r}", token)
            if base == 0 and exponent.is_extended_negative:
                raise self.error(f"zero to a negative power is undefined (division by zero), at {token.text!r}", token)
            magnitude = sympy.ceiling(abs(exponent)) if exponent.is_extended_real else None
            if magnitude is None or not magnitude.is_Integer:
                raise self.error(f"cannot raise a number to the power {sympy.sstr(exponent)}, at {token.text!r}", token)
            if int(magnitude) * _size_bits(base) > MAX_NUMBER_BITS and base not in (0, 1, -1):
                raise self.error(f"the power at {token.text!r} is too large a number to compute exactly", token)
        value = base**exponent
        if value in _UNDEFINED or (value.is_number and value.is_extended_real is False):
            raise self.error(f"the power at {token.text!r} is not a real number ({sympy.sstr(value)})", token)
        return value

    def group_expression(self) -> Expr:
        """A braced group or a single token (``^t``, ``^{t+1}``)."""
        if self.at("{"):
            self.take()
            if self.at("\\infty") and self.peek(1) is not None and self.peek(1).text == "}":
                self.take()  # ``^{\infty}``: ∞ is a bound or exponent only, never a term of an expression
                self.take()
                return oo
            value = self.expression()
            self.expect("}")
            return value
        token = self.take()
        if token.kind == "number":
            return _number(self, token)
        if token.kind == "letter":
            return self.symbol_for(token)
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
            return _number(self, token)
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
            return sympy.Mul(numerator, self.reciprocal(denominator, token))
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
        if name == "\\min":
            return self.minimum(token)
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
            wrt = self.sub_expression(subscript, "the subscript of ∇") if subscript else Symbol("theta")
            if wrt != Symbol("theta"):
                raise self.error("∇ is only understood with respect to the parameters: \\nabla_\\theta", subscript[0])
            start = self.peek()
            body = self.power()
            if not _differentiable(body):
                raise self.error(
                    "∇_θ is understood of η(θ) (or J(θ)), log π_θ(a|s) and π_θ(a|s) of the softmax policy π_θ; "
                    f"found ∇_θ of {sympy.sstr(body)}",
                    start,
                )
            return Gradient(body, wrt)
        if name in ("\\log", "\\ln"):
            start = self.peek()
            operand = self.power()
            if operand.is_number and not operand.is_positive:
                raise self.error(f"the logarithm of {sympy.sstr(operand)}, which is not positive, is undefined", start)
            return sympy.log(operand)
        if name == "\\rho":
            raise self.error("ρ(τ) is a distribution; it can only be sampled from (τ ∼ ρ)", token)
        if name == "\\delta":
            return self.td_error(token)
        if name in ("\\hat", "\\widehat", "\\tilde"):
            raise self.error(
                f"{name}{{…}} marks an estimate, which has no exact value on an MDP: write the quantity it "
                "estimates (e.g. A_π(s,a) for \\hat{A})",
                token,
            )
        raise self.error(
            f"unknown macro {name}; declare it (notation.macros in a ```symrl block) or rewrite the formula", token
        )

    def braced_text(self) -> str:
        return "".join(token.text for token in self.braced_tokens())

    def braced_tokens(self) -> list[Token]:
        """The tokens of a ``{…}`` group (consumed), refused when the group is never closed."""
        opening = self.expect("{")
        start = self.position
        depth = 1
        while depth:
            token = self.peek()
            if token is None:
                raise self.error(f"the {opening.text!r} here is never closed", opening)
            self.position += 1
            depth += {"{": 1, "}": -1}.get(token.text, 0)
        return self.tokens[start : self.position - 1]

    def braced_expression(self) -> Expr:
        self.expect("{")
        value = self.expression()
        self.expect("}", "to close the group")
        return value

    def subscript_tokens(self, marker: str = "_") -> list[Token]:
        """The tokens of ``_x`` or ``_{…}`` (consumed), or an empty list when there is no subscript.

        With ``marker="^"``, the same for a superscript ``^x`` or ``^{…}``.
        """
        if not self.at(marker):
            return []
        underscore = self.take()
        what = "subscript" if marker == "_" else "superscript"
        if self.at("{"):
            tokens = self.braced_tokens()
            if not tokens:
                raise self.error(f"empty {what} '{marker}{{}}'", underscore)
            return tokens
        if self.peek() is None:
            raise self.error(f"a {what} '{marker}' with nothing after it", underscore)
        return [self.take()]

    def sub_parser(self, tokens: list[Token], anchor: Token | None = None) -> Parser:
        """A parser of ``tokens`` (part of this formula), nested as deep as this one is now."""
        parser = Parser.__new__(Parser)
        parser.latex = self.latex
        parser.tokens = tokens
        parser.position = 0
        parser.notation = self.notation
        parser.depth = self.depth
        parser.anchor = anchor or (self.tokens[self.position - 1] if self.position else self.anchor)
        return parser

    def finished(self, value: Expr, what: str) -> Expr:
        """``value`` if every token was read, else an error at the first one left over."""
        if not self.done:
            raise self.error(f"did not understand {self.peek().text!r} in {what}")
        return value

    def sub_expression(self, tokens: list[Token], what: str, anchor: Token | None = None) -> Expr:
        """All of ``tokens`` read as one expression."""
        parser = self.sub_parser(tokens, anchor)
        return parser.finished(parser.expression(), what)

    def sub_argument(self, tokens: list[Token], what: str, anchor: Token | None = None) -> Expr:
        """All of ``tokens`` read as one state or action."""
        parser = self.sub_parser(tokens, anchor)
        return parser.finished(parser.argument(), what)

    # -- policies ---------------------------------------------------------------------------
    def policy_name(self, start: Token) -> str:
        """After ``\\pi``: subscripts, primes and ``^*`` give the policy's canonical name."""
        name = "pi"
        subscript = self.subscript_tokens()
        if [token.text for token in subscript] == ["*"]:
            subscript = []  # Sutton & Barto's π_* is the optimal policy π^*
            if self.at("^"):
                raise self.error("π_* already names the optimal policy; no superscript follows it", self.peek())
            name += "^*"
        if subscript:
            name += "_" + self.subscript_name(subscript)
        if self.at("^"):
            caret = self.take()
            if self.at("{"):
                inner = self.braced_tokens()
                if [token.text for token in inner] != ["*"]:
                    raise self.error(
                        f"π^{{{''.join(token.text for token in inner)}}} is not a policy name I know", caret
                    )
            else:
                star = self.take()
                if star.text != "*":
                    raise self.error(f"expected * after π^, found {star.text!r}", star)
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
            elif token.text == "_":
                if parts:  # π_{1_2} is not π_{12}
                    parts.append("_")
            elif token.text in ("{", "}"):
                continue
            else:
                raise self.error(f"cannot read {token.text!r} in a policy's name", token)
        return "".join(parts).replace("pi_", "")

    def policy_from_subscript(self, tokens: list[Token], owner: Token, where: str = "subscript") -> Symbol:
        """``_\\pi``, ``_{\\pi_\\theta}``, ``_{\\theta'}``, ``_{\\pi^*}`` (or ``^\\pi``) → the policy symbol."""
        if not tokens:
            raise self.error(f"{owner.text} needs a policy subscript such as _\\pi", owner)
        sub = self.sub_parser(tokens)
        first = sub.take()
        if first.text == "\\pi":
            name = sub.policy_name(first)
        elif first.text == self.notation.parameter_macro:
            name = "pi_theta"
            while sub.at("'"):
                sub.take()
                name += "'"
        else:
            raise self.error(f"expected a policy such as \\pi or \\theta in the {where} of {owner.text}", first)
        if not sub.done:
            raise self.error(f"did not understand {sub.peek().text!r} in a policy {where}", sub.peek())
        return policy(name)

    def policy_expression(self, token: Token) -> Expr:
        """``π(a|s)``, ``π(s)`` (a deterministic policy's action)."""
        name = self.policy_name(token)
        self.expect("(", "after a policy: π(a|s) or π(s)")
        start = self.peek()
        first = self.argument()
        if self.at("|", "\\mid"):
            self.check_kind(first, "action", start, "π(a|s)")
            self.take()
            state = self.argument("state", "π(a|s)")
            self.expect(")")
            return PolicyProbability(policy(name), first, state)
        self.check_kind(first, "state", start, "π(s)")
        self.expect(")")
        return PolicyAction(policy(name), first)

    # -- RL quantities ----------------------------------------------------------------------
    def letter(self) -> Expr:
        token = self.take()
        text = token.text
        if text in _VALUE_LETTERS and (self.at("_") or self.at("^")) and not self.is_variable_letter(text):
            return self.value_function(token, _VALUE_LETTERS[text])
        if text == "r" and self.at("("):
            self.take()
            state = self.argument("state", "r(s,a)")
            self.expect(",")
            action = self.argument("action", "r(s,a)")
            self.expect(")")
            return Reward(state, action)
        if text in ("r", "R") and self.at("_") and text not in self.notation.constants:
            return self.reward_at(token)
        if text == "R" and self.at("(") and text not in self.notation.constants:
            raise self.error(
                "R(τ), a trajectory's return, is not read (finite-horizon or discounted?): write "
                "\\sum_{t=0}^\\infty \\gamma^t r(s_t,a_t)",
                token,
            )
        if text == "G" and self.at("_") and text not in self.notation.constants:
            return self.return_from(token)
        if text in ("P", "p") and self.at("(") and text not in self.notation.constants:
            return self.transition(token)
        if text == "d" and (self.at("_") or self.at("^")) and text not in self.notation.constants:
            return self.visitation(token)
        if text == "J" and self.at("(") and text not in self.notation.constants:
            return self.return_of()
        if text == "h" and self.at("("):
            self.take()
            state = self.argument("state", "h(s)")
            self.expect(")")
            return InitialProbability(state)
        if text in self.notation.constants:
            return self.notation.constants[text]
        if text == self.notation.horizon_letter:
            return horizon
        variable = self.variable_after(token)
        if variable is not None:
            return variable
        raise self.error(
            f"unknown symbol {text!r}; known: states {sorted(self.notation.state_letters)}, actions "
            f"{sorted(self.notation.action_letters)}, r(s,a), P(s'|s,a), h(s), V/Q/A with a policy; a letter "
            "for states or actions can be declared (notation.states/actions in a ```symrl block)",
            token,
        )

    def value_function(self, token: Token, kind: str) -> Expr:
        """``V_π(s)``, ``Q_π(s,a)``, ``A_π(s,a)`` (``kind``), written ``v_π``/``q_π`` (Sutton & Barto) or
        ``V^π``/``Q^π``/``A^π`` (Spinning Up); ``V^*``, ``v_*`` is the optimal value, ``Q^*`` is ``Q_{π^*}``."""
        subscript = self.subscript_tokens()
        superscript = self.subscript_tokens("^")
        if subscript and superscript:
            raise self.error(f"{token.text} has both a subscript and a superscript; one names the policy", token)
        written = subscript or superscript
        where = "subscript" if subscript else "superscript"
        if kind == "A" and written and (written[0].text == self.notation.time_letter or written[0].kind == "number"):
            raise self.error(
                f"{token.text}_{written[0].text} is ambiguous (the action at a time in Sutton & Barto, an advantage "
                "estimate in PPO/GAE): write A_π(s_t,a_t), or A_t only inside a function such as π(A_t|S_t)",
                token,
            )
        if [tok.text for tok in written] == ["*"]:
            if kind == "V":
                self.expect("(", f"after {token.text}^*")
                state = self.argument("state", "V^*(s)")
                self.expect(")")
                return OptimalValue(state)
            policy_symbol = policy("pi^*")  # Q^* = Q_{π*}: an optimal policy's values are the optimal ones
        else:
            policy_symbol = self.policy_from_subscript(written, token, where)
        shape = "V_π(s)" if kind == "V" else f"{kind}_π(s,a)"
        self.expect("(", f"after {token.text} and its policy: {shape}")
        state = self.argument("state", shape)
        if kind == "V":
            self.expect(")")
            return Value(policy_symbol, state)
        self.expect(",")
        action = self.argument("action", shape)
        self.expect(")")
        node = ActionValue if kind == "Q" else Advantage
        return node(policy_symbol, state, action)

    def visitation_policy(self, token: Token) -> tuple[Symbol, bool]:
        """The policy of ``d^π`` / ``d_π`` after ``token``, and whether it was a superscript (normalised)."""
        subscript = self.subscript_tokens()
        superscript = self.subscript_tokens("^")
        subscript = subscript or self.subscript_tokens()
        if subscript and superscript:
            raise self.error(
                "d with both a subscript and a superscript (a start distribution such as d^π_μ) is not supported: "
                "the visitation starts from h; write d^\\pi(s)",
                token,
            )
        if superscript:
            return self.policy_from_subscript(superscript, token, "superscript"), True
        return self.policy_from_subscript(subscript, token), False

    def visitation(self, token: Token) -> Expr:
        """``d^π(s) = (1-γ) Σ_t γ^t Pr(s_t = s)``, a distribution (lecture notes' normalised visitation);
        ``d_π(s) = Σ_t γ^t Pr(s_t = s)``, unnormalised as DESIGN §1 defines it."""
        chosen, normalised = self.visitation_policy(token)
        self.expect("(", "after d^π: the visitation of a state, d^π(s)")
        state = self.argument("state", "d^π(s)")
        self.expect(")", "to close d^π(s) (a visitation of states, not of state-action pairs)")
        occupancy = Occupancy(chosen, state)
        return (1 - gamma) * occupancy if normalised else occupancy

    def time_of(self, tokens: list[Token], owner: Token) -> Expr:
        """The time a subscript names: ``t``, ``t+1``, ``0`` (never negative)."""
        if not tokens:
            raise self.error(f"{owner.text} needs a time subscript such as _t", owner)
        time = self.sub_expression(tokens, f"the time subscript of {owner.text}", owner)
        if not _is_time(time):
            raise self.error(f"the subscript of {owner.text} must be a time such as t, t+1, 0 or T", tokens[0])
        return time

    def time_variable(self, token: Token) -> Expr | None:
        """``S_t``, ``A_{t+1}`` (Sutton & Barto's capitals) or ``s_t``, ``a_0`` after ``token``; else None."""
        if token.text == "S" or token.text in self.notation.state_letters:
            node = StateAt
        elif token.text == "A" or token.text in self.notation.action_letters:
            node = ActionAt
        else:
            return None
        if not self.at("_"):
            return None
        return node(self.time_of(self.subscript_tokens(), token))

    def reward_at(self, token: Token) -> Expr:
        """``r_t`` is ``r(s_t,a_t)``; Sutton & Barto's ``R_{t+1}``, the reward that follows ``A_t``, too."""
        time = self.time_of(self.subscript_tokens(), token)
        if token.text == "R":
            time = time - 1
            if time.is_Integer and time < 0:
                raise self.error("R_0 is no reward: in R_{t+1} (Sutton & Barto) the first reward is R_1", token)
        if self.at("("):
            raise self.error(
                f"{token.text}_t(…), a ratio or function indexed by time (PPO's r_t(θ)), is not supported; "
                "rewards are r(s_t,a_t) or r_t",
                self.peek(),
            )
        return Reward(StateAt(time), ActionAt(time))

    def return_from(self, token: Token) -> Expr:
        """``G_k`` is ``Σ_{t≥k} γ^{t−k} r(s_t,a_t)``, the return from a fixed time ``k`` (``G_0`` from the start)."""
        subscript = self.subscript_tokens()
        time = self.time_of(subscript, token)
        if not time.is_Integer:
            raise self.error(
                f"G_{sympy.sstr(time)}, the return from a variable time, is not supported (sums over time run "
                "over t itself): write G_0 or \\sum_{t=0}^\\infty \\gamma^t r(s_t,a_t)",
                subscript[0],
            )
        return Sum(gamma ** (t - time) * Reward(StateAt(t), ActionAt(t)), (t, time, oo))

    def td_error(self, token: Token) -> Expr:
        """``δ_t^π`` is ``r(s_t,a_t) + γ V_π(s_{t+1}) − V_π(s_t)``; without the policy δ is refused."""
        subscript = self.subscript_tokens()
        superscript = self.subscript_tokens("^")
        subscript = subscript or self.subscript_tokens()
        if not superscript:
            raise self.error(
                "δ (a TD error) needs the policy whose values it uses: \\delta_t^\\pi is "
                "r(s_t,a_t) + γ V_π(s_{t+1}) − V_π(s_t)",
                token,
            )
        chosen = self.policy_from_subscript(superscript, token, "superscript")
        time = self.time_of(subscript, token)
        now, later = StateAt(time), StateAt(time + 1)
        return Reward(now, ActionAt(time)) + gamma * Value(chosen, later) - Value(chosen, now)

    def is_variable_letter(self, text: str) -> bool:
        """Whether a letter names states or actions in this notation (then ``v_1`` is a variable, not v_π)."""
        return text in self.notation.state_letters | self.notation.action_letters

    def transition(self, token: Token) -> Expr:
        """``P(s'|s,a)`` or ``p(s'|s,a)``; the joint ``p(s', r | s, a)`` is refused (rewards are ``r(s,a)``)."""
        self.expect("(")
        nxt = self.argument("state", "P(s'|s,a)")
        if self.at(","):
            raise self.error(
                f"{token.text}(s', r | s, a), a joint law of next state and reward, is not supported: symrl's "
                f"rewards are r(s,a); write {token.text}(s'|s,a) and r(s,a)",
                self.peek(),
            )
        if not self.at("|", "\\mid"):
            raise self.error("expected | in P(s'|s,a)")
        self.take()
        state = self.argument("state", "P(s'|s,a)")
        self.expect(",")
        action = self.argument("action", "P(s'|s,a)")
        self.expect(")")
        return Transition(nxt, state, action)

    def return_of(self) -> Expr:
        """``η(π)``, ``η(π')``, ``η(θ)``, ``η(θ')``; also written ``J(π)``, ``J(θ)``."""
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
            raise self.error("η (or J) takes a policy or parameters: η(π), J(θ')", token)
        self.expect(")")
        return Return(policy(name))

    @_nested
    def argument(self, kind: str | None = None, shape: str = "") -> Expr:
        """A state or action argument: ``s``, ``s'``, ``s_t``, ``a_{t+1}``, ``s_0``, ``π(s)``.

        ``kind`` (``"state"`` or ``"action"``) is what the slot takes (in ``shape``, e.g. ``r(s,a)``):
        an action letter in a state's slot is refused, not read as something else.
        """
        token = self.peek()
        if token is not None and token.text == "\\pi":
            self.take()
            variable = self.policy_expression(token)
        elif token is None or token.kind != "letter":
            raise self.error("expected a state or action such as s, a, s' or s_t")
        elif token.text in ("S", "A") and self.peek(1) is not None and self.peek(1).text == "_":
            self.take()
            variable = self.time_variable(token)  # S_t, A_{t+1}: Sutton & Barto's random variables
        else:
            self.take()
            variable = self.variable_after(token)
        if variable is None or self.kind_of(variable) is None:
            raise self.error(f"{token.text!r} is not a state or action here", token)
        if kind is not None:
            self.check_kind(variable, kind, token, shape)
        return variable

    def kind_of(self, variable: Expr) -> str | None:
        """``"state"``, ``"action"`` or None (not a variable: the time, a probability …)."""
        if isinstance(variable, StateAt):
            return "state"
        if isinstance(variable, (ActionAt, PolicyAction)):
            return "action"
        if isinstance(variable, Symbol) and variable != t:
            letter = variable.name[:1]
            if letter in self.notation.state_letters:
                return "state"
            if letter in self.notation.action_letters:
                return "action"
        return None

    def check_kind(self, variable: Expr, kind: str, token: Token | None, shape: str) -> None:
        """Refuse ``variable`` unless it is a ``kind`` (state or action): ``r(s, s)`` is not ``r(s, a)``."""
        found = self.kind_of(variable)
        if found != kind:
            where = f" in {shape}" if shape else ""
            article = {"state": "a state", "action": "an action"}
            message = (
                f"{sympy.sstr(variable)} is {article.get(found, 'not a variable')}{where}, where {article[kind]} goes"
            )
            raise self.error(message, token)

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
            time = self.sub_expression(subscript, "a subscript", token)
            if _is_time(time) or (time.free_symbols <= {t} and time.has(t)):
                node = StateAt if text in notation.state_letters else ActionAt
                if primes:
                    raise self.error("a primed time-indexed variable is ambiguous", token)
                return node(time)
            if time.has(horizon):  # s_{T-2} could be before time 0; s_{t+T} is no step of one sum
                raise self.error(f"the subscript of {text} must be a time such as t, t+1, 0, T or T-1", subscript[0])
            return Symbol(f"{text}_{sympy.sstr(time)}{primes}")
        return Symbol(text + primes)

    def symbol_for(self, token: Token) -> Expr:
        if token.text == self.notation.time_letter:
            return t
        if token.text == self.notation.horizon_letter:
            return horizon
        raise self.error(f"{token.text!r} is not known here (only the time {self.notation.time_letter!r})", token)

    # -- operators with subscripts --------------------------------------------------------------
    def expectation(self, token: Token) -> Expr:
        """``E_{x∼D}[f]``, ``E_π[f]`` (what π draws), ``E_π[f | S_t = s, A_t = a]`` (one step on from ``s``)."""
        subscript = self.subscript_tokens()
        if not self.at("["):
            raise self.error("expected [ after \\mathbb{E}_{…}")
        self.take()
        body = self.expression()
        bar = self.take() if self.at("|", "\\mid") else None
        conditions = self.conditions() if bar is not None else []
        self.expect("]", "to close the expectation")
        if bar is not None:
            return self.conditioned(subscript, body, conditions, token, bar)
        if not subscript:
            raise self.error("an expectation needs a subscript naming what is sampled (x \\sim D)", token)
        if self.names_policy(subscript):
            return self.policy_expectation(subscript, body, token)
        return self.sampled(subscript, body, token)

    def names_policy(self, subscript: list[Token]) -> bool:
        """Whether an expectation's subscript is a policy (``E_π``, ``E_{π_θ}``, ``E_θ``) rather than samples."""
        texts = [tok.text for tok in subscript]
        return "\\sim" not in texts and texts[0] in ("\\pi", self.notation.parameter_macro)

    def policy_expectation(self, subscript: list[Token], body: Expr, owner: Token) -> Expr:
        """``E_π[f]``: over ``τ ∼ ρ_π`` when ``f`` uses trajectory variables, else over ``a ∼ π(·|s)``.

        Without trajectory variables, ``f`` must have exactly one free action and no free state but
        the one that action is drawn in (``E_π[Q_π(s,a)]``); anything else is ambiguous and refused.
        """
        chosen = self.policy_from_subscript(subscript, owner)
        if has_trajectory_variables(body):
            return Expectation(body, Sample(Symbol("tau"), TrajectoryDistribution(chosen)))
        free = sorted(body.free_symbols, key=str)
        actions = [symbol for symbol in free if self.kind_of(symbol) == "action"]
        where = subscript[0]
        if len(actions) != 1:
            found = ", ".join(map(str, actions)) or "none"
            raise self.error(
                f"E_π[…] draws one action from π, but the expectation has {len(actions)} free actions ({found}); "
                "write the samples out: E_{a \\sim \\pi(\\cdot|s)}[…]",
                where,
            )
        (action_symbol,) = actions
        state_symbol = _paired_state(body, action_symbol)
        others = [symbol for symbol in free if self.kind_of(symbol) == "state" and symbol != state_symbol]
        if others:
            raise self.error(
                f"E_π[…] leaves {', '.join(map(str, others))} unsampled (π only draws {action_symbol} in "
                f"{state_symbol}); write E_{{a \\sim \\pi}}[E_{{s' \\sim P(\\cdot|s,a)}}[…]] or condition on S_t = s",
                where,
            )
        return Expectation(body, Sample(action_symbol, PolicyDistribution(chosen, state_symbol)))

    def conditions(self) -> list[tuple[Expr, Expr, Token]]:
        """``S_t = s, A_t = a`` after the ``|`` of an expectation: (time variable, its value, its token)."""
        found = []
        while True:
            token = self.peek()
            if token is None or token.kind != "letter":
                raise self.error("expected a condition such as S_t = s after '|'")
            self.take()
            variable = self.time_variable(token)
            if variable is None:
                raise self.error(f"expected S_t or A_t in a condition, found {token.text!r}", token)
            self.expect("=", "in the condition S_t = s")
            value_token = self.peek()
            kind = "state" if isinstance(variable, StateAt) else "action"
            value = self.argument(kind, "S_t = s")
            if not isinstance(value, Symbol):
                raise self.error("a condition fixes a time's state or action to a plain s or a", value_token)
            found.append((variable, value, token))
            if not self.at(","):
                return found
            self.take()

    def conditioned(
        self, subscript: list[Token], body: Expr, conditions: list[tuple[Expr, Expr, Token]], owner: Token, bar: Token
    ) -> Expr:
        """``E_π[f | S_k = s (, A_k = a)]``: ``f``'s time-``k+j`` variables are one rollout from ``s``.

        ``A_k`` is drawn from ``π(·|s)`` unless given; ``S_{k+1} ∼ P(·|s, a)``, ``A_{k+1} ∼ π(·|S_{k+1})``
        and so on, as far as ``f`` looks: the nested expectations ``E_{a∼π}[E_{s'∼P(·|s,a)}[…]]``.
        """
        policy_symbol = None
        if subscript:
            if not self.names_policy(subscript):
                raise self.error("a condition '|' is only understood in E_π[… | S_t = s] (a policy subscript)", bar)
            policy_symbol = self.policy_from_subscript(subscript, owner)
        states = [(variable, value, token) for variable, value, token in conditions if isinstance(variable, StateAt)]
        actions = [(variable, value, token) for variable, value, token in conditions if isinstance(variable, ActionAt)]
        if len(states) != 1 or len(actions) > 1:
            raise self.error("condition on one state S_t = s (and at most one action A_t = a)", bar)
        start, state_value, _ = states[0]
        start_time = start.args[0]
        if actions and actions[0][0].args[0] != start_time:
            raise self.error("the conditioned action must be at the time of the conditioned state", actions[0][2])
        for node in sympy.preorder_traversal(body):
            if isinstance(node, (Sum, Expectation)) and node.has(StateAt, ActionAt):
                raise self.error(
                    "a conditioned expectation is read one step at a time; a sum or expectation over time inside "
                    "it (such as a return G_t) is not supported: E_π[G_t | S_t = s] is V_π(s)",
                    bar,
                )
        offsets = {}
        for node in body.atoms(StateAt, ActionAt):
            offset = sympy.expand(node.args[0] - start_time)
            if not offset.is_Integer or offset < 0:
                raise self.error(f"{sympy.sstr(node)} is not a fixed number of steps after the condition", bar)
            offsets[node] = int(offset)
        if not offsets:  # ``E_π[Q(s,a) | S_t = s]`` mixes notations: which of its letters is random is unsaid
            raise self.error(
                "the condition binds nothing: write the expectation's body with S_t, A_t, S_{t+1}, R_{t+1}", bar
            )
        last_state = max((k for node, k in offsets.items() if isinstance(node, StateAt)), default=0)
        last_action = max((k for node, k in offsets.items() if isinstance(node, ActionAt)), default=-1)
        last_action = max(last_action, last_state - 1)  # reaching S_{k+1} takes the action A_k
        used = set(body.free_symbols) | {value for _, value, _ in conditions}
        state_names = [state_value]
        for _ in range(last_state):
            state_names.append(_fresh(state_names[-1], used))
        action_names = [actions[0][1]] if actions else [_fresh(Symbol("a"), used, first=True)]
        for _ in range(last_action):
            action_names.append(_fresh(action_names[-1], used))
        samples = []
        for step in range(last_action + 1):
            if step or not actions:
                if policy_symbol is None:
                    time = sympy.sstr(start_time + step)
                    raise self.error(f"which policy draws the action at time {time}? write \\mathbb{{E}}_\\pi", owner)
                samples.append(Sample(action_names[step], PolicyDistribution(policy_symbol, state_names[step])))
            if step < last_state:
                samples.append(
                    Sample(state_names[step + 1], TransitionDistribution(state_names[step], action_names[step]))
                )
        replaced = {
            node: (state_names if isinstance(node, StateAt) else action_names)[offset]
            for node, offset in offsets.items()
        }
        value = body.xreplace(replaced)
        if t in value.free_symbols:
            raise self.error(f"after the condition at time {sympy.sstr(start_time)}, the time t is still free", bar)
        for sample in reversed(samples):
            value = Expectation(value, sample)
        return value

    def sampled(self, tokens: list[Token], body: Expr, owner: Token) -> Expr:
        """``E_{x ∼ D}[body]``; ``E_{s ∼ h, a ∼ π}[body]`` is the nested ``E_{s ∼ h}[E_{a ∼ π(·|s)}[body]]``."""
        samples = []
        for group in _sample_groups(tokens):
            sample, body = self.sample(group, body)
            samples.append(sample)
        for sample in reversed(samples):
            body = Expectation(body, sample)
        return body

    def sample(self, tokens: list[Token], body: Expr | None) -> tuple[Sample, Expr | None]:
        """``x \\sim D`` subscripts (several variables, ``s_0, a_0, \\cdots \\sim ρ``), and the body
        with any renaming they imply (``s_0 ∼ h`` names a plain state).  Every token must be read."""
        texts = [token.text for token in tokens]
        if "\\sim" not in texts:
            raise self.error("expected '\\sim' in the expectation's subscript", tokens[0] if tokens else None)
        split = texts.index("\\sim")
        sim = tokens[split]
        variables = self.sub_parser(tokens[:split], sim)
        names: list[tuple[Expr, Token]] = []
        tau: Token | None = None
        while not variables.done:
            current = variables.take()
            if current.text == "," and (variables.position == 1 or variables.done):
                raise self.error("a ',' with no variable on one side, before '\\sim'", current)
            if current.text in (",", "\\cdots", "\\ldots", "\\dots", "(", ")"):
                continue
            if current.text == "\\tau":
                tau = current
                continue
            variable = variables.variable_after(current)
            if variable is None or not isinstance(variable, (Symbol, StateAt, ActionAt)) or variable == t:
                raise self.error(f"cannot sample {current.text!r}", current)
            names.append((variable, current))
        if not names and tau is None:
            raise self.error("nothing to sample before '\\sim'", sim)
        trajectory_variables = tau is not None or any(isinstance(var, (StateAt, ActionAt)) for var, _ in names)
        dist_parser = self.sub_parser(tokens[split + 1 :], sim)
        head = dist_parser.take()

        def read(result: Sample) -> tuple[Sample, Expr | None]:
            if not dist_parser.done:
                leftover = dist_parser.peek()
                raise self.error(f"did not understand {leftover.text!r} in the distribution after '\\sim'", leftover)
            return result, body

        if trajectory_variables and head.text in ("h", "P"):
            # ``s_0 ∼ h(s_0)`` names one state, not the trajectory's: read it as a plain variable.
            if tau is not None:
                raise self.error(f"a trajectory τ is sampled from ρ, not {head.text!r}", head)
            renamed = {var: Symbol(f"s_{sympy.sstr(var.args[0])}") for var, _ in names if isinstance(var, StateAt)}
            body = body.xreplace(renamed) if body is not None else None
            names = [(renamed.get(var, var), token) for var, token in names]
            trajectory_variables = any(isinstance(var, (StateAt, ActionAt)) for var, _ in names)
        if trajectory_variables or head.text == "\\rho":
            for var, token in names:
                if not isinstance(var, (StateAt, ActionAt)):
                    raise self.error(f"{token.text!r} is not a trajectory variable such as s_t or a_t", token)
            if head.text in ("\\rho", "p"):  # ρ_π(τ), or CS285's p_θ(τ)
                rho_policy = dist_parser.policy_from_subscript(dist_parser.subscript_tokens(), head)
                dist_parser.skip_call()
                return read(Sample(Symbol("tau"), TrajectoryDistribution(rho_policy)))
            if head.text == "\\pi" or head.text == self.notation.parameter_macro:
                if head.text == "\\pi":
                    chosen = policy(dist_parser.policy_name(head))
                else:
                    name = "pi_theta"
                    while dist_parser.at("'"):
                        dist_parser.take()
                        name += "'"
                    chosen = policy(name)
                dist_parser.skip_call()
                return read(Sample(Symbol("tau"), TrajectoryDistribution(chosen)))
            raise self.error("trajectory variables are sampled from a trajectory distribution ρ", head)
        if head.text == "d":
            if len(names) != 1:
                raise self.error(
                    "d^π is a distribution over states: sample the state from it and the action from the policy, "
                    "s \\sim d^\\pi, a \\sim \\pi",
                    head,
                )
            self.check_kind(names[0][0], "state", names[0][1], "s ∼ d^π")
            # Sampled, d_π and d^π are the same distribution: drawing needs the normalised one.
            chosen, _ = dist_parser.visitation_policy(head)
            dist_parser.skip_call()
            return read(Sample(names[0][0], VisitationDistribution(chosen)))
        if len(names) != 1:
            if head.text == "P" and len(names) == 2:
                self.check_kind(names[0][0], "state", names[0][1], "(s,a) ∼ P_π")
                self.check_kind(names[1][0], "action", names[1][1], "(s,a) ∼ P_π")
                visitation = dist_parser.policy_from_subscript(dist_parser.subscript_tokens(), head)
                dist_parser.skip_call()
                return read(Sample(Tuple(*(var for var, _ in names)), VisitationDistribution(visitation)))
            raise self.error("sample one variable at a time here (x \\sim D)", names[1][1] if names else sim)
        variable, written = names[0]
        kind = {"h": "state", "P": "state", "\\pi": "action"}.get(head.text)
        if kind is not None:
            self.check_kind(variable, kind, written, f"{written.text} ∼ {head.text}")
        if head.text == "h":
            dist_parser.skip_call()
            return read(Sample(variable, InitialDistribution()))
        if head.text == "P":
            return read(self.transition_sample(dist_parser, variable))
        if head.text == "\\pi":
            chosen = policy(dist_parser.policy_name(head))
            state = dist_parser.conditioning_state(variable) or _paired_state(body, variable)
            return read(Sample(variable, PolicyDistribution(chosen, state)))
        raise self.error(f"unknown distribution {head.text!r} (known: h, π, P(·|s,a), ρ_π, d^π)", head)

    def transition_sample(self, parser: Parser, variable: Expr) -> Sample:
        """``s' ∼ P(s'|s,a)`` or ``s' ∼ P(·|s,a)``."""
        parser.expect("(")
        parser.sampled_slot(variable)
        if not parser.at("|", "\\mid"):
            raise parser.error("expected | in P(s'|s,a)")
        parser.take()
        state = parser.argument("state", "P(s'|s,a)")
        parser.expect(",")
        action = parser.argument("action", "P(s'|s,a)")
        parser.expect(")")
        return Sample(variable, TransitionDistribution(state, action))

    def sampled_slot(self, variable: Expr) -> None:
        """The first slot of ``P(·|s,a)`` / ``π(·|s)``: ``\\cdot`` or the sampled variable itself."""
        if self.at("\\cdot"):
            self.take()
            return
        first = self.peek()
        written = self.argument()
        if written != variable:
            raise self.error(f"{sympy.sstr(written)} here is not the sampled variable {sympy.sstr(variable)}", first)

    def skip_call(self) -> None:
        """An optional ``(τ)`` / ``(s)`` / ``(s, a)`` after a distribution's name: variables only."""
        if not self.at("("):
            return
        self.take()
        while True:
            if self.at("\\tau", "\\cdot"):
                self.take()
            else:
                self.argument()
            if not self.at(","):
                break
            self.take()
        self.expect(")", "to close the distribution's arguments")

    def conditioning_state(self, variable: Expr) -> Expr | None:
        """``π(·|s)`` written out in a subscript, if it is."""
        if not self.at("("):
            return None
        self.take()
        self.sampled_slot(variable)
        if not self.at("|", "\\mid"):
            raise self.error("expected | in π(a|s)")
        self.take()
        state = self.argument("state", "π(a|s)")
        self.expect(")")
        return state

    def sum(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if not subscript:
            raise self.error("a sum needs its index: \\sum_{t=0}^\\infty or \\sum_{a}", token)
        upper = None
        if self.at("^"):
            self.take()
            bound = self.peek()
            upper = self.group_expression()
        body = self.power_term()
        texts = [tok.text for tok in subscript]
        if "=" in texts:
            lower = self.time_index(subscript, token, "sum")
            if upper is None:
                upper = oo
            finite_horizon = upper.free_symbols == {horizon} and (upper - horizon).is_Integer
            if not (upper == oo or upper.is_Integer or finite_horizon):
                raise self.error("the upper bound of a sum over t must be an integer, T plus an integer, or ∞", bound)
            return Sum(body, (t, lower, upper))
        if upper is not None:
            raise self.error("a sum over a state or action has no upper bound", bound)
        return SumOver(body, self.ranged_variable(subscript, "sum", token))

    def ranged_variable(self, subscript: list[Token], what: str, owner: Token) -> Symbol:
        """The variable of ``Σ_a``, ``max_{a ∈ A}``, ``min_{a' ∈ \\mathcal{A}(s')}``: every state or action."""
        texts = [tok.text for tok in subscript]
        if "\\in" in texts:
            position = texts.index("\\in")
            self.check_set(subscript[position + 1 :], subscript[position])
            subscript = subscript[:position]
        return self.bound_variable(subscript, what, owner)

    def time_index(self, subscript: list[Token], owner: Token, what: str) -> Expr:
        """``t=k`` in the subscript of a sum or product: the lower bound ``k`` (an integer)."""
        texts = [tok.text for tok in subscript]
        split = texts.index("=")
        equals = subscript[split]
        if not split or split == len(subscript) - 1:
            raise self.error(f"a {what} with bounds needs t=k in its subscript", equals)
        index = self.sub_expression(subscript[:split], f"the index of the {what}", owner)
        if index != t:
            raise self.error(f"only {what}s over time t are supported with bounds", subscript[0])
        lower = self.sub_expression(subscript[split + 1 :], f"the lower bound of the {what}", equals)
        if not lower.is_Integer:
            raise self.error(f"the lower bound of a {what} over t must be an integer", subscript[split + 1])
        return lower

    def bound_variable(self, tokens: list[Token], what: str, owner: Token) -> Symbol:
        """The state or action a sum, max or argmax ranges over (a plain letter, maybe primed/indexed)."""
        variable = self.sub_argument(tokens, f"the subscript of the {what}", owner)
        if not isinstance(variable, Symbol) or variable == t:
            raise self.error(f"a {what} ranges over a state or action letter", tokens[0] if tokens else owner)
        return variable

    def check_set(self, tokens: list[Token], member: Token) -> None:
        """The set after ``∈`` in a sum's subscript: all states or actions (``A``, ``A(s)``, ``\\mathcal{S}``)."""
        texts = [tok.text for tok in tokens if tok.text not in ("\\mathcal", "{", "}")]
        if not texts or texts[0] not in ("A", "S", "U", "X"):
            raise self.error(
                "the set after '\\in' must be all states S or all actions A(s)", tokens[0] if tokens else member
            )
        rest = self.sub_parser([tok for tok in tokens if tok.text not in ("\\mathcal", "{", "}")][1:], member)
        rest.skip_call()
        if not rest.done:
            raise self.error(f"did not understand {rest.peek().text!r} in the set after '\\in'", rest.peek())

    def power_term(self) -> Expr:
        """The body of a sum, max or product: a product of factors (it stops at + and -)."""
        return self.term()

    def product(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if "=" not in [tok.text for tok in subscript]:
            raise self.error("a product needs its index: \\prod_{t=0}^\\infty", token)
        if self.at("^"):
            caret = self.take()
            if self.group_expression() != oo:
                raise self.error("only products up to ∞ are understood", caret)
        body = self.power_term()
        lower = self.time_index(subscript, token, "product")
        return Product(body, lower)

    def maximum(self, token: Token) -> Expr:
        subscript = self.subscript_tokens()
        if not subscript:
            raise self.error("\\max needs the variable it maximises over: \\max_a", token)
        head = subscript[0]
        body = self.power_term()
        if head.text == self.notation.parameter_macro:
            for extra in subscript[1:]:
                if extra.text != "'":
                    raise self.error(f"did not understand {extra.text!r} in the subscript of max", extra)
            return PolicyMax(body, Symbol("pi_theta" + "'" * (len(subscript) - 1)))
        return MaxOver(body, self.ranged_variable(subscript, "max", token))

    def minimum(self, token: Token) -> Expr:
        """``min_a f`` is ``-max_a (-f)``: the one reduction over actions symrl evaluates is max."""
        subscript = self.subscript_tokens()
        if not subscript:
            raise self.error("\\min needs the variable it minimises over: \\min_a", token)
        if subscript[0].text == self.notation.parameter_macro:
            raise self.error("a minimum over the parameters θ is not supported (only \\max_\\theta)", subscript[0])
        variable = self.ranged_variable(subscript, "min", token)
        return -MaxOver(-self.power_term(), variable)

    def argmax(self, token: Token) -> Expr:
        if token.text == "\\operatorname":
            if self.at("*"):
                self.take()  # ``\operatorname*`` only moves the subscript under the name
            name = self.braced_text()
            if name not in ("argmax", "arg\\,max", "arg max"):
                raise self.error(f"unknown operator {name}", token)
        else:
            self.expect("\\max", "after \\arg")
        subscript = self.subscript_tokens()
        if not subscript:
            raise self.error("argmax needs the variable it maximises over: \\arg\\max_a", token)
        variable = self.ranged_variable(subscript, "argmax", token)
        return ArgMax(self.power_term(), variable)


_STOP_COMMANDS = {"\\sim", "\\mid", "\\cdots", "\\ldots", "\\dots", "\\therefore", "\\forall", "\\implies",
                  "\\iff", "\\Rightarrow", "\\leftarrow", "\\gets", "\\to", "\\text"}  # fmt: skip


def _fresh(symbol: Symbol, used: set, first: bool = False) -> Symbol:
    """``symbol`` (if ``first``) or ``symbol`` with one more prime, primed further until unused; marks it used."""
    candidate = symbol if first else Symbol(symbol.name + "'")
    while candidate in used:
        candidate = Symbol(candidate.name + "'")
    used.add(candidate)
    return candidate


def _sample_groups(tokens: list[Token]) -> list[list[Token]]:
    """The subscript ``s ∼ h, a ∼ π`` cut into one ``x ∼ D`` per ``\\sim``.

    A group ends at the last top-level comma before the next ``\\sim``: the commas of a variable
    list (``s_0, a_0, \\cdots ∼ ρ``) come before their ``\\sim`` and those of ``P(·|s,a)`` are
    inside parentheses, so neither cuts.
    """
    groups: list[list[Token]] = []
    start = 0
    depth = 0
    seen_sim = False
    last_comma: int | None = None
    for index, token in enumerate(tokens):
        depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(token.text, 0)
        if depth:
            continue
        if token.text == "," and seen_sim:
            last_comma = index
        elif token.text == "\\sim":
            if seen_sim and last_comma is not None:
                groups.append(tokens[start:last_comma])
                start = last_comma + 1
            seen_sim = True
            last_comma = None
    groups.append(tokens[start:])
    return groups


def _is_time(time: Expr) -> bool:
    """A time index: an integer ≥ 0, ``t`` plus an integer, or ``T`` plus an integer ≥ -1 (``T ≥ 1``)."""
    if time.is_Integer:
        return time >= 0
    if time.free_symbols == {t}:
        return (time - t).is_Integer
    if time.free_symbols == {horizon}:
        offset = time - horizon
        return offset.is_Integer and offset >= -1
    return False


def _differentiable(body: Expr) -> bool:
    """Whether symrl knows ``∇_θ body``: ``η(θ)``, ``log π_θ(a|s)`` or ``π_θ(a|s)`` of the policy ``π_θ``."""
    if isinstance(body, sympy.log):
        body = body.args[0]
        if not isinstance(body, PolicyProbability):
            return False
    return isinstance(body, (Return, PolicyProbability)) and body.args[0] == policy("pi_theta")


def _paired_state(body: Expr | None, action: Expr) -> Expr:
    """The state an action is drawn in, from the body: ``E_{a∼π}[Q(s,a)]`` draws ``a`` in ``s``."""
    if body is None:
        return Symbol("s")
    for node in sympy.preorder_traversal(body):
        if isinstance(node, (ActionValue, Advantage, Reward)):
            args = node.args[1:] if not isinstance(node, Reward) else node.args
            if len(args) == 2 and args[1] == action:
                return args[0]
        # π(a|s) holds its state last, P(s'|s,a) in the middle: (policy, action, state), (next, state, action)
        if isinstance(node, PolicyProbability) and node.args[1] == action:
            return node.args[2]
        if isinstance(node, Transition) and node.args[2] == action:
            return node.args[1]
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
    "\\iff": "IFF", "\\leftarrow": "DEFINES", "\\gets": "DEFINES", "\\coloneqq": "DEFINES", "\\coloneq": "DEFINES",
    "\\triangleq": "DEFINES", "\\doteq": "DEFINES", "≔": "DEFINES", "≜": "DEFINES", "≐": "DEFINES",
}  # fmt: skip
"""Top-level relation tokens and the name of the ``symrl.check.Relation`` each one means."""

_CANONICAL_RELATIONS = {
    "=": "EQ", "≥": "GE", "≤": "LE", ">": "GT", "<": "LT", "≈": "APPROX", "≡": "EQUIV", "⟹": "IMPLIES",
    "⟺": "IFF", "←": "DEFINES", ":=": "DEFINES",
}  # fmt: skip
"""The names of :data:`_RELATIONS` for the canonical relations of ``presentation.RELATIONS``."""


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
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        elif depth or (index > 1 and tokens[index - 2].text in ("_", "^")):
            continue
        elif token.text == ":" and index < len(tokens) and tokens[index].text == "=":
            found.append(("DEFINES", token.offset, tokens[index].offset + 1))
            index += 1
        elif token.text in ("\\stackrel", "\\overset"):
            # ``\stackrel{\text{def}}{=}``: presentation decides what the annotated relation means
            end = _group_end(tokens, _group_end(tokens, index))
            last = tokens[end - 1]
            stop = last.offset + len(last.text)
            matches = top_level_relations(latex[token.offset : stop])
            if matches and matches[0].relation in _CANONICAL_RELATIONS:
                found.append((_CANONICAL_RELATIONS[matches[0].relation], token.offset, stop))
                index = end
        elif token.text in _RELATIONS:
            found.append((_RELATIONS[token.text], token.offset, token.offset + len(token.text)))
    return found


def _group_end(tokens: list[Token], index: int) -> int:
    """The index after the macro argument starting at ``index``: a braced group or one token."""
    if index >= len(tokens):
        return len(tokens)
    if tokens[index].text != "{":
        return index + 1
    depth = 0
    for position in range(index, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[position].text, 0)
        if not depth:
            return position + 1
    return len(tokens)


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
            raise ParseError(f"expected ',' after the quantifier {rest[0].text!r} …", start + rest[0].offset)
        if comma == 1:
            raise ParseError(f"nothing is quantified between {rest[0].text!r} and ','", start + rest[0].offset, 7)
        domain = _quantifier(text, start, rest[1:comma], notation)
        start = start + rest[comma].offset + 1
    relations = split_relations(text[start:])
    if len(relations) != 1:
        if relations:
            found = ", ".join(repr(text[start + begin : start + end]) for _, begin, end in relations)
            what = f"{len(relations)} relations ({found})"
            offset, length = start + relations[1][1], relations[1][2] - relations[1][1]
        elif text[start:].strip() or not tokens:
            what, offset, length = f"no relation in '{text[start : start + 40].strip()}'", start, len(text) - start
        else:  # nothing left after '\therefore' or the quantifier's ','
            before = [token for token in tokens if token.offset < start][-1]
            what, offset, length = f"nothing after {before.text!r}", before.offset, len(before.text)
        raise ParseError(f"expected one relation in a statement, found {what}", offset, length)
    name, begin, end = relations[0]
    symbol = Token("symbol", text[start + begin : start + end], start + begin)
    lhs = _parse_at(text, start, start + begin, notation, f"nothing before {symbol.text!r}: this side is empty", symbol)
    rhs = _parse_at(
        text, start + end, len(text), notation, f"nothing after {symbol.text!r}: this side is empty", symbol
    )
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
    parser = Parser(text, notation)
    parser.tokens = [Token(tok.kind, tok.text, base + tok.offset) for tok in tokens]
    if "\\in" in texts:
        member = texts.index("\\in")
        _quantified_variables(parser, parser.tokens[:member], parser.tokens[member])
        parser.check_set(parser.tokens[member + 1 :], parser.tokens[member])
        return ()
    if "\\sim" not in texts:
        raise ParseError(
            f"expected '∈ S' or '∼ D' in the quantifier, found '{' '.join(texts)}'",
            base + (tokens[0].offset if tokens else 0),
        )
    sample, _ = parser.sample(parser.tokens, None)
    return (sample,)


def _quantified_variables(parser: Parser, tokens: list[Token], member: Token) -> None:
    """The variables of ``∀ s, a ∈ …``: state and action letters (with primes and indices) only."""
    variables = parser.sub_parser(tokens, member)
    count = 0
    while not variables.done:
        current = variables.take()
        if current.text in (",", "(", ")"):
            continue
        if variables.kind_of(variables.variable_after(current) or t) is None:
            raise variables.error(f"cannot quantify over {current.text!r}", current)
        count += 1
    if not count:
        raise parser.error("nothing is quantified before '\\in'", member)


def _parse_at(text: str, start: int, end: int, notation: Notation | None, empty: str, relation: Token) -> Expr:
    """One side of a statement: the tokens of ``text[start:end]`` (an empty side is blamed on ``relation``)."""
    parser = Parser(text, notation)  # the tokens of the whole line are cached: slice them, don't re-tokenize
    parser.tokens = [token for token in parser.tokens if start <= token.offset < end]
    if not parser.tokens:
        raise ParseError(empty, relation.offset, len(relation.text))
    parser.anchor = relation
    return parser.parse()
