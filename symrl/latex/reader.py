"""Turn the display math of a Markdown/TeX document into a Derivation the engine can judge.

Each display block becomes one item (an expression chain, a statement chain, a definition …),
read in order so that definitions made by the text (``π'(s) = argmax_a Q_π(s,a)``,
``θ' ← θ + α∇_θ η(θ)``) shape the world of the blocks after them.  A row that is not understood
in full is reported as unread with its line and column; it is never judged on a fragment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import sympy
from sympy import Expr, Symbol

from symrl.check import (
    Derivation,
    DistributionDefinition,
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
    World,
)
from symrl.errors import NotationError
from symrl.expr import (
    ActionAt,
    Expectation,
    MaxOver,
    PolicyAction,
    PolicyDistribution,
    PolicyProbability,
    PolicySymbol,
    Sample,
    StateAt,
    Transition,
    TransitionDistribution,
    policy_names,
)
from symrl.latex.chains import Chain, ChainKind, Link, Row, read_chain
from symrl.latex.markdown import MathBlock, find_math, find_math_tex
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

__all__ = ["Reading", "read_document", "PREMISE_CUES"]

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


def read_document(text: str, path: str, *, notation: Notation | None = None) -> Reading:
    """Read every display block of a Markdown (or, for ``.tex`` paths, TeX) document.

    >>> reading = read_document("$$\\n\\eta(\\pi) = \\mathbb{E}_{s \\sim h}[V_\\pi(s)]\\n$$\\n", "post.md")
    >>> [type(item).__name__ for item in reading.derivation.items], reading.unread
    (['StatementChain'], [])
    """
    notation = notation or Notation()
    blocks = find_math_tex(text, path) if path.endswith(".tex") else find_math(text, path)
    lines = text.splitlines()
    context = _Context()
    items: list = []
    unread: list[Unread] = []
    for block in blocks:
        try:
            chain = read_chain(block)
        except NotationError as error:
            unread.append(Unread(block.start_line, f"block {block.index}: {error}"))
            continue
        premise = _introduced_as_premise(lines, block.start_line)
        assumptions, context.assumptions = context.assumptions, ()
        try:
            new_items = _items(block, chain, context, notation, premise, path, assumptions)
        except _Unreadable as error:
            unread.append(Unread(error.line, f"block {block.index}: {error}", error.column))
            continue
        items.extend(new_items)
        if premise:  # a premise holds for the block that follows it (the argument built on it)
            context.assumptions = tuple(
                line.statement for item in new_items if isinstance(item, StatementChain) for line in item.lines
            )
    return Reading(Derivation(name=path, source=path, items=tuple(items)), unread)


def _introduced_as_premise(lines: list[str], start_line: int) -> bool:
    """Whether the last sentence of the prose just before a block introduces it as an assumption."""
    for index in range(start_line - 2, max(start_line - 5, -1), -1):
        text = lines[index].strip().lower()
        if text:
            sentence = text.rstrip(":. ").split(". ")[-1]
            return any(sentence.startswith(cue) or f" {cue}" in sentence for cue in PREMISE_CUES)
    return False


# -- one block ------------------------------------------------------------------------------------


def _items(
    block: MathBlock,
    chain: Chain,
    context: _Context,
    notation: Notation,
    premise: bool,
    path: str,
    assumptions: tuple[Statement, ...] = (),
):
    rows = [row for row in chain.rows if row.relations or row.lhs]
    if not rows:
        return []
    if chain.kind is ChainKind.EXPRESSION and all(link.relation == "≡" for row in rows for link in row.relations):
        return [_same_maximisers(block, rows, context, notation)]
    first_link = rows[0].relations[0] if rows[0].relations else None
    if first_link is not None and first_link.relation in ("←", "=") and _is_parameter_update(rows[0], notation):
        context.policies.setdefault("pi_theta", PolicySpec("softmax"))
        context.policies["pi_theta'"] = PolicySpec("gradient-step", base="pi_theta")
        return [GradientDefinition(name="gradient update", block=block.index, line=rows[0].line, latex=rows[0].text)]
    if chain.kind is ChainKind.EXPRESSION and not _about_policy_actions(rows, notation):
        return _expression_chain(block, rows, context, notation, path)
    return _statements(block, rows, context, notation, premise, path, assumptions)


def _about_policy_actions(rows: list[Row], notation: Notation) -> bool:
    """``π'(s) = argmax_a Q = π(s)``: a chain of claims about actions, read as statements."""
    try:
        start = parse_expression(rows[0].lhs, notation)
    except ParseError:
        return False
    return isinstance(start, PolicyAction)


def _is_parameter_update(row: Row, notation: Notation) -> bool:
    try:
        lhs = parse_expression(row.lhs, notation)
        rhs = parse_expression(row.relations[0].rhs, notation)
    except ParseError:
        return False
    return isinstance(lhs, Symbol) and lhs.name.startswith("theta") and rhs.has(Gradient)


def _side(text: str, row: Row, link: Link | None, notation: Notation) -> Expr:
    """Parse one side of a relation; an error points at its source line and column."""
    try:
        return parse_expression(text, notation)
    except ParseError as error:
        raise _located(error, row, link) from None


def _located(error: ParseError, row: Row, link: Link | None) -> _Unreadable:
    if link is not None:
        line, column = row.source_map.position_of(link.rhs_offset + error.offset)
    else:
        start = max(row.text.find(row.lhs), 0)
        line, column = row.line_of(start + error.offset), row.column_of(start + error.offset)
    return _Unreadable(f"line {line}, column {column}: {error}", line, column)


def _expression_chain(block: MathBlock, rows: list[Row], context: _Context, notation: Notation, path: str):
    start_row = rows[0]
    start = _side(start_row.lhs, start_row, None, notation)
    steps: list[Step] = []
    previous = start
    conclusion = None
    items = []
    for row in rows:
        if row is not start_row and row.lhs and row.therefore:
            conclusion = _statement_line(row, context, notation)
            continue
        if row is not start_row and row.lhs:
            raise _Unreadable("a row with its own left side inside an expression chain", row.line)
        for link in row.relations:
            relation = _relation(link, row)
            expr = _side(link.rhs, row, link, notation)
            sampled = _new_samples(previous, expr) if relation is Relation.APPROX else ()
            steps.append(Step(relation, expr, link.rhs, link.line, sampled))
            previous = expr
        for clause in row.clauses:
            items.append(_clause(block, row, clause, context, notation))
    chain = ExpressionChain(
        name=f"block {block.index}",
        block=block.index,
        start=start,
        start_latex=start_row.lhs,
        start_line=start_row.line,
        steps=tuple(steps),
        world=context.world(),
        conclusion=conclusion,
    )
    return [chain, *items]


def _statements(
    block: MathBlock,
    rows: list[Row],
    context: _Context,
    notation: Notation,
    premise: bool,
    path: str,
    assumptions: tuple[Statement, ...] = (),
):
    lines: list[StatementLine] = []
    domain: tuple[Sample, ...] = ()
    for row in rows:
        conditions = [clause.text for clause in row.clauses if clause.role == "condition"]
        if conditions:
            raise _Unreadable(
                f"the condition '{'; '.join(conditions)}' is not understood; declare it to check this line", row.line
            )
        link = row.relations[0]
        if link.relation == "∈":
            lines.extend(_membership(row, link, notation))
            continue
        for line in _statement_lines(row, context, notation):
            statement = line.statement
            # Later lines keep the quantifier of earlier ones ("∀ (s,a) ∼ P_π" carries on).
            domain = statement.domain or _carried_domain(domain, statement)
            lines.append(StatementLine(dataclasses.replace(statement, domain=domain), line.latex, line.line))
    implications = len(lines) > 1 and any(row.therefore or row.implies for row in rows)
    mode = "implications" if premise or implications or assumptions else "facts"
    return [
        StatementChain(
            name=f"block {block.index}",
            block=block.index,
            lines=tuple(lines),
            world=context.world(),
            mode=mode,
            assumptions=assumptions,
        )
    ]


def _carried_domain(domain: tuple[Sample, ...], statement: Statement) -> tuple[Sample, ...]:
    """The earlier quantifier, extended with ``s' ∼ P(·|s,a)`` for primed states new here."""
    if not domain:
        return ()
    bound = set()
    for sample in domain:
        variable = sample.variable
        bound |= set(variable.args) if isinstance(variable, sympy.Tuple) else {variable}
    free = (statement.lhs - statement.rhs).free_symbols
    extra = _new_samples_for(sorted(free - bound, key=str), bound)
    return domain + extra


def _statement_lines(row: Row, context: _Context, notation: Notation) -> list[StatementLine]:
    """One statement per relation of the row: ``X = argmax … = Y`` is two claims about ``X``."""
    if len(row.relations) == 1:
        return [_statement_line(row, context, notation)]
    lhs = _side(row.lhs, row, None, notation)
    lines = []
    for link in row.relations:
        single = dataclasses.replace(row, relations=(link,))
        line = _statement_line(single, context, notation)
        rhs = line.statement.rhs
        if isinstance(lhs, PolicyAction) and isinstance(_side(link.rhs, row, link, notation), PolicyAction):
            line = StatementLine(_same_action(lhs, _side(link.rhs, row, link, notation)), row.text, row.line)
        elif line.statement.lhs != lhs and not isinstance(rhs, MaxOver):
            raise _Unreadable("a chain of relations on one line must share its left side", row.line)
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


def _statement_line(row: Row, context: _Context, notation: Notation) -> StatementLine:
    link = row.relations[0]
    text = (row.quantifier + ", " if row.quantifier else "") + row.lhs + " " + link.latex + " " + link.rhs
    try:
        parsed = parse_statement(text, notation)
    except ParseError as error:
        raise _Unreadable(f"line {row.line}: {error}", row.line) from None
    lhs, rhs = parsed.lhs, parsed.rhs
    relation = _RELATIONS.get(link.relation)
    if relation is None:
        raise _Unreadable(f"the relation {link.latex} is not one symrl judges", row.line, link.column)
    if isinstance(rhs, ArgMax):
        lhs, rhs = _greedy(lhs, rhs, context, row)
    if isinstance(lhs, PolicyMax) and isinstance(rhs, PolicyMax):
        lhs, rhs = lhs.body, rhs.body  # equal objectives have equal maxima: the stronger claim is judged
    return StatementLine(Statement(lhs, relation, rhs, domain=parsed.domain), row.text, row.line)


def _greedy(lhs: Expr, argmax: ArgMax, context: _Context, row: Row) -> tuple[Expr, Expr]:
    """``π(s) = argmax_a f``: π only takes maximising actions, ``E_{a∼π(·|s)}[f] = max_a f``.

    When π has not been met before and ``f`` is another policy's ``Q``, the line defines π as
    greedy with respect to that policy, for the rest of the document.
    """
    if not isinstance(lhs, PolicyAction):
        raise _Unreadable("argmax can only be the action of a policy: π(s) = argmax_a …", row.line)
    chosen, state = lhs.args
    body, variable = argmax.body, argmax.variable
    others = policy_names(body) - {chosen.name}
    if chosen.name not in context.policies and len(others) == 1:
        context.policies[chosen.name] = PolicySpec("greedy", base=others.pop())
    average = Expectation(body, Sample(variable, PolicyDistribution(chosen, state)))
    return average, MaxOver(body, variable)


def _membership(row: Row, link: Link, notation: Notation) -> list[StatementLine]:
    """``x ∈ [lo, hi]``: two inequalities."""
    text = link.rhs.strip()
    if not (text.startswith("[") and text.endswith("]") and text.count(",") == 1):
        raise _Unreadable(f"only membership in an interval [lo, hi] is understood, not {text}", row.line)
    low, high = (part.strip() for part in text[1:-1].split(","))
    value = _side(row.lhs, row, None, notation)
    return [
        StatementLine(Statement(value, Relation.GE, _side(low, row, link, notation)), row.text, row.line),
        StatementLine(Statement(value, Relation.LE, _side(high, row, link, notation)), row.text, row.line),
    ]


def _same_maximisers(block: MathBlock, rows: list[Row], context: _Context, notation: Notation):
    row = rows[0]
    objectives = [(_side(row.lhs, row, None, notation), row.lhs, row.line)]
    objectives += [(_side(link.rhs, row, link, notation), link.rhs, link.line) for link in row.relations]
    bodies = []
    policies = set()
    for expr, latex, line in objectives:
        if not isinstance(expr, PolicyMax):
            raise _Unreadable("≡ between objectives needs max over the same parameters on every side", line)
        bodies.append((expr.body, latex, line))
        policies.add(str(expr.args[1]))
    if len(policies) != 1:
        raise _Unreadable("the objectives maximise over different parameters", row.line)
    return SameMaximisersChain(
        name=f"block {block.index}",
        block=block.index,
        objectives=tuple(bodies),
        policy=policies.pop(),
        world=context.world(),
    )


def _clause(block: MathBlock, row: Row, clause: Row, context: _Context, notation: Notation):
    """A ``where`` clause: a definition to check (only trajectory distributions for now)."""
    if clause.role != "where" or not clause.relations:
        raise _Unreadable(f"the {clause.role} clause '{clause.text}' is not understood", row.line)
    link = clause.relations[0]
    parser = Parser(clause.lhs, notation)
    head = parser.take() if parser.tokens else None
    if head is None or head.text != "\\rho":
        raise _Unreadable(f"only definitions of ρ(τ) are understood in a where clause, not {clause.lhs}", row.line)
    defined = parser.policy_from_subscript(parser.subscript_tokens(), head)
    rhs = _side(link.rhs, clause, link, notation)
    factor = _trajectory_factor(rhs, clause)
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


def _trajectory_factor(rhs: Expr, row: Row) -> Expr:
    """``h(s_0) Π_t f(s_t, a_t, s_{t+1})`` → ``f(s, a, s')``."""
    products = [factor for factor in sympy.Mul.make_args(rhs) if isinstance(factor, Product)]
    if len(products) != 1:
        raise _Unreadable("a trajectory distribution must be h(s_0) times one product over t", row.line)
    body = products[0].body
    t = sympy.Symbol("t", integer=True, nonnegative=True)
    return body.xreplace({StateAt(t): Symbol("s"), ActionAt(t): Symbol("a"), StateAt(t + 1): Symbol("s'")})


def _relation(link: Link, row: Row) -> Relation:
    relation = _RELATIONS.get(link.relation)
    if relation is None:
        raise _Unreadable(f"the relation {link.latex} is not one symrl judges in a chain", link.line, link.column)
    return relation


def _new_samples(previous: Expr, expr: Expr) -> tuple[Sample, ...]:
    """For ``≈``: primed states new on the right are next states ``s' ∼ P(·|s, a)``."""
    return _new_samples_for(sorted(expr.free_symbols - previous.free_symbols, key=str), previous.free_symbols)


def _new_samples_for(new: list, known: set) -> tuple[Sample, ...]:
    """``s' ∼ P(·|s, a)`` for each primed state in ``new`` whose ``s`` and an action are ``known``."""
    samples = []
    actions = sorted((sym for sym in known if str(sym).startswith("a")), key=str)
    for symbol in new:
        name = str(symbol)
        if name.endswith("'") and actions and Symbol(name.rstrip("'")) in known:
            samples.append(Sample(symbol, TransitionDistribution(Symbol(name.rstrip("'")), actions[0])))
    return tuple(samples)
