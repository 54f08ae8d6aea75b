"""Turn the display math of a Markdown/TeX document into a Derivation the engine can judge.

Each display block becomes one item (an expression chain, a statement chain, a definition …),
read in order so that definitions made by the text (``π'(s) = argmax_a Q_π(s,a)``,
``θ' ← θ + α∇_θ η(θ)``) shape the world of the blocks after them.  A row that is not understood
in full is reported as unread with its line and column; it is never judged on a fragment.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from itertools import pairwise

import sympy
from sympy import Expr, Symbol

from symrl.check import (
    Derivation,
    DistributionDefinition,
    Example,
    ExpressionChain,
    GradientDefinition,
    PolicySpec,
    Relation,
    SameMaximisersChain,
    Statement,
    StatementChain,
    StatementLine,
    Step,
    Unread,
    UnreadLine,
    World,
)
from symrl.errors import NotationError
from symrl.expr import (
    ActionAt,
    Expectation,
    InitialProbability,
    MaxOver,
    PolicyAction,
    PolicyDistribution,
    PolicyProbability,
    PolicySymbol,
    SameState,
    Sample,
    StateAt,
    Transition,
    TransitionDistribution,
    policy_names,
)
from symrl.latex.chains import Chain, ChainKind, Link, Row, read_chain
from symrl.latex.declarations import Declarations, declarations_in_document, macro_definitions
from symrl.latex.markdown import MathBlock, find_inline_relations, find_math, find_math_tex
from symrl.latex.parser import (
    ArgMax,
    Gradient,
    Notation,
    ParseError,
    Parser,
    PolicyMax,
    Product,
    parse_expression,
    parse_statement,
)

__all__ = ["MAX_BLOCK_CHARS", "PREMISE_CUES", "READ_SECONDS", "Reading", "read_document"]

PREMISE_CUES = ("assume", "suppose", "we are given")
"""Words in the sentence before a block that make its statements premises rather than claims."""

STANDARD_POLICIES = {"pi^*": PolicySpec("optimal")}
"""Policies whose meaning is fixed by notation alone: π* is an optimal policy."""

_RELATIONS = {
    "=": Relation.EQ,
    "≥": Relation.GE,
    "≤": Relation.LE,
    ">": Relation.GT,
    "<": Relation.LT,
    "≈": Relation.APPROX,
    "≡": Relation.EQUIV,
    "⟹": Relation.IMPLIES,
    "⟺": Relation.IFF,
    "←": Relation.DEFINES,
    ":=": Relation.DEFINES,
}


class _Unreadable(NotationError):
    """A row could not be read; carries the source position for the report."""

    def __init__(self, message: str, line: int, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Reading:
    """What was read from a document: the derivation to check and the passages left unread."""

    derivation: Derivation
    unread: list[Unread] = field(default_factory=list)


@dataclass
class _Context:
    """Definitions made so far by the text: how each named policy is drawn."""

    policies: dict[str, PolicySpec] = field(default_factory=lambda: dict(STANDARD_POLICIES))
    assumptions: tuple[Statement, ...] = ()

    def world(self) -> World:
        return World(policies=tuple(sorted(self.policies.items())))


READ_SECONDS = 5.0
"""Default time limit of :func:`read_document`: blocks not reached by then are reported unread."""

MAX_BLOCK_CHARS = 20_000
"""Longest display block read (the longest block of a real post is a few thousand characters)."""


def read_document(
    text: str,
    path: str,
    *,
    notation: Notation | None = None,
    seconds: float | None = READ_SECONDS,
    declarations: Declarations | None = None,
    inline: bool = False,
) -> Reading:
    """Read every display block of a Markdown (or, for ``.tex`` paths, TeX) document.

    Never raises on text: whatever cannot be read is an :class:`Unread` entry with its line and
    column, one per display block at least.  Reading is bounded: a block longer than
    :data:`MAX_BLOCK_CHARS` is not read, and once ``seconds`` have passed (``None``: no limit) the
    remaining blocks are reported unread.  No signals are used, so it works in any thread.

    The document's own declarations (front matter, ```` ```symrl ```` blocks) apply first, then
    ``declarations`` (a reader's, e.g. from ``--declare``); ``notation``, if given, replaces both's.

    With ``inline``, the inline formulas of a Markdown document that state a relation (``$V_π(s)
    ≤ V^*(s)$``) are judged too, in document order; they are numbered after the display blocks.

    >>> reading = read_document("$$\\n\\\\eta(\\\\pi) = \\\\mathbb{E}_{s \\\\sim h}[V_\\\\pi(s)]\\n$$\\n", "post.md")
    >>> [type(item).__name__ for item in reading.derivation.items], reading.unread
    (['StatementChain'], [])
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        blocks = find_math_tex(text, path) if str(path).endswith(".tex") else find_math(text, path)
        if inline and not str(path).endswith(".tex"):
            blocks = _with_inline(blocks, text, path)
    except NotationError as error:
        return Reading(Derivation(name=path, source=path), [Unread(1, f"line 1, column 1: {error}", 1)])
    except Exception as error:  # a reader bug must not take the whole check down
        return Reading(Derivation(name=path, source=path), [Unread(1, _internal("the document", error), 1)])
    lines = re.split(r"\r\n|\r|\n", text)  # numbered as the Markdown parser numbers them
    declared, unread = _declared(text, path, declarations)
    notation = notation or declared.notation
    definitions = macro_definitions(text)
    if definitions:  # the post's \newcommand macros, unless declarations say otherwise
        declared_names = set(notation.macros)
        own = [d for d in definitions if d.name not in declared_names]
        arities = {d.name: d.arguments for d in own}  # the last definition of a name wins, body and arity
        notation = dataclasses.replace(
            notation,
            macros={**{d.name: d.body for d in own}, **notation.macros},
            macro_arguments={**{name: n for name, n in arities.items() if n}, **notation.macro_arguments},
        )
    context = _Context()
    context.policies.update(declared.policies)
    items: list = []
    for block in blocks:
        stripped = _without_definitions(block)
        if stripped is not block and not stripped.latex.strip():
            continue  # a block of macro definitions only: read, nothing to check
        block = stripped
        policies = dict(context.policies)
        assumptions, context.assumptions = context.assumptions, ()
        line, column = block.source_map.position_of(0)
        try:
            if deadline is not None and time.monotonic() > deadline:
                raise _Unreadable(f"not read: reading stopped at its time limit of {seconds:g} s", line, column)
            if len(block.latex) > MAX_BLOCK_CHARS:
                message = f"not read: {len(block.latex)} characters, longer than the {MAX_BLOCK_CHARS} a block may have"
                raise _Unreadable(message, line, column)
            premise = (
                _inline_premise(lines, line, column)
                if block.delimiter == INLINE_DELIMITER
                else _introduced_as_premise(lines, block.start_line)
            )
            chain = read_chain(block)
            skipped: list[_Unreadable] = []
            new_items = _items(block, chain, context, notation, premise, path, assumptions, skipped)
            if not new_items:
                raise _Unreadable("no relation to check in this block", line, column)
            if declared.example is not None:
                new_items = [_in_example(item, declared.example) for item in new_items]
        except _Unreadable as error:
            where = "" if str(error).startswith("line ") else f"line {error.line}, column {error.column}: "
            unread.append(Unread(error.line, f"block {block.index}: {where}{error}", error.column))
            context.policies = policies  # an unread block defines nothing
            continue
        except NotationError as error:
            unread.append(Unread(line, f"block {block.index}: line {line}, column {column}: {error}", column))
            context.policies = policies
            continue
        except Exception as error:  # one unreadable block must not lose the others
            unread.append(Unread(line, _internal(f"block {block.index}", error), column))
            context.policies = policies
            continue
        items.extend(new_items)
        # rows left out of a block that is otherwise read: each is its own unread passage (its steps are not-checked)
        unread.extend(Unread(error.line, f"block {block.index}: {error}", error.column) for error in skipped)
        if premise:  # a premise holds for the block that follows it (the argument built on it)
            context.assumptions = tuple(
                line.statement
                for item in new_items
                if isinstance(item, StatementChain)
                for line in item.lines
                if isinstance(line, StatementLine)
            )
    derivation = Derivation(name=path, source=path, items=tuple(items)).assuming(declared.conditions)
    return Reading(derivation, [_with_excerpt(item, lines) for item in unread])


def _with_excerpt(item: Unread, lines: list[str]) -> Unread:
    """``item`` with the source line it points at, for a caret under the offending token."""
    if item.excerpt is not None or not 1 <= item.line <= len(lines):
        return item
    return dataclasses.replace(item, excerpt=lines[item.line - 1])


def _without_definitions(block: MathBlock) -> MathBlock:
    """``block`` with its ``\\newcommand`` definitions blanked out (offsets, and so positions, kept)."""
    definitions = macro_definitions(block.latex)
    if not definitions:
        return block
    latex = list(block.latex)
    for definition in definitions:
        for offset in range(definition.start, definition.stop):
            if latex[offset] != "\n":
                latex[offset] = " "
    return dataclasses.replace(block, latex="".join(latex))


INLINE_DELIMITER = "$"
"""The delimiter of a block made of an inline formula (display blocks have ``$$``, ``\\[`` …)."""


def _with_inline(blocks: list[MathBlock], text: str, path: str) -> list[MathBlock]:
    """The display blocks and the inline formulas stating a relation, in document order."""
    inline = [
        MathBlock(len(blocks) + number, math.line, math.line, math.latex, INLINE_DELIMITER, math.source_map, path)
        for number, math in enumerate(find_inline_relations(text, path), start=1)
    ]
    return sorted(blocks + inline, key=lambda block: block.source_map.position_of(0))


def _inline_premise(lines: list[str], line: int, column: int) -> bool:
    """Whether the sentence an inline formula sits in, up to the formula, states an assumption."""
    before = lines[line - 1][: column - 1].lower() if 1 <= line <= len(lines) else ""
    return _states_assumption(_SENTENCE_END.split(before)[-1])


def _declared(text: str, path: str, declarations: Declarations | None) -> tuple[Declarations, list[Unread]]:
    """The document's declarations, then the reader's; a malformed one is unread."""
    unread = []
    declared, errors = declarations_in_document(text, path)
    for error in errors:  # "path:line: message"
        where, _, message = str(error).partition(": ")
        line = int(where.rsplit(":", 1)[-1]) if where.rsplit(":", 1)[-1].isdigit() else 1
        unread.append(Unread(line, f"declarations not used: {message}", 1))
    return (declared if declarations is None else declared.then(declarations)), unread


def _in_example(item, example: Example):
    """``item`` judged in the example's world if it uses one of the example's policies (or it names none)."""
    world = getattr(item, "world", None)
    if world is None:
        return item
    if example.policies and not (_item_policies(item) & example.policies):
        return item
    return dataclasses.replace(item, world=example.world(world))


def _item_policies(value: object) -> set[str]:
    """The policies named anywhere in a derivation item (its expressions, statements, lines)."""
    if isinstance(value, Expr):
        return set(policy_names(value))
    if isinstance(value, (tuple, list)):
        return set().union(*(_item_policies(part) for part in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, (type, World)):
        return set().union(*(_item_policies(getattr(value, f.name)) for f in dataclasses.fields(value)))
    return set()


INTERNAL_ERROR = "internal error"
"""Marks an unread passage that a bug of symrl, not the text, left unread (the fuzz tests look for it)."""


def _internal(where: str, error: BaseException) -> str:
    return f"{where}: {INTERNAL_ERROR} ({type(error).__name__}: {str(error)[:200]}); this passage is not checked"


_PROSE_LINES = 12
"""How far back the paragraph before a block is read for the sentence that leads into it."""
_NOT_PROSE = re.compile(r"\s*(\$\$|\\\[|\\\]|\\begin\{|\\end\{|#|```|~~~)|.*\$\$\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _introduced_as_premise(lines: list[str], start_line: int) -> bool:
    """Whether the sentence that leads into a block introduces it as an assumption.

    That sentence is the last one of the paragraph just before the block, which may be wrapped
    over several source lines ("Suppose the new policy … / … in every state:"); an earlier
    sentence of the paragraph ("We assume γ < 1. Then") does not make the block a premise.

    >>> _introduced_as_premise(["Suppose the policy is", "greedy:", "", "$$"], 4)
    True
    >>> _introduced_as_premise(["We assume nothing. The value is", "$$"], 2)
    False
    """
    index = start_line - 2
    while index >= 0 and index > start_line - 5 and not lines[index].strip():
        index -= 1  # blank lines between the paragraph and the block
    paragraph: list[str] = []
    while index >= 0 and len(paragraph) < _PROSE_LINES and lines[index].strip():
        if _NOT_PROSE.match(lines[index]):
            break  # the end of an earlier display or a heading: the paragraph starts after it
        paragraph.insert(0, lines[index].strip().lstrip(">-*+ ").strip())
        index -= 1
    text = " ".join(paragraph).lower().rstrip(":. ")
    return _states_assumption(_SENTENCE_END.split(text)[-1] if text else "")


def _states_assumption(sentence: str) -> bool:
    """Whether a (lower-case) sentence states an assumption: it uses one of :data:`PREMISE_CUES`."""
    return any(sentence.startswith(cue) or f" {cue}" in sentence for cue in PREMISE_CUES)


# -- one block ------------------------------------------------------------------------------------


def _items(
    block: MathBlock,
    chain: Chain,
    context: _Context,
    notation: Notation,
    premise: bool,
    path: str,
    assumptions: tuple[Statement, ...] = (),
    skipped: list[_Unreadable] | None = None,
):
    """The items of one block; rows that cannot be read but leave the others readable go to ``skipped``."""
    skipped = [] if skipped is None else skipped
    rows = [row for row in chain.rows if row.relations or row.lhs]
    if not rows:
        return []
    if chain.kind is ChainKind.EXPRESSION and all(link.relation == "≡" for row in rows for link in row.relations):
        return [_same_maximisers(block, rows, context, notation)]
    if any("\\nabla" in row.text for row in rows):
        # ∇_θ is the gradient of the softmax family π_θ (DESIGN §1); its closed forms assume it
        context.policies.setdefault("pi_theta", PolicySpec("softmax"))
    first_link = rows[0].relations[0] if rows[0].relations else None
    if first_link is not None and first_link.relation in ("←", "=") and _is_parameter_update(rows, notation):
        context.policies.setdefault("pi_theta", PolicySpec("softmax"))
        context.policies["pi_theta'"] = PolicySpec("gradient-step", base="pi_theta")
        return [
            GradientDefinition(
                name="gradient update", block=block.index, line=rows[0].line, latex=first_link.rhs.strip()
            )
        ]
    if (chain.kind is ChainKind.EXPRESSION or _lone_estimate(rows, premise or bool(assumptions))) and not (
        _about_policy_actions(rows, notation)
    ):
        return _expression_chain(block, rows, context, notation, path, skipped)
    return _statements(block, rows, context, notation, premise, path, assumptions, skipped)


def _lone_estimate(rows: list[Row], argued: bool) -> bool:
    """``Q_π(s,a) ≈ r(s,a) + γ V_π(s')`` alone in its block: a one-step chain, whose ``≈`` step marks
    the new ``s'`` as sampled from ``P(·|s,a)`` (DESIGN §2), not a statement true for every ``s'``."""
    if argued or len(rows) != 1:
        return False
    row = rows[0]
    return (
        bool(row.lhs and row.relations)
        and not (row.quantifier or row.clauses or row.therefore or row.implies)
        and all(link.relation == "≈" for link in row.relations)
    )


def _about_policy_actions(rows: list[Row], notation: Notation) -> bool:
    """``π'(s) = argmax_a Q = π(s)``: a chain of claims about actions, read as statements."""
    try:
        start = parse_expression(rows[0].lhs, notation)
    except ParseError:
        return False
    return isinstance(start, PolicyAction)


_GRADIENT_ASCENT = "\\theta + \\alpha \\nabla_\\theta \\eta(\\theta)"
"""The one parameter update the checker models (``π_θ'`` is then a gradient step from ``π_θ``)."""


def _is_parameter_update(rows: list[Row], notation: Notation) -> bool:
    """Whether the block is the update ``θ' ← θ + α ∇_θ η(θ)``; a different update that uses ∇ is unread."""
    row = rows[0]
    try:
        lhs = parse_expression(row.lhs, notation)
        if not (isinstance(lhs, Symbol) and lhs.name.startswith("theta")):
            return False
        rhs = parse_expression(row.relations[0].rhs, notation)
    except ParseError:
        return False
    if not rhs.has(Gradient):
        return False
    if len(rows) > 1 or len(row.relations) > 1 or row.clauses:
        raise _unreadable_row("a parameter update must stand alone in its block", rows[1] if len(rows) > 1 else row)
    if lhs != Symbol("theta'") or rhs != parse_expression(_GRADIENT_ASCENT, notation):
        raise _unreadable_row(f"only the gradient-ascent update θ' = {_GRADIENT_ASCENT} is understood", row)
    return True


def _side(text: str, row: Row, link: Link | None, notation: Notation, shift: int = 0) -> Expr:
    """Parse one side of a relation (``text`` starts ``shift`` characters into the side, as the
    bounds of an interval do); an error points at its source line and column."""
    try:
        return parse_expression(text, notation)
    except ParseError as error:
        raise _located(error, row, link, shift) from None


def _located(error: ParseError, row: Row, link: Link | None, shift: int = 0) -> _Unreadable:
    """``error`` (an offset in one side of ``row``: the left one, or ``link``'s right one) at its source."""
    start = _lhs_start(row) if link is None else _rhs_start(row, link)
    return _unreadable_at(str(error), row, row.block_offset(start + shift + error.offset))


def _unreadable_at(message: str, row: Row, block_offset: int) -> _Unreadable:
    line, column = row.source_map.position_of(block_offset)
    return _Unreadable(f"line {line}, column {column}: {message}", line, column)


def _unreadable_row(message: str, row: Row) -> _Unreadable:
    """``message`` about a whole row, located at the row's first character."""
    return _unreadable_at(message, row, row.block_offset(_lhs_start(row)))


def _lhs_start(row: Row) -> int:
    """Offset in ``row.text`` where the row's left side (its first non-blank character) starts."""
    return len(row.text) - len(row.text.lstrip())


def _rhs_start(row: Row, link: Link) -> int:
    """Offset in ``row.text`` where ``link``'s right side starts (``link.rhs_offset`` is a block offset)."""
    index = row.text.find(link.rhs) if link.rhs else -1
    first = index
    while index >= 0:
        if row.block_offset(index) == link.rhs_offset:
            return index
        index = row.text.find(link.rhs, index + 1)
    return first if first >= 0 else len(row.text)


def _expression_chain(
    block: MathBlock, rows: list[Row], context: _Context, notation: Notation, path: str, skipped: list[_Unreadable]
):
    """An expression chain; a side that cannot be read is skipped, so the steps touching it are not-checked.

    The steps on either side of an unreadable expression (it is the right side of one and the left
    side of the next) are not-checked; the chain goes on from the next readable expression, and
    the anchored verdict (chain start → line) is still judged for lines after the gap.  A block
    where no step has both sides read is unread as a whole.
    """
    start_row = rows[0]
    start: Expr | None = None
    start_error: _Unreadable | None = None
    try:
        start = _judgeable(_side(start_row.lhs, start_row, None, notation), start_row, None)
    except _Unreadable as error:
        start_error = error
    steps: list[Step | UnreadLine] = []
    errors: list[_Unreadable] = [start_error] if start_error else []
    previous = start
    conclusion = None
    items = []
    for row in rows:
        if conclusion is not None:
            raise _unreadable_row("a row after the chain's conclusion (∴ …)", row)
        if row is not start_row and row.lhs and row.therefore:
            if len(row.relations) != 1 or row.clauses:
                raise _unreadable_row("a conclusion (∴ …) must be one relation", row)
            conclusion = _statement_line(row, context, notation, block.latex)
            continue
        if row is not start_row and row.lhs:
            raise _unreadable_row("a row with its own left side inside an expression chain", row)
        if row.quantifier and row.relations:
            # ``∀ s ∈ S, …`` changes nothing (a chain holds for every state); ``∀ x ∼ D`` would restrict it
            first = dataclasses.replace(row, relations=row.relations[:1])
            quantified = _statement_line(first, context, notation, block.latex)
            if quantified.statement.domain:
                message = f"the quantifier '{row.quantifier[:60]}' of an expression chain is not understood"
                anchor = row.block_offset(_lhs_start(row))
                found = block.latex.rfind(row.quantifier, 0, anchor)
                raise _unreadable_at(message, row, found if found >= 0 else anchor)
        for link in row.relations:
            relation = _statement_relation(row, link, " in a chain")
            try:
                expr = _judgeable(_side(link.rhs, row, link, notation), row, link)
            except _Unreadable as error:
                errors.append(error)
                steps.append(UnreadLine(link.rhs, link.line, str(error), relation))
                previous = None
                continue
            sampled = ()
            if relation is Relation.APPROX and previous is not None:
                sampled = _new_samples(previous, expr, notation)
            steps.append(Step(relation, expr, link.rhs, link.line, sampled))
            previous = expr
        for clause in row.clauses:
            items.append(_clause(block, row, clause, context, notation))
    read = [start is not None] + [isinstance(step, Step) for step in steps]
    if errors and conclusion is None and not any(a and b for a, b in pairwise(read)):
        raise errors[0]  # nothing left to judge: the block is unread, as before
    skipped.extend(errors)
    chain = ExpressionChain(
        name=f"block {block.index}",
        block=block.index,
        start=start,
        start_latex=start_row.lhs,
        start_line=start_row.line,
        steps=tuple(steps),
        world=context.world(),
        conclusion=conclusion,
        start_unread=str(start_error) if start_error else "",
    )
    return [chain, *items]


_NOT_A_QUANTITY = {
    ArgMax: "argmax is a set of actions; it is only understood as π(s) = argmax_a …",
    PolicyMax: "max over θ is only understood on both sides of a relation or in a chain of ≡",
    Product: "a product over t is only understood in a where-clause defining ρ(τ)",
}


def _judgeable(expr: Expr, row: Row, link: Link | None) -> Expr:
    """``expr`` if it is a quantity the checker can evaluate, else unread (never judged in part)."""
    for node, why in _NOT_A_QUANTITY.items():
        if expr.has(node):
            raise _located(ParseError(why, 0), row, link)
    if any(symbol.name.startswith("theta") for symbol in expr.free_symbols):
        # ∇_θ binds θ; a bare θ is a parameter vector, only meaningful in the update θ' = θ + α ∇_θ η(θ)
        why = "θ itself has no value on an MDP: only η(θ), ∇_θ η(θ) and ∇_θ log π_θ(a|s) are evaluated"
        raise _located(ParseError(why, 0), row, link)
    return expr


def _statements(
    block: MathBlock,
    rows: list[Row],
    context: _Context,
    notation: Notation,
    premise: bool,
    path: str,
    assumptions: tuple[Statement, ...] = (),
    skipped: list[_Unreadable] | None = None,
):
    """A statement block; a row that cannot be read is skipped (not-checked) and the others are judged.

    A premise block is read whole or not at all (the argument after it must not lose a premise),
    and once a row with a quantifier is unread the rows after it are too (they may carry it on).
    """
    lines: list[StatementLine | UnreadLine] = []
    extra: list = []  # the definitions of where-clauses
    domain: tuple[Sample, ...] = ()
    errors: list[_Unreadable] = []
    lost_quantifier: int | None = None  # the line of an unread row with a quantifier later rows may carry on
    for row in rows:
        try:
            if lost_quantifier is not None:
                raise _unreadable_row(f"the quantifier of line {lost_quantifier} could not be read", row)
            row_lines, row_extra, domain = _statement_row(block, row, context, notation, domain)
        except _Unreadable as error:
            if premise:
                raise
            errors.append(error)
            if row.quantifier and lost_quantifier is None:
                lost_quantifier = row.line
            relation = _RELATIONS.get(row.relations[0].relation) if row.relations else None
            lines.append(UnreadLine(row.text.strip(), row.line, str(error), relation))
            continue
        lines.extend(row_lines)
        extra.extend(row_extra)
    implications = len(lines) > 1 and any(row.therefore or row.implies for row in rows)
    mode = "implications" if premise or implications or assumptions else "facts"
    if errors:
        read = [isinstance(line, StatementLine) for line in lines]
        # what gets a verdict: every line read (facts); the lines before the first unread one,
        # but for the premise (an argument, whose later lines may use the unread one)
        judged = any(read) if mode == "facts" else any(read[0 if assumptions else 1 : read.index(False)])
        if not judged:
            raise errors[0]  # nothing left to judge: the block is unread, as before
    if skipped is not None:
        skipped.extend(errors)
    return [
        StatementChain(
            name=f"block {block.index}",
            block=block.index,
            lines=tuple(lines),
            world=context.world(),
            mode=mode,
            assumptions=assumptions,
        ),
        *extra,
    ]


_NOT_EQUAL = ("\\neq", "\\ne", "≠")


def _restriction(clause: Row, notation: Notation) -> tuple[Expr, Expr]:
    """``for s_t ≠ s``: the visited state (or action) ``s_t`` and the one it must differ from."""
    text = clause.text
    signs = [(text.find(sign), sign) for sign in _NOT_EQUAL if sign in text]
    understood = "only 'for s_t ≠ s' (a visited state or action other than a given one) is understood as a condition"
    if not signs:
        raise _unreadable_row(f"the condition '{text[:60]}' is not understood: {understood}", clause)
    index, sign = min(signs)
    if sign == "\\ne" and text[index : index + 4] == "\\neq":
        sign = "\\neq"
    left = _side(text[:index], clause, None, notation)
    right = _side(text[index + len(sign) :], clause, None, notation, index + len(sign))
    if isinstance(right, StateAt | ActionAt):
        left, right = right, left
    if not (isinstance(left, StateAt | ActionAt) and isinstance(right, Symbol) and not right.free_symbols - {right}):
        raise _unreadable_row(f"the condition '{text[:60]}' is not understood: {understood}", clause)
    return left, right


def _restricted(statement: Statement, variable: Expr, excluded: Expr, row: Row) -> Statement:
    """``statement`` with every expectation over ``variable`` restricted to ``variable ≠ excluded``.

    ``Σ_t E[f(s_t)] = … for s_t ≠ s`` counts only the times the trajectory is away from ``s``:
    ``Σ_t E[f(s_t) 1[s_t ≠ s]]``.
    """
    found = False

    def restrict(expectation: Expectation) -> Expectation:
        nonlocal found
        found = True
        return Expectation(expectation.body * (1 - SameState(variable, excluded)), *expectation.samples)

    def over_variable(expr: Expr) -> bool:
        return isinstance(expr, Expectation) and expr.body.has(variable)

    lhs = statement.lhs.replace(over_variable, restrict)
    rhs = statement.rhs.replace(over_variable, restrict)
    if not found:
        raise _unreadable_row(f"the condition on {variable} restricts no expectation over it", row)
    return dataclasses.replace(statement, lhs=lhs, rhs=rhs)


def _statement_row(
    block: MathBlock, row: Row, context: _Context, notation: Notation, domain: tuple[Sample, ...]
) -> tuple[list[StatementLine], list, tuple[Sample, ...]]:
    """The statements of one row, the definitions of its where-clauses, and the quantifier carried on."""
    restrictions = [_restriction(clause, notation) for clause in row.clauses if clause.role == "condition"]
    if not row.relations:
        raise _unreadable_row(f"no relation in '{row.text[:60]}'", row)
    extra = [_clause(block, row, clause, context, notation) for clause in row.where]
    link = row.relations[0]
    if link.relation == "∈":
        return _membership(row, link, notation), extra, domain
    lines = []
    for line in _statement_lines(row, context, notation, block.latex):
        statement = line.statement
        # Later lines keep the quantifier of earlier ones ("∀ (s,a) ∼ P_π" carries on).
        domain = statement.domain or _carried_domain(domain, statement, notation)
        unbound = _unbound(statement, domain, notation)
        if unbound:
            binds = ", ".join(sorted(str(name) for sample in domain for name in _sampled_names(sample)))
            message = f"{', '.join(unbound)} is neither quantified nor sampled (the quantifier binds {binds})"
            raise _unreadable_row(message, row)
        for variable, excluded in restrictions:
            statement = _restricted(statement, variable, excluded, row)
        lines.append(StatementLine(dataclasses.replace(statement, domain=domain), line.latex, line.line))
    return lines, extra, domain


def _unbound(statement: Statement, domain: tuple[Sample, ...], notation: Notation) -> list[str]:
    """The state and action variables of ``statement`` that its quantifier ``∀ x ∼ D`` leaves free.

    Under such a quantifier every variable must be bound: a free ``a'`` next to ``∀ (s,a) ∼ P_π``
    has no meaning the text gives (and the checker cannot judge it).
    """
    if not domain:
        return []
    bound = {name for sample in domain for name in _sampled_names(sample)}
    free = statement.lhs.free_symbols | statement.rhs.free_symbols
    return sorted(symbol.name for symbol in free - bound if _variable_letter(symbol, notation) is not None)


def _sampled_names(sample: Sample) -> tuple:
    variable = sample.variable
    return tuple(variable.args) if isinstance(variable, sympy.Tuple) else (variable,)


def _carried_domain(domain: tuple[Sample, ...], statement: Statement, notation: Notation) -> tuple[Sample, ...]:
    """The earlier quantifier, extended with ``s' ∼ P(·|s,a)`` for primed states new here."""
    if not domain:
        return ()
    bound = set()
    for sample in domain:
        variable = sample.variable
        bound |= set(variable.args) if isinstance(variable, sympy.Tuple) else {variable}
    free = (statement.lhs - statement.rhs).free_symbols
    extra = _new_samples_for(sorted(free - bound, key=str), bound, notation)
    return domain + extra


def _statement_lines(row: Row, context: _Context, notation: Notation, block_latex: str = "") -> list[StatementLine]:
    """One statement per relation of the row: ``X = argmax … = Y`` is two claims about ``X``.

    The first relation is read with the row's quantifier; the left side is parsed once and each
    later right side once, so a long line of relations costs no more than reading it.
    """
    first = _statement_line(dataclasses.replace(row, relations=row.relations[:1]), context, notation, block_latex)
    if len(row.relations) == 1:
        return [first]
    lhs = _side(row.lhs, row, None, notation)
    domain = first.statement.domain
    lines = []
    for number, link in enumerate(row.relations):
        if number and row.relations[number - 1].relation != "=":
            message = f"after {row.relations[number - 1].latex}, {link.latex} does not relate to the left side"
            raise _unreadable_at(message, row, link.offset)
        rhs = _side(link.rhs, row, link, notation)
        if isinstance(lhs, PolicyAction) and isinstance(rhs, PolicyAction):
            lines.append(StatementLine(_same_action(lhs, rhs), row.text, row.line))
            continue
        line = first if number == 0 else _built_line(row, link, lhs, rhs, domain, context)
        if line.statement.lhs != lhs and not isinstance(line.statement.rhs, MaxOver):
            raise _unreadable_at("a chain of relations on one line must share its left side", row, link.offset)
        lines.append(line)
    return lines


def _same_action(first: PolicyAction, second: PolicyAction) -> Statement:
    """``π'(s) = π(s)``: the two policies choose alike in ``s`` (as tables: π'(a|s) = π(a|s))."""
    action = Symbol("a")
    return Statement(
        PolicyProbability(first.args[0], action, first.args[1]),
        Relation.EQ,
        PolicyProbability(second.args[0], action, second.args[1]),
    )


def _statement_line(row: Row, context: _Context, notation: Notation, block_latex: str = "") -> StatementLine:
    """The statement of a row with one relation (and maybe a quantifier ``∀ … ,``)."""
    if len(row.relations) != 1:
        raise _unreadable_row("expected one relation in this statement", row)
    link = row.relations[0]
    _statement_relation(row, link)
    pieces = _statement_pieces(row, link, block_latex)
    text = "".join(piece for piece, _ in pieces)
    try:
        parsed = parse_statement(text, notation)
    except ParseError as error:
        raise _unreadable_at(str(error), row, _piece_origin(pieces, error.offset, row)) from None
    return _built_line(row, link, parsed.lhs, parsed.rhs, parsed.domain, context)


def _statement_relation(row: Row, link: Link, where: str = "") -> Relation:
    """The relation of ``link``; ``where`` ("in a chain") completes the message when it is not judged."""
    relation = _RELATIONS.get(link.relation)
    if relation is None:
        raise _unreadable_at(f"the relation {link.latex} is not one symrl judges{where}", row, link.offset)
    if relation is Relation.EQUIV:
        raise _unreadable_at(_EQUIV_ONLY, row, link.offset)
    return relation


_EQUIV_ONLY = "≡ is only understood between objectives with the same maximisers: max_θ f ≡ max_θ g ≡ …"


def _built_line(
    row: Row, link: Link, lhs: Expr, rhs: Expr, domain: tuple[Sample, ...], context: _Context
) -> StatementLine:
    """``lhs link rhs`` as a statement the checker can judge (argmax and max over θ rewritten)."""
    relation = _statement_relation(row, link)
    if isinstance(rhs, ArgMax):
        lhs, rhs = _greedy(lhs, rhs, context, row)
    if isinstance(lhs, PolicyMax) and isinstance(rhs, PolicyMax):
        lhs, rhs = lhs.body, rhs.body  # equal objectives have equal maxima: the stronger claim is judged
    _judgeable(lhs, row, None)
    _judgeable(rhs, row, link)
    return StatementLine(Statement(lhs, relation, rhs, domain=domain), row.text, row.line)


def _statement_pieces(row: Row, link: Link, block_latex: str) -> list[tuple[str, object]]:
    """The text of ``[∀ …,] lhs rel rhs`` as pieces, each with the block offset it starts at (an int)
    or a function from offsets in the piece to block offsets."""
    lhs_start, rhs_start = _lhs_start(row), _rhs_start(row, link)
    pieces: list[tuple[str, object]] = []
    if row.quantifier:
        anchor = row.block_offset(lhs_start)
        found = block_latex.rfind(row.quantifier, 0, anchor) if block_latex else -1
        pieces.append((row.quantifier, (lambda i: found + i) if found >= 0 else anchor))
        pieces.append((", ", anchor))
    pieces.append((row.lhs, lambda i: row.block_offset(lhs_start + i)))
    pieces.append((" ", link.offset))
    pieces.append((link.latex, lambda i: link.offset + i))
    pieces.append((" ", row.block_offset(rhs_start)))
    pieces.append((link.rhs, lambda i: row.block_offset(rhs_start + i)))
    return pieces


def _piece_origin(pieces: list[tuple[str, object]], offset: int, row: Row) -> int:
    """The block offset of ``offset`` in the joined text of ``pieces``."""
    for index, (piece, origin) in enumerate(pieces):
        if offset < len(piece) or index == len(pieces) - 1:
            return origin(min(offset, len(piece))) if callable(origin) else origin
        offset -= len(piece)
    return row.block_offset(len(row.text))


def _greedy(lhs: Expr, argmax: ArgMax, context: _Context, row: Row) -> tuple[Expr, Expr]:
    """``π(s) = argmax_a f``: π only takes maximising actions, ``E_{a∼π(·|s)}[f] = max_a f``.

    When π has not been met before and ``f`` is another policy's ``Q``, the line defines π as
    greedy with respect to that policy, for the rest of the document.
    """
    if not isinstance(lhs, PolicyAction):
        raise _unreadable_row("argmax can only be the action of a policy: π(s) = argmax_a …", row)
    chosen, state = lhs.args
    body, variable = argmax.body, argmax.variable
    others = policy_names(body) - {chosen.name}
    if chosen.name not in context.policies and len(others) == 1:
        context.policies[chosen.name] = PolicySpec("greedy", base=others.pop())
    average = Expectation(body, Sample(variable, PolicyDistribution(chosen, state)))
    return average, MaxOver(body, variable)


def _membership(row: Row, link: Link, notation: Notation) -> list[StatementLine]:
    """``x ∈ [lo, hi]``: two inequalities."""
    text = link.rhs
    if len(row.relations) != 1 or not (text.startswith("[") and text.endswith("]") and text.count(",") == 1):
        raise _unreadable_at(
            f"only membership in an interval [lo, hi] is understood, not {text[:60]}", row, link.offset
        )
    comma = text.index(",")
    low_raw, high_raw = text[1:comma], text[comma + 1 : -1]
    low_shift = 1 + len(low_raw) - len(low_raw.lstrip())
    high_shift = comma + 1 + len(high_raw) - len(high_raw.lstrip())
    value = _judgeable(_side(row.lhs, row, None, notation), row, None)
    low = _judgeable(_side(low_raw.strip(), row, link, notation, low_shift), row, link)
    high = _judgeable(_side(high_raw.strip(), row, link, notation, high_shift), row, link)
    return [
        StatementLine(Statement(value, Relation.GE, low), row.text, row.line),
        StatementLine(Statement(value, Relation.LE, high), row.text, row.line),
    ]


def _same_maximisers(block: MathBlock, rows: list[Row], context: _Context, notation: Notation):
    first = rows[0]
    objectives = [(_side(first.lhs, first, None, notation), first.lhs, first.line, first, None)]
    for row in rows:
        if row is not first and row.lhs:
            raise _unreadable_row("a row with its own left side inside a chain of ≡", row)
        if row.clauses:
            raise _unreadable_row(
                f"the {row.clauses[0].role} clause '{row.clauses[0].text[:60]}' is not understood", row
            )
        objectives += [(_side(link.rhs, row, link, notation), link.rhs, link.line, row, link) for link in row.relations]
    bodies = []
    policies = set()
    for expr, latex, line, row, link in objectives:
        if not isinstance(expr, PolicyMax):
            message = "≡ between objectives needs max over the same parameters on every side"
            raise _located(ParseError(message, 0), row, link)
        bodies.append((_judgeable(expr.body, row, link), latex, line))
        policies.add(str(expr.args[1]))
    if len(policies) != 1:
        raise _unreadable_row("the objectives maximise over different parameters", first)
    return SameMaximisersChain(
        name=f"block {block.index}",
        block=block.index,
        objectives=tuple(bodies),
        policy=policies.pop(),
        world=context.world(),
    )


def _clause(block: MathBlock, row: Row, clause: Row, context: _Context, notation: Notation):
    """A ``where`` clause: a definition to check (only trajectory distributions for now)."""
    if clause.role != "where" or len(clause.relations) != 1 or clause.relations[0].relation not in ("=", ":="):
        raise _unreadable_row(f"the {clause.role} clause '{clause.text[:60]}' is not understood", clause)
    link = clause.relations[0]
    parser = Parser(clause.lhs, notation)
    head = parser.take() if parser.tokens else None
    if head is None or head.text != "\\rho":
        message = f"only definitions of ρ(τ) are understood in a where clause, not {clause.lhs[:60]}"
        raise _unreadable_row(message, clause)
    try:
        defined = parser.policy_from_subscript(parser.subscript_tokens(), head)
        parser.skip_call()
        if not parser.done:
            raise parser.error(f"did not understand {parser.peek().text!r} after ρ")
    except ParseError as error:
        raise _located(error, clause, None) from None
    rhs = _side(link.rhs, clause, link, notation)
    factor = _trajectory_factor(rhs, clause, link)
    s, a, nxt = Symbol("s"), Symbol("a"), Symbol("s'")
    return DistributionDefinition(
        name=clause.lhs,
        block=block.index,
        line=link.line,
        latex=link.rhs,
        factor=factor,
        standard=PolicyProbability(PolicySymbol(defined.name), a, s) * Transition(nxt, s, a),
        variables=(s, a, nxt),
        world=context.world().relaxed(),
    )


def _trajectory_factor(rhs: Expr, row: Row, link: Link) -> Expr:
    """``h(s_0) Π_{t=0}^∞ f(s_t, a_t, s_{t+1})`` → ``f(s, a, s')``; any other shape is unread."""
    t = sympy.Symbol("t", integer=True, nonnegative=True)
    factors = sympy.Mul.make_args(rhs)
    products = [factor for factor in factors if isinstance(factor, Product)]
    others = [factor for factor in factors if not isinstance(factor, Product)]
    if len(products) != 1 or others != [InitialProbability(StateAt(0))] or products[0].args[1] != 0:
        raise _located(
            ParseError("a trajectory distribution must be h(s_0) times one product over t ≥ 0", 0), row, link
        )
    body = products[0].body
    factor = body.xreplace({StateAt(t): Symbol("s"), ActionAt(t): Symbol("a"), StateAt(t + 1): Symbol("s'")})
    if factor.has(t) or _judgeable(factor, row, link) is None:
        raise _located(ParseError("the product's factor may only use s_t, a_t and s_{t+1}", 0), row, link)
    return factor


def _new_samples(previous: Expr, expr: Expr, notation: Notation) -> tuple[Sample, ...]:
    """For ``≈``: primed states new on the right are next states ``s' ∼ P(·|s, a)``."""
    new = sorted(expr.free_symbols - previous.free_symbols, key=str)
    return _new_samples_for(new, previous.free_symbols, notation)


def _new_samples_for(new: list, known: set, notation: Notation) -> tuple[Sample, ...]:
    """``s' ∼ P(·|s, a)`` for each primed state in ``new`` whose ``s`` and an action are ``known``.

    Only state letters are next states (``a'`` is not drawn from ``P(·|a, a)``), and only action
    letters are actions (not ``α``).
    """
    samples = []
    actions = sorted((sym for sym in known if _variable_letter(sym, notation) in notation.action_letters), key=str)
    for symbol in new:
        name = str(symbol)
        state = Symbol(name.rstrip("'"))
        if _variable_letter(symbol, notation) in notation.state_letters and name.endswith("'"):
            if actions and state in known:
                samples.append(Sample(symbol, TransitionDistribution(state, actions[0])))
    return tuple(samples)


def _variable_letter(symbol: object, notation: Notation) -> str | None:
    """The letter of a state or action variable (``s``, ``s'``, ``a_1``), None for anything else."""
    if not isinstance(symbol, Symbol) or isinstance(symbol, PolicySymbol):
        return None
    letters = notation.state_letters | notation.action_letters
    name = symbol.name
    if name[:1] in letters and re.fullmatch(r".(_.*?)?'*", name):
        return name[0]
    return None
