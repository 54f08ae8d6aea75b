"""Every source line a derivation module records points at the text it claims to encode.

For each module of the ``derivations`` package with a ``DERIVATION``: every recorded line exists in
the seed post, and every line that carries LaTeX (steps, statements, definitions, objectives) shows,
within ±1 line, the distinctive tokens of the recorded LaTeX: macros with their subscripts
(``\\max_a``, ``\\sum_{t=1}``, ``\\approx``) and applied quantities (``V_{\\pi_\\theta}(s_0)``).  A
step's relation other than ``=`` must appear there too.  This catches line numbers that are off.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import derivations
from symrl.check import (
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    GradientDefinition,
    Relation,
    SameMaximisersChain,
    StatementChain,
)

SEED_DIRECTORY = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed"
WINDOW = 1
"""Tokens may sit on the recorded line or this many lines either side (a display split over lines)."""

PRESENTATION_MACROS = frozenset(
    {"left", "right", "quad", "qquad", "text", "textcolor", "boxed", "mathrm", "displaystyle", "cdots", "cdot"}
)
_SUBSCRIPT = r"_(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[A-Za-z0-9])"
_MACRO = re.compile(r"\\([A-Za-z]+)(" + _SUBSCRIPT + r")?")
_APPLICATION = re.compile(r"(?<![A-Za-z\\])((?:\\[A-Za-z]+|[A-Za-z])(?:" + _SUBSCRIPT + r")?'*\([^()]*\))")


def modules_with_derivations() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(derivations.__path__):
        module = importlib.import_module(f"derivations.{info.name}")
        if isinstance(getattr(module, "DERIVATION", None), Derivation):
            names.append(info.name)
    return sorted(names)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("&", "")


def distinctive_tokens(latex: str) -> list[str]:
    """Macros (with their subscript) and applied quantities of ``latex``, whitespace removed."""
    tokens = [match.group(0) for match in _MACRO.finditer(latex) if match.group(1) not in PRESENTATION_MACROS]
    tokens += [match.group(1) for match in _APPLICATION.finditer(latex)]
    return list(dict.fromkeys(normalise(token) for token in tokens))


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One recorded source line: what records it, and the LaTeX (and relation) it says is there."""

    what: str
    line: int
    latex: str | None = None
    relation: Relation | None = None


def recorded_lines(derivation: Derivation) -> Iterator[Recorded]:
    for item in derivation.items:
        name = getattr(item, "name", type(item).__name__)
        if isinstance(item, ExpressionChain):
            yield Recorded(f"{name}: start", item.start_line, item.start_latex)
            for number, step in enumerate(item.steps, start=1):
                yield Recorded(f"{name}: step {number}", step.line, step.latex, step.relation)
            if item.conclusion is not None:
                yield Recorded(f"{name}: conclusion", item.conclusion.line, item.conclusion.latex)
        elif isinstance(item, StatementChain):
            for number, line in enumerate(item.lines, start=1):
                yield Recorded(f"{name}: statement {number}", line.line, line.latex)
        elif isinstance(item, SameMaximisersChain):
            for number, (_, latex, line) in enumerate(item.objectives, start=1):
                yield Recorded(f"{name}: objective {number}", line, latex)
        elif isinstance(item, (DistributionDefinition, GradientDefinition)):
            yield Recorded(f"{name}: definition", item.line, item.latex)
        elif isinstance(item, Claim):
            yield Recorded(f"{name}: claim", item.line)
        else:
            raise AssertionError(f"{derivation.name}: unknown item type {type(item).__name__}")


def display_math_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines inside ``$$ … $$`` display math (delimiter lines included)."""
    inside, result = False, set()
    for number, text in enumerate(lines, start=1):
        delimiters = text.count("$$")
        if inside or delimiters:
            result.add(number)
        if delimiters % 2:
            inside = not inside
    return result


def problems_with(derivation: Derivation, lines: list[str]) -> list[str]:
    """Every way the derivation's recorded lines disagree with the text (empty when they agree)."""
    math = display_math_lines(lines)
    problems = []
    for record in recorded_lines(derivation):
        where = f"{derivation.name}: {record.what} (line {record.line})"
        if not 1 <= record.line <= len(lines):
            problems.append(f"{where}: the text has only {len(lines)} lines")
            continue
        if not lines[record.line - 1].strip():
            problems.append(f"{where}: the line is blank")
            continue
        if record.latex is None:
            continue
        if record.line not in math:
            problems.append(f"{where}: the line is not display math")
        window = normalise(" ".join(lines[max(0, record.line - 1 - WINDOW) : record.line + WINDOW]))
        tokens = distinctive_tokens(record.latex)
        if record.relation not in (None, Relation.EQ, Relation.DEFINES):
            tokens.append(normalise(record.relation.value))
        missing = [token for token in tokens if token not in window]
        if missing:
            problems.append(f"{where}: {missing} of {record.latex!r} not found near the line")
    return problems


def seed_lines(derivation: Derivation) -> list[str]:
    path = SEED_DIRECTORY / derivation.source
    if not path.is_file():
        message = f"seed text {path} is absent"
        if os.environ.get("CI"):
            pytest.fail(message + " (required when CI is set)")
        pytest.skip(message)
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("module_name", modules_with_derivations())
def test_recorded_lines_point_at_the_encoded_latex(module_name: str) -> None:
    derivation = importlib.import_module(f"derivations.{module_name}").DERIVATION
    lines = seed_lines(derivation)
    assert list(recorded_lines(derivation)), f"{module_name} records no source lines"
    problems = problems_with(derivation, lines)
    assert not problems, "\n".join(problems)


# -- the checker itself ----------------------------------------------------------------------------


def test_there_are_derivation_modules() -> None:
    names = modules_with_derivations()
    assert "common" not in names
    assert len(names) >= 5


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"r(s, a) + \gamma V_\pi(s') - V_\pi(s)", [r"\gamma", r"\pi", "r(s,a)", r"V_\pi(s')", r"V_\pi(s)"]),
        (
            r"\mathbb{E}_{s \sim h(s)}\left[\max_a Q_\pi(s, a)\right]",
            [r"\mathbb", r"\sim", r"\max_a", r"\pi", "h(s)", r"Q_\pi(s,a)"],
        ),
        (
            r"\sum_{t=1}^\infty \gamma^t V_{\pi_\theta}(s_t)",
            [r"\sum_{t=1}", r"\infty", r"\gamma", r"\pi_\theta", r"V_{\pi_\theta}(s_t)"],
        ),
    ],
)
def test_distinctive_tokens(latex: str, expected: list[str]) -> None:
    assert sorted(distinctive_tokens(latex)) == sorted(expected)


def test_a_shifted_line_number_is_caught() -> None:
    """Moving any module's latex-bearing records by a few lines must be reported."""
    lines = [
        r"$$",
        r"\eta(\pi') &= \mathbb{E}_{s \sim h(s)}\left[V_{\pi'}(s)\right] \\",
        r"&\geq \mathbb{E}_{s \sim h(s)}\left[ V_\pi(s) \right]",
        r"$$",
        "",
        "prose",
        "",
        "more prose",
    ]
    from symrl.check import Step
    from symrl.expr import Return, policy

    def derivation(start_line: int, step_line: int, relation: Relation = Relation.GE) -> Derivation:
        chain = ExpressionChain(
            name="c",
            block=1,
            start=Return(policy("pi'")),
            start_latex=r"\eta(\pi')",
            start_line=start_line,
            steps=(Step(relation, Return(policy("pi")), r"\mathbb{E}_{s \sim h(s)}\left[V_\pi(s)\right]", step_line),),
        )
        return Derivation(name="fake", source="fake", items=(chain,))

    assert problems_with(derivation(2, 3), lines) == []
    assert problems_with(derivation(6, 3), lines)  # prose line
    assert problems_with(derivation(2, 7), lines)  # blank line
    assert problems_with(derivation(2, 30), lines)  # beyond the text
    assert problems_with(derivation(2, 3, Relation.GT), lines)  # relation not on that line


def test_missing_seed_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "SEED_DIRECTORY", tmp_path)
    derivation = Derivation(name="fake", source="absent.txt")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        seed_lines(derivation)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="absent"):
        seed_lines(derivation)
