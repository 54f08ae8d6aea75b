"""Find the display math of a Markdown (or TeX) document, with the source line of every character.

Markdown is read with markdown-it-py and mdit-py-plugins (front matter, ``$…$``/``$$…$$`` with
``$$`` also inside paragraphs, bare amsmath environments) plus two small rules of our own for
``\\[…\\]`` and ``\\(…\\)``; raw HTML (``<script>`` blocks such as a MathJax configuration), code
blocks and code spans are never searched. Each display block becomes a ``MathBlock`` whose
``index`` is DESIGN §4's ``chain`` number and whose ``line_of``/``column_of`` map an offset in its
LaTeX back to the 1-based source line and column.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from symrl.errors import NotationError
from symrl.latex.presentation import top_level_relations

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

    BlockRule = Callable[[StateBlock, int, int, bool], bool]

__all__ = [
    "DISPLAY_TOKEN_TYPES",
    "INLINE_TOKEN_TYPES",
    "Embedded",
    "InlineMath",
    "MathBlock",
    "SourceMap",
    "find_embedded",
    "find_inline_math",
    "find_inline_relations",
    "find_math",
    "find_math_tex",
]

#: markdown-it token types that hold display math (``math_inline_double`` is ``$$…$$`` in a paragraph).
DISPLAY_TOKEN_TYPES = frozenset(
    {"math_block", "math_block_label", "math_inline_double", "amsmath", "symrl_display", "symrl_display_inline"}
)
#: markdown-it token types that hold inline math.
INLINE_TOKEN_TYPES = frozenset({"math_inline", "symrl_inline"})

# environments MathJax typesets at the top level that the amsmath plugin does not know
_EXTRA_ENVIRONMENTS = ("aligned", "gathered", "alignedat", "split", "displaymath")
_EXTRA_ENVIRONMENT_OPEN = re.compile(r"\\begin\{(" + "|".join(_EXTRA_ENVIRONMENTS) + r")(\*?)\}")
_ENVIRONMENT = re.compile(r"\\begin\{([^{}]*)\}")
_NEWLINES = re.compile(r"\r\n?")
_DOLLAR_LABEL_END = re.compile(r"\$\$\s*\([^)$\r\n]+?\)$")
_END_ENVIRONMENT = re.compile(r"\\end\{([^{}]*)\}")
_DOUBLE_DOLLAR = re.compile(r"(?<!\\)\$\$")

# TeX files: environments typeset as display math, and environments whose content is not TeX
_TEX_DISPLAY_ENVIRONMENTS = frozenset(
    name + star
    for name in ("equation", "align", "gather", "multline", "flalign", "alignat", "eqnarray", "displaymath", "dmath")
    for star in ("", "*")
)
_TEX_VERBATIM_ENVIRONMENTS = frozenset({"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment"})
_TEX_EVENT = re.compile(r"\\\\|\\[$%]|%|\\begin\{([^{}]*)\}|\\\[|\$\$|\$|\\verb\*?(\S)")


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class SourceMap:
    """Source position of every offset of a LaTeX string: one anchor per source line it touches.

    Each anchor ``(offset, line, column)`` says that ``latex[offset]`` sits at 1-based ``line`` and
    ``column`` and that the characters after it, up to the next anchor, follow on the same line.

    >>> m = SourceMap.of_text("a\\nbc", first_line=5, first_column=3)
    >>> m.position_of(0), m.position_of(3)
    ((5, 3), (6, 2))
    """

    anchors: tuple[tuple[int, int, int], ...]

    @classmethod
    def of_text(cls, text: str, first_line: int = 1, first_column: int = 1) -> SourceMap:
        """The map of ``text`` as written, starting at ``first_line``/``first_column``."""
        anchors = [(0, first_line, first_column)]
        line, position = first_line, text.find("\n")
        while position >= 0:
            line += 1
            anchors.append((position + 1, line, 1))
            position = text.find("\n", position + 1)
        return cls(tuple(anchors))

    def position_of(self, offset: int) -> tuple[int, int]:
        """``(line, column)``, both 1-based, of the character at ``offset``."""
        if not self.anchors:
            return 1, 1
        offset = max(offset, 0)
        index = max(bisect_right(self.anchors, (offset, float("inf"), 0)) - 1, 0)
        start, line, column = self.anchors[index]
        return line, column + offset - start

    def line_of(self, offset: int) -> int:
        """The 1-based source line of the character at ``offset``."""
        return self.position_of(offset)[0]

    def column_of(self, offset: int) -> int:
        """The 1-based source column of the character at ``offset``."""
        return self.position_of(offset)[1]


@dataclass(frozen=True)
class MathBlock:
    """One display-math block of a document and the way back to its source.

    ``index`` counts display blocks from 1 in order of appearance (DESIGN §4's ``chain``);
    ``start_line``/``end_line`` are the 1-based lines where the block opens (its ``$$``, ``\\[`` or
    ``\\begin``) and closes; ``latex`` is the LaTeX between the delimiters (a bare environment
    keeps its ``\\begin``/``\\end``), without block-quote markers and surrounding whitespace.
    """

    index: int
    start_line: int
    end_line: int
    latex: str
    delimiter: str
    source_map: SourceMap = field(repr=False)
    path: str = ""

    @property
    def environment(self) -> str:
        """Name of the environment the whole block is, e.g. ``'align*'`` ('' if none)."""
        found = _ENVIRONMENT.match(self.latex)
        if found and self.latex.endswith(f"\\end{{{found.group(1)}}}"):
            return found.group(1)
        return ""

    @property
    def first_content_line(self) -> int:
        """The 1-based line of the block's first LaTeX character."""
        return self.line_of(0)

    def line_of(self, offset: int) -> int:
        """The 1-based source line of ``latex[offset]``."""
        return self.source_map.line_of(offset)

    def column_of(self, offset: int) -> int:
        """The 1-based source column of ``latex[offset]``."""
        return self.source_map.column_of(offset)

    def position_of(self, offset: int) -> tuple[int, int]:
        """The 1-based ``(line, column)`` of ``latex[offset]``."""
        return self.source_map.position_of(offset)


@dataclass(frozen=True)
class InlineMath:
    """One inline formula (``$…$`` or ``\\(…\\)``) of a document; ``relations`` it states at top level."""

    line: int
    column: int
    latex: str
    relations: tuple[str, ...]
    source_map: SourceMap = field(repr=False)
    path: str = ""

    def line_of(self, offset: int) -> int:
        """The 1-based source line of ``latex[offset]``."""
        return self.source_map.line_of(offset)

    def column_of(self, offset: int) -> int:
        """The 1-based source column of ``latex[offset]``."""
        return self.source_map.column_of(offset)


# ---------------------------------------------------------------------------------------------
# Positions


class _Located:
    """A text whose line ``j`` starts at 0-based source ``(line, column)`` ``positions[j]``."""

    __slots__ = ("line_starts", "positions", "text")

    def __init__(self, text: str, positions: list[tuple[int, int]]) -> None:
        self.text = text
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.positions = positions + [positions[-1] if positions else (0, 0)] * (len(self.line_starts) - len(positions))

    def position(self, offset: int) -> tuple[int, int]:
        """0-based source ``(line, column)`` of ``text[offset]``."""
        index = max(bisect_right(self.line_starts, offset) - 1, 0)
        line, column = self.positions[index]
        return line, column + offset - self.line_starts[index]

    def source_map(self, start: int, stop: int) -> SourceMap:
        """The SourceMap of ``text[start:stop]``."""
        line, column = self.position(start)
        anchors = [(0, line + 1, column + 1)]
        first = bisect_right(self.line_starts, start)
        for index in range(first, len(self.line_starts)):
            begin = self.line_starts[index]
            if begin >= stop:
                break
            line, column = self.positions[index]
            anchors.append((begin - start, line + 1, column + 1))
        return SourceMap(tuple(anchors))


def _line_columns(
    pieces: list[str], first_line: int, lines: list[str], first_hint: int | None = None
) -> list[tuple[int, int]]:
    """Source ``(line, column)`` (0-based) where each piece (a line of some token's text) starts.

    Container markers (``> ``, list indentation) and delimiters are what markdown-it removes from a
    source line; what is left is a suffix of the line (or, for a last line, a prefix of that suffix).
    """
    positions: list[tuple[int, int]] = []
    last = len(pieces) - 1
    for number, piece in enumerate(pieces):
        line = min(first_line + number, len(lines) - 1) if lines else 0
        source = lines[line] if lines else ""
        column = -1
        if number == 0 and first_hint is not None:
            column = source.find(piece, first_hint)
        if column < 0 and number < last and source.endswith(piece):
            column = len(source) - len(piece)
        if column < 0 and piece and source.rstrip().endswith(piece):
            column = len(source.rstrip()) - len(piece)
        if column < 0:
            column = source.find(piece)
        if column < 0:
            bare = piece.lstrip()
            found = source.find(bare) if bare else -1
            column = max(found - (len(piece) - len(bare)), 0) if found >= 0 else 0
        positions.append((line, column))
    return positions


def _stripped_range(text: str) -> tuple[int, int]:
    """``(start, stop)`` of ``text`` without leading and trailing whitespace."""
    start = len(text) - len(text.lstrip())
    return start, max(start, len(text.rstrip()))


def _normalize(text: str) -> str:
    """Line endings and NUL characters normalised the way markdown-it does before parsing."""
    return _NEWLINES.sub("\n", text).replace("\0", "\ufffd")


# ---------------------------------------------------------------------------------------------
# markdown-it rules of our own


def _with_position(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """Wrap an inline math rule so that its token records where it starts in the inline source."""

    def positioned(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent and len(state.tokens) > count:
            token = state.tokens[-1]
            token.meta = {**(token.meta or {}), "symrl_start": start, "symrl_source": state.src}
        return matched

    return positioned


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    """Inline rule for ``\\[…\\]`` (display) and ``\\(…\\)`` (inline) inside a paragraph."""
    src, pos = state.src, state.pos
    opener = src[pos : pos + 2]
    if opener not in ("\\[", "\\("):
        return False
    closer = "\\]" if opener == "\\[" else "\\)"
    # remember where a search for the closer failed, so that many openers stay linear
    unclosed: dict[tuple[str, str], int] = state.env.setdefault("symrl_unclosed", {})
    if pos >= unclosed.get((closer, src), len(src) + 1):
        return False
    end = src.find(closer, pos + 2)
    if end < 0:
        unclosed[(closer, src)] = pos
        return False
    if end == pos + 2:
        return False
    if not silent:
        token = state.push("symrl_display_inline" if opener == "\\[" else "symrl_inline", "math", 0)
        token.content = src[pos + 2 : end]
        token.markup = opener
        token.meta = {"symrl_start": pos, "symrl_source": src}
    state.pos = end + 2
    return True


def _display_block_rule(
    opens: Callable[[str], tuple[int, str] | None],
) -> Callable[[StateBlock, int, int, bool], bool]:
    """A block rule for display math that opens where ``opens(line_text)`` says.

    ``opens`` returns ``(content offset in the line, closing marker)`` or None; the content runs to
    the first line that ends with the marker. For an environment the content keeps ``\\begin`` and
    ``\\end`` (the marker is then part of the content).
    """

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent >= 4:
            return False
        begin = state.bMarks[start_line] + state.tShift[start_line]
        first = state.src[begin : state.eMarks[start_line]]
        opened = opens(first)
        if opened is None:
            return False
        content_offset, closer = opened
        keep_closer = content_offset == 0
        # a failed search from an earlier line covers this one too (same container, same closer)
        failures: dict[tuple[str, int, int], tuple[int, int]] = state.env.setdefault("symrl_unclosed_blocks", {})
        key = (closer, state.blkIndent, state.lineMax)
        searched = failures.get(key)
        if searched is not None and searched[0] < start_line < searched[1]:
            return False
        segments: list[tuple[int, str]] = []
        line = start_line
        while True:
            if line >= end_line:
                failures[key] = (start_line, line)
                return False
            line_begin = begin + content_offset if line == start_line else state.bMarks[line]
            text = state.src[line_begin : state.eMarks[line]]
            if line > start_line and (not text.strip() or state.sCount[line] < state.blkIndent):
                failures[key] = (start_line, line)
                return False  # a blank line, or the end of the enclosing container, before the closer
            stripped = text.rstrip()
            if stripped.endswith(closer):
                cut = len(stripped) if keep_closer else len(stripped) - len(closer)
                segments.append((line_begin, text[:cut]))
                break
            segments.append((line_begin, text))
            line += 1
        if silent:
            return True
        token = state.push("symrl_display", "math", 0)
        token.block = True
        token.content = "\n".join(text for _, text in segments)
        token.markup = first[:content_offset] or "\\begin"
        token.map = [start_line, line + 1]
        token.meta = {"symrl_segments": segments}
        state.line = line + 1
        return True

    return rule


def _opens_bracket(line: str) -> tuple[int, str] | None:
    """``\\[`` at the start of a line opens display math closed by ``\\]``."""
    return (2, "\\]") if line.startswith("\\[") and not line.startswith("\\[]") else None


def _opens_environment(line: str) -> tuple[int, str] | None:
    """``\\begin{aligned}`` (and other environments amsmath's plugin skips) at a line's start."""
    found = _EXTRA_ENVIRONMENT_OPEN.match(line)
    return (0, f"\\end{{{found.group(1)}{found.group(2)}}}") if found else None


def _closing_lines(state: StateBlock) -> tuple[list[int], dict[str, list[int]]]:
    """Lines (0-based, sorted) that end with ``$$`` (or a ``$$ (label)``), and per environment with ``\\end{…}``.

    Computed once per document and kept in the parse's ``env``; the guards below use it so that a
    document full of unclosed openers is rejected in linear rather than quadratic time.
    """
    cached = state.env.get("symrl_closing_lines")
    if cached is None:
        dollars: list[int] = []
        environments: dict[str, list[int]] = {}
        for number, line in enumerate(state.src.split("\n")):
            stripped = line.rstrip()
            if stripped.endswith("$$") or _DOLLAR_LABEL_END.search(stripped):
                dollars.append(number)
            for found in _END_ENVIRONMENT.finditer(stripped):
                environments.setdefault(found.group(1), []).append(number)
        cached = state.env["symrl_closing_lines"] = (dollars, environments)
    return cached


def _has_line(lines: list[int], first: int, stop: int) -> bool:
    """Whether some line number in sorted ``lines`` lies in ``[first, stop)``."""
    position = bisect_left(lines, first)
    return position < len(lines) and lines[position] < stop


def _guard_dollar_block(rule: BlockRule) -> BlockRule:
    """Skip dollarmath's block rule when no later line could close the ``$$`` it would open."""

    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        first = state.src[begin : state.eMarks[start_line]].strip()
        if not first.startswith("$$"):
            return False
        one_line = len(first) > 3 and "$$" in first[2:]
        if not one_line and not _has_line(_closing_lines(state)[0], start_line + 1, end_line):
            return False
        return rule(state, start_line, end_line, silent)

    return guarded


def _inside_open_dollars(state: StateBlock, start_line: int) -> bool:
    """Whether the block being read (from ``state.line``) has an unclosed ``$$`` before ``start_line``.

    A terminator check (a rule asked, silently, whether it interrupts a paragraph, list or quote)
    runs while ``state.line`` is still the first line of that block; an odd count of ``$$`` in the
    lines read so far means the environment sits inside a display that the paragraph's inline
    ``$$…$$`` rule will close, so it must not break the paragraph (and the pairing of the dollars).
    """
    if start_line <= state.line:
        return False
    text = state.src[state.bMarks[state.line] : state.bMarks[start_line]]
    return len(_DOUBLE_DOLLAR.findall(text)) % 2 == 1


def _guard_environment_block(rule: BlockRule) -> BlockRule:
    """Skip amsmath's block rule when no line at or after the opener ends its environment.

    Also when it would interrupt a paragraph inside a ``$$`` that paragraph opened
    (``text\n$$\n\begin{align*}``): the display belongs to the ``$$`` pair.
    """

    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        found = _ENVIRONMENT.match(state.src[begin : state.eMarks[start_line]])
        if found is None:
            return False
        if silent and _inside_open_dollars(state, start_line):
            return False
        closing = _closing_lines(state)[1].get(found.group(1), [])
        if not _has_line(closing, start_line, end_line):
            return False
        return rule(state, start_line, end_line, silent)

    return guarded


def _replace_rule(md: MarkdownIt, name: str, wrap: Callable[[BlockRule], BlockRule]) -> None:
    """Replace block rule ``name`` by ``wrap(rule)``, keeping the rules it may interrupt."""
    ruler = md.block.ruler
    rule = ruler.getRules("")[ruler.get_active_rules().index(name)]
    alt = [chain for chain in ("paragraph", "reference", "blockquote", "list", "footnote_def")
           if rule in ruler.getRules(chain)]  # fmt: skip
    ruler.at(name, wrap(rule), {"alt": alt})


def _parser() -> MarkdownIt:
    """A markdown-it parser configured for Markdown with MathJax math (built per call: no globals)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(front_matter_plugin)
    md.use(dollarmath_plugin, double_inline=True)
    md.use(amsmath_plugin)
    _replace_rule(md, "math_block", _guard_dollar_block)
    _replace_rule(md, "amsmath", _guard_environment_block)
    interrupts = {"alt": ["paragraph", "reference", "blockquote", "list"]}
    md.block.ruler.before("fence", "symrl_bracket", _display_block_rule(_opens_bracket), interrupts)
    md.block.ruler.before("amsmath", "symrl_environment", _display_block_rule(_opens_environment), interrupts)
    md.inline.ruler.before("escape", "symrl_bracket_inline", _bracket_inline)
    names, rules = md.inline.ruler.get_active_rules(), md.inline.ruler.getRules("")
    md.inline.ruler.at("math_inline", _with_position(rules[names.index("math_inline")]))
    return md


# ---------------------------------------------------------------------------------------------
# Extraction


@dataclass(frozen=True)
class _Found:
    """A math token located in the source: its located text and the range of the LaTeX in it."""

    located: _Located
    start: int
    stop: int
    delimiter: str
    display: bool
    open_line: int  # 0-based line of the opening delimiter
    content_end: int  # offset in the located text where the token's content ends


def _block_found(token: Token, lines: list[str], starts: list[int]) -> _Found:
    """Locate a block-level math token."""
    content = token.content
    first_line = token.map[0] if token.map else 0
    segments = (token.meta or {}).get("symrl_segments")
    if segments:
        positions = [_offset_position(starts, offset) for offset, _ in segments]
    else:
        hint = None
        if token.type.startswith("math_block") and 0 <= first_line < len(lines):
            found = lines[first_line].find("$$")
            hint = found + 2 if found >= 0 else None
        positions = _line_columns(content.split("\n"), first_line, lines, hint)
    located = _Located(content, positions)
    delimiter = token.markup or ("\\begin" if token.type == "amsmath" else "$$")
    start, stop = _stripped_range(content)
    return _Found(located, start, stop, delimiter, True, first_line, len(content))


def _inline_found(inline: Token, child: Token, paragraph: _Located) -> _Found:
    """Locate a math token inside an inline (paragraph, heading, table cell) token."""
    source = inline.content
    meta: dict[str, Any] = child.meta or {}
    markup = child.markup or "$"
    opening = meta.get("symrl_start")
    if meta.get("symrl_source") is not source or opening is None:
        found = source.find(child.content)
        opening = max(found - len(markup), 0) if found >= 0 else 0
    begin = opening + len(markup)
    if source[begin : begin + len(child.content)] != child.content:
        found = source.find(child.content)
        begin = found if found >= 0 else begin
    start, stop = _stripped_range(child.content)
    display = child.type in DISPLAY_TOKEN_TYPES
    open_line = paragraph.position(opening)[0]
    return _Found(paragraph, begin + start, begin + stop, markup, display, open_line, begin + len(child.content))


def _offset_position(starts: list[int], offset: int) -> tuple[int, int]:
    """0-based ``(line, column)`` of a character offset, given the offsets where lines start."""
    line = max(bisect_right(starts, offset) - 1, 0)
    return line, offset - starts[line]


def _scan_markdown(text: str) -> list[_Found]:
    """Every math token of a Markdown document, display and inline, in order."""
    normalized = _normalize(text)
    lines = normalized.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    try:
        tokens = _parser().parse(normalized)
    except (RecursionError, IndexError, KeyError, ValueError, TypeError, AttributeError) as error:
        raise NotationError(f"the Markdown parser failed on this document: {error!r}") from error
    found: list[_Found] = []
    for token in tokens:
        if token.type in DISPLAY_TOKEN_TYPES:
            found.append(_block_found(token, lines, starts))
        elif token.type == "inline" and token.children:
            maths = [child for child in token.children if child.type in DISPLAY_TOKEN_TYPES | INLINE_TOKEN_TYPES]
            if not maths:
                continue
            first_line = token.map[0] if token.map else 0
            paragraph = _Located(token.content, _line_columns(token.content.split("\n"), first_line, lines))
            found.extend(_inline_found(token, child, paragraph) for child in maths)
    return found


def _block_of(found: _Found, index: int, path: str) -> MathBlock:
    """The MathBlock of a located display token."""
    latex = found.located.text[found.start : found.stop]
    source_map = found.located.source_map(found.start, found.stop)
    close = found.located.position(found.content_end)[0] + 1
    last_line = max(close, found.open_line + 1)
    return MathBlock(index, found.open_line + 1, last_line, latex, found.delimiter, source_map, path)


def find_math(text: str, path: str = "") -> list[MathBlock]:
    """Every display-math block of a Markdown document, in order, with source positions.

    Finds ``$$…$$`` on one or many lines (also straight after a paragraph line, in block quotes and
    list items), ``\\[…\\]``, and bare ``equation``/``align``/``gather``/``aligned``… environments;
    skips front matter, HTML blocks, code blocks and code spans. Raises NotationError when ``text``
    is not a str (or the Markdown parser itself fails); any str is otherwise accepted.

    >>> [(b.index, b.start_line, b.latex) for b in find_math("Text\\n\\n$$\\nx = 1\\n$$\\n")]
    [(1, 3, 'x = 1')]
    """
    if not isinstance(text, str):
        raise NotationError(f"find_math() was called with {type(text).__name__}; expected Markdown text as str")
    display = [found for found in _scan_markdown(text) if found.display]
    return [_block_of(found, index, path) for index, found in enumerate(display, start=1)]


def find_inline_math(text: str, path: str = "") -> list[InlineMath]:
    """Every inline formula (``$…$``, ``\\(…\\)``) of a Markdown document, in order.

    >>> [(m.line, m.column, m.latex) for m in find_inline_math("Let $x = 1$.")]
    [(1, 6, 'x = 1')]
    """
    if not isinstance(text, str):
        raise NotationError(f"find_inline_math() was called with {type(text).__name__}; expected Markdown text as str")
    result: list[InlineMath] = []
    for found in _scan_markdown(text):
        if found.display:
            continue
        latex = found.located.text[found.start : found.stop]
        source_map = found.located.source_map(found.start, found.stop)
        line, column = source_map.position_of(0)
        relations = tuple(match.relation for match in top_level_relations(latex))
        result.append(InlineMath(line, column, latex, relations, source_map, path))
    return result


def find_inline_relations(text: str, path: str = "") -> list[InlineMath]:
    """The inline formulas of a Markdown document that state a relation (``=``, ``<``, ``\\leq`` …).

    Relations nested in braces, brackets or subscripts (``\\sum_{t=0}``) do not count. These are
    claims made in running text; they are not chains.

    >>> [(m.line, m.relations) for m in find_inline_relations("Take $\\\\pi$ with\\n$\\\\pi = \\\\pi^*$.")]
    [(2, ('=',))]
    """
    return [math for math in find_inline_math(text, path) if math.relations]


@dataclass(frozen=True)
class Embedded:
    """A non-math block a document carries for symrl: front matter or a fenced code block."""

    kind: str  # "front-matter" or "fence"
    info: str  # the fence's info string ("symrl" …); empty for front matter
    content: str
    line: int  # 1-based line where ``content`` starts


def find_embedded(text: str) -> list[Embedded]:
    """The front matter and the fenced code blocks of a Markdown document, in order.

    >>> [(e.kind, e.info, e.line, e.content) for e in find_embedded("---\\na: 1\\n---\\n```symrl\\nb = 2\\n```\\n")]
    [('front-matter', '', 2, 'a: 1'), ('fence', 'symrl', 5, 'b = 2\\n')]
    """
    if not isinstance(text, str):
        raise NotationError(f"find_embedded() was called with {type(text).__name__}; expected Markdown text as str")
    found = []
    for token in _parser().parse(text):
        if token.type in ("front_matter", "fence") and token.map is not None:
            kind = "front-matter" if token.type == "front_matter" else "fence"
            found.append(Embedded(kind, token.info.strip(), token.content, token.map[0] + 2))
    return found


def _tex_block(
    text: str, starts: list[int], begin: int, end: int, open_offset: int, close_offset: int
) -> tuple[int, int, SourceMap, str]:
    """Start line, end line, source map and LaTeX of ``text[begin:end]`` (whitespace trimmed)."""
    raw = text[begin:end]
    lo, hi = _stripped_range(raw)
    line, column = _offset_position(starts, begin + lo)
    source_map = SourceMap.of_text(raw[lo:hi], line + 1, column + 1)
    open_line = _offset_position(starts, open_offset)[0] + 1
    close_line = _offset_position(starts, close_offset)[0] + 1
    return open_line, max(open_line, close_line), source_map, raw[lo:hi]


def find_math_tex(text: str, path: str = "") -> list[MathBlock]:
    """Every display-math block of a LaTeX document: display environments, ``\\[…\\]`` and ``$$…$$``.

    Comments, ``\\verb`` and verbatim environments are skipped; scanning starts after
    ``\\begin{document}`` when there is one. Raises NotationError only when ``text`` is not a str.

    >>> [(b.start_line, b.latex) for b in find_math_tex("a\\n\\\\[ x = 1 \\\\]\\n% $$y$$\\n")]
    [(2, 'x = 1')]
    """
    if not isinstance(text, str):
        raise NotationError(f"find_math_tex() was called with {type(text).__name__}; expected LaTeX text as str")
    text = _normalize(text)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    document = text.find("\\begin{document}")
    position = document + len("\\begin{document}") if document >= 0 else 0
    blocks: list[MathBlock] = []

    def add(begin: int, end: int, open_offset: int, close_offset: int, delimiter: str) -> None:
        start_line, end_line, source_map, latex = _tex_block(text, starts, begin, end, open_offset, close_offset)
        blocks.append(MathBlock(len(blocks) + 1, start_line, end_line, latex, delimiter, source_map, path))

    while True:
        event = _TEX_EVENT.search(text, position)
        if event is None:
            break
        token, position = event.group(), event.end()
        if token == "%":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
        elif event.group(2) is not None:  # \verb|…|
            close = text.find(event.group(2), position)
            position = len(text) if close < 0 else close + 1
        elif event.group(1) is not None:
            name = event.group(1)
            closer = f"\\end{{{name}}}"
            if name in _TEX_DISPLAY_ENVIRONMENTS or name in _TEX_VERBATIM_ENVIRONMENTS:
                close = text.find(closer, position)
                end = len(text) if close < 0 else close + len(closer)
                if name in _TEX_DISPLAY_ENVIRONMENTS:
                    add(event.start(), end, event.start(), max(end - 1, event.start()), "\\begin")
                position = end
        elif token in ("\\[", "$$"):
            closer = "\\]" if token == "\\[" else "$$"
            close = text.find(closer, position)
            end = len(text) if close < 0 else close
            add(position, end, event.start(), min(end, max(len(text) - 1, 0)), token)
            position = end + len(closer) if close >= 0 else len(text)
        elif token == "$":
            close = position
            while True:
                close = text.find("$", close)
                if close < 0 or text[close - 1] != "\\":
                    break
                close += 1
            position = len(text) if close < 0 else close + 1
    return blocks
