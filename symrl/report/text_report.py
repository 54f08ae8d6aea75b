"""The terminal report: compiler-style step lines, both sides, counterexample tables and verified fixes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from io import StringIO
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from symrl.check import CONDITIONS, DIAGNOSTIC_CODES, ClaimResult, FileResult, StepResult, Suggestion, Unread
from symrl.report.base import summary_line

__all__ = ["DEFAULT_WIDTH", "VERDICT_STYLES", "TextEmitter", "counterexample_table", "render_text"]

DEFAULT_WIDTH = 100
"""Columns of the report when the output is not a terminal."""

VERDICT_STYLES: dict[str, str] = {
    "holds": "green",
    "fails": "bold red",
    "holds-under": "yellow",
    "unknown": "magenta",
    "not-checked": "cyan",
}
"""Colour of each verdict."""

_VERDICT_WORDS = {"fails": "FAILS"}
_INDENT = 4
_LABEL_STYLE = "dim"
_LOCATION_STYLE = "bold"
# Spaces rich pads or wraps a line with, mixed with colour codes, up to the line's end.
_TRAILING_SPACE = re.compile(r"(?:\x1b\[[0-9;]*m| )+$", re.MULTILINE)


def _verdict(verdict: str | None) -> Text:
    """A verdict as it is printed: ``FAILS`` in capitals, each in its colour."""
    if verdict is None:
        return Text("—", style=_LABEL_STYLE)
    return Text(_VERDICT_WORDS.get(verdict, verdict), style=VERDICT_STYLES.get(verdict, ""))


def _location(path: str, source: dict | None, line: int) -> str:
    """``file:line`` of the original text when the record names one, else of the checked file."""
    if source and source.get("file"):
        return f"{source['file']}:{source.get('line', line)}"
    return f"{path}:{line}"


def _field(label: str, *value: Text | str) -> RenderableType:
    """An indented ``label: value`` line whose wrapped lines stay indented."""
    return _indented(Text.assemble((f"{label}: ", _LABEL_STYLE), *value))


def _indented(renderable: RenderableType) -> RenderableType:
    """``renderable`` shifted right by the detail indent, not padded to the full width."""
    return Padding(renderable, (0, 0, 0, _INDENT), expand=False)


def _condition(condition: str) -> Text:
    explanation = CONDITIONS.get(condition)
    return Text(f"{condition} ({explanation})" if explanation else condition)


def _code(code: str | None) -> Text:
    return Text(f" [{code}]", style=_LABEL_STYLE) if code else Text("")


# -- counterexamples ------------------------------------------------------------------------------


def _flat(value: Any) -> str:
    """A (nested) list of numbers as ``(a, b, …)``; anything else as written."""
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_flat(item) for item in value) + ")"
    return str(value)


def _per_state(value: Any, inner: str | None = None) -> str:
    """One line per state ``s``; with ``inner`` (``a``), one group per action within the line."""
    if not isinstance(value, (list, tuple)):
        return _flat(value)
    lines = []
    for s, row in enumerate(value):
        if inner and isinstance(row, (list, tuple)):
            cells = "; ".join(f"{inner}={a} → {_flat(cell)}" for a, cell in enumerate(row))
        else:
            cells = _flat(row)
        lines.append(f"s={s}: {cells}")
    return "\n".join(lines)


def _assignment(values: dict) -> str:
    return ", ".join(f"{name} = {value}" for name, value in sorted(values.items()))


def counterexample_table(example: dict) -> Table:
    """The counterexample MDP as a two-column table, in the order a reader rebuilds it."""
    table = Table(
        box=box.ROUNDED,
        show_header=False,
        padding=(0, 1),
    )
    table.add_column("quantity", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    rows: list[tuple[str, str]] = []
    for key, label in (("states", "states"), ("actions", "actions"), ("gamma", "γ")):
        if key in example:
            rows.append((label, str(example[key])))
    if "P" in example:
        rows.append(("P(s'|s,a)", _per_state(example["P"], inner="a")))
    if "r" in example:
        rows.append(("r(s,a)", _per_state(example["r"])))
    if "h" in example:
        rows.append(("h(s)", _flat(example["h"])))
    for name, table_of in sorted((example.get("policies") or {}).items()):
        rows.append((f"{name}(a|s)", _per_state(table_of)))
    if example.get("at"):
        rows.append(("at", _assignment(example["at"])))
    if example.get("bindings"):
        rows.append(("bindings", _assignment(example["bindings"])))
    for key, label in (("lhs", "lhs value"), ("rhs", "rhs value"), ("note", "note")):
        if key in example:
            rows.append((label, str(example[key])))
    shown = {
        "states",
        "actions",
        "gamma",
        "P",
        "r",
        "h",
        "policies",
        "at",
        "bindings",
        "lhs",
        "rhs",
        "note",
        "exact",
        "exact_for_any_policies",
    }
    for key in sorted(set(example) - shown):
        rows.append((key, _flat(example[key])))
    for label, value in rows:
        table.add_row(label, value)
    return table


# -- steps, claims, unread passages -----------------------------------------------------------------


def _counterexample(example: dict) -> RenderableType:
    kind = "exact rationals" if example.get("exact") else "floats"
    title = Text(f"counterexample ({kind}):", style=_LABEL_STYLE)
    parts: list[RenderableType] = [title, counterexample_table(example)]
    relaxed = example.get("exact_for_any_policies")
    if relaxed:
        parts.append(Text("the step fails for arbitrary policies too (exact rationals):", style=_LABEL_STYLE))
        parts.append(counterexample_table(relaxed))
    return _indented(Group(*parts))


def _fix(suggestion: Suggestion) -> RenderableType:
    verified = Text(suggestion.verdict, style=VERDICT_STYLES.get(suggestion.verdict, ""))
    if suggestion.condition:
        verified.append(f" under {suggestion.condition}")
    line = Text.assemble(
        ("fix: ", "bold"),
        f"{suggestion.description}: {suggestion.relation} {suggestion.rhs} (verified: ",
        verified,
        ")",
        _code(suggestion.code),
    )
    return _indented(line)


def _step(path: str, step: StepResult, verbose: bool) -> Iterator[RenderableType]:
    yield Text.assemble(
        (_location(path, step.source, step.line) + ":", _LOCATION_STYLE),
        f" step {step.step} ({step.relation}) ",
        _verdict(step.verdict),
        _code(step.code),
    )
    yield _field("lhs", step.lhs)
    yield _field("rhs", step.rhs)
    judged = Text.assemble(("evidence: ", _LABEL_STYLE), step.evidence or "—")
    if step.anchored is not None:
        judged.append_text(Text.assemble(("  anchored: ", _LABEL_STYLE)))
        judged.append_text(_verdict(step.anchored))
    if step.converse is not None:
        judged.append_text(Text.assemble(("  converse: ", _LABEL_STYLE), _verdict(step.converse)))
    yield _indented(judged)
    if step.condition:
        yield _field("holds under", _condition(step.condition))
    if step.message:
        yield _field("why", step.message)
    if verbose and step.code in DIAGNOSTIC_CODES:
        yield _field(f"[{step.code}]", DIAGNOSTIC_CODES[step.code])
    if step.counterexample:
        yield _counterexample(step.counterexample)
    if step.suggestion is not None:
        yield _fix(step.suggestion)


def _claim(path: str, claim: ClaimResult, verbose: bool) -> Iterator[RenderableType]:
    yield Text.assemble(
        (_location(path, claim.source, claim.line) + ":", _LOCATION_STYLE),
        f" claim {claim.name} ",
        _verdict(claim.verdict),
        _code(claim.code),
    )
    yield _field("statement", claim.statement)
    yield _field("evidence", claim.evidence or "—")
    if claim.condition:
        yield _field("holds under", _condition(claim.condition))
    for family, info in sorted(claim.families.items()):
        yield _field(f"{family} parametrisation", _verdict(info.get("verdict")))
    if claim.message:
        yield _field("why", claim.message)
    if verbose and claim.code in DIAGNOSTIC_CODES:
        yield _field(f"[{claim.code}]", DIAGNOSTIC_CODES[claim.code])
    if claim.counterexample:
        yield _counterexample(claim.counterexample)


EXCERPT_WIDTH = 72
"""Characters of a source line shown under an unread passage (a window around the caret)."""


def _unread(path: str, item: Unread) -> RenderableType:
    column = f":{item.column}" if item.column is not None else ""
    heading = Text.assemble(
        (f"{path}:{item.line}{column}:", _LOCATION_STYLE),
        " ",
        _verdict("not-checked"),
        f" {item.message}",
    )
    if not item.excerpt or not item.excerpt.strip():
        return heading
    # The source line as written, with a caret under the column the message points at; a long
    # line is cut to a window around that column.
    excerpt, caret = item.excerpt.expandtabs(1), item.column
    if len(excerpt) > EXCERPT_WIDTH:
        start = 0 if caret is None else max(0, min(caret - 1 - EXCERPT_WIDTH // 2, len(excerpt) - EXCERPT_WIDTH))
        shown = excerpt[start : start + EXCERPT_WIDTH]
        excerpt = ("…" if start else "") + shown + ("…" if start + EXCERPT_WIDTH < len(item.excerpt) else "")
        caret = None if caret is None else caret - start + (1 if start else 0)
    lines = [heading, Text.assemble(("    | ", _LABEL_STYLE), excerpt, no_wrap=True)]
    if caret is not None and 1 <= caret <= len(excerpt) + 1:
        lines.append(Text.assemble(("    | ", _LABEL_STYLE), " " * (caret - 1), ("^", "bold red")))
    return Group(*lines)


def _chains(steps: Sequence[StepResult]) -> list[tuple[int, str, list[StepResult]]]:
    """Steps grouped by chain number, then by chain name in order of first appearance."""
    groups: dict[tuple[int, str], list[StepResult]] = {}
    for step in sorted(steps, key=lambda s: (s.chain, s.step)):
        groups.setdefault((step.chain, step.chain_name), []).append(step)
    return [(chain, name, members) for (chain, name), members in sorted(groups.items(), key=lambda g: g[0][0])]


def _file(file: FileResult, verbose: bool) -> Iterator[RenderableType]:
    header = Text(file.path, style="bold underline")
    sources = sorted({str(s.source.get("file")) for s in [*file.steps, *file.claims] if s.source.get("file")})
    if sources and sources != [file.path]:
        header.append(f"  (encodes {', '.join(sources)})", style=_LABEL_STYLE)
    yield header
    if not (file.steps or file.claims or file.unread):
        yield Text("nothing to check: no steps, claims or unread passages", style=_LABEL_STYLE)
    for chain, name, steps in _chains(file.steps):
        yield Text("")
        yield Text(f"chain {chain}" + (f" · {name}" if name else ""), style="bold")
        for step in steps:
            yield from _step(file.path, step, verbose)
    if file.claims:
        yield Text("")
        yield Text("claims", style="bold")
        for claim in sorted(file.claims, key=lambda c: (c.line, c.name)):
            yield from _claim(file.path, claim, verbose)
    if file.unread:
        yield Text("")
        yield Text("unread", style="bold")
        for item in sorted(file.unread, key=lambda u: u.line):
            yield _unread(file.path, item)


def _summary(files: Sequence[FileResult]) -> Text:
    failed = any(file.failed for file in files)
    return Text(summary_line(files), style="bold red" if failed else "bold green")


def render_text(
    files: Sequence[FileResult],
    *,
    color: bool,
    width: int = DEFAULT_WIDTH,
    notes: Sequence[str] = (),
    verbose: bool = False,
) -> str:
    """The terminal report of ``files``: ANSI colours only with ``color``; deterministic.

    ``notes`` are printed first (e.g. assumed conditions); ``verbose`` adds what each
    diagnostic code means.

    >>> from symrl.check import FileResult
    >>> print(render_text([FileResult(path="post.md")], color=False, width=60), end="")
    post.md
    nothing to check: no steps, claims or unread passages
    <BLANKLINE>
    0 steps (1 file)
    """
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        _environ={},
    )
    for note in notes:
        console.print(Text(f"note: {note}", style=_LABEL_STYLE))
    for index, file in enumerate(files):
        if index:
            console.print()
        console.print(Group(*_file(file, verbose)))
    console.print()
    console.print(_summary(files))
    return _TRAILING_SPACE.sub(lambda match: match.group().replace(" ", ""), buffer.getvalue())


class TextEmitter:
    """Writes the terminal report, with or without colour, at a fixed width."""

    def __init__(self, *, color: bool = False, width: int = DEFAULT_WIDTH, notes: Sequence[str] = ()) -> None:
        self.color = color
        self.width = width
        self.notes = tuple(notes)

    def emit(self, files: Sequence[FileResult], stream: TextIO) -> None:
        """Write the report of ``files`` to ``stream``."""
        stream.write(render_text(files, color=self.color, width=self.width, notes=self.notes))
