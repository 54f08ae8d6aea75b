"""Relations between two sides of a step, their LaTeX, composition along a chain, and truth tests."""

from __future__ import annotations

from enum import Enum

import numpy as np

__all__ = ["NUMERIC_TOLERANCE", "Relation", "compare", "compose"]

# Relative tolerance for float comparisons: float64 policy evaluation of the MDPs we draw is
# accurate to ~1e-12; a genuine failure is many orders of magnitude larger.
NUMERIC_TOLERANCE = 1e-7


class Relation(Enum):
    """A step's relation; ``value`` is its canonical LaTeX."""

    EQ = "="
    GE = "\\geq"
    LE = "\\leq"
    GT = ">"
    LT = "<"
    APPROX = "\\approx"
    IMPLIES = "\\implies"
    IMPLIED_BY = "\\impliedby"
    IFF = "\\iff"
    EQUIV = "\\equiv"
    DEFINES = ":="

    @property
    def is_order(self) -> bool:
        return self in (Relation.EQ, Relation.GE, Relation.LE, Relation.GT, Relation.LT)

    @property
    def symbol(self) -> str:
        """Plain-text symbol for terminal output."""
        return _PLAIN[self]


_PLAIN = {
    Relation.EQ: "=",
    Relation.GE: "≥",
    Relation.LE: "≤",
    Relation.GT: ">",
    Relation.LT: "<",
    Relation.APPROX: "≈",
    Relation.IMPLIES: "⟹",
    Relation.IMPLIED_BY: "⟸",
    Relation.IFF: "⟺",
    Relation.EQUIV: "≡",
    Relation.DEFINES: ":=",
}


def compose(relations: list[Relation]) -> Relation | None:
    """The relation between a chain's first and last expression, or None if directions mix.

    >>> compose([Relation.EQ, Relation.GE, Relation.EQ]).symbol
    '≥'
    >>> compose([Relation.GE, Relation.LE]) is None
    True
    """
    kinds = {r for r in relations if r not in (Relation.EQ, Relation.DEFINES)}
    if not kinds:
        return Relation.EQ
    if kinds <= {Relation.GE, Relation.GT}:
        return Relation.GT if Relation.GT in kinds else Relation.GE
    if kinds <= {Relation.LE, Relation.LT}:
        return Relation.LT if Relation.LT in kinds else Relation.LE
    if kinds == {Relation.APPROX}:
        return Relation.APPROX
    return None


def compare(lhs: np.ndarray, rhs: np.ndarray, relation: Relation) -> np.ndarray:
    """Elementwise truth of ``lhs relation rhs``; exact for object arrays, tolerant for floats.

    Undefined float values (NaN) compare as True so that they never count as failures; callers
    count and report them separately.
    """
    if lhs.dtype == object or rhs.dtype == object:
        op = _EXACT[relation]
        return np.vectorize(lambda x, y: bool(op(x, y)), otypes=[bool])(lhs, rhs)
    scale = NUMERIC_TOLERANCE * (1.0 + np.maximum(np.abs(lhs), np.abs(rhs)))
    diff = lhs - rhs
    with np.errstate(invalid="ignore"):
        if relation is Relation.EQ:
            result = np.abs(diff) <= scale
        elif relation is Relation.GE:
            result = diff >= -scale
        elif relation is Relation.LE:
            result = diff <= scale
        elif relation is Relation.GT:
            result = diff > scale
        elif relation is Relation.LT:
            result = diff < -scale
        else:
            raise ValueError(f"{relation} is not an order relation")
    return result | np.isnan(diff)


_EXACT = {
    Relation.EQ: lambda x, y: x == y,
    Relation.GE: lambda x, y: x >= y,
    Relation.LE: lambda x, y: x <= y,
    Relation.GT: lambda x, y: x > y,
    Relation.LT: lambda x, y: x < y,
}
