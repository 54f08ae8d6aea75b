"""Display math found in Markdown and TeX, with the source line and column of every character."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrl.errors import NotationError
from symrl.latex import (
    MathBlock,
    SourceMap,
    find_inline_math,
    find_inline_relations,
    find_math,
    find_math_tex,
)
from tests.latex.mutations import FUZZ_SETTINGS, MARKDOWN_FRAGMENTS

# (index, line of the opening delimiter, line of the closing one) of the seed post's display blocks
SEED_BLOCK_LINES = [
    (1, 38, 40), (2, 52, 54), (3, 57, 59), (4, 63, 72), (5, 80, 82), (6, 86, 88), (7, 92, 94),
    (8, 115, 117), (9, 123, 125), (10, 129, 131), (11, 139, 146), (12, 150, 155), (13, 159, 161),
    (14, 165, 167), (15, 171, 175), (16, 188, 190), (17, 194, 203), (18, 207, 207), (19, 212, 220),
]  # fmt: skip
SLOW = 3.0  # seconds; every call here takes milliseconds


def _assert_positions_match(block: MathBlock | object, text: str) -> None:
    """Every non-newline character of the block's LaTeX sits where its source map says."""
    lines = text.replace("\r\n", "\n").split("\n")
    latex = block.latex  # type: ignore[attr-defined]
    for offset, character in enumerate(latex):
        if character == "\n":
            continue
        line, column = block.source_map.position_of(offset)  # type: ignore[attr-defined]
        assert lines[line - 1][column - 1] == character, (offset, line, column)


# ---------------------------------------------------------------------------------------------
# The seed post


def test_seed_display_blocks_and_their_lines(seed_text: str) -> None:
    blocks = find_math(seed_text)
    assert [(block.index, block.start_line, block.end_line) for block in blocks] == SEED_BLOCK_LINES


def test_seed_every_character_maps_back_to_its_source_position(seed_text: str) -> None:
    for block in find_math(seed_text):
        _assert_positions_match(block, seed_text)
    for math in find_inline_math(seed_text):
        _assert_positions_match(math, seed_text)


def test_seed_block_opening_lines_hold_the_delimiter(seed_text: str) -> None:
    lines = seed_text.split("\n")
    for block in find_math(seed_text):
        assert "$$" in lines[block.start_line - 1]
        assert "$$" in lines[block.end_line - 1]
        assert block.start_line <= block.first_content_line <= block.end_line


def test_seed_blocks_after_a_paragraph_line_are_display_math(seed_blocks: dict[int, MathBlock]) -> None:
    # blocks 1–3 open with `$$` on the line right after text, so they are inline `$$` to markdown-it
    assert seed_blocks[1].latex.startswith("\\pi(a|s) \\in [0, 1]")
    assert seed_blocks[1].first_content_line == 39
    assert seed_blocks[2].latex.startswith("\\eta(\\pi) = ")
    assert seed_blocks[3].latex == "\\pi'(s) = \\arg\\max_a Q_\\pi(s, a)"


def test_seed_aligned_blocks_keep_their_environment(seed_blocks: dict[int, MathBlock]) -> None:
    aligned = {index for index, block in seed_blocks.items() if block.environment == "align*"}
    assert aligned == {4, 11, 12, 17, 19}
    assert seed_blocks[4].latex.startswith("\\begin{align*}\n\\eta(\\pi') &=")
    assert seed_blocks[4].line_of(seed_blocks[4].latex.index("\\boxed")) == 70


def test_seed_block_in_a_blockquote_list_item(seed_text: str, seed_blocks: dict[int, MathBlock]) -> None:
    block = seed_blocks[18]
    assert seed_text.split("\n")[206].startswith(">- green : $$")
    assert block.latex.startswith("\\sum_{t=0}^\\infty")
    assert "\\\\ =  V_{\\pi_\\theta}(s_0)" in block.latex
    assert block.position_of(0) == (207, 14)
    assert not block.latex.endswith("$")


def test_seed_path_is_recorded(seed_text: str) -> None:
    assert {block.path for block in find_math(seed_text, path="post.md")} == {"post.md"}


def test_seed_mathjax_script_and_front_matter_are_skipped(seed_text: str) -> None:
    # the MathJax configuration (lines 9–27) has `$`, `\\(` and `^{$1}`; none of it is math
    assert all(math.line > 29 for math in find_inline_math(seed_text))
    assert all(block.start_line > 29 for block in find_math(seed_text))


def test_seed_inline_relations(seed_text: str) -> None:
    found = [(math.line, math.latex, math.relations) for math in find_inline_relations(seed_text)]
    assert found == [
        (37, "A = \\{a_1, \\cdots, a_k\\}", ("=",)),
        (37, "s \\in S", ("∈",)),
        (43, "a \\in A(s)", ("∈",)),
        (47, "\\pi_{t+1} \\leftarrow \\text{improved}(\\pi_t)", ("←",)),
        (96, "\\pi = \\pi^*", ("=",)),
        (133, "r(s, a_1) = -1", ("=",)),
        (133, "r(s, a_2) = 1", ("=",)),
    ]
    # the long inline expectation on line 210 states no relation (its `=` is in a subscript)
    assert any(math.line == 210 and not math.relations for math in find_inline_math(seed_text))


def test_seed_inline_relation_columns(seed_text: str) -> None:
    lines = seed_text.split("\n")
    for math in find_inline_relations(seed_text):
        assert lines[math.line - 1][math.column - 1 :].startswith(math.latex)


# ---------------------------------------------------------------------------------------------
# Constructs, one small document each


def _lines(text: str) -> list[tuple[int, int, str]]:
    return [(block.start_line, block.end_line, block.latex) for block in find_math(text)]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param("$$\nx = 1\n$$\n", [(1, 3, "x = 1")], id="dollars-on-own-lines"),
        pytest.param("Text $$x = 1$$ text.\n", [(1, 1, "x = 1")], id="dollars-in-paragraph"),
        pytest.param("Text line\n$$\nx = 1\n$$\n", [(2, 4, "x = 1")], id="dollars-right-after-paragraph"),
        pytest.param("$$x = 1$$\n", [(1, 1, "x = 1")], id="one-line"),
        pytest.param("$$\na = 1\n\nb = 2\n$$\n", [(1, 5, "a = 1\n\nb = 2")], id="blank-line-inside"),
        pytest.param("> Quote\n> $$\n> a = b\n> $$\n", [(2, 4, "a = b")], id="blockquote"),
        pytest.param("> > $$\n> > a = b\n> > $$\n", [(1, 3, "a = b")], id="nested-blockquote"),
        pytest.param("- item\n  $$\n  a = b\n  $$\n", [(2, 4, "a = b")], id="list-item"),
        pytest.param("1. $$\n   a = b\n   $$\n", [(1, 3, "a = b")], id="ordered-list-item"),
        pytest.param(">- note : $$a = b \\\\ = c$$\n", [(1, 1, "a = b \\\\ = c")], id="blockquote-list-item"),
        pytest.param("\\[\na = b\n\\]\n", [(1, 3, "a = b")], id="brackets"),
        pytest.param("Text\n\\[ a = b \\]\n", [(2, 2, "a = b")], id="brackets-after-paragraph"),
        pytest.param("Text \\[ a = b \\] text\n", [(1, 1, "a = b")], id="brackets-inline"),
        pytest.param("> \\[\n> a = b\n> \\]\n", [(1, 3, "a = b")], id="brackets-in-blockquote"),
        pytest.param(
            "$$\n\\begin{align*}\na &= b \\\\\n&= c\n\\end{align*}\n$$\n",
            [(1, 6, "\\begin{align*}\na &= b \\\\\n&= c\n\\end{align*}")],
            id="align-in-dollars",
        ),
        pytest.param(
            "\\begin{align*}\na &= b\n\\end{align*}\n", [(1, 3, "\\begin{align*}\na &= b\n\\end{align*}")], id="align*"
        ),
        pytest.param(
            "\\begin{align}\na &= b\n\\end{align}\n", [(1, 3, "\\begin{align}\na &= b\n\\end{align}")], id="align"
        ),
        pytest.param(
            "\\begin{equation}\na = b\n\\end{equation}\n",
            [(1, 3, "\\begin{equation}\na = b\n\\end{equation}")],
            id="equation",
        ),
        pytest.param(
            "\\begin{gather}\na = b\n\\end{gather}\n", [(1, 3, "\\begin{gather}\na = b\n\\end{gather}")], id="gather"
        ),
        pytest.param(
            "\\begin{aligned}\na &= b\n\\end{aligned}\n",
            [(1, 3, "\\begin{aligned}\na &= b\n\\end{aligned}")],
            id="aligned",
        ),
        pytest.param(
            "Para\n\\begin{align*}\na &= b\n\\end{align*}\n",
            [(2, 4, "\\begin{align*}\na &= b\n\\end{align*}")],
            id="environment-after-paragraph",
        ),
        pytest.param(
            "Text\n$$\n\\begin{align*}\na &= b\n\\end{align*}\n$$\nmore text\n$$\nc = d\n$$\n",
            [(2, 6, "\\begin{align*}\na &= b\n\\end{align*}"), (8, 10, "c = d")],
            id="align-in-dollars-right-after-paragraph",
        ),
        pytest.param(
            "Text\n$$\\begin{align*}\na &= b\n\\end{align*}$$\nmore\n",
            [(2, 4, "\\begin{align*}\na &= b\n\\end{align*}")],
            id="align-glued-to-dollars-after-paragraph",
        ),
        pytest.param(
            "Text\n$$\n\\begin{align*}\na &= b\n\\end{align*}$$\nmore\n",
            [(2, 5, "\\begin{align*}\na &= b\n\\end{align*}")],
            id="align-end-glued-to-dollars-after-paragraph",
        ),
        pytest.param(
            "$$\n\\begin{align*}\na &= b\n\\end{align*}$$\n\nmore\n",
            [(1, 4, "\\begin{align*}\na &= b\n\\end{align*}")],
            id="align-end-glued-to-dollars",
        ),
        pytest.param(
            "Price \\$$5\n\\begin{align*}\na &= b\n\\end{align*}\n",
            [(2, 4, "\\begin{align*}\na &= b\n\\end{align*}")],
            id="escaped-dollars-do-not-open-a-display",
        ),
        pytest.param("$$\r\nx = 1\r\n$$\r\n", [(1, 3, "x = 1")], id="crlf"),
        pytest.param("$$ x = 1 $$ (eq:one)\n", [(1, 1, "x = 1")], id="labelled"),
    ],
)
def test_display_constructs(document: str, expected: list[tuple[int, int, str]]) -> None:
    assert _lines(document) == expected
    for block in find_math(document):
        _assert_positions_match(block, document)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("---\ntitle: $$x = 1$$\n---\n\nText\n", id="front-matter"),
        pytest.param(
            '<script type="text/javascript">\n  var m = "$$x = 1$$";\n  var n = "\\\\(";\n</script>\n',
            id="script-block",
        ),
        pytest.param("<div>\n$$x = 1$$\n</div>\n", id="html-block"),
        pytest.param("Code `$$x = 1$$` span\n", id="code-span"),
        pytest.param("```\n$$\nx = 1\n$$\n```\n", id="fenced-code"),
        pytest.param("Para\n\n    $$x = 1$$\n", id="indented-code"),
        pytest.param("Price \\$5 and \\$6\n", id="escaped-dollars"),
        pytest.param("Only $x = 1$ inline\n", id="inline-only"),
        pytest.param("Unclosed $$ x = 1\n\nnext\n", id="unclosed"),
        pytest.param("", id="empty"),
    ],
)
def test_not_display_math(document: str) -> None:
    assert find_math(document) == []


def test_front_matter_then_math() -> None:
    document = "---\nlayout: default\nmath: $$\n---\n\n$$\na = b\n$$\n"
    assert _lines(document) == [(6, 8, "a = b")]


def test_block_indices_count_in_order_of_appearance() -> None:
    document = "$$a = 1$$\n\n> $$b = 2$$\n\nText $$c = 3$$ and \\[d = 4\\]\n\n\\begin{align}e &= 5\\end{align}\n"
    blocks = find_math(document)
    assert [(block.index, block.latex) for block in blocks] == [
        (1, "a = 1"), (2, "b = 2"), (3, "c = 3"), (4, "d = 4"), (5, "\\begin{align}e &= 5\\end{align}"),
    ]  # fmt: skip


def test_columns_inside_blockquotes_and_lists() -> None:
    document = "> Quote\n> $$\n>   a = b\n> $$\n\n- item\n  $$ c = d $$\n"
    quoted, listed = find_math(document)
    assert quoted.latex == "a = b"
    assert quoted.position_of(0) == (3, 5)
    assert listed.position_of(listed.latex.index("d")) == (7, 10)


def test_multi_line_latex_maps_each_line() -> None:
    document = "Intro\n\n$$\n\\begin{align*}\n  x &= 1 \\\\\n  &= 2\n\\end{align*}\n$$\n"
    (block,) = find_math(document)
    assert block.start_line == 3
    assert block.line_of(block.latex.index("x")) == 5
    assert block.column_of(block.latex.index("x")) == 3
    assert block.line_of(block.latex.index("2")) == 6
    assert block.line_of(len(block.latex) - 1) == 7


def test_inline_math_and_relations() -> None:
    document = "Let $x = 1$ and $y$ with \\(z \\leq 2\\).\n\n| a | b |\n|---|---|\n| $p > q$ | $r$ |\n"
    assert [(m.line, m.column, m.latex) for m in find_inline_math(document)] == [
        (1, 6, "x = 1"), (1, 18, "y"), (1, 28, "z \\leq 2"), (5, 4, "p > q"), (5, 14, "r"),
    ]  # fmt: skip
    assert [(m.latex, m.relations) for m in find_inline_relations(document)] == [
        ("x = 1", ("=",)), ("z \\leq 2", ("≤",)), ("p > q", (">",)),
    ]  # fmt: skip


def test_inline_relations_ignore_nested_relations() -> None:
    document = "Sum $\\sum_{t=0}^\\infty \\gamma^t$ and $\\mathbb{E}_{s \\sim h}[f(a=b)]$ and $x \\approx y$.\n"
    assert [m.relations for m in find_inline_relations(document)] == [("≈",)]


def test_inline_math_is_not_counted_as_a_chain() -> None:
    assert [block.latex for block in find_math("A $x = 1$ B\n\n$$y = 2$$\n")] == ["y = 2"]


def test_non_str_input_raises_notation_error() -> None:
    with pytest.raises(NotationError, match="find_math"):
        find_math(b"$$x$$")  # type: ignore[arg-type]
    with pytest.raises(NotationError, match="find_inline_math"):
        find_inline_relations(None)  # type: ignore[arg-type]
    with pytest.raises(NotationError, match="find_math_tex"):
        find_math_tex(3)  # type: ignore[arg-type]


def test_source_map_of_text() -> None:
    source_map = SourceMap.of_text("ab\ncd\n", first_line=10, first_column=4)
    assert [source_map.position_of(offset) for offset in range(6)] == [
        (10, 4), (10, 5), (10, 6), (11, 1), (11, 2), (11, 3),
    ]  # fmt: skip
    assert SourceMap(()).position_of(3) == (1, 1)


# ---------------------------------------------------------------------------------------------
# TeX files


def test_tex_environments_brackets_and_dollars() -> None:
    document = (
        "\\documentclass{article}\n"
        "\\newcommand{\\x}{$$}\n"
        "\\begin{document}\n"
        "Text $a = b$ and \\verb|$$| and 50\\% % a comment with $$x$$\n"
        "\\begin{align*}\n"
        "  x &= y \\\\[2pt]\n"
        "  &= z\n"
        "\\end{align*}\n"
        "\\[ u = v \\]\n"
        "$$\n"
        "w = 1\n"
        "$$\n"
        "\\begin{verbatim}\n$$not = math$$\n\\end{verbatim}\n"
        "\\begin{equation*} e = f \\end{equation*}\n"
        "\\end{document}\n"
    )
    blocks = find_math_tex(document)
    assert [(b.index, b.start_line, b.end_line, b.delimiter) for b in blocks] == [
        (1, 5, 8, "\\begin"), (2, 9, 9, "\\["), (3, 10, 12, "$$"), (4, 16, 16, "\\begin"),
    ]  # fmt: skip
    assert blocks[0].environment == "align*"
    assert [b.latex for b in blocks[1:]] == ["u = v", "w = 1", "\\begin{equation*} e = f \\end{equation*}"]
    for block in blocks:
        _assert_positions_match(block, document)


def test_tex_without_document_environment_and_unclosed_blocks() -> None:
    assert [b.latex for b in find_math_tex("\\[ a = b")] == ["a = b"]
    assert [b.latex for b in find_math_tex("$x$ $$y = 1$$ \\\\[3pt]")] == ["y = 1"]
    assert find_math_tex("") == []


# ---------------------------------------------------------------------------------------------
# Fuzz


@FUZZ_SETTINGS
@given(st.lists(st.one_of(st.sampled_from(MARKDOWN_FRAGMENTS), st.text(max_size=6)), max_size=60))
def test_random_markdown_never_breaks(fragments: list[str]) -> None:
    document = "".join(fragments)
    started = time.perf_counter()
    for finder in (find_math, find_inline_math, find_math_tex):
        for found in finder(document):
            assert found.source_map.position_of(0)[0] >= 1
    blocks = find_math(document)
    assert [block.index for block in blocks] == list(range(1, len(blocks) + 1))
    assert time.perf_counter() - started < SLOW


@settings(FUZZ_SETTINGS, max_examples=12)
@given(st.integers(1, 3), st.sampled_from(MARKDOWN_FRAGMENTS), st.integers(300, 2000))
def test_huge_repetitive_markdown_is_fast(copies: int, fragment: str, repeat: int) -> None:
    document = (fragment + " a\n") * repeat * copies
    started = time.perf_counter()
    find_math(document)
    find_inline_relations(document)
    find_math_tex(document)
    assert time.perf_counter() - started < 2 * SLOW


def test_huge_seed_is_fast(seed_text: str) -> None:
    started = time.perf_counter()
    blocks = find_math(seed_text * 30)
    assert len(blocks) == 19 * 30
    assert time.perf_counter() - started < SLOW
