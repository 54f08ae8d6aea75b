"""LaTeX/Markdown front end: find display math, strip presentation, split chains into relations."""

from symrl.latex.chains import Chain, ChainKind, Link, Row, classify, read_chain, split_rows
from symrl.latex.markdown import (
    InlineMath,
    MathBlock,
    SourceMap,
    find_inline_math,
    find_inline_relations,
    find_math,
    find_math_tex,
)
from symrl.latex.presentation import Clause, MappedText, OffsetMap, Stripped, split_clauses, strip_presentation

__all__ = [
    "Chain",
    "ChainKind",
    "Clause",
    "InlineMath",
    "Link",
    "MappedText",
    "MathBlock",
    "OffsetMap",
    "Row",
    "SourceMap",
    "Stripped",
    "classify",
    "find_inline_math",
    "find_inline_relations",
    "find_math",
    "find_math_tex",
    "read_chain",
    "split_clauses",
    "split_rows",
    "strip_presentation",
]
