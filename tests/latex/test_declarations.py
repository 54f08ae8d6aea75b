"""Declarations a post or its reader makes: TOML/YAML parsed into notation, conditions, policies and an example."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from symrl.check import PolicySpec, check_derivation
from symrl.cli import EXIT_UNREADABLE, app
from symrl.latex.declarations import (
    DeclarationError,
    Declarations,
    declarations_from,
    declarations_in_document,
    macro_definitions,
    parse_declarations,
)
from symrl.latex.reader import read_document

EXAMPLE = Path(__file__).parent / "declarations" / "seed_example.toml"

FULL = r"""
assume = ["deterministic-transitions"]

[notation]
states = ["z"]
actions = ["b"]
time = "k"

[policies]
'\pi_1' = "deterministic"
'\pi_g' = { kind = "greedy", base = '\pi_1' }

[example]
episodic = true
facts = ["P(z' | z, b_1) = 1/2", "r(z, b_1) = -1", 'h(z) = 1', '\pi_1(z) = b_1', '\pi_2(b_1|z) = 1/4']
agree = [['\pi_2', '\pi_1']]
"""


def test_every_section_is_read() -> None:
    declared = parse_declarations(FULL, "post.md:3")
    assert declared.conditions == ("deterministic-transitions",)
    assert declared.notation.state_letters == {"z"} and declared.notation.action_letters == {"b"}
    assert declared.notation.time_letter == "k"
    assert dict(declared.policies) == {"pi_1": PolicySpec("deterministic"), "pi_g": PolicySpec("greedy", base="pi_1")}
    example = declared.example
    assert example.states == ("z", "z'") and example.actions == ("b_1",) and example.episodic
    assert example.transitions == (("z", "b_1", "z'", Fraction(1, 2)),)
    assert example.rewards == (("z", "b_1", Fraction(-1)),)
    assert example.initial == (("z", Fraction(1)),)
    assert example.choices == (("pi_1", "z", "b_1"),)
    assert example.probabilities == (("pi_2", "z", "b_1", Fraction(1, 4)),)
    assert example.agreements == (("pi_2", "pi_1"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("assume = [", "not valid TOML"),
        ("colour = 1", "unknown key 'colour' in the declarations; known: assume, example, notation, policies"),
        ('assume = ["sunny-days"]', "unknown condition 'sunny-days'; known: deterministic-transitions"),
        ("[notation]\nstates = ['st']", "notation.states must list single letters"),
        ("[notation]\nstates = ['a']", "a letter cannot name two things: a"),
        ("[notation]\nletters = 1", "unknown key 'letters' in the notation"),
        ("[policies]\n'V' = 'deterministic'", "'V' is not a policy"),
        ("[policies]\n'\\pi' = 'lazy'", "unknown kind 'lazy'"),
        ("[policies]\n'\\pi' = 'greedy'", "a greedy policy needs 'base'"),
        ("[example]\nfacts = ['r(s, a) > 1']", "a fact is one equation"),
        ("[example]\nfacts = ['V_\\pi(s) = 1']", "facts give r(s,a), P(s'|s,a), h(s), π(a|s) or π(s)"),
        ("[example]\nfacts = ['r(s, a) = \\gamma']", "the value must be a number"),
        ("[example]\nfacts = ['r(s, a) = ']", "fact 'r(s, a) = '"),
        ("[example]\nfacts = ['P(s|s,a) = 3/4', \"P(s'|s,a) = 1/2\"]", "not a distribution"),
        ("[example]\nfacts = ['r(s, a) = 1', 'r(s, a) = 2']", "two different values"),
        ("[example]\nagree = [['\\pi_1']]", "example.agree lists pairs"),
        ("[example]\nepisodic = 'yes'", "example.episodic must be true or false"),
    ],
)
def test_a_malformed_declaration_says_where_and_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(DeclarationError) as raised:
        parse_declarations(text, "notes.toml")
    assert str(raised.value).startswith("notes.toml")
    assert message in str(raised.value)


def test_later_declarations_win_and_conditions_accumulate() -> None:
    first = parse_declarations('assume = ["full-support-initial"]\n[notation]\nstates = ["z"]', "a")
    second = parse_declarations('assume = ["deterministic-policies"]\n[notation]\ntime = "k"', "b")
    merged = first.then(second)
    assert merged.conditions == ("full-support-initial", "deterministic-policies")
    assert merged.notation.state_letters == {"z"} and merged.notation.time_letter == "k"
    assert Declarations().then(first) == first


POST = """---
title: A worked example
symrl:
  policies:
    '\\pi_1': deterministic
  example:
    facts: ["r(s, a_1) = 2", "P(s | s, a_1) = 1", '\\pi_1(s) = a_1']
---

In state $s$ the policy stays put and collects a reward of 2 forever.

$$
V_{\\pi_1}(s) = 2 + \\gamma V_{\\pi_1}(s)
$$

$$
V_{\\pi_1}(s) = 2
$$
"""


def test_front_matter_declares_the_example_a_post_computes_with() -> None:
    declared, errors = declarations_in_document(POST, "post.md")
    assert errors == []
    assert declared.example is not None and declared.example.choices == (("pi_1", "s", "a_1"),)
    verdicts = [step.verdict for step in check_derivation(read_document(POST, "post.md").derivation).steps]
    assert verdicts == ["holds", "fails"]  # V = 2/(1-γ), not 2: the second line is a real slip


def test_without_the_declaration_the_same_post_is_judged_over_every_mdp() -> None:
    body = POST.split("---\n", 2)[2]
    verdicts = [step.verdict for step in check_derivation(read_document(body, "post.md").derivation).steps]
    assert verdicts == ["fails", "fails"]


def test_a_fenced_block_overrides_the_front_matter() -> None:
    fenced = POST.replace("In state", "```symrl\n[example]\nfacts = ['r(s, a_1) = 3']\n```\n\nIn state")
    declared, _ = declarations_in_document(fenced, "post.md")
    assert declared.example.rewards == (("s", "a_1", Fraction(3)),)
    assert dict(declared.policies) == {"pi_1": PolicySpec("deterministic")}


def test_a_malformed_block_is_reported_unread_at_its_line_and_the_rest_is_judged() -> None:
    post = "```symrl\nassume = [\n```\n\n$$\n\\eta(\\pi) = \\mathbb{E}_{s \\sim h}[V_\\pi(s)]\n$$\n"
    reading = read_document(post, "post.md")
    (unread,) = reading.unread
    assert unread.line == 2 and "declarations not used" in unread.message and "TOML" in unread.message
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds"]


def test_one_malformed_source_leaves_the_others_in_force() -> None:
    broken = POST.replace("In state", "```symrl\nassume = [\n```\n\nIn state")
    declared, (error,) = declarations_in_document(broken, "post.md")
    assert str(error).startswith("post.md:11: not valid TOML")
    assert declared.example is not None and dict(declared.policies) == {"pi_1": PolicySpec("deterministic")}


def test_a_site_s_own_front_matter_that_is_not_yaml_is_ignored() -> None:
    post = "---\ntitle: [unclosed\n---\n\n$$\n\\eta(\\pi) = \\mathbb{E}_{s \\sim h}[V_\\pi(s)]\n$$\n"
    assert declarations_in_document(post, "post.md") == (Declarations(), [])
    assert read_document(post, "post.md").unread == []


def test_yaml_aliases_that_blow_up_when_printed_give_a_short_error() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    post = f"---\n{laughs}symrl: *j\n---\n"
    _, (error,) = declarations_in_document(post, "post.md")
    assert "declarations must be a table" in str(error) and len(str(error)) < 300


def test_declared_conditions_restrict_every_block() -> None:
    post = "```symrl\nassume = ['deterministic-transitions']\n```\n\n$$\nQ_\\pi(s,a) = r(s,a) + V_\\pi(s)\n$$\n"
    (item,) = read_document(post, "post.md").derivation.items
    assert "deterministic-transitions" in item.world.conditions


def test_the_example_applies_only_to_blocks_using_its_policies() -> None:
    post = POST + "\n$$\nV_\\pi(s) = \\sum_a \\pi(a|s) Q_\\pi(s, a)\n$$\n"
    items = read_document(post, "post.md").derivation.items
    assert [item.world.example is not None for item in items] == [True, True, False]


# -- the command line ------------------------------------------------------------------------------


def test_declare_option_reads_a_toml_file(tmp_path: Path) -> None:
    body = POST.split("---\n", 2)[2]
    post = tmp_path / "post.md"
    post.write_text(body, encoding="utf-8")
    declarations = tmp_path / "example.toml"
    declarations.write_text(
        "[policies]\n'\\pi_1' = 'deterministic'\n[example]\n"
        "facts = ['r(s, a_1) = 2', 'P(s | s, a_1) = 1', '\\pi_1(s) = a_1']\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    plain = runner.invoke(app, ["check", str(post), "--format", "json", "--no-cache"])
    declared = runner.invoke(
        app, ["check", str(post), "--declare", str(declarations), "--format", "json", "--no-cache"]
    )
    assert '"verdict": "holds"' not in plain.stdout
    assert declared.stdout.count('"verdict": "holds"') >= 1 and declared.exit_code == 1


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read the file"), ("assume = 3", "'assume' must be")])
def test_a_bad_declaration_file_exits_2_with_the_reason(tmp_path: Path, content: str | None, message: str) -> None:
    post = tmp_path / "post.md"
    post.write_text("$$\nx = 1\n$$\n", encoding="utf-8")
    declarations = tmp_path / "d.toml"
    if content is not None:
        declarations.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(post), "--declare", str(declarations)])
    assert result.exit_code == EXIT_UNREADABLE
    assert message in result.output


def test_the_seed_example_file_is_valid() -> None:
    declared = parse_declarations(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert declared.example is not None and declared.example.policies == {"pi_1", "pi_2"}


# -- macros ----------------------------------------------------------------------------------------

MACROS = "```symrl\n[notation]\nmacros = { '\\E' = '\\mathbb{E}', '\\Vpi' = 'V_\\pi', '\\loop' = '1 + \\loop' }\n```\n"


def test_declared_macros_are_expanded_before_the_formula_is_read() -> None:
    post = MACROS + "\n$$\n\\eta(\\pi) = \\E_{s \\sim h}\\left[\\Vpi(s)\\right]\n$$\n"
    reading = read_document(post, "post.md")
    assert reading.unread == []
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds"]


def test_undeclared_the_same_macro_is_unread_with_a_hint_to_declare_it() -> None:
    (unread,) = read_document("$$\n\\eta(\\pi) = \\E_{s \\sim h}[V_\\pi(s)]\n$$\n", "post.md").unread
    assert "unknown macro \\E" in unread.message and "notation.macros" in unread.message
    assert unread.excerpt[unread.column - 1 :].startswith("\\E")


def test_a_macro_that_uses_itself_is_unread_at_the_macro() -> None:
    (unread,) = read_document(MACROS + "\n$$\nV_\\pi(s) = \\loop\n$$\n", "post.md").unread
    assert "\\loop does not stop expanding" in unread.message
    assert unread.excerpt[unread.column - 1 :].startswith("\\loop")


@pytest.mark.parametrize(
    ("macros", "message"), [("{ 'E' = 'x' }", "'E' is not a macro name"), ("{ '\\E' = 3 }", "maps macros to LaTeX")]
)
def test_malformed_macros_are_refused(macros: str, message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        parse_declarations(f"[notation]\nmacros = {macros}", "notes.toml")


def test_newcommand_in_a_markdown_post_defines_a_macro_and_its_block_is_not_unread() -> None:
    post = (
        "$$\n\\newcommand{\\E}{\\mathbb{E}}\n\\newcommand{\\Vpi}{V_{\\pi}}\n$$\n\n"
        "$$\n\\eta(\\pi) = \\E_{s \\sim h}\\left[\\Vpi(s)\\right]\n$$\n\n"
        "$$\n\\def\\Q{Q_\\pi} \\Vpi(s) = \\E_{a \\sim \\pi}[\\Q(s, a)]\n$$\n"
    )
    reading = read_document(post, "post.md")
    assert reading.unread == []
    assert [item.block for item in reading.derivation.items] == [2, 3]
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds", "holds"]


def test_a_tex_preamble_defines_macros_for_the_document() -> None:
    tex = (
        "\\documentclass{article}\n\\newcommand{\\E}{\\mathbb{E}}\n\\begin{document}\n"
        "\\begin{equation}\n\\eta(\\pi) = \\E_{s \\sim h}[V_\\pi(s)]\n\\end{equation}\n\\end{document}\n"
    )
    reading = read_document(tex, "notes.tex")
    assert reading.unread == []
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds"]


def test_a_declared_macro_overrides_the_post_s_newcommand() -> None:
    post = MACROS + "\n$$\n\\newcommand{\\E}{\\zeta}\n\\eta(\\pi) = \\E_{s \\sim h}[V_\\pi(s)]\n$$\n"
    reading = read_document(post, "post.md")
    assert reading.unread == [] and [s.verdict for s in check_derivation(reading.derivation).steps] == ["holds"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (r"\newcommand{\E}{\mathbb{E}}", [("\\E", "\\mathbb{E}", 0)]),
        (r"\newcommand\E{\mathbb{E}}", [("\\E", "\\mathbb{E}", 0)]),
        (r"\newcommand{\KL}[2]{D(#1 \| #2)}", [("\\KL", "D(#1 \\| #2)", 2)]),
        (r"\renewcommand{\R}{\{r\}}", [("\\R", "\\{r\\}", 0)]),
        (r"\newcommand{\E}{\mathbb{E}", []),  # never closed
        (r"\newcommandx{\E}{x} \newcommand{E}{x}", []),  # another macro; not a macro name
    ],
)
def test_macro_definitions_are_found_and_malformed_ones_skipped(text: str, found: list) -> None:
    assert [(d.name, d.body, d.arguments) for d in macro_definitions(text)] == found


# -- fuzzing ---------------------------------------------------------------------------------------


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["s", "a_1", "\\pi_1", "deterministic", "greedy", "P(s'|s,a) = 1", "r(s,a) = -1", "\\pi(s) = a"]),
    st.text(max_size=12),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["assume", "notation", "policies", "example", "facts", "agree", "states", "macros", "kind"])
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VALUES)
def test_any_declared_structure_is_read_or_refused_with_a_declaration_error(value) -> None:
    try:
        declared = declarations_from(value, "post.md:1")
    except DeclarationError as error:
        assert str(error).startswith("post.md:1")
    else:
        assert isinstance(declared, Declarations)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]{}='\"\\#\n ,.-_1apsnotion")), max_size=80))
def test_any_fenced_block_never_breaks_reading(body: str) -> None:
    post = f"```symrl\n{body}\n```\n\n$$\n\\eta(\\pi) = \\mathbb{{E}}_{{s \\sim h}}[V_\\pi(s)]\n$$\n"
    reading = read_document(post, "post.md")
    assert [item.block for item in reading.derivation.items] == [1]
    assert all(u.message.startswith("declarations not used") for u in reading.unread)


def test_a_tex_file_declares_in_a_commented_fence() -> None:
    tex = (
        "\\documentclass{article}\n% ```symrl\n% [policies]\n% '\\pi_1' = 'deterministic'\n% [example]\n"
        "% facts = ['r(s, a_1) = 2', 'P(s | s, a_1) = 1', '\\pi_1(s) = a_1']\n% ```\n\\begin{document}\n"
        "\\begin{equation}\nV_{\\pi_1}(s) = 2 + \\gamma V_{\\pi_1}(s)\n\\end{equation}\n\\end{document}\n"
    )
    declared, errors = declarations_in_document(tex, "notes.tex")
    assert errors == [] and declared.example.choices == (("pi_1", "s", "a_1"),)
    reading = read_document(tex, "notes.tex")
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds"]


def test_a_malformed_tex_declaration_is_reported_at_its_line() -> None:
    tex = "% ```symrl\n% assume = [\n% ```\n\\begin{equation}\nV_\\pi(s) = V_\\pi(s)\n\\end{equation}\n"
    (unread,) = read_document(tex, "notes.tex").unread
    assert unread.line == 2 and "not valid TOML" in unread.message


def test_a_newcommand_with_arguments_is_expanded_with_them() -> None:
    post = (
        "$$\n\\newcommand{\\Ex}[2]{\\mathbb{E}_{#1}\\left[#2\\right]}\n$$\n\n"
        "$$\n\\eta(\\pi) = \\Ex{s \\sim h}{V_\\pi(s)}\n$$\n\n"
        "$$\nV_\\pi(s) = \\Ex{a \\sim \\pi}{r(s, a) - \\gamma \\Ex{s' \\sim P(\\cdot|s,a)}{V_\\pi(s')}}\n$$\n"
    )
    reading = read_document(post, "post.md")
    assert reading.unread == []
    # the second is a sign slip inside a nested use of the macro
    assert [step.verdict for step in check_derivation(reading.derivation).steps] == ["holds", "fails"]


@pytest.mark.parametrize(
    ("use", "message", "at"),
    [
        ("\\Ex{s \\sim h}", "needs argument #2", "\\Ex"),
        ("\\Ex{s \\sim h}{V_\\pi(s)", "argument #2 of the macro \\Ex is never closed", "{V_"),
    ],
)
def test_a_macro_missing_its_arguments_is_unread_where_it_goes_wrong(use: str, message: str, at: str) -> None:
    post = f"$$\n\\newcommand{{\\Ex}}[2]{{\\mathbb{{E}}_{{#1}}[#2]}}\n$$\n\n$$\n\\eta(\\pi) = {use}\n$$\n"
    (unread,) = read_document(post, "post.md").unread
    assert message in unread.message
    assert unread.excerpt[unread.column - 1 :].startswith(at)


def test_a_renewed_macro_takes_the_arguments_of_its_last_definition() -> None:
    post = (
        "$$\n\\newcommand{\\Ex}[1]{\\mathbb{E}[#1]}\n\\renewcommand{\\Ex}{\\mathbb{E}_{s \\sim h}}\n$$\n\n"
        "$$\n\\eta(\\pi) = \\Ex[V_\\pi(s)]\n$$\n"
    )
    reading = read_document(post, "post.md")
    assert reading.unread == [] and [s.verdict for s in check_derivation(reading.derivation).steps] == ["holds"]
