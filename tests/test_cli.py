"""The command line: check, explain and export, exit codes, formats and help."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import derivations.policy_improvement
from symrl import cli
from symrl.check import CONDITIONS, FileResult, GradientDefinition, StepResult
from symrl.cli import EXIT_FAILS, EXIT_HOLDS, EXIT_UNREADABLE, app

ROOT = Path(__file__).resolve().parents[1]
POLICY_IMPROVEMENT = ROOT / "derivations" / "policy_improvement.py"

TOY = '''
"""A toy derivation: 1 + 1 = 2 on line 4, then {relation} {value} on line 5."""
from sympy import Integer
from symrl.check import Derivation, ExpressionChain, Relation, Step

DERIVATION = Derivation(
    name="toy",
    source="toy.md",
    items=(
        ExpressionChain(
            name="toy arithmetic",
            block=1,
            start=Integer(1) + Integer(1),
            start_latex="1 + 1",
            start_line=3,
            steps=(Step(Relation.EQ, Integer(2), "2", 4), Step(Relation.{relation}, Integer({value}), "{value}", 5)),
        ),
    ),
)
'''


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory):
    """Keep the verdict cache of these tests out of the user's home directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYMRL_CACHE_DIR", str(tmp_path_factory.mktemp("verdict-cache")))
        yield


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def policy_improvement_json(runner):
    """One real run of the engine on the bundled policy-improvement module (about 2 s)."""
    return runner.invoke(app, ["check", str(POLICY_IMPROVEMENT), "--format", "json"])


def _toy(tmp_path: Path, relation: str = "EQ", value: int = 2, name: str = "toy_chain.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(TOY).format(relation=relation, value=value))
    return path


def _canned(steps: list[StepResult]):
    """A stand-in for the engine: returns ``steps`` for any derivation, instantly."""

    def check(derivation, *, step_seconds, progress=None):
        for item in derivation.items:
            if progress:
                progress(item.name)
        return FileResult(path=derivation.source, steps=list(steps))

    return check


def _step(line: int, verdict: str, step: int = 1) -> StepResult:
    return StepResult(
        chain=1,
        step=step,
        line=line,
        relation="=",
        source={"file": "toy.md", "line": line},
        lhs="a",
        rhs="b",
        verdict=verdict,
        anchored=verdict,
        condition=None,
        evidence="exact",
        message="canned",
        chain_name="toy arithmetic",
    )


# -- check: the engine's real verdicts ----------------------------------------------------------


def test_policy_improvement_fails_with_a_verified_geq_fix(policy_improvement_json):
    result = policy_improvement_json
    assert result.exit_code == EXIT_FAILS, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["version", "files"]
    (file,) = report["files"]
    assert file["path"] == str(POLICY_IMPROVEMENT)
    failing = [step for step in file["steps"] if step["verdict"] == "fails"]
    assert failing, "the equality E_h[V_π'] = E_h[max_a Q_π] should fail"
    assert any(step["suggestion"] and step["suggestion"]["relation"] == "\\geq" for step in failing)
    assert all(step["source"]["file"] == derivations.policy_improvement.SOURCE for step in file["steps"])


def test_json_stdout_holds_only_the_report(policy_improvement_json):
    assert policy_improvement_json.stdout.startswith("{\n")
    assert policy_improvement_json.stdout.endswith("}\n")
    assert "checking" not in policy_improvement_json.stdout


def test_toy_module_that_holds_exits_0_with_text_report(runner, tmp_path):
    result = runner.invoke(app, ["check", str(_toy(tmp_path))])
    assert result.exit_code == EXIT_HOLDS, result.output
    assert "toy.md:4: step 1 (=) holds" in result.stdout
    assert "toy.md:5: step 2 (=) holds" in result.stdout
    assert result.stdout.rstrip().endswith("2 steps: 2 hold (1 file)")
    assert "\x1b[" not in result.stdout


def test_toy_module_that_fails_exits_1(runner, tmp_path):
    result = runner.invoke(app, ["check", str(_toy(tmp_path, value=3))])
    assert result.exit_code == EXIT_FAILS, result.output
    assert "toy.md:5: step 2 (=) FAILS" in result.stdout


# -- check: inputs that cannot be read -----------------------------------------------------------


def test_missing_path_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.py")])
    assert result.exit_code == EXIT_UNREADABLE
    assert "nope.py: no such file or directory" in result.stderr
    assert result.stdout == ""


POST = """---
layout: post
---
The value of a policy:

$$
\\eta(\\pi) = \\mathbb{E}_{s \\sim h(s)}\\left[V_\\pi(s)\\right]
$$

and a slip:

$$
\\begin{align*}
Q_\\pi(s, a) &= r(s, a) + \\gamma \\mathbb{E}_{s' \\sim P(s'|s,a)}\\left[V_\\pi(s')\\right] \\\\
&= r(s, a) - \\gamma \\mathbb{E}_{s' \\sim P(s'|s,a)}\\left[V_\\pi(s')\\right]
\\end{align*}
$$

$$
\\zeta(\\pi) = 1
$$
"""


@pytest.mark.parametrize("name", ["post.md", "notes.txt"])
def test_markdown_post_is_read_and_judged(runner, tmp_path, name):
    (tmp_path / name).write_text(POST)
    result = runner.invoke(app, ["check", str(tmp_path / name), "--format", "json"])
    assert result.exit_code == EXIT_FAILS
    (report,) = json.loads(result.stdout)["files"]
    verdicts = {(step["chain"], step["step"], step["line"]): step["verdict"] for step in report["steps"]}
    assert verdicts == {(1, 1, 7): "holds", (2, 1, 14): "holds", (2, 2, 15): "fails"}
    (unread,) = report["unread"]
    assert unread["line"] == 20 and "zeta" in unread["message"]


def test_tex_file_is_read(runner, tmp_path):
    document = "\\begin{document}\n\\[ \\eta(\\pi) = \\mathbb{E}_{s \\sim h}[V_\\pi(s)] \\]\n\\end{document}\n"
    (tmp_path / "notes.tex").write_text(document)
    result = runner.invoke(app, ["check", str(tmp_path / "notes.tex"), "--format", "json"])
    assert result.exit_code == EXIT_HOLDS, result.stdout
    assert [step["verdict"] for step in json.loads(result.stdout)["files"][0]["steps"]] == ["holds"]


def test_missing_post_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "absent.md")])
    assert result.exit_code == EXIT_UNREADABLE


def test_module_without_derivation_exits_2(runner, tmp_path):
    (tmp_path / "empty.py").write_text("X = 1\n")
    result = runner.invoke(app, ["check", str(tmp_path / "empty.py")])
    assert result.exit_code == EXIT_UNREADABLE
    assert "defines no DERIVATION" in result.stderr


def test_import_error_exits_2_without_traceback(runner, tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('the notation module is missing')\n")
    result = runner.invoke(app, ["check", str(tmp_path / "broken.py")])
    assert result.exit_code == EXIT_UNREADABLE
    assert "RuntimeError: the notation module is missing" in result.stderr
    assert "Traceback" not in result.output


def test_syntax_error_exits_2(runner, tmp_path):
    (tmp_path / "typo.py").write_text("DERIVATION = (\n")
    result = runner.invoke(app, ["check", str(tmp_path / "typo.py")])
    assert result.exit_code == EXIT_UNREADABLE
    assert "typo.py: syntax error on line 1" in result.stderr


def test_unreadable_input_wins_over_results(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([_step(4, "fails")]))
    result = runner.invoke(app, ["check", str(_toy(tmp_path)), str(tmp_path / "missing.py")])
    assert result.exit_code == EXIT_UNREADABLE
    assert "toy.md:4: step 1 (=) FAILS" in result.stdout


def test_directory_checks_its_derivation_modules_only(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([_step(4, "holds")]))
    _toy(tmp_path, name="a_chain.py")
    _toy(tmp_path, name="b_chain.py")
    (tmp_path / "helpers.py").write_text("X = 1\n")
    (tmp_path / "__init__.py").write_text("")
    result = runner.invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == EXIT_HOLDS, result.output
    paths = [file["path"] for file in json.loads(result.stdout)["files"]]
    assert paths == [str(tmp_path / "a_chain.py"), str(tmp_path / "b_chain.py")]


def test_empty_directory_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == EXIT_UNREADABLE
    assert "no derivation module" in result.stderr


def test_no_path_checks_every_bundled_module(runner, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([]))
    result = runner.invoke(app, ["check", "--format", "json"])
    assert result.exit_code == EXIT_HOLDS, result.output
    paths = [file["path"] for file in json.loads(result.stdout)["files"]]
    assert "derivations/policy_improvement.py" in paths
    assert "derivations/common.py" not in paths
    assert paths == sorted(paths)


# -- check: options ----------------------------------------------------------------------------


def test_unknown_assume_exits_2_listing_valid_conditions(runner):
    result = runner.invoke(app, ["check", str(POLICY_IMPROVEMENT), "--assume", "ergodic"])
    assert result.exit_code == EXIT_UNREADABLE
    assert "unknown condition 'ergodic'" in result.stderr
    for name in CONDITIONS:
        assert name in result.stderr


def test_assume_restricts_every_world_and_is_noted(runner, tmp_path, monkeypatch):
    seen = []

    def check(derivation, *, step_seconds, progress=None):
        seen.extend(item.world.conditions for item in derivation.items)
        return FileResult(path=derivation.source)

    monkeypatch.setattr(cli, "check_derivation", check)
    args = ["check", str(_toy(tmp_path)), "--assume", "deterministic-transitions", "--assume", "deterministic-policies"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_HOLDS, result.output
    assert seen == [frozenset({"deterministic-transitions", "deterministic-policies"})]
    assert result.stdout.startswith("note: assuming deterministic-transitions: ")


def test_assuming_leaves_items_without_a_world_alone():
    derivation = derivations.policy_improvement.DERIVATION
    assert derivation.assuming([]) is derivation
    restricted = derivation.assuming(["full-support-initial"])
    assert all("full-support-initial" in item.world.conditions for item in restricted.items)
    assert all("full-support-initial" not in item.world.conditions for item in derivation.items)
    gradient = GradientDefinition(name="update", block=1, line=3, latex="x")
    with_gradient = type(derivation)(name="g", source="g.md", items=(gradient,)).assuming(["small-step-size"])
    assert with_gradient.items == (gradient,)


def test_timeout_reaches_the_engine_and_seed_is_accepted(runner, tmp_path, monkeypatch):
    limits = []

    def check(derivation, *, step_seconds, progress=None):
        limits.append(step_seconds)
        return FileResult(path=derivation.source)

    monkeypatch.setattr(cli, "check_derivation", check)
    result = runner.invoke(app, ["check", str(_toy(tmp_path)), "--timeout", "2.5", "--seed", "7"])
    assert result.exit_code == EXIT_HOLDS, result.output
    assert limits == [2.5]


def test_non_positive_timeout_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["check", str(_toy(tmp_path)), "--timeout", "0"])
    assert result.exit_code == EXIT_UNREADABLE
    assert "positive number of seconds" in result.stderr


def test_output_file_receives_the_report(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([_step(4, "fails")]))
    target = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(_toy(tmp_path)), "--format", "json", "--output", str(target)])
    assert result.exit_code == EXIT_FAILS
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["files"][0]["steps"][0]["verdict"] == "fails"


# -- explain and export ---------------------------------------------------------------------------


def test_explain_shows_only_the_steps_on_that_line(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([_step(4, "holds"), _step(5, "fails", step=2)]))
    result = runner.invoke(app, ["explain", f"{_toy(tmp_path)}:5"])
    assert result.exit_code == EXIT_FAILS, result.output
    assert "toy.md:5: step 2 (=) FAILS" in result.stdout
    assert "toy.md:4:" not in result.stdout


def test_explain_a_line_without_a_step_lists_the_lines(runner, tmp_path):
    result = runner.invoke(app, ["explain", f"{_toy(tmp_path)}:99"])
    assert result.exit_code == EXIT_UNREADABLE
    assert "no step or claim on line 99; steps and claims are on lines 4, 5" in result.stderr


def test_explain_needs_file_and_line(runner):
    result = runner.invoke(app, ["explain", str(POLICY_IMPROVEMENT)])
    assert result.exit_code == EXIT_UNREADABLE
    assert "expected FILE:LINE" in result.stderr


def test_explain_finds_bundled_modules_by_the_text_they_encode(runner, monkeypatch):
    monkeypatch.setattr(cli, "check_derivation", _canned([_step(66, "fails", step=2)]))
    result = runner.invoke(app, ["explain", f"{derivations.policy_improvement.SOURCE}:66"])
    assert result.exit_code == EXIT_FAILS, result.output
    assert "derivations/policy_improvement.py" in result.stdout


@pytest.mark.parametrize("flag", ["--latex", "--html"])
def test_export_says_not_implemented_and_exits_2(runner, flag):
    result = runner.invoke(app, ["export", str(POLICY_IMPROVEMENT), flag])
    assert result.exit_code == EXIT_UNREADABLE
    assert "not implemented yet" in result.stderr


# -- help ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_teaches_verdicts_evidence_and_exit_codes(runner, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    text = result.stdout
    assert "Exit codes:" in text
    for line in ("0  every step and claim holds", "1  some step or claim FAILS", "2  some input could not be read"):
        assert line in text
    for word in ("holds-under", "not-checked", "unknown", "symbolic", "exact", "numeric", "anchored"):
        assert word in text


def test_check_help_gives_examples(runner):
    text = runner.invoke(app, ["check", "--help"]).stdout
    assert "symrl check derivations/policy_improvement.py" in text
    assert "--assume" in text and "deterministic-transitions" in text


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("symrl ")


def test_engine_input_error_exits_2(runner, tmp_path, monkeypatch):
    from symrl.errors import NotationError

    def check(derivation, *, step_seconds, progress=None):
        raise NotationError("unknown symbol \\foo")

    monkeypatch.setattr(cli, "check_derivation", check)
    result = runner.invoke(app, ["check", str(_toy(tmp_path))])
    assert result.exit_code == EXIT_UNREADABLE
    assert "unknown symbol \\foo" in result.stderr


def test_verdict_cache_serves_unchanged_input_and_misses_on_change(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("SYMRL_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "module").mkdir()
    module = _toy(tmp_path / "module", relation="EQ", value=2)
    first = runner.invoke(app, ["check", str(module), "--format", "json"])
    assert first.exit_code == EXIT_HOLDS
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1

    calls = []
    monkeypatch.setattr(cli, "check_derivation", lambda *args, **kwargs: calls.append(args))
    second = runner.invoke(app, ["check", str(module), "--format", "json"])
    assert second.exit_code == EXIT_HOLDS and second.stdout == first.stdout
    assert calls == []  # served from the cache

    monkeypatch.undo()
    monkeypatch.setenv("SYMRL_CACHE_DIR", str(tmp_path / "cache"))
    _toy(tmp_path / "module", relation="EQ", value=3)  # the module changed: 1 + 1 = 3 must be re-judged
    for name in [name for name in sys.modules if name.startswith("_symrl_input_toy_chain")]:
        del sys.modules[name]  # a new process would import the edited file afresh
    third = runner.invoke(app, ["check", str(module), "--format", "json"])
    assert third.exit_code == EXIT_FAILS
    uncached = runner.invoke(app, ["check", str(module), "--format", "json", "--no-cache"])
    assert uncached.stdout == third.stdout


def test_exit_zero_reports_failures_but_exits_0(runner, tmp_path):
    module = _toy(tmp_path, relation="EQ", value=3)
    failing = runner.invoke(app, ["check", str(module), "--exit-zero"])
    assert failing.exit_code == EXIT_HOLDS
    assert "FAILS" in failing.stdout
    missing = runner.invoke(app, ["check", str(tmp_path / "absent.py"), "--exit-zero"])
    assert missing.exit_code == EXIT_UNREADABLE


def test_inline_option_judges_inline_relations(runner, tmp_path):
    post = tmp_path / "post.md"
    post.write_text("A slip: $Q_\\pi(s,a) = r(s,a) - \\gamma V_\\pi(s)$.\n", encoding="utf-8")
    assert runner.invoke(app, ["check", str(post), "--no-cache"]).exit_code == EXIT_HOLDS  # nothing to judge
    result = runner.invoke(app, ["check", str(post), "--no-cache", "--inline"])
    assert result.exit_code == EXIT_FAILS and "post.md:1: step 1 (=) FAILS" in result.output


def test_explain_reads_a_post_with_its_declared_example(runner):
    post = Path(__file__).parent / "posts" / "worked_example.md"
    result = runner.invoke(app, ["explain", f"{post}:45"])
    assert result.exit_code == EXIT_FAILS, result.output
    assert "worked_example.md:45: step 1 (=) FAILS" in result.output
    assert "a_1 = 0, a_2 = 1, s = 0, s' = 1" in result.output  # the example's named states and actions
