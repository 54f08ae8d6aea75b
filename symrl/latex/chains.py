"""Split a display block into rows and relations, and classify the chain the rows form.

``split_rows`` strips presentation from a block, unwraps its ``align``/``aligned``/… environment,
splits it on ``\\\\`` (outside braces and nested environments), removes ``&``, and finds each row's
top-level relations (ignoring those nested in braces, brackets, parentheses or subscripts such as
``\\sum_{t=0}``). ``classify`` tells an expression chain (``X &= Y \\\\ &\\geq Z``) from a
statement chain (a whole relation on every row) and from a single relation (DESIGN §2).

Every Row and Link knows its source line; nothing here parses the expressions themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from symrl.errors import NotationError
from symrl.latex.markdown import SourceMap
from symrl.latex.presentation import (
    CONNECTIVES,
    MappedText,
    OffsetMap,
    RelationMatch,
    _relations,
    _row_spacing_end,
    _strip,
    _Tokens,
    _top_level_mask,
    split_clauses,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from symrl.latex.markdown import MathBlock

__all__ = ["ALIGNMENT_ENVIRONMENTS", "Chain", "ChainKind", "Link", "Row", "classify", "read_chain", "split_rows"]

#: Environments whose rows are split on ``\\`` (the whole block being one of them is unwrapped).
ALIGNMENT_ENVIRONMENTS = frozenset(
    name + star
    for name in ("align", "aligned", "alignat", "alignedat", "gather", "gathered", "equation", "split", "multline",
                 "eqnarray", "flalign", "array", "displaymath")
    for star in ("", "*")
)  # fmt: skip
_QUANTIFIERS = frozenset({"\\forall", "\\exists", "\\nexists", "∀", "∃"})
_CONJUNCTIONS = frozenset({",", ";", "\\land"})
_AND_TEXT = re.compile(r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*,?\s*and\s*\}")
_ROW_BREAKS = frozenset({"\\\\", "\\cr"})


class ChainKind(Enum):
    """The shape of a display block's chain (DESIGN §2)."""

    EXPRESSION = "expression"
    STATEMENT = "statement"
    SINGLE = "single"
    NONE = "none"


@dataclass(frozen=True)
class Link:
    """One relation of a row and its right-hand side; unpacks as ``(relation, rhs, offset)``."""

    relation: str
    latex: str
    rhs: str
    offset: int
    rhs_offset: int
    line: int
    column: int
    annotation: str = ""

    def __iter__(self) -> Iterator[object]:
        return iter((self.relation, self.rhs, self.offset))


@dataclass(frozen=True)
class Row:
    """One statement (or continuation) of a display block, with its relations and source lines.

    ``lhs`` is the text before the first relation ('' for a continuation row such as ``&= Y``);
    ``relations`` are the row's top-level relations in order, each with its right-hand side;
    ``connective`` is ``'∴'``, ``'∵'``, ``'⟹'``, ``'⟸'``, ``'⟺'`` when the row opens with one, ``'∧'``
    for a conjunct split off a comma-separated row, '' otherwise; ``clauses`` are its where/for
    clauses (rows themselves, with ``role`` 'where', 'condition' or 'note'). Offsets (``Link.offset``,
    ``block_offset``) are offsets in the block's LaTeX; lines and columns are 1-based source ones.
    """

    number: int
    line: int
    text: str
    lhs: str
    relations: tuple[Link, ...]
    connective: str = ""
    quantifier: str = ""
    clauses: tuple[Row, ...] = ()
    role: str = "step"
    keyword: str = ""
    block: int = 0
    mapped: MappedText = field(default=MappedText.of(""), repr=False, compare=False)
    source_map: SourceMap = field(default=SourceMap(()), repr=False, compare=False)

    @property
    def therefore(self) -> bool:
        """Whether the row is a ``\\therefore`` conclusion."""
        return self.connective == "∴"

    @property
    def implies(self) -> bool:
        """Whether the row follows the previous one by an explicit ``\\implies``/``\\Rightarrow``."""
        return self.connective == "⟹"

    @property
    def conjunct(self) -> bool:
        """Whether the row was joined to the previous one by a comma ("and"), not an implication."""
        return self.connective == "∧"

    @property
    def is_continuation(self) -> bool:
        """Whether the row continues the previous expression (no left side, starts with a relation)."""
        return not self.lhs and bool(self.relations) and self.connective not in ("∴", "∵", "∧")

    @property
    def where(self) -> tuple[Row, ...]:
        """The row's where-clauses (definitions to check)."""
        return tuple(clause for clause in self.clauses if clause.role == "where")

    @property
    def conditions(self) -> tuple[Row, ...]:
        """The row's conditions (``\\text{for } …``, trailing ``\\forall …``)."""
        return tuple(clause for clause in self.clauses if clause.role == "condition")

    def block_offset(self, offset: int) -> int:
        """The offset in the block's LaTeX of ``text[offset]``."""
        return self.mapped.original_offset(offset)

    def line_of(self, offset: int) -> int:
        """The 1-based source line of ``text[offset]``."""
        return self.source_map.line_of(self.block_offset(offset))

    def column_of(self, offset: int) -> int:
        """The 1-based source column of ``text[offset]``."""
        return self.source_map.column_of(self.block_offset(offset))


@dataclass(frozen=True)
class Chain:
    """The rows of one display block and the shape of the chain they form."""

    kind: ChainKind
    rows: tuple[Row, ...]

    @property
    def index(self) -> int:
        """The block's 1-based index in its document (0 when read from a bare string)."""
        return self.rows[0].block if self.rows else 0

    @property
    def line(self) -> int:
        """The source line of the chain's first row (0 when empty)."""
        return self.rows[0].line if self.rows else 0

    @property
    def steps(self) -> tuple[Link, ...]:
        """Every relation of the chain in order (the ``step`` numbers of DESIGN §4 count these)."""
        return tuple(link for row in self.rows for link in row.relations)


# ---------------------------------------------------------------------------------------------
# Helpers on mapped text


def _unwrap_environment(body: MappedText) -> MappedText:
    """The inside of ``body`` when all of it is one alignment environment (repeatedly)."""
    while True:
        text = body.text
        found = re.match(r"\s*\\begin\s*\{([^{}]*)\}", text)
        if not found or found.group(1).strip() not in ALIGNMENT_ENVIRONMENTS:
            return body
        name = found.group(1).strip()
        closer = f"\\end{{{name}}}"
        stripped = text.rstrip()
        if not stripped.endswith(closer):
            return body
        inner_start = found.end()
        if name.startswith(("alignat", "alignedat", "array")):
            argument = re.match(r"\s*\{[^{}]*\}", text[inner_start:])
            inner_start += argument.end() if argument else 0
        inner_end = len(stripped) - len(closer)
        if inner_end < inner_start:
            return body
        body = body.slice(inner_start, inner_end)


def _split_rows(body: MappedText) -> list[MappedText]:
    """``body`` split on ``\\\\``/``\\cr`` outside braces and nested environments."""
    tokens = _Tokens(body.text)
    texts, n = tokens.texts, len(tokens)
    rows: list[MappedText] = []
    braces = environments = 0
    start = 0
    index = 0
    while index < n:
        text = texts[index]
        if text == "{":
            braces += 1
        elif text == "}":
            braces = max(braces - 1, 0)
        elif text == "\\begin":
            environments += 1
        elif text == "\\end":
            environments = max(environments - 1, 0)
        elif text in _ROW_BREAKS and braces == 0 and environments == 0:
            rows.append(body.slice(start, tokens.starts[index]))
            start = tokens.end(index)
            if start < len(body.text) and body.text[start] == "*":
                start += 1
            start = _row_spacing_end(body.text, start)
            index = tokens.index_at(start)
            continue
        index += 1
    rows.append(body.slice(start, len(body.text)))
    return rows


def _has_relation(text: str) -> bool:
    """Whether ``text`` has a top-level relation or opens with a connective."""
    tokens = _Tokens(text)
    if not len(tokens):
        return False
    first = tokens.next_significant(0)
    if first < len(tokens) and tokens.texts[first] in CONNECTIVES:
        return True
    return bool(_relations(tokens, _top_level_mask(tokens)))


def _split_at(mapped: MappedText, cuts: list[tuple[int, int, str]]) -> list[tuple[str, MappedText]]:
    """Pieces of ``mapped`` between cuts ``(start, end, connective)``; each piece with the cut before it."""
    pieces: list[tuple[str, MappedText]] = []
    previous_end, connective = 0, ""
    for start, end, name in cuts:
        pieces.append((connective, mapped.slice(previous_end, start)))
        previous_end, connective = end, name
    pieces.append((connective, mapped.slice(previous_end, len(mapped.text))))
    return pieces


def _statement_cuts(mapped: MappedText) -> list[tuple[int, int, str]]:
    """Where a row holds several statements: top-level connectives and ``,``/``\\text{and}`` between relations."""
    text = mapped.text
    tokens = _Tokens(text)
    mask = _top_level_mask(tokens)
    texts, n = tokens.texts, len(tokens)
    candidates: list[tuple[int, int, str]] = []
    index = 0
    while index < n:
        token = texts[index]
        if mask[index]:
            if token in CONNECTIVES and tokens.starts[index] > 0 and text[: tokens.starts[index]].strip():
                candidates.append((tokens.starts[index], tokens.end(index), CONNECTIVES[token]))
            elif token in _CONJUNCTIONS:
                candidates.append((tokens.starts[index], tokens.end(index), "∧"))
            elif token in ("\\text", "\\textrm", "\\mathrm", "\\mbox"):
                found = _AND_TEXT.match(text, tokens.starts[index])
                if found:
                    candidates.append((found.start(), found.end(), "∧"))
                    index = tokens.index_at(found.end())
                    continue
        index += 1
    if not candidates:
        return []
    # keep a cut only when the statements on both sides state a relation
    bounds = [0, *[end for _, end, _ in candidates]]
    ends = [*[start for start, _, _ in candidates], len(text)]
    has = [_has_relation(text[lo:hi]) for lo, hi in zip(bounds, ends)]
    cuts: list[tuple[int, int, str]] = []
    left_has = has[0]
    for number, cut in enumerate(candidates):
        if left_has and has[number + 1]:
            cuts.append(cut)
            left_has = has[number + 1]
        else:
            left_has = left_has or has[number + 1]
    return cuts


# ---------------------------------------------------------------------------------------------
# Rows


def _first_significant(mapped: MappedText) -> int:
    """Offset of the first non-whitespace character of ``mapped`` (its length if none)."""
    return len(mapped.text) - len(mapped.text.lstrip())


def _links(mapped: MappedText, matches: list[RelationMatch], source_map: SourceMap) -> tuple[str, tuple[Link, ...]]:
    """The left side and the links of a statement whose top-level relations are ``matches``."""
    text = mapped.text
    lhs = text[: matches[0].start].strip() if matches else text.strip()
    links: list[Link] = []
    for number, match in enumerate(matches):
        stop = matches[number + 1].start if number + 1 < len(matches) else len(text)
        rhs_raw = text[match.end : stop]
        rhs_start = match.end + len(rhs_raw) - len(rhs_raw.lstrip())
        where = rhs_start if rhs_raw.strip() else match.start
        block_offset = mapped.original_offset(where)
        line, column = source_map.position_of(block_offset)
        links.append(
            Link(
                relation=match.relation,
                latex=match.latex,
                rhs=rhs_raw.strip(),
                offset=mapped.original_offset(match.start),
                rhs_offset=block_offset,
                line=line,
                column=column,
                annotation=match.annotation,
            )
        )
    return lhs, tuple(links)


def _statement_rows(
    mapped: MappedText,
    *,
    number: int,
    block: int,
    source_map: SourceMap,
    connective: str = "",
    role: str = "step",
    keyword: str = "",
    clauses: tuple[Row, ...] = (),
) -> list[Row]:
    """The rows of one piece of LaTeX: a leading connective, a quantifier, then its statements."""
    mapped = mapped.strip()
    tokens = _Tokens(mapped.text)
    first = tokens.next_significant(0)
    if first < len(tokens) and tokens.texts[first] in CONNECTIVES:
        rest = mapped.slice(tokens.end(first), len(mapped.text)).strip()
        name = CONNECTIVES[tokens.texts[first]]
        if name in ("∴", "∵") or _has_relation(rest.text):
            connective, mapped = name, rest
            tokens = _Tokens(mapped.text)
            first = tokens.next_significant(0)
    quantifier = ""
    if first < len(tokens) and tokens.texts[first] in _QUANTIFIERS:
        mask = _top_level_mask(tokens)
        for index in range(first + 1, len(tokens)):
            if mask[index] and tokens.texts[index] in (",", "\\colon"):
                quantifier = mapped.text[: tokens.starts[index]].strip()
                mapped = mapped.slice(tokens.end(index), len(mapped.text)).strip()
                break
    pieces = _split_at(mapped, _statement_cuts(mapped))
    rows: list[Row] = []
    for position, (cut, piece) in enumerate(pieces):
        piece = piece.strip()
        piece_tokens = _Tokens(piece.text)
        matches = _relations(piece_tokens, _top_level_mask(piece_tokens))
        lhs, links = _links(piece, matches, source_map)
        line = source_map.line_of(piece.original_offset(0))
        rows.append(
            Row(
                number=number,
                line=line,
                text=piece.text,
                lhs=lhs,
                relations=links,
                connective=connective if position == 0 else cut,
                quantifier=quantifier if position == 0 else "",
                clauses=clauses if position == len(pieces) - 1 else (),
                role=role,
                keyword=keyword,
                block=block,
                mapped=piece,
                source_map=source_map,
            )
        )
    return rows


def _block_parts(block: MathBlock | str) -> tuple[str, SourceMap, int]:
    """The LaTeX, source map and index of a block (a bare string maps to lines from 1)."""
    if isinstance(block, str):
        return block, SourceMap.of_text(block), 0
    latex = getattr(block, "latex", None)
    source_map = getattr(block, "source_map", None)
    if not isinstance(latex, str) or not isinstance(source_map, SourceMap):
        raise NotationError(
            f"split_rows() was called with {type(block).__name__}; expected a MathBlock or LaTeX text as str"
        )
    return latex, source_map, int(getattr(block, "index", 0))


def split_rows(block: MathBlock | str) -> list[Row]:
    """The rows of a display block: presentation stripped, split on ``\\\\``, relations found.

    A row without a top-level relation continues the previous row's last expression (it is merged
    into it), except at the start of the block, where it is the chain's first expression.
    Raises NotationError only when ``block`` is neither a MathBlock nor a str.

    >>> rows = split_rows(r"\\begin{align*} x &= \\textcolor{red}{y} \\\\ &\\geq z \\end{align*}")
    >>> [(row.lhs, [(link.relation, link.rhs) for link in row.relations]) for row in rows]
    [('x', [('=', 'y')]), ('', [('≥', 'z')])]
    """
    latex, source_map, index = _block_parts(block)
    body = _unwrap_environment(_strip(latex, True))
    groups: list[MappedText] = []
    for raw in _split_rows(body):
        if not raw.text.strip():
            continue
        if groups and not _has_relation(raw.text):
            separator = MappedText(" ", _single(raw.original_offset(0)))
            groups[-1] = MappedText.concat([groups[-1], separator, raw])
        else:
            groups.append(raw)
    rows: list[Row] = []
    for number, group in enumerate(groups, start=1):
        head, found = split_clauses(group)
        clauses: list[Row] = []
        for clause in found:
            clauses.extend(
                _statement_rows(
                    clause.body,
                    number=number,
                    block=index,
                    source_map=source_map,
                    role=clause.kind,
                    keyword=clause.keyword,
                )
            )
        rows.extend(_statement_rows(head, number=number, block=index, source_map=source_map, clauses=tuple(clauses)))
    return rows


def _single(origin: int) -> OffsetMap:
    """The OffsetMap of a one-character text that comes from ``origin``."""
    return OffsetMap((0,), (origin,), 1, origin + 1)


def classify(rows: list[Row] | tuple[Row, ...]) -> Chain:
    """The chain the rows of one block form: expression, statement, single relation, or none.

    An expression chain has a row continuing the previous expression (``&\\geq Z``) or several
    relations on one row (``a = b = c``); a statement chain has its own left side on every row;
    one relation on one row is a single relation; no relation at all is ``NONE``.

    >>> classify(split_rows(r"x &> 0 \\\\ y &> 0 \\\\ \\therefore x + y &> 0")).kind
    <ChainKind.STATEMENT: 'statement'>
    """
    rows = tuple(rows)
    related = [row for row in rows if row.relations]
    if not related:
        kind = ChainKind.NONE
    elif any(row.is_continuation for row in rows[1:]) or any(len(row.relations) > 1 for row in rows):
        kind = ChainKind.EXPRESSION
    elif len(related) == 1 and len(rows) == 1:
        kind = ChainKind.SINGLE
    else:
        kind = ChainKind.STATEMENT
    return Chain(kind, rows)


def read_chain(block: MathBlock | str) -> Chain:
    """``classify(split_rows(block))``: the chain of one display block."""
    return classify(split_rows(block))
