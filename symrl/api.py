"""The small Python API: check a post's text, or a derivation written in Python."""

from __future__ import annotations

from symrl.check import FileResult, check_derivation
from symrl.latex.declarations import Declarations
from symrl.latex.reader import read_document

__all__ = ["check_markdown"]


def check_markdown(
    text: str, path: str = "<text>", *, step_seconds: float = 60.0, declarations: Declarations | None = None
) -> FileResult:
    """Read every display equation of a Markdown (or, for a ``.tex`` path, TeX) text and judge it.

    Passages that cannot be read are listed in ``unread`` with their lines; the rest is judged.
    ``declarations`` (see :func:`symrl.parse_declarations`) add to what the text declares itself.

    >>> result = check_markdown("$$\\nQ_\\\\pi(s,a) = r(s,a) - \\\\gamma V_\\\\pi(s)\\n$$\\n")
    >>> [(step.line, step.verdict) for step in result.steps]
    [(2, 'fails')]
    """
    reading = read_document(text, path, declarations=declarations)
    result = check_derivation(reading.derivation, path=path, step_seconds=step_seconds)
    result.unread.extend(reading.unread)
    return result
