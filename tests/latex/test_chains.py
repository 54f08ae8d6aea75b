"""Rows, relations and chain shapes of display blocks, checked against the seed post's lines."""

from __future__ import annotations

import time

import pytest
from hypothesis import given

from symrl.errors import NotationError
from symrl.latex import Chain, ChainKind, Link, MathBlock, Row, classify, find_math, read_chain, split_rows
from tests.latex.mutations import FUZZ_SETTINGS, mutated

SLOW = 3.0  # seconds


def _shape(rows: list[Row]) -> list[tuple[int, str, list[str]]]:
    """(line, connective, relations) of every row."""
    return [(row.line, row.connective, [link.relation for link in row.relations]) for row in rows]


def _rhs_lines(rows: list[Row]) -> list[int]:
    return [link.line for row in rows for link in row.relations]


def _assert_links_point_at_their_source(block: MathBlock, seed_text: str) -> None:
    """Each link's relation and right-hand side start where the block's source map says."""
    lines = seed_text.split("\n")
    for row in split_rows(block):
        for link in (*row.relations, *(clause_link for clause in row.clauses for clause_link in clause.relations)):
            line, column = block.position_of(link.offset)
            assert lines[line - 1][column - 1 :].startswith(link.latex)
            if link.rhs:
                assert lines[link.line - 1][link.column - 1] == link.rhs[0]
                assert block.position_of(link.rhs_offset) == (link.line, link.column)


# ---------------------------------------------------------------------------------------------
# The seed post


def test_seed_block_4_expression_chain_then_therefore(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[4])
    assert _shape(rows) == [
        (65, "", ["="]), (66, "", ["="]), (67, "", ["≥"]), (68, "", ["="]), (69, "", ["="]), (70, "∴", ["≥"]),
    ]  # fmt: skip
    assert _rhs_lines(rows) == [65, 66, 67, 68, 69, 70]
    assert rows[0].lhs == "\\eta(\\pi')"
    assert rows[0].relations[0].rhs == "\\mathbb{E}_{s \\sim h(s)}[V_{\\pi'}(s)]"
    assert [row.lhs for row in rows[1:5]] == ["", "", "", ""]
    assert all(row.is_continuation for row in rows[1:5])
    conclusion = rows[5]
    assert conclusion.therefore and not conclusion.is_continuation
    assert (conclusion.lhs, conclusion.relations[0].latex, conclusion.relations[0].rhs) == (
        "\\eta(\\pi')", "\\geq", "\\eta(\\pi)",
    )  # fmt: skip
    chain = classify(rows)
    assert chain.kind is ChainKind.EXPRESSION
    assert (chain.index, chain.line, len(chain.steps)) == (4, 65, 6)


def test_seed_block_11_expression_chain_with_approximation(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[11])
    assert _shape(rows) == [(141, "", ["="]), (142, "", ["="]), (143, "", ["="]), (144, "", ["≈"])]
    assert rows[0].lhs == "A_{\\pi}(s, a)"
    assert rows[0].relations[0].rhs == "Q_\\pi(s, a) - \\mathbb{E}_{a \\sim \\pi}[Q_\\pi(s, a) ]"
    assert rows[3].relations[0].rhs == "r(s, a) + \\gamma V_\\pi(s') - V_\\pi(s)"
    assert read_chain(seed_blocks[11]).kind is ChainKind.EXPRESSION


def test_seed_block_12_statements(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[12])
    assert _shape(rows) == [(152, "", ["="]), (153, "", ["="])]
    assert [row.lhs for row in rows] == ["A_{\\pi_1}(s, \\pi_1(s))", "A_{\\pi_1}(s, \\pi_2(s))"]
    assert [row.relations[0].rhs for row in rows] == [
        "-1 + \\gamma V_{\\pi_1}(s') - V_{\\pi_1}(s)", "1 + \\gamma V_{\\pi_1}(s') - V_{\\pi_1}(s)",
    ]  # fmt: skip
    assert read_chain(seed_blocks[12]).kind is ChainKind.STATEMENT


def test_seed_block_17_where_clause_and_colours(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[17])
    assert _shape(rows) == [(196 + k, "", ["="]) for k in range(6)]
    assert _rhs_lines(rows) == [196, 197, 198, 199, 200, 201]
    assert rows[0].lhs == "\\eta(\\theta') - \\eta(\\theta)"
    assert all("\\textcolor" not in row.text and "\\left" not in row.text for row in rows)
    assert rows[0].relations[0].rhs == "\\eta(\\theta') - \\mathbb{E}_{s_0 \\sim h(s_0)}[V_{\\pi_\\theta}(s_0)]"
    assert "\\text" not in rows[1].text
    (where,) = rows[1].where
    assert (where.role, where.keyword, where.line) == ("where", "where", 197)
    assert where.lhs == "\\rho_{\\theta'}(\\tau)"
    assert [(link.relation, link.rhs, link.line) for link in where.relations] == [
        ("=", "h(s_0)\\prod_{t=0}^\\infty P(s_{t+1}\\mid s_t, a_t)", 197),
    ]
    assert [len(row.clauses) for row in rows] == [0, 1, 0, 0, 0, 0]
    assert read_chain(seed_blocks[17]).kind is ChainKind.EXPRESSION


def test_seed_block_18_continues_on_the_same_line(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[18])
    assert _shape(rows) == [(207, "", []), (207, "", ["=", "="])]
    start, continuation = rows
    assert (
        start.lhs
        == "\\sum_{t=0}^\\infty \\gamma^t V_{\\pi_\\theta}(s_t) - \\sum_{t=1}^\\infty \\gamma^t V_{\\pi_\\theta}(s_t)"
    )
    assert continuation.is_continuation
    both_sums = (
        "\\sum_{t=0}^\\infty \\gamma^t V_{\\pi_\\theta}(s_t) - \\sum_{t=1}^\\infty \\gamma^t V_{\\pi_\\theta}(s_t)"
    )
    assert [link.rhs for link in continuation.relations] == [
        f"V_{{\\pi_\\theta}}(s_0) + {both_sums}",
        "V_{\\pi_\\theta}(s_0)",
    ]
    assert _rhs_lines(rows) == [207, 207]
    assert read_chain(seed_blocks[18]).kind is ChainKind.EXPRESSION


def test_seed_block_19_statement_chain(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[19])
    assert _shape(rows) == [(214, "", [">"]), (215, "", [">"]), (216, "∴", [">"]), (217, "", [">"]), (218, "", [">"])]
    assert _rhs_lines(rows) == [214, 215, 216, 217, 218]
    therefore = rows[2]
    assert therefore.therefore
    assert therefore.quantifier == "\\forall (s,a) \\sim P_{\\pi_{\\theta'}}(s, a)"
    assert (therefore.lhs, therefore.relations[0].rhs) == ("A_{\\pi_\\theta}(s, a)", "0")
    assert (rows[4].lhs, rows[4].relations[0].rhs) == ("r(s, a) + \\gamma V_{\\pi_\\theta}(s')", "V_{\\pi_\\theta}(s)")
    assert read_chain(seed_blocks[19]).kind is ChainKind.STATEMENT


def test_seed_single_relations_and_one_line_chains(seed_blocks: dict[int, MathBlock]) -> None:
    kinds = {index: read_chain(block).kind for index, block in seed_blocks.items()}
    assert {index for index, kind in kinds.items() if kind is ChainKind.SINGLE} == {2, 3, 5, 7, 8, 9, 13, 14, 15, 16}
    assert kinds[6] is kinds[10] is ChainKind.EXPRESSION  # a = b = c on one line
    assert [link.relation for link in read_chain(seed_blocks[10]).steps] == ["≡", "≡"]
    assert [link.relation for link in read_chain(seed_blocks[9]).steps] == ["←"]


def test_seed_block_1_conjunction(seed_blocks: dict[int, MathBlock]) -> None:
    rows = split_rows(seed_blocks[1])
    assert [(row.lhs, row.connective, [(link.relation, link.rhs) for link in row.relations]) for row in rows] == [
        ("\\pi(a|s)", "", [("∈", "[0, 1]")]),
        ("\\sum_{a\\in A(s)}\\pi(a|s)", "∧", [("=", "1")]),
    ]
    assert rows[1].conjunct


def test_seed_quantified_statements_and_conditions(seed_blocks: dict[int, MathBlock]) -> None:
    (row,) = split_rows(seed_blocks[5])
    assert (row.quantifier, row.lhs, row.relations[0].rhs) == (
        "\\forall s \\in S",
        "\\pi(s)",
        "\\arg\\max_a Q_\\pi(s, a)",
    )
    (row,) = split_rows(seed_blocks[14])
    assert [(c.role, c.keyword, c.lhs, c.relations[0].relation, c.relations[0].rhs) for c in row.clauses] == [
        ("condition", "for", "s_t", "≠", "s"),
    ]
    assert [link.relation for link in row.relations] == ["="]
    (row,) = split_rows(seed_blocks[15])  # \boxed{ … } over three lines
    assert (row.line, row.relations[0].relation, row.relations[0].line) == (173, ">", 173)


def test_seed_links_point_at_their_source(seed_text: str, seed_blocks: dict[int, MathBlock]) -> None:
    for block in seed_blocks.values():
        _assert_links_point_at_their_source(block, seed_text)


def test_seed_row_offsets_map_back(seed_text: str, seed_blocks: dict[int, MathBlock]) -> None:
    lines = seed_text.split("\n")
    for block in seed_blocks.values():
        for row in split_rows(block):
            for offset, character in enumerate(row.text):
                if character in " \n":
                    continue
                assert lines[row.line_of(offset) - 1][row.column_of(offset) - 1] == character


# ---------------------------------------------------------------------------------------------
# Small cases


def test_string_input_counts_lines_from_one() -> None:
    rows = split_rows("\\begin{aligned}\nx &= y \\\\\n  &\\leq z\n\\end{aligned}")
    assert _shape(rows) == [(2, "", ["="]), (3, "", ["≤"])]
    assert rows[1].column_of(rows[1].text.index("z")) == 9
    assert rows[0].block == 0


def test_link_unpacks_as_relation_rhs_offset() -> None:
    (row,) = split_rows("a = b")
    relation, rhs, offset = row.relations[0]
    assert (relation, rhs, offset) == ("=", "b", 2)
    assert isinstance(row.relations[0], Link)


def test_trailing_row_break_and_row_spacing_are_ignored() -> None:
    rows = split_rows("\\begin{align*} a &= b \\\\[4pt] &= c \\\\ \\end{align*}")
    assert [(row.lhs, [link.rhs for link in row.relations]) for row in rows] == [("a", ["b"]), ("", ["c"])]


def test_row_break_inside_braces_or_nested_environment_does_not_split() -> None:
    rows = split_rows("f &= \\begin{cases} 1 & x > 0 \\\\ 0 & x \\leq 0 \\end{cases} \\\\ &= g")
    assert [len(row.relations) for row in rows] == [1, 1]
    assert rows[0].relations[0].rhs == "\\begin{cases} 1 & x > 0 \\\\ 0 & x \\leq 0 \\end{cases}"
    assert len(split_rows("\\boxed{a \\\\ b} = c")) == 1


def test_row_without_relation_continues_the_previous_expression() -> None:
    rows = split_rows("\\begin{align*}\nx &= a + b \\\\\n  &\\quad + c \\\\\n  &= d\n\\end{align*}")
    assert [(row.line, [" ".join(link.rhs.split()) for link in row.relations]) for row in rows] == [
        (2, ["a + b + c"]), (4, ["d"]),
    ]  # fmt: skip
    assert rows[0].line_of(rows[0].text.index("c")) == 3
    assert rows[0].relations[0].line == 2


def test_relations_inside_subscripts_and_brackets_are_not_steps() -> None:
    (row,) = split_rows("\\sum_{t=0}^\\infty \\mathbb{E}_{s \\sim h, a=1}[f(x = 1)] \\leq \\max_{a \\in A} g")
    assert [link.relation for link in row.relations] == ["≤"]


def test_implication_inside_a_row_splits_statements() -> None:
    rows = split_rows("x > 0 \\implies x^2 > 0")
    assert [(row.connective, row.lhs, [link.relation for link in row.relations]) for row in rows] == [
        ("", "x", [">"]), ("⟹", "x^2", [">"]),
    ]  # fmt: skip
    assert rows[1].implies
    assert classify(rows).kind is ChainKind.STATEMENT


def test_implication_between_propositions_is_a_relation() -> None:
    (row,) = split_rows("P \\implies Q")
    assert [link.relation for link in row.relations] == ["⟹"]


def test_leading_connectives() -> None:
    rows = split_rows("a &\\geq 0 \\\\ \\implies b &\\geq 0 \\\\ \\iff c &\\geq 0 \\\\ \\because d &= 1")
    assert [(row.connective, row.lhs) for row in rows] == [("", "a"), ("⟹", "b"), ("⟺", "c"), ("∵", "d")]
    assert classify(rows).kind is ChainKind.STATEMENT
    rows = split_rows("a &= b \\\\ &\\implies c")  # no relation after it: an implication step
    assert [(row.lhs, [link.relation for link in row.relations]) for row in rows] == [("a", ["="]), ("", ["⟹"])]


def test_assignment_and_definitions() -> None:
    assert [link.relation for link in read_chain("\\theta' \\leftarrow \\theta + \\alpha g").steps] == ["←"]
    assert [link.relation for link in read_chain("\\pi_{t+1} \\gets f(\\pi_t)").steps] == ["←"]
    assert [link.relation for link in read_chain("d(s) := \\sum_t \\gamma^t p_t(s)").steps] == [":="]
    assert [link.relation for link in read_chain("x \\stackrel{\\text{def}}{=} y").steps] == [":="]
    assert [link.relation for link in read_chain("s \\in S").steps] == ["∈"]


def test_conjunctions_with_text_and() -> None:
    rows = split_rows("a = 1 \\quad \\text{and} \\quad b = 2")
    assert [(row.lhs, row.connective) for row in rows] == [("a", ""), ("b", "∧")]


def test_commas_inside_a_statement_do_not_split() -> None:
    for latex in ("x = f(a, b)", "x = 1, 2, 3", "a, b = c"):
        assert len(split_rows(latex)) == 1


def test_classify_kinds() -> None:
    assert classify(split_rows("x + y")).kind is ChainKind.NONE
    assert classify([]).kind is ChainKind.NONE
    assert classify(split_rows("x = y")).kind is ChainKind.SINGLE
    assert classify(split_rows("x = y = z")).kind is ChainKind.EXPRESSION
    assert classify(split_rows("x &= y \\\\ &\\geq z")).kind is ChainKind.EXPRESSION
    assert classify(split_rows("x &> 0 \\\\ y &> 0")).kind is ChainKind.STATEMENT
    chain = classify(split_rows("x = y"))
    assert isinstance(chain, Chain) and chain.index == 0 and chain.line == 1


def test_rows_are_frozen() -> None:
    (row,) = split_rows("a = b")
    with pytest.raises(AttributeError):
        row.lhs = "c"  # type: ignore[misc]


def test_wrong_input_type_raises_notation_error() -> None:
    with pytest.raises(NotationError, match="split_rows"):
        split_rows(42)  # type: ignore[arg-type]


def test_markdown_to_rows_end_to_end() -> None:
    document = (
        "Intro\n\n> $$\n> \\begin{aligned}\n>   V &= r + \\gamma P V \\\\\n"
        ">   &\\approx \\hat V\n> \\end{aligned}\n> $$\n"
    )
    (block,) = find_math(document)
    rows = split_rows(block)
    assert _shape(rows) == [(5, "", ["="]), (6, "", ["≈"])]
    assert [(link.line, link.column) for link in read_chain(block).steps] == [(5, 10), (6, 14)]


# ---------------------------------------------------------------------------------------------
# Fuzz


@pytest.fixture(scope="module")
def seed_latex(seed_blocks: dict[int, MathBlock]) -> list[str]:
    return [block.latex for block in seed_blocks.values()]


def test_mutated_seed_blocks_never_break(seed_latex: list[str]) -> None:
    @FUZZ_SETTINGS
    @given(mutated(seed_latex))
    def check(latex: str) -> None:
        started = time.perf_counter()
        rows = split_rows(latex)
        chain = classify(rows)
        assert chain.kind in ChainKind
        for row in rows:
            for link in row.relations:
                assert 0 <= link.offset <= len(latex) and 0 <= link.rhs_offset <= len(latex)
                assert link.line >= 1
        for block in find_math(f"Text\n\n$$\n{latex}\n$$\n"):
            read_chain(block)
        assert time.perf_counter() - started < SLOW

    check()


@pytest.mark.parametrize(
    "latex",
    [
        pytest.param("\\begin{align*}" + "x &= \\textcolor{red}{a+b} \\\\ " * 3000 + "\\end{align*}", id="long-align"),
        pytest.param("{" * 20000 + "x = 1" + "}" * 20000, id="deep-braces"),
        pytest.param("}" * 10000 + "x = " + "{" * 10000, id="unbalanced"),
        pytest.param("a = " * 10000, id="many-relations"),
        pytest.param("a = b, " * 3000, id="many-conjuncts"),
        pytest.param("\\\\" * 20000, id="only-row-breaks"),
        pytest.param("\\therefore " * 5000, id="only-connectives"),
        pytest.param("\\forall " * 5000 + ",", id="only-quantifiers"),
        pytest.param("\\begin{align}" * 5000, id="unclosed-environments"),
        pytest.param("😀≤\u0000\ud800& \\" * 5000, id="unicode"),
    ],
)
def test_huge_and_malformed_blocks_are_fast(latex: str) -> None:
    started = time.perf_counter()
    classify(split_rows(latex))
    assert time.perf_counter() - started < SLOW
