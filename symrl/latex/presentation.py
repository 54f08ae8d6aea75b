"""Lexical layer of the LaTeX front end: tokens, top-level relations, presentation stripping.

``strip_presentation`` removes what only changes how a formula looks (colours, boxes, delimiter
sizes, spacing, labels, MathJax's Markdown escapes) and keeps what it means. Every character of
the result remembers where it came from in the original LaTeX, so an error found later can point
at the right source column. A trailing ``\\quad \\text{where } DEF`` or ``\\quad \\text{for } COND``
is split off as a clause (kept, not discarded: a definition or a condition to check).

Nothing here evaluates anything. Every function is total on ``str`` input: malformed LaTeX
(unbalanced braces, unknown macros, a trailing backslash) is passed through, never rejected.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from symrl.errors import NotationError

__all__ = [
    "CLAUSE_KINDS",
    "CONNECTIVES",
    "RELATIONS",
    "Clause",
    "MappedText",
    "OffsetMap",
    "RelationMatch",
    "Stripped",
    "split_clauses",
    "strip_presentation",
    "top_level_relations",
]

# ---------------------------------------------------------------------------------------------
# Tables

#: LaTeX (or Unicode) relation symbol → canonical relation name.
RELATIONS: dict[str, str] = {
    "=": "=",
    "<": "<",
    ">": ">",
    "\\lt": "<",
    "\\gt": ">",
    "\\neq": "≠",
    "\\ne": "≠",
    "\\leq": "≤",
    "\\le": "≤",
    "\\leqslant": "≤",
    "\\leqq": "≤",
    "\\geq": "≥",
    "\\ge": "≥",
    "\\geqslant": "≥",
    "\\geqq": "≥",
    "\\approx": "≈",
    "\\equiv": "≡",
    "\\iff": "⟺",
    "\\Leftrightarrow": "⟺",
    "\\Longleftrightarrow": "⟺",
    "\\implies": "⟹",
    "\\Rightarrow": "⟹",
    "\\Longrightarrow": "⟹",
    "\\impliedby": "⟸",
    "\\Leftarrow": "⟸",
    "\\Longleftarrow": "⟸",
    "\\leftarrow": "←",
    "\\gets": "←",
    "\\longleftarrow": "←",
    "\\coloneqq": ":=",
    "\\coloneq": ":=",
    "\\triangleq": ":=",
    "\\doteq": ":=",
    "\\in": "∈",
    "\\notin": "∉",
    "\\propto": "∝",
    "\\ll": "≪",
    "\\gg": "≫",
    "\\subseteq": "⊆",
    "\\subset": "⊂",
    "≠": "≠",
    "≤": "≤",
    "≥": "≥",
    "≈": "≈",
    "≡": "≡",
    "⟺": "⟺",
    "⇔": "⟺",
    "⟹": "⟹",
    "⇒": "⟹",
    "⟸": "⟸",
    "⇐": "⟸",
    "←": "←",
    "∈": "∈",
    "∉": "∉",
    "∝": "∝",
    "≪": "≪",
    "≫": "≫",
    "⊆": "⊆",
    "⊂": "⊂",
    "≔": ":=",
    "≜": ":=",
    "≐": ":=",
}

#: Statement connectives (a row that starts with one is a new statement, not a continuation).
CONNECTIVES: dict[str, str] = {
    "\\therefore": "∴",
    "∴": "∴",
    "\\because": "∵",
    "∵": "∵",
    **{latex: name for latex, name in RELATIONS.items() if name in ("⟹", "⟸", "⟺")},
}

#: Kinds of clause ``split_clauses`` recognises, by the first words of their ``\text{…}``.
CLAUSE_KINDS: dict[str, str] = {
    "such that": "condition",
    "s.t.": "condition",
    "for all": "condition",
    "for every": "condition",
    "for each": "condition",
    "for any": "condition",
    "for": "condition",
    "if": "condition",
    "when": "condition",
    "whenever": "condition",
    "given": "condition",
    "assuming": "condition",
    "provided": "condition",
    "where": "where",
    "with": "where",
    "since": "note",
    "because": "note",
    "by": "note",
    "using": "note",
    "from": "note",
}

_SPACING = frozenset(
    {
        "\\,", "\\;", "\\:", "\\!", "\\>", "\\ ", "\\\n", "\\\t", "\\quad", "\\qquad", "\\enspace",
        "\\enskip", "\\thinspace", "\\medspace", "\\thickspace", "\\negthinspace", "\\negmedspace",
        "\\negthickspace", "\\space", "\\nobreakspace", "\\hfill", "\\hfil",
    }
)  # fmt: skip
_SPACING_WITH_ARGUMENT = frozenset({"\\hspace", "\\mspace", "\\vspace", "\\phantom", "\\hphantom"})
_DROPPED = frozenset(
    {
        "\\displaystyle", "\\textstyle", "\\scriptstyle", "\\scriptscriptstyle", "\\nonumber",
        "\\notag", "\\limits", "\\nolimits", "\\strut", "\\mathstrut", "\\allowbreak", "\\nobreak",
        "\\displaybreak", "\\relax",
    }
)  # fmt: skip
_DROPPED_WITH_ARGUMENT = frozenset({"\\label", "\\tag", "\\require", "\\vphantom", "\\intertext", "\\shortintertext"})
_SIZES = frozenset(
    {"\\left", "\\right", "\\middle"}
    | {f"\\{size}{side}" for size in ("big", "Big", "bigg", "Bigg") for side in ("", "l", "r", "m")}
)
_KERNS = frozenset({"\\kern", "\\mkern", "\\mskip", "\\hskip"})
_DIMENSION = re.compile(r"\s*[-+]?\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:mu|em|ex|pt|px|cm|mm|in|bp|pc|dd|cc|sp)")
_ROW_SPACING = re.compile(r"\s*\[\s*[-+]?\s*(?:\d+(?:\.\d*)?|\.\d+)\s*[a-z]{2}\s*\]")
# name → (takes an optional [..] argument, number of leading arguments before the content)
_WRAPPERS: dict[str, tuple[bool, int]] = {
    "\\boxed": (False, 0),
    "\\bbox": (True, 0),
    "\\smash": (True, 0),
    "\\textcolor": (True, 1),
    "\\colorbox": (True, 1),
    "\\fcolorbox": (True, 2),
    "\\class": (False, 1),
    "\\cssId": (False, 1),
    "\\style": (False, 1),
    "\\href": (False, 1),
    "\\htmlClass": (False, 1),
    "\\htmlStyle": (False, 1),
    "\\underbrace": (False, 0),
    "\\overbrace": (False, 0),
}
_ANNOTATION_SCRIPT = {"\\underbrace": "_", "\\overbrace": "^"}
_RENAMED = frozenset({"\\dfrac", "\\tfrac", "\\dbinom", "\\tbinom"})  # drop the letter after "\"
_MARKDOWN_ESCAPES = frozenset({"\\*", "\\_"})
_TEXT_MACROS = frozenset(
    {"\\text", "\\textrm", "\\textnormal", "\\mbox", "\\hbox", "\\mathrm", "\\textit", "\\textup", "\\textsf"}
)
_ONE_ARGUMENT = _TEXT_MACROS | frozenset({"\\mathbf", "\\mathit", "\\mathcal", "\\mathbb", "\\operatorname"})
_OPENERS = frozenset({"(", "[", "\\{", "\\langle", "\\lceil", "\\lfloor", "\\lbrace", "\\lbrack", "\\lvert", "\\lVert"})
_CLOSERS = frozenset({")", "]", "\\}", "\\rangle", "\\rceil", "\\rfloor", "\\rbrace", "\\rbrack", "\\rvert", "\\rVert"})
_BINARY_OPERATORS = frozenset({"+", "-", "/", "\\pm", "\\mp", "\\cdot", "\\times", "\\div", "−"})
_BIG_OPERATORS = frozenset(
    {"\\sum", "\\prod", "\\int", "\\oint", "\\max", "\\min", "\\lim", "\\sup", "\\inf", "\\arg", "\\argmax", "\\argmin"}
)
_MATRIX_ENVIRONMENTS = frozenset(
    {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "dcases", "rcases"}
)
_DEFINITION_ANNOTATIONS = frozenset({"def", "defn", "\\Delta", "\\triangle", ":"})

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\\|\s+|.", re.DOTALL)
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")


def _require_str(value: object, caller: str) -> str:
    """Return ``value`` if it is a str, else raise NotationError naming the caller."""
    if not isinstance(value, str):
        raise NotationError(f"{caller}() was called with {type(value).__name__}; expected LaTeX text as str")
    return value


# ---------------------------------------------------------------------------------------------
# Offsets


@dataclass(frozen=True)
class OffsetMap:
    """Where each character of a derived text came from: runs of consecutive original offsets.

    >>> m = OffsetMap(starts=(0, 2), origins=(0, 5), length=4, end=7)
    >>> [m.original(i) for i in range(5)]
    [0, 1, 5, 6, 7]
    """

    starts: tuple[int, ...]
    origins: tuple[int, ...]
    length: int
    end: int

    @classmethod
    def identity(cls, length: int, base: int = 0) -> OffsetMap:
        """The map of an unchanged text of ``length`` characters that starts at ``base``."""
        if length <= 0:
            return cls((), (), 0, base)
        return cls((0,), (base,), length, base + length)

    def original(self, offset: int) -> int:
        """The original offset of the character at ``offset`` (``length`` maps to ``end``)."""
        if offset >= self.length or not self.starts:
            return self.end
        offset = max(offset, 0)
        run = bisect_right(self.starts, offset) - 1
        return self.origins[run] + offset - self.starts[run]

    def runs(self, start: int, stop: int) -> Iterator[tuple[int, int, int]]:
        """``(run_start, run_stop, origin)`` for the parts of ``[start, stop)`` that map linearly."""
        start, stop = max(start, 0), min(stop, self.length)
        if start >= stop:
            return
        run = bisect_right(self.starts, start) - 1
        while run < len(self.starts) and self.starts[run] < stop:
            run_stop = self.starts[run + 1] if run + 1 < len(self.starts) else self.length
            lo, hi = max(start, self.starts[run]), min(stop, run_stop)
            if lo < hi:
                yield lo, hi, self.origins[run] + lo - self.starts[run]
            run += 1


@dataclass(frozen=True)
class MappedText:
    """A text together with the original offset of each of its characters.

    >>> t = MappedText.of("a+b", base=10).slice(2, 3)
    >>> t.text, t.original_offset(0)
    ('b', 12)
    """

    text: str
    offsets: OffsetMap

    @classmethod
    def of(cls, text: str, base: int = 0) -> MappedText:
        """An unchanged text whose first character sits at original offset ``base``."""
        return cls(text, OffsetMap.identity(len(text), base))

    def original_offset(self, offset: int) -> int:
        """The offset in the original LaTeX of the character at ``offset`` in ``text``."""
        return self.offsets.original(offset)

    def slice(self, start: int, stop: int) -> MappedText:
        """The characters ``text[start:stop]`` with their origins."""
        start, stop = max(0, min(start, len(self.text))), max(0, min(stop, len(self.text)))
        stop = max(start, stop)
        builder = _Builder()
        builder.add_mapped(self, start, stop)
        end = self.original_offset(stop - 1) + 1 if stop > start else self.original_offset(start)
        return builder.build(end)

    def strip(self, characters: str | None = None) -> MappedText:
        """Leading and trailing whitespace (or ``characters``) removed, origins kept."""
        left = len(self.text) - len(self.text.lstrip(characters))
        right = len(self.text.rstrip(characters))
        return self.slice(left, max(left, right))

    @staticmethod
    def concat(parts: list[MappedText]) -> MappedText:
        """The texts of ``parts`` joined, each character keeping its origin."""
        builder = _Builder()
        for part in parts:
            builder.add_mapped(part, 0, len(part.text))
        end = parts[-1].offsets.end if parts else 0
        return builder.build(end)

    def __str__(self) -> str:
        return self.text


class _Builder:
    """Accumulates pieces of text with origins into a MappedText."""

    __slots__ = ("length", "origins", "parts", "starts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.origins: list[int] = []
        self.length = 0

    def add(self, text: str, origin: int) -> None:
        """Append ``text`` whose characters come from ``origin``, ``origin + 1``, …"""
        if not text:
            return
        if not (self.starts and self.origins[-1] + self.length - self.starts[-1] == origin):
            self.starts.append(self.length)
            self.origins.append(origin)
        self.parts.append(text)
        self.length += len(text)

    def add_mapped(self, mapped: MappedText, start: int, stop: int) -> None:
        """Append ``mapped.text[start:stop]`` keeping each character's origin."""
        for lo, hi, origin in mapped.offsets.runs(start, stop):
            self.add(mapped.text[lo:hi], origin)

    def last_char(self) -> str:
        """The last character appended so far ('' if none)."""
        return self.parts[-1][-1] if self.parts else ""

    def build(self, end: int) -> MappedText:
        """The accumulated text; ``end`` is the original offset its end maps to."""
        offsets = OffsetMap(tuple(self.starts), tuple(self.origins), self.length, end)
        return MappedText("".join(self.parts), offsets)


# ---------------------------------------------------------------------------------------------
# Tokens


class _Tokens:
    """LaTeX tokens of a text: control sequences, single characters, whitespace runs."""

    __slots__ = ("match", "starts", "texts")

    def __init__(self, text: str) -> None:
        self.texts: list[str] = []
        self.starts: list[int] = []
        for found in _TOKEN.finditer(text):
            self.texts.append(found.group())
            self.starts.append(found.start())
        self.match = _match_braces(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def end(self, index: int) -> int:
        """Character offset just after token ``index``."""
        return self.starts[index] + len(self.texts[index])

    def next_significant(self, index: int) -> int:
        """Index of the first non-whitespace token at or after ``index`` (``len`` if none)."""
        texts, n = self.texts, len(self.texts)
        while index < n and texts[index].isspace():
            index += 1
        return index

    def previous_significant(self, index: int) -> int:
        """Index of the last non-whitespace token at or before ``index`` (-1 if none)."""
        while index >= 0 and self.texts[index].isspace():
            index -= 1
        return index

    def argument_end(self, index: int) -> int:
        """Index just after the macro argument starting at token ``index`` (a group or one token)."""
        if index >= len(self.texts):
            return index
        if self.texts[index] == "{":
            close = self.match[index]
            return len(self.texts) if close < 0 else close + 1
        if self.texts[index] in _ONE_ARGUMENT:
            after = self.next_significant(index + 1)
            if after < len(self.texts) and self.texts[after] == "{":
                return self.argument_end(after)
        return index + 1

    def optional_end(self, index: int) -> int:
        """Index just after an optional ``[…]`` argument starting at ``index`` (``index`` if none)."""
        if index >= len(self.texts) or self.texts[index] != "[":
            return index
        depth = 0
        for position in range(index + 1, len(self.texts)):
            text = self.texts[position]
            if text == "{":
                depth += 1
            elif text == "}":
                depth -= 1
            elif text == "]" and depth <= 0:
                return position + 1
        return index  # no closing bracket: not an optional argument

    def index_at(self, offset: int) -> int:
        """Index of the first token starting at or after character ``offset``."""
        position = bisect_right(self.starts, offset - 1)
        return position


def _match_braces(texts: list[str]) -> list[int]:
    """For every ``{``/``}`` the index of its partner, -1 when unbalanced or not a brace."""
    match = [-1] * len(texts)
    stack: list[int] = []
    for index, text in enumerate(texts):
        if text == "{":
            stack.append(index)
        elif text == "}" and stack:
            partner = stack.pop()
            match[index], match[partner] = partner, index
    return match


def _top_level_mask(tokens: _Tokens) -> list[bool]:
    """Whether each token sits outside every brace, bracket, environment and script argument."""
    texts = tokens.texts
    mask = [False] * len(texts)
    braces = brackets = environments = 0
    script_pending = False
    for index, text in enumerate(texts):
        if text.isspace():
            mask[index] = braces == brackets == environments == 0 and not script_pending
            continue
        in_script = script_pending
        script_pending = False
        if text == "{":
            braces += 1
            continue
        if text == "}":
            braces = max(braces - 1, 0)
            continue
        if text in _OPENERS:
            brackets += 1
            continue
        if text in _CLOSERS:
            brackets = max(brackets - 1, 0)
            continue
        if text == "\\begin":
            environments += 1
            continue
        if text == "\\end":
            environments = max(environments - 1, 0)
            continue
        mask[index] = braces == brackets == environments == 0 and not in_script
        if text in ("_", "^"):
            script_pending = True
    return mask


@dataclass(frozen=True)
class RelationMatch:
    """A relation found at the top level of a LaTeX text."""

    relation: str
    latex: str
    start: int
    end: int
    annotation: str = ""


def _relation_at(tokens: _Tokens, index: int) -> tuple[str, int, str] | None:
    """``(canonical relation, index after it, annotation)`` if a relation starts at token ``index``."""
    texts, n = tokens.texts, len(tokens.texts)
    text = texts[index]
    following = texts[index + 1] if index + 1 < n else ""
    if text == ":" and following == "=":
        return ":=", index + 2, ""
    if text in ("<", ">") and following == "=":
        return ("≤" if text == "<" else "≥"), index + 2, ""
    if text == "\\not":
        after = tokens.next_significant(index + 1)
        if after < n and texts[after] in RELATIONS:
            name = RELATIONS[texts[after]]
            return {"=": "≠", "∈": "∉"}.get(name, "¬" + name), after + 1, ""
        return None
    if text in ("\\stackrel", "\\overset", "\\underset", "\\mathrel"):
        first = tokens.next_significant(index + 1)
        annotation = ""
        if text != "\\mathrel":
            first_end = tokens.argument_end(first)
            annotation = "".join(texts[first:first_end]).strip()
            if annotation.startswith("{") and annotation.endswith("}"):
                annotation = annotation[1:-1].strip()
            first = tokens.next_significant(first_end)
        second_end = tokens.argument_end(first)
        inner = [t for t in texts[first:second_end] if not t.isspace() and t not in ("{", "}")]
        if len(inner) == 1 and inner[0] in RELATIONS:
            name = RELATIONS[inner[0]]
            plain = re.sub(r"\\(?:text|mathrm|textrm|rm|scriptstyle|scriptscriptstyle)\b|[{}\s]", "", annotation)
            if name == "=" and plain in _DEFINITION_ANNOTATIONS:
                name = ":="
            return name, second_end, annotation
        return None
    if text in RELATIONS:
        return RELATIONS[text], index + 1, ""
    return None


def _relations(tokens: _Tokens, mask: list[bool]) -> list[RelationMatch]:
    """Every top-level relation of ``tokens``, in order."""
    found: list[RelationMatch] = []
    index, n = 0, len(tokens)
    while index < n:
        if mask[index]:
            hit = _relation_at(tokens, index)
            if hit is not None:
                name, after, annotation = hit
                start, end = tokens.starts[index], tokens.end(after - 1)
                latex = "".join(tokens.texts[index:after])
                found.append(RelationMatch(name, latex, start, end, annotation))
                index = after
                continue
        index += 1
    return found


def top_level_relations(latex: str) -> list[RelationMatch]:
    """Relations of ``latex`` that are not nested in braces, brackets, parentheses or scripts.

    >>> [(m.relation, m.start) for m in top_level_relations(r"\\sum_{t=0} x_t \\geq f(a=b) = 1")]
    [('≥', 15), ('=', 27)]
    """
    tokens = _Tokens(_require_str(latex, "top_level_relations"))
    return _relations(tokens, _top_level_mask(tokens))


# ---------------------------------------------------------------------------------------------
# Stripping


@dataclass(frozen=True)
class Clause:
    """A clause split off a formula: ``kind`` is 'where', 'condition' or 'note'."""

    kind: str
    keyword: str
    body: MappedText

    @property
    def text(self) -> str:
        """The clause's LaTeX (after its keyword)."""
        return self.body.text

    def original_offset(self, offset: int) -> int:
        """The offset in the original LaTeX of the character at ``offset`` in ``text``."""
        return self.body.original_offset(offset)


@dataclass(frozen=True)
class Stripped:
    """LaTeX with its presentation removed, clauses split off, and offsets back to the original."""

    body: MappedText
    clauses: tuple[Clause, ...] = ()

    @property
    def text(self) -> str:
        """The stripped LaTeX of the formula itself (without its clauses)."""
        return self.body.text

    @property
    def where(self) -> tuple[Clause, ...]:
        """The definitions introduced by ``where`` / ``with``."""
        return tuple(clause for clause in self.clauses if clause.kind == "where")

    @property
    def conditions(self) -> tuple[Clause, ...]:
        """The conditions introduced by ``for``, ``if``, ``\\forall`` …"""
        return tuple(clause for clause in self.clauses if clause.kind == "condition")

    def original_offset(self, offset: int) -> int:
        """The offset in the original LaTeX of the character at ``offset`` in ``text``."""
        return self.body.original_offset(offset)


def _group_flags(tokens: _Tokens) -> dict[int, tuple[bool, bool, bool]]:
    """For each ``{`` group, at its own level: has a relation, has an operator, has a row break."""
    texts = tokens.texts
    flags: dict[int, list[bool]] = {}
    # stack entries: [group index, bracket depth inside it, script pending]
    stack: list[list[int]] = []
    for index, text in enumerate(texts):
        if text.isspace():
            continue
        if text == "{":
            if stack and stack[-1][2]:
                stack[-1][2] = 0
            stack.append([index, 0, 0])
            flags[index] = [False, False, False]
            continue
        if text == "}":
            if stack:
                stack.pop()
            continue
        if not stack:
            continue
        top = stack[-1]
        if top[2]:
            top[2] = 0
            continue
        if text in _OPENERS or text == "\\begin":
            top[1] += 1
            continue
        if text in _CLOSERS or text == "\\end":
            top[1] = max(top[1] - 1, 0)
            continue
        if text in ("_", "^"):
            top[2] = 1
            continue
        if top[1] == 0:
            entry = flags[top[0]]
            if text in RELATIONS or text in CONNECTIVES or text in ("\\stackrel", "\\overset", "\\not"):
                entry[0] = True
            elif text in _BINARY_OPERATORS or text in _BIG_OPERATORS:
                entry[1] = True
            elif text == "\\\\":
                entry[2] = True
    return {index: (value[0], value[1], value[2]) for index, value in flags.items()}


_TRANSPARENT = _SIZES | {"\\color"}


def _context_is_empty(tokens: _Tokens, before: int, after: int) -> bool:
    """Whether nothing that could bind to a group lies at ``before`` (backwards) and ``after``."""
    texts, n = tokens.texts, len(tokens.texts)
    index = tokens.previous_significant(before)
    while index >= 0 and texts[index] in _TRANSPARENT:
        index = tokens.previous_significant(index - 1)
    if index >= 0:
        text = texts[index]
        if not (text in ("{", "&", "\\\\") or text in _OPENERS or text in RELATIONS or text in CONNECTIVES):
            return False
    index = tokens.next_significant(after)
    while index < n and texts[index] in _SIZES:
        index = tokens.next_significant(index + 1)
    if index < n:
        text = texts[index]
        if not (text in ("}", "&", "\\\\") or text in _CLOSERS or text in RELATIONS or text in CONNECTIVES):
            return False
    return True


def _strip(latex: str, remove_alignment: bool) -> MappedText:
    """``latex`` without presentation markup, each character mapped to its original offset."""
    tokens = _Tokens(latex)
    texts, starts, match = tokens.texts, tokens.starts, tokens.match
    n = len(texts)
    skip = bytearray(n)
    flags = _group_flags(tokens)
    environments: list[str] = []
    out = _Builder()

    def drop(start: int, stop: int) -> None:
        for position in range(start, min(stop, n)):
            skip[position] = 1

    def unwrap(group: int, macro: int, following: int = -1) -> None:
        """Drop the braces of the content group ``group`` of wrapper ``macro`` unless they matter.

        ``following`` is the token after the wrapper (default: after the group's closing brace).
        """
        close = match[group]
        if close < 0:
            skip[group] = 1
            return
        previous = tokens.previous_significant(macro - 1)
        if previous >= 0 and texts[previous] in ("^", "_"):
            return
        has_relation, has_operator, has_row_break = flags.get(group, (False, False, False))
        if has_row_break and not has_relation:
            return  # the group spans rows of a formula that is not a relation: keep it whole
        context_after = close + 1 if following < 0 else following
        if has_relation or not has_operator or _context_is_empty(tokens, macro - 1, context_after):
            skip[group] = skip[close] = 1

    index = 0
    while index < n:
        if skip[index]:
            index += 1
            continue
        text, start = texts[index], starts[index]
        if text in _SPACING or text == "~":
            out.add(" ", start)
        elif text in _DROPPED:
            pass
        elif text in _DROPPED_WITH_ARGUMENT or text in _SPACING_WITH_ARGUMENT:
            after = index + 1
            if after < n and texts[after] == "*":
                after += 1
            after = tokens.argument_end(tokens.next_significant(after))
            drop(index, after)
            if text in _SPACING_WITH_ARGUMENT:
                out.add(" ", start)
            index = after
            continue
        elif text in _SIZES:
            after = tokens.next_significant(index + 1)
            if after < n and texts[after] == ".":
                index = after + 1
                continue
        elif text in _KERNS:
            found = _DIMENSION.match(latex, tokens.end(index))
            out.add(" ", start)
            if found:
                index = tokens.index_at(found.end())
                continue
        elif text in _WRAPPERS:
            optional, leading = _WRAPPERS[text]
            after = tokens.next_significant(index + 1)
            if optional:
                after = tokens.next_significant(tokens.optional_end(after))
            for _ in range(leading):
                after = tokens.next_significant(tokens.argument_end(after))
            drop(index, after)
            if after < n and texts[after] == "{":
                following = -1
                script = _ANNOTATION_SCRIPT.get(text)
                close = match[after]
                if script and close >= 0:
                    label = tokens.next_significant(close + 1)
                    if label < n and texts[label] == script:
                        following = tokens.argument_end(tokens.next_significant(label + 1))
                        drop(label, following)
                unwrap(after, index, following)
            index = after
            continue
        elif text == "\\color":
            after = tokens.next_significant(tokens.optional_end(tokens.next_significant(index + 1)))
            after_argument = tokens.argument_end(after)
            drop(index, after_argument)
            content = tokens.next_significant(after_argument)
            if content < n and texts[content] == "{":
                unwrap(content, index)
            index = after_argument
            continue
        elif text in _RENAMED:
            out.add("\\", start)
            out.add(text[2:], start + 2)
        elif text in _MARKDOWN_ESCAPES:
            out.add(text[1], start + 1)
        elif text == "%":
            while index + 1 < n and "\n" not in texts[index + 1]:
                index += 1
        elif text == "{":
            first = tokens.next_significant(index + 1)
            if first < n and texts[first] == "\\color" and match[index] >= 0:
                skip[match[index]] = 1
            else:
                out.add(text, start)
        elif text == "&" and remove_alignment and not (environments and environments[-1] in _MATRIX_ENVIRONMENTS):
            neighbours = (texts[index - 1] if index else " ", texts[index + 1] if index + 1 < n else " ")
            if not (neighbours[0].isspace() or neighbours[1].isspace() or out.last_char().isspace()):
                out.add(" ", start)
        else:
            if text in ("\\begin", "\\end"):
                name_start = tokens.next_significant(index + 1)
                name_end = tokens.argument_end(name_start)
                name = "".join(texts[name_start:name_end]).strip("{} ")
                if text == "\\begin":
                    environments.append(name)
                elif environments:
                    environments.pop()
            out.add(text, start)
        index += 1
    return out.build(len(latex))


def _clause_kind(content: str) -> tuple[str, str] | None:
    """``(kind, keyword)`` if the text of a ``\\text{…}`` group opens a clause."""
    words = content.strip().lstrip(",;:. ").strip()
    lowered = words.lower()
    if lowered.startswith("("):
        return "note", words
    for keyword, kind in CLAUSE_KINDS.items():
        if lowered == keyword or (lowered.startswith(keyword) and not lowered[len(keyword)].isalpha()):
            return kind, words
    return None


def split_clauses(mapped: MappedText) -> tuple[MappedText, tuple[Clause, ...]]:
    """Split trailing ``\\text{where} …`` / ``\\text{for} …`` / ``\\forall …`` clauses off a formula.

    A clause starts at a top-level ``\\text{…}`` whose first words are a keyword of
    ``CLAUSE_KINDS``, or at a top-level ``\\forall`` after a relation; it runs to the next clause or
    the end. Trailing ``,``/``;``/``.`` and spaces before a clause are trimmed from the formula.

    >>> body, clauses = split_clauses(MappedText.of(r"x = y \\text{for } s \\neq t"))
    >>> body.text, clauses[0].kind, clauses[0].text
    ('x = y', 'condition', 's \\\\neq t')
    """
    text = mapped.text
    tokens = _Tokens(text)
    mask = _top_level_mask(tokens)
    texts, n = tokens.texts, len(tokens)
    # (token index where the clause begins, token index where its body begins, kind, keyword)
    starts: list[tuple[int, int, str, str]] = []
    seen_relation = False
    index = 0
    while index < n:
        token = texts[index]
        if mask[index] and token in _TEXT_MACROS:
            group = tokens.next_significant(index + 1)
            if group < n and texts[group] == "{" and tokens.match[group] >= 0:
                close = tokens.match[group]
                found = _clause_kind("".join(texts[group + 1 : close]))
                if found is not None:
                    starts.append((index, close + 1, *found))
                index = close + 1
                continue
        if mask[index] and token in ("\\forall", "∀") and seen_relation:
            starts.append((index, index + 1, "condition", "\\forall"))
        if mask[index] and _relation_at(tokens, index) is not None:
            seen_relation = True
        index += 1
    if not starts:
        return mapped.strip().strip(",;.").strip(), ()
    clauses: list[Clause] = []
    for position, (_, body_start, kind, keyword) in enumerate(starts):
        stop = tokens.starts[starts[position + 1][0]] if position + 1 < len(starts) else len(text)
        begin = tokens.starts[body_start] if body_start < n else len(text)
        body = mapped.slice(begin, stop).strip().strip(",;.").strip()
        clauses.append(Clause(kind, keyword, body))
    head = mapped.slice(0, tokens.starts[starts[0][0]]).strip().strip(",;.").strip()
    return head, tuple(clauses)


def strip_presentation(latex: str, *, remove_alignment: bool = False) -> Stripped:
    """Remove presentation from ``latex`` but keep its meaning, and split off trailing clauses.

    Removed: ``\\textcolor{c}{X}``/``\\color``/``\\boxed{X}`` wrappers (keeping ``X``; its braces stay
    only where dropping them could change grouping), ``\\left``/``\\right``/``\\big…`` sizes,
    spacing (``\\,`` ``\\;`` ``\\!`` ``\\quad`` ``~`` … become one space), ``\\displaystyle``,
    ``\\nonumber``, ``\\label{…}``, ``\\tag{…}``, ``%`` comments and MathJax's ``\\*``/``\\_`` escapes.
    With ``remove_alignment``, alignment ``&`` outside matrices and cases is removed too.
    Raises NotationError only when ``latex`` is not a str.

    >>> s = strip_presentation(r"\\boxed{a \\geq b} \\quad \\text{where } b = \\textcolor{red}{c}")
    >>> s.text, s.where[0].text
    ('a \\\\geq b', 'b = c')
    >>> s.original_offset(s.text.index("b"))
    14
    """
    _require_str(latex, "strip_presentation")
    body, clauses = split_clauses(_strip(latex, remove_alignment))
    return Stripped(body, clauses)


def _row_spacing_end(text: str, offset: int) -> int:
    """End of a ``[2pt]`` row-spacing argument of ``\\\\`` starting at ``offset`` (``offset`` if none)."""
    found = _ROW_SPACING.match(text, offset)
    return found.end() if found else offset
