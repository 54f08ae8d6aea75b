"""Multivariate rational functions over ℚ on python-flint polynomials: the symbolic backend's numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flint
import sympy

__all__ = ["RationalFunctionField", "RationalFunction"]


class RationalFunctionField:
    """``ℚ(x₁, …, xₙ)``: build elements from generators and constants.

    Mirrors the small part of SymPy's ``FracField`` that symrl uses (``gens``, ``one``, ``zero``,
    ``from_expr``) while computing with FLINT polynomials, which cancel common factors two orders
    of magnitude faster than SymPy's pure-Python gcd.

    >>> field = RationalFunctionField(sympy.symbols("x y"))
    >>> x, y = field.gens
    >>> (x / (x * y) == 1 / y, (x + y) ** 2 - (x - y) ** 2 == 4 * x * y)
    (True, True)
    """

    def __init__(self, symbols: Sequence[sympy.Symbol]):
        self.symbols = tuple(symbols)
        self.context = flint.fmpq_mpoly_ctx.get(tuple(str(symbol) for symbol in symbols), "lex")
        self._one = self.context.from_dict({(0,) * len(self.symbols): 1})
        self.gens = tuple(RationalFunction(self, generator, self._one) for generator in self.context.gens())
        self.one = RationalFunction(self, self._one, self._one)
        self.zero = RationalFunction(self, self._one * 0, self._one)

    def constant(self, value: Any) -> RationalFunction:
        """The constant function ``value`` (an int, ``fmpq`` or SymPy rational)."""
        if isinstance(value, sympy.Rational):
            value = flint.fmpq(int(value.p), int(value.q))
        return RationalFunction(self, self._one * value, self._one)

    def from_expr(self, expr: sympy.Expr) -> RationalFunction:
        """Convert a SymPy rational function of this field's symbols (our own expressions only)."""
        expr = sympy.sympify(expr, strict=True)  # safe: strict mode converts objects only, never parses text
        if expr.is_Rational:
            return self.constant(expr)
        numerator, denominator = sympy.fraction(sympy.together(expr))
        return self._poly(numerator) / self._poly(denominator)

    def _poly(self, expr: sympy.Expr) -> RationalFunction:
        poly = sympy.Poly(expr, *self.symbols)
        terms = {monomial: flint.fmpq(int(c.p), int(c.q)) for monomial, c in poly.terms()}
        return RationalFunction(self, self.context.from_dict(terms), self._one)

    def __repr__(self) -> str:
        return f"RationalFunctionField({', '.join(map(str, self.symbols))})"


class RationalFunction:
    """``numerator / denominator`` in lowest terms, both ``flint.fmpq_mpoly`` of one field."""

    __slots__ = ("field", "numerator", "denominator")
    __hash__ = None  # equal to ints and fmpq by value, so no hash can agree with theirs

    def __init__(self, field: RationalFunctionField, numerator, denominator, *, reduce: bool = False):
        if denominator.is_zero():
            raise ZeroDivisionError("rational function with a zero denominator")
        if reduce and not denominator.is_constant():
            common = numerator.gcd(denominator)
            if not common.is_one():
                numerator, denominator = numerator / common, denominator / common
        lead = denominator.leading_coefficient()
        if lead != 1:
            numerator, denominator = numerator / lead, denominator / lead
        self.field = field
        self.numerator = numerator
        self.denominator = denominator

    # -- conversions ------------------------------------------------------------------------
    def _coerce(self, other: Any) -> RationalFunction | None:
        if isinstance(other, RationalFunction):
            return other
        if isinstance(other, (int, flint.fmpq, flint.fmpz)):
            return self.field.constant(other)
        if isinstance(other, sympy.Rational):
            return self.field.constant(other)
        return None

    def as_expr(self) -> sympy.Expr:
        """This function as a SymPy expression in the field's symbols."""
        return _poly_expr(self.numerator, self.field.symbols) / _poly_expr(self.denominator, self.field.symbols)

    # -- arithmetic -------------------------------------------------------------------------
    def __add__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        if self.denominator == other.denominator:
            return RationalFunction(self.field, self.numerator + other.numerator, self.denominator, reduce=True)
        return RationalFunction(
            self.field,
            self.numerator * other.denominator + other.numerator * self.denominator,
            self.denominator * other.denominator,
            reduce=True,
        )

    __radd__ = __add__

    def __neg__(self) -> RationalFunction:
        return RationalFunction(self.field, -self.numerator, self.denominator)

    def __sub__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return other + (-self)

    def __mul__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return RationalFunction(
            self.field, self.numerator * other.numerator, self.denominator * other.denominator, reduce=True
        )

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        if other.numerator.is_zero():
            raise ZeroDivisionError("division by the zero rational function")
        return RationalFunction(
            self.field, self.numerator * other.denominator, self.denominator * other.numerator, reduce=True
        )

    def __rtruediv__(self, other: Any) -> RationalFunction:
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return other / self

    def __pow__(self, exponent: int) -> RationalFunction:
        if not isinstance(exponent, int):
            return NotImplemented
        if exponent < 0:
            return self.field.one / (self ** (-exponent))
        return RationalFunction(self.field, self.numerator**exponent, self.denominator**exponent)

    # -- comparison -------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        coerced = self._coerce(other)
        if coerced is None:
            return NotImplemented
        return self.numerator * coerced.denominator == coerced.numerator * self.denominator

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __repr__(self) -> str:
        return str(self.as_expr())


def _poly_expr(poly, symbols: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    terms = []
    for monomial, coefficient in poly.to_dict().items():
        term = sympy.Rational(int(coefficient.p), int(coefficient.q))
        for symbol, power in zip(symbols, monomial, strict=True):
            if power:
                term *= symbol**power
        terms.append(term)
    return sympy.Add(*terms)
