"""Hypothesis strategies that mutate LaTeX and Markdown, for the front end's fuzz tests."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["FUZZ_SETTINGS", "LATEX_FRAGMENTS", "MARKDOWN_FRAGMENTS", "mutated", "tokens_of"]

# Deterministic runs, no example database; the time bound is asserted by the tests themselves.
FUZZ_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LATEX_FRAGMENTS = (
    "{", "}", "\\\\", "&", "&=", "\\left", "\\right.", "\\textcolor{red}{", "\\boxed{", "\\color{blue}",
    "\\text{where }", "\\text{for }", "\\quad", "\\therefore", "\\forall", "\\implies", "\\begin{align*}",
    "\\end{align*}", "\\begin{cases}", "\\end{aligned}", "_", "^", "\\", "%", "$", "$$", "\\[", "\\]",
    "\\undefinedmacro", "\\stackrel{", "\\overset{def}{=}", "\\not", ":=", "<", "\\label{", "\\tag*",
    "\\mkern", "\\hspace{", "[", "]", "(", ")", "\\{", "\\}", ",", "\\text{and}", "\n", "> ", "\\*", "\\_",
)  # fmt: skip
MARKDOWN_FRAGMENTS = (
    "$$", "$", "\\[", "\\]", "\\(", "\\)", "\n", "\n\n", "> ", "- ", "1. ", "    ", "`", "```\n",
    "<script>", "</script>", "<div>", "---\n", "\\begin{align*}", "\\end{align*}", "\\begin{aligned}",
    "x = 1", "\\\\", "|", "| --- |", "#", "\t", "\r\n", "\\$", "*", "_",
)  # fmt: skip

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)


def tokens_of(latex: str) -> list[str]:
    """A rough LaTeX tokenisation, enough to delete and duplicate whole tokens."""
    return _TOKEN.findall(latex)


@st.composite
def mutated(draw: st.DrawFn, sources: list[str], fragments: tuple[str, ...] = LATEX_FRAGMENTS) -> str:
    """One of ``sources`` after a few random edits: deletions, duplications, insertions, Unicode."""
    tokens = tokens_of(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 8))):
        operation = draw(st.sampled_from(["delete", "duplicate", "insert", "unicode", "truncate"]))
        position = draw(st.integers(0, len(tokens)))
        if operation == "delete" and tokens:
            width = draw(st.integers(1, 5))
            del tokens[position : position + width]
        elif operation == "duplicate" and tokens:
            width = draw(st.integers(1, 6))
            tokens[position:position] = tokens[position : position + width] * draw(st.integers(1, 4))
        elif operation == "insert":
            tokens.insert(position, draw(st.sampled_from(fragments)))
        elif operation == "unicode":
            tokens.insert(position, draw(st.text(max_size=8)))
        elif operation == "truncate":
            tokens = tokens[:position]
    return "".join(tokens)
