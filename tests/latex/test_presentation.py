"""Presentation stripping keeps meaning, splits clauses off, and maps every offset back."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symrl.errors import NotationError
from symrl.latex import MappedText, MathBlock, OffsetMap, split_clauses, strip_presentation
from symrl.latex.presentation import top_level_relations
from tests.latex.mutations import FUZZ_SETTINGS, mutated

SLOW = 3.0  # seconds


def _assert_offsets_map_back(original: str, stripped: MappedText) -> None:
    """Every character of the stripped text that is not an inserted space comes from the same character."""
    for offset, character in enumerate(stripped.text):
        source = stripped.original_offset(offset)
        assert 0 <= source <= len(original)
        if character != " ":
            assert original[source] == character, (offset, character, source)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        pytest.param("\\textcolor{blue}{x} = y", "x = y", id="textcolor"),
        pytest.param("\\textcolor[rgb]{1,0,0}{x} = y", "x = y", id="textcolor-model"),
        pytest.param("{\\color{red} x = y}", " x = y", id="color-group"),
        pytest.param("\\color{red} x = y", " x = y", id="color-switch"),
        pytest.param("a + \\color{red}{b} = c", "a + b = c", id="color-two-argument"),
        pytest.param("\\boxed{x \\geq y}", "x \\geq y", id="boxed"),
        pytest.param("\\boxed{\\therefore x \\geq y}", "\\therefore x \\geq y", id="boxed-therefore"),
        pytest.param("\\colorbox{yellow}{x} + \\fcolorbox{a}{b}{y}", "x + y", id="colorbox"),
        pytest.param("\\left[ V(s) \\right]", "[ V(s) ]", id="left-right"),
        pytest.param("\\left. f \\right|_{0}", " f |_{0}", id="null-delimiter"),
        pytest.param("\\left\\{ a \\middle| b \\right\\}", "\\{ a | b \\}", id="braces-and-middle"),
        pytest.param("\\big( a \\Bigr) \\biggl[ b \\Biggr]", "( a ) [ b ]", id="big-sizes"),
        pytest.param("a\\,b\\;c\\!d\\:e\\ f~g", "a b c d e f g", id="thin-spaces"),
        pytest.param("a \\quad b \\qquad c", "a   b   c", id="quads"),
        pytest.param("\\displaystyle \\sum_t x_t", " \\sum_t x_t", id="displaystyle"),
        pytest.param("x = 1 \\nonumber", "x = 1", id="nonumber"),
        pytest.param("x = 1 \\label{eq:one}", "x = 1", id="label"),
        pytest.param("x = 1 \\tag{3}", "x = 1", id="tag"),
        pytest.param("x = 1 \\tag*{(a)}", "x = 1", id="tag-star"),
        pytest.param("a \\* b", "a * b", id="escaped-star"),
        pytest.param("x\\_t = y\\_{t+1}", "x_t = y_{t+1}", id="escaped-underscore"),
        pytest.param("\\dfrac{1}{2} + \\tfrac12", "\\frac{1}{2} + \\frac12", id="dfrac"),
        pytest.param("a \\hspace{1em} b \\mkern3mu c", "a   b   c", id="hspace-mkern"),
        pytest.param("\\underbrace{a + b}_{\\text{two}} = c", "a + b = c", id="underbrace"),
        pytest.param("x = 1 % a comment\n+ 2", "x = 1 \n+ 2", id="comment"),
        pytest.param("50\\% = \\frac12", "50\\% = \\frac12", id="percent-kept"),
        pytest.param("\\alpha\\,\\beta", "\\alpha \\beta", id="space-between-macros"),
        pytest.param("\\mathbb{E}_{s \\sim h}[V(s)]", "\\mathbb{E}_{s \\sim h}[V(s)]", id="meaning-untouched"),
        pytest.param("x = y.", "x = y", id="trailing-period"),
        pytest.param("", "", id="empty"),
    ],
)
def test_strip_presentation(latex: str, expected: str) -> None:
    stripped = strip_presentation(latex)
    assert stripped.text == expected.strip()
    _assert_offsets_map_back(latex, stripped.body)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        pytest.param("a - \\textcolor{g}{b - c}", "a - {b - c}", id="operator-inside-after-minus"),
        pytest.param("2\\boxed{a + b}", "2{a + b}", id="product-with-sum"),
        pytest.param("\\textcolor{g}{\\sum_t x_t} + y", "{\\sum_t x_t} + y", id="big-operator-then-more"),
        pytest.param("x^\\boxed{ab}", "x^{ab}", id="superscript"),
        pytest.param("x_\\textcolor{red}{t+1}", "x_{t+1}", id="subscript"),
        pytest.param("[\\textcolor{g}{a - b}]", "[a - b]", id="whole-bracket-content"),
        pytest.param("\\left[\\textcolor{g}{a - b}\\right]", "[a - b]", id="whole-sized-bracket-content"),
        pytest.param("f = \\textcolor{g}{a - b}", "f = a - b", id="whole-right-side"),
        pytest.param("a - \\textcolor{g}{b c}", "a - b c", id="no-operator-inside"),
    ],
)
def test_wrapper_braces_stay_where_they_group(latex: str, expected: str) -> None:
    stripped = strip_presentation(latex)
    assert stripped.text == expected
    _assert_offsets_map_back(latex, stripped.body)


def test_where_clause_is_split_off_and_kept() -> None:
    latex = "a &= b \\quad \\text{where }\\rho(\\tau) = h(s_0)\\prod_t P(s_{t+1}\\mid s_t, a_t)"
    stripped = strip_presentation(latex, remove_alignment=True)
    assert stripped.text == "a = b"
    (clause,) = stripped.where
    assert clause.kind == "where"
    assert clause.keyword == "where"
    assert clause.text == "\\rho(\\tau) = h(s_0)\\prod_t P(s_{t+1}\\mid s_t, a_t)"
    assert clause.original_offset(0) == latex.index("\\rho")
    _assert_offsets_map_back(latex, clause.body)


def test_condition_clauses() -> None:
    stripped = strip_presentation("x = y \\quad \\text{for } s_t \\neq s")
    assert stripped.text == "x = y"
    assert [(c.kind, c.keyword, c.text) for c in stripped.conditions] == [("condition", "for", "s_t \\neq s")]
    stripped = strip_presentation("V(s) \\geq 0, \\quad \\forall s \\in S")
    assert stripped.text == "V(s) \\geq 0"
    assert [(c.kind, c.keyword, c.text) for c in stripped.clauses] == [("condition", "\\forall", "s \\in S")]


def test_several_clauses_and_notes() -> None:
    stripped = strip_presentation(
        "a = b \\quad \\text{where } b = c \\quad \\text{if } c > 0 \\qquad \\text{(by Bellman)}"
    )
    assert stripped.text == "a = b"
    assert [(c.kind, c.text) for c in stripped.clauses] == [("where", "b = c"), ("condition", "c > 0"), ("note", "")]
    assert stripped.clauses[2].keyword == "(by Bellman)"


def test_text_that_is_not_a_clause_stays() -> None:
    for latex in ("\\pi_{t+1} = \\text{improved}(\\pi_t)", "x_{\\text{for}} = 1", "\\text{formula} = 1"):
        assert strip_presentation(latex).clauses == ()


def test_forall_at_the_start_is_not_a_clause() -> None:
    stripped = strip_presentation("\\forall s \\in S, \\quad \\pi(s) = a")
    assert stripped.clauses == ()
    assert stripped.text == "\\forall s \\in S,   \\pi(s) = a"


def test_alignment_is_removed_only_when_asked_and_not_in_matrices() -> None:
    assert strip_presentation("x &= y").text == "x &= y"
    assert strip_presentation("x &= y", remove_alignment=True).text == "x = y"
    assert strip_presentation("\\alpha&\\beta", remove_alignment=True).text == "\\alpha \\beta"
    kept = strip_presentation("f &= \\begin{cases} 1 & x > 0 \\\\ 0 & x \\leq 0 \\end{cases}", remove_alignment=True)
    assert kept.text == "f = \\begin{cases} 1 & x > 0 \\\\ 0 & x \\leq 0 \\end{cases}"


def test_seed_block_17_offsets_point_at_the_source(seed_text: str, seed_blocks: dict[int, MathBlock]) -> None:
    block = seed_blocks[17]
    stripped = strip_presentation(block.latex, remove_alignment=True)
    assert "\\textcolor" not in stripped.text
    assert "\\left" not in stripped.text and "\\right" not in stripped.text
    lines = seed_text.split("\n")
    for offset, character in enumerate(stripped.text):
        if character in " \n":
            continue
        line, column = block.position_of(stripped.original_offset(offset))
        assert lines[line - 1][column - 1] == character
    where = stripped.text.index("\\text{where }")
    assert block.line_of(stripped.original_offset(where)) == 197


def test_split_clauses_on_mapped_text() -> None:
    text = MappedText.of("x = 1, \\text{where } x \\in X.", base=100)
    body, clauses = split_clauses(text)
    assert body.text == "x = 1"
    assert clauses[0].text == "x \\in X"
    assert clauses[0].original_offset(0) == 100 + text.text.index("x \\in")


def test_offset_map_and_mapped_text() -> None:
    mapped = MappedText.concat([MappedText.of("ab", base=10), MappedText.of("cd", base=20)])
    assert mapped.text == "abcd"
    assert [mapped.original_offset(i) for i in range(5)] == [10, 11, 20, 21, 22]
    assert mapped.offsets.starts == (0, 2)
    assert mapped.slice(1, 3).text == "bc"
    assert [mapped.slice(1, 3).original_offset(i) for i in range(3)] == [11, 20, 21]
    assert MappedText.of("  x  ", base=5).strip().original_offset(0) == 7
    assert OffsetMap.identity(0, base=9).original(0) == 9
    assert mapped.original_offset(-4) == 10
    assert list(mapped.offsets.runs(1, 3)) == [(1, 2, 11), (2, 3, 20)]


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        pytest.param("a = b", [("=", "=")], id="equals"),
        pytest.param("\\sum_{t=0}^{T} x \\leq \\mathbb{E}_{s \\sim h}[f(a = b)]", [("≤", "\\leq")], id="nested"),
        pytest.param("x_= y", [], id="script-token"),
        pytest.param("A = \\{a : a > 0\\}", [("=", "=")], id="set-builder"),
        pytest.param("x \\stackrel{\\text{def}}{=} y", [(":=", "\\stackrel{\\text{def}}{=}")], id="stackrel-def"),
        pytest.param("x \\overset{(a)}{=} y", [("=", "\\overset{(a)}{=}")], id="overset-annotated"),
        pytest.param("x \\not= y \\not\\in Z", [("≠", "\\not="), ("∉", "\\not\\in")], id="not"),
        pytest.param("x := y", [(":=", ":=")], id="colon-equals"),
        pytest.param("x <= y", [("≤", "<=")], id="less-equal-characters"),
        pytest.param("x ≤ y ⟹ z ∈ W", [("≤", "≤"), ("⟹", "⟹"), ("∈", "∈")], id="unicode"),
        pytest.param("\\theta \\gets \\theta + 1", [("←", "\\gets")], id="assignment"),
        pytest.param("\\gamma \\in [0, 1)", [("∈", "\\in")], id="half-open-interval"),
        pytest.param("\\begin{cases} a = 1 \\end{cases} \\ne 0", [("≠", "\\ne")], id="environment"),
        pytest.param("\\left(a < b\\right) > c", [(">", ">")], id="sized-parentheses"),
        pytest.param(
            "\\leftarrow \\leq \\le \\lt",
            [("←", "\\leftarrow"), ("≤", "\\leq"), ("≤", "\\le"), ("<", "\\lt")],
            id="macro-names-not-prefixes",
        ),
    ],
)
def test_top_level_relations(latex: str, expected: list[tuple[str, str]]) -> None:
    found = top_level_relations(latex)
    assert [(match.relation, match.latex) for match in found] == expected
    for match in found:
        assert latex[match.start : match.end] == match.latex


def test_overset_annotation_is_kept() -> None:
    (match,) = top_level_relations("x \\overset{(a)}{=} y")
    assert match.annotation == "(a)"


def test_non_str_input_raises_notation_error() -> None:
    with pytest.raises(NotationError, match="strip_presentation"):
        strip_presentation(None)  # type: ignore[arg-type]
    with pytest.raises(NotationError, match="top_level_relations"):
        top_level_relations(["x"])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Fuzz


@pytest.fixture(scope="module")
def seed_latex(seed_blocks: dict[int, MathBlock]) -> list[str]:
    return [block.latex for block in seed_blocks.values()]


def test_mutated_seed_latex_never_breaks(seed_latex: list[str]) -> None:
    @FUZZ_SETTINGS
    @given(mutated(seed_latex), st.booleans())
    def check(latex: str, remove_alignment: bool) -> None:
        started = time.perf_counter()
        stripped = strip_presentation(latex, remove_alignment=remove_alignment)
        for part in (stripped.body, *(clause.body for clause in stripped.clauses)):
            for offset in range(len(part.text) + 1):
                assert 0 <= part.original_offset(offset) <= len(latex)
        top_level_relations(latex)
        assert time.perf_counter() - started < SLOW

    check()


@pytest.mark.parametrize(
    "latex",
    [
        pytest.param("{" * 20000 + "x = 1", id="unbalanced-open"),
        pytest.param("}" * 20000 + "x = 1", id="unbalanced-close"),
        pytest.param("\\boxed{" * 3000 + "a + b" + "}" * 3000, id="nested-boxes"),
        pytest.param("a - \\textcolor{r}{" * 3000 + "b - c" + "}" * 3000, id="nested-colours"),
        pytest.param("\\left[" * 10000, id="sizes"),
        pytest.param("\\undefined{x}" * 10000 + "\\", id="unknown-macros"),
        pytest.param("x = 1 \\quad \\text{where } " * 3000, id="many-clauses"),
        pytest.param("é∑≤😀\u0000\ud800" * 5000, id="unicode"),
    ],
)
def test_huge_and_malformed_inputs_are_fast(latex: str) -> None:
    started = time.perf_counter()
    stripped = strip_presentation(latex, remove_alignment=True)
    assert isinstance(stripped.text, str)
    top_level_relations(latex)
    assert time.perf_counter() - started < SLOW
