"""The terminal emitter: golden files with and without colour, determinism, layout rules."""

from __future__ import annotations

import io
import re

from symrl.check import FileResult, Unread
from symrl.report import TextEmitter, render_text, summary_line
from tests.report.golden import assert_golden
from tests.report.samples import sample_files

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_report_matches_golden_file():
    assert_golden("report.txt", render_text(sample_files(), color=False, width=100))


def test_coloured_report_matches_golden_file():
    assert_golden("report.ansi", render_text(sample_files(), color=True, width=100))


def test_verbose_narrow_report_matches_golden_file():
    assert_golden("report_verbose_72.txt", render_text(sample_files(), color=False, width=72, verbose=True))


def test_identical_input_gives_identical_bytes():
    assert render_text(sample_files(), color=True, width=100) == render_text(sample_files(), color=True, width=100)


def test_colour_changes_only_the_escape_codes():
    plain = render_text(sample_files(), color=False, width=100)
    coloured = render_text(sample_files(), color=True, width=100)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_environment_does_not_change_the_report(monkeypatch):
    expected = render_text(sample_files(), color=False, width=80)
    monkeypatch.setenv("COLUMNS", "33")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert render_text(sample_files(), color=False, width=80) == expected


def test_step_lines_are_compiler_style_in_chain_order():
    text = render_text(sample_files(), color=False, width=100)
    heads = re.findall(r"^post\.md:\d+: step .*$", text, flags=re.MULTILINE)
    assert heads == [
        "post.md:65: step 1 (=) holds",
        "post.md:66: step 2 (=) FAILS [relation]",
        "post.md:67: step 3 (\\approx) holds-under",
        "post.md:68: step 4 (=) unknown [time-limit]",
        "post.md:81: step 1 (=) not-checked",
        "post.md:82: step 2 (\\implies) FAILS [invalid-implication]",
    ]
    assert text.index("chain 4 · policy improvement") < text.index("chain 5 · fixed point")


def test_failure_shows_counterexample_table_and_verified_fix():
    text = render_text(sample_files(), color=False, width=200)
    assert "counterexample (exact rationals)" in text
    assert "counterexample (floats)" in text
    for row in ("states", "actions", "γ", "P(s'|s,a)", "r(s,a)", "h(s)", "pi(a|s)", "pi'(a|s)", "at", "lhs value"):
        assert row in text
    assert "s=0: a=0 → (1, 0); a=1 → (1/2, 1/2)" in text
    assert "a = 0, s = 1" in text
    assert "fix: use ≥ instead of =: \\geq \\mathbb{E}_{s \\sim h}" in text
    assert "(verified: holds) [relation]" in text
    assert "(verified: holds under deterministic-policies)" in text


def test_conditions_claims_and_unread_are_listed():
    text = render_text(sample_files(), color=False, width=200)
    assert "holds under: deterministic-transitions (every P(·|s,a) puts all its mass on one next state)" in text
    assert text.index("claims") > text.index("post.md:82:")
    assert "post.md:74: claim eta-as-initial-value holds" in text
    assert "post.md:74: claim same-policy-once-optimal FAILS [false-claim]" in text
    assert "features parametrisation: holds-under" in text
    assert "derivations/policy_improvement.py:12: not-checked no relation" in text
    assert "derivations/policy_improvement.py:40:7: not-checked unknown command \\foo" in text
    excerpt, caret = text.split("unknown command \\foo\n", 1)[1].splitlines()[:2]
    assert excerpt == "    | V(s)= \\foo(s) + 1"
    assert caret == "    |       ^" and excerpt[caret.index("^") :].startswith("\\foo")  # column 7 of the line


def test_a_long_source_line_is_cut_around_the_caret():
    line = "x" * 100 + r"\zeta" + "y" * 100
    text = render_text([FileResult(path="p.md", unread=[Unread(3, "unknown macro", 101, line)])], color=False)
    excerpt, caret = text.split("unknown macro\n", 1)[1].splitlines()[:2]
    assert excerpt.startswith("    | …") and excerpt.endswith("…")
    assert excerpt[caret.index("^") :].startswith(r"\zeta")


def test_summary_counts_verdicts():
    line = (
        "6 steps: 1 holds, 2 fail, 1 holds-under, 1 unknown, 1 not-checked; 3 claims: 1 holds, 1 fails, 1 holds-under"
    )
    assert summary_line(sample_files()) == line + "; 2 unread passages (2 files)"
    assert render_text(sample_files(), color=False, width=200).rstrip().endswith(line + "; 2 unread passages (2 files)")


def test_no_line_ends_in_spaces():
    for color in (False, True):
        text = ANSI.sub("", render_text(sample_files(), color=color, width=60))
        assert all(line == line.rstrip() for line in text.splitlines())


def test_latex_brackets_are_not_read_as_markup():
    text = render_text(sample_files(), color=True, width=200)
    assert "\\left[V_{\\pi'}(s)\\right]" in ANSI.sub("", text)


def test_notes_come_first_and_emitter_writes_the_rendering():
    stream = io.StringIO()
    TextEmitter(color=False, width=90, notes=["assuming x: y"]).emit(sample_files(), stream)
    assert stream.getvalue().startswith("note: assuming x: y\n")
    assert stream.getvalue() == render_text(sample_files(), color=False, width=90, notes=["assuming x: y"])
