"""The emitter interface and the verdict counts every report format shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TextIO

from symrl.check import FileResult

__all__ = ["VERDICT_ORDER", "Emitter", "count_verdicts", "summary_line"]

VERDICT_ORDER: tuple[str, ...] = ("holds", "fails", "holds-under", "unknown", "not-checked")
"""Verdicts from best to least decided; counts and legends list them in this order."""

_PLURAL_VERB = {"holds": "hold", "fails": "fail"}


class Emitter(Protocol):
    """Writes the verdicts of checked files in one output format."""

    def emit(self, files: Sequence[FileResult], stream: TextIO) -> None:
        """Write the report of ``files`` to ``stream``."""


def count_verdicts(verdicts: Sequence[str]) -> Counter[str]:
    """How many times each verdict occurs.

    >>> count_verdicts(["holds", "fails", "holds"])["holds"]
    2
    """
    return Counter(verdicts)


def _counted(noun: str, verdicts: Sequence[str]) -> str:
    counts = count_verdicts(verdicts)
    total = len(verdicts)
    head = f"{total} {noun}" + ("" if total == 1 else "s")
    order = [*VERDICT_ORDER, *sorted(set(counts) - set(VERDICT_ORDER))]
    parts = [f"{counts[v]} {_PLURAL_VERB.get(v, v) if counts[v] != 1 else v}" for v in order if counts[v]]
    return head + (": " + ", ".join(parts) if parts else "")


def summary_line(files: Sequence[FileResult]) -> str:
    """One line counting the verdicts of every step, claim and unread passage of ``files``.

    >>> from symrl.check import FileResult
    >>> summary_line([FileResult(path="post.md")])
    '0 steps (1 file)'
    """
    steps = [step.verdict for file in files for step in file.steps]
    claims = [claim.verdict for file in files for claim in file.claims]
    unread = sum(len(file.unread) for file in files)
    parts = [_counted("step", steps)]
    if claims:
        parts.append(_counted("claim", claims))
    if unread:
        parts.append(f"{unread} unread passage" + ("" if unread == 1 else "s"))
    count = len(files)
    return "; ".join(parts) + f" ({count} file" + ("" if count == 1 else "s") + ")"
