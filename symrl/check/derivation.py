"""What a derivation module declares: chains of steps, statement chains, definitions and claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from sympy import Expr

from symrl.check.relations import Relation
from symrl.check.statement import Statement
from symrl.check.world import World
from symrl.expr import Sample

__all__ = [
    "Claim",
    "Derivation",
    "DistributionDefinition",
    "ExpressionChain",
    "SameMaximisersChain",
    "StatementChain",
    "StatementLine",
    "Step",
    "UnreadLine",
]


@dataclass(frozen=True)
class Step:
    """``… relation expr`` on one source line; ``sampled`` names the random variables of a ``≈``."""

    relation: Relation
    expr: Expr
    latex: str
    line: int
    sampled: tuple[Sample, ...] = ()


@dataclass(frozen=True)
class UnreadLine:
    """A step or statement the text makes but that could not be read: ``not-checked``, never judged.

    ``message`` says why (line, column, the token); ``relation`` is the step's relation when it was read.
    """

    latex: str
    line: int
    message: str
    relation: Relation | None = None


@dataclass(frozen=True)
class ExpressionChain:
    """``start rel₁ e₁ rel₂ e₂ …``: each step relates its expression to the previous one.

    A step whose expression could not be read is an :class:`UnreadLine`; a start that could not be
    read is ``None`` with the reason in ``start_unread``.  Steps touching either are not-checked.
    """

    name: str
    block: int
    start: Expr | None
    start_latex: str
    start_line: int
    steps: tuple[Step | UnreadLine, ...]
    world: World = field(default_factory=World)
    conclusion: StatementLine | None = None
    start_unread: str = ""


@dataclass(frozen=True)
class StatementLine:
    """One whole statement of a statement chain."""

    statement: Statement
    latex: str
    line: int


@dataclass(frozen=True)
class StatementChain:
    """Statements on successive lines (a line that could not be read is an :class:`UnreadLine`).

    ``implications``: each follows from the previous ones (the first is the premise, unless
    ``assumptions`` made earlier in the text are given: then the first follows from those).
    ``facts``: each is claimed true on its own in the world (e.g. values in an example MDP).
    """

    name: str
    block: int
    lines: tuple[StatementLine | UnreadLine, ...]
    world: World = field(default_factory=World)
    mode: Literal["implications", "facts"] = "implications"
    assumptions: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class SameMaximisersChain:
    """``max_x f₀ ≡ max_x f₁ ≡ …``: every objective has the same maximisers over ``policy``."""

    name: str
    block: int
    objectives: tuple[tuple[Expr, str, int], ...]
    policy: str
    world: World = field(default_factory=World)


@dataclass(frozen=True)
class DistributionDefinition:
    """A trajectory distribution defined as ``h(s_0) Π_t f(s_t, a_t, s_{t+1})``.

    ``factor`` is ``f`` written with the variables ``(state, action, next_state)``; ``standard``
    is the factor the world's definition uses (``π(a|s) P(s'|s,a)``).  ``step`` numbers the
    definition's relation among those of its display block (an inline "where" comes after the chain's).
    """

    name: str
    block: int
    line: int
    latex: str
    factor: Expr
    standard: Expr
    variables: tuple[Expr, Expr, Expr]
    world: World = field(default_factory=World)
    step: int = 1


@dataclass(frozen=True)
class GradientDefinition:
    """An update ``θ' = θ + α ∇_θ η(θ)``: well formed when ``∇_θ η`` is the derivative of ``η``.

    ``latex`` is the update's right side, what ``θ'`` is set to.
    """

    name: str
    block: int
    line: int
    latex: str
    families: tuple[str, ...] = ("tabular", "features")


@dataclass(frozen=True)
class Claim:
    """A claim made in prose: ``premises ⟹ conclusion`` for every instance of ``world``.

    ``summary`` is our own wording of the claim; ``conditions`` are the restrictions to try
    when it fails (``holds-under``).  If the world has softmax policies, the claim is judged
    for each parametrisation in ``families``.
    """

    name: str
    line: int
    summary: str
    conclusion: Statement
    premises: tuple[Statement, ...] = ()
    world: World = field(default_factory=World)
    conditions: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    failure_code: str = "false-claim"


@dataclass(frozen=True)
class Derivation:
    """Everything a derivation module encodes of one text."""

    name: str
    source: str
    items: tuple = ()

    def assuming(self, conditions: Sequence[str]) -> Derivation:
        """This derivation with every item's world restricted by ``conditions`` (names of ``CONDITIONS``)."""
        if not conditions:
            return self
        items = []
        for item in self.items:
            world = getattr(item, "world", None)
            if isinstance(world, World):
                for condition in conditions:
                    world = world.with_condition(condition)
                item = replace(item, world=world)
            items.append(item)
        return replace(self, items=tuple(items))
