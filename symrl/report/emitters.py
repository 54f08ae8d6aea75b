"""The registry of output formats: one emitter per format behind the ``Emitter`` interface."""

from __future__ import annotations

from collections.abc import Sequence

from symrl.report.base import Emitter
from symrl.report.json_report import JsonEmitter
from symrl.report.text_report import DEFAULT_WIDTH, TextEmitter

__all__ = ["FORMATS", "emitter_for"]

FORMATS: tuple[str, ...] = ("text", "json")
"""Names of the output formats, the default first."""


def emitter_for(fmt: str, *, color: bool = False, width: int = DEFAULT_WIDTH, notes: Sequence[str] = ()) -> Emitter:
    """The emitter of format ``fmt`` (``text`` or ``json``).

    >>> type(emitter_for("json")).__name__
    'JsonEmitter'
    """
    if fmt == "json":
        return JsonEmitter()
    if fmt == "text":
        return TextEmitter(color=color, width=width, notes=notes)
    raise ValueError(f"emitter_for() got an unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
