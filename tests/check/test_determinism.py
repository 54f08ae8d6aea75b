"""Determinism: the same derivation gives the same report, in one process and across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sympy import Integer

from symrl.check import (
    Claim,
    Derivation,
    ExpressionChain,
    Relation,
    SameMaximisersChain,
    Statement,
    StatementChain,
    StatementLine,
    Step,
    check_derivation,
)
from symrl.expr import (
    ActionValue,
    Advantage,
    Expectation,
    MaxOver,
    Return,
    Reward,
    Sample,
    TransitionDistribution,
    Value,
    action,
    gamma,
    policy,
    state,
)

REPO = Path(__file__).resolve().parents[2]

s, a, s_next = state("s"), action("a"), state("s'")
pi, pi_new = policy("pi"), policy("pi'")
NEXT = Sample(s_next, TransitionDistribution(s, a))

DERIVATION = Derivation(
    name="determinism",
    source="determinism.md",
    items=(
        ExpressionChain(
            name="with a slip",
            block=1,
            start=ActionValue(pi, s, a),
            start_latex="Q",
            start_line=1,
            steps=(
                Step(Relation.EQ, Reward(s, a) - gamma * Expectation(Value(pi, s_next), NEXT), "slip", 2),
                Step(Relation.EQ, Advantage(pi, s, a) + Value(pi, s), "A + V", 3),
                Step(Relation.EQ, MaxOver(ActionValue(pi, s, a), a), "max", 4),
                Step(Relation.APPROX, Reward(s, a) + gamma * Value(pi, s_next), "td", 5, sampled=(NEXT,)),
            ),
        ),
        StatementChain(
            name="signs",
            block=2,
            lines=(
                StatementLine(Statement(Value(pi, s), Relation.GE, Integer(0)), "V >= 0", 10),
                StatementLine(Statement(Reward(s, a), Relation.GE, Integer(0)), "r >= 0", 11),
            ),
        ),
        Claim(
            name="td",
            line=20,
            summary="TD target equals Q",
            conclusion=Statement(
                Reward(s, a) + gamma * Value(pi, s_next), Relation.EQ, ActionValue(pi, s, a), domain=(NEXT,)
            ),
            conditions=("deterministic-transitions",),
        ),
        Claim(
            name="improvement",
            line=21,
            summary="any new policy improves",
            conclusion=Statement(Return(pi_new), Relation.GE, Return(pi)),
        ),
    ),
)

MAXIMISERS = Derivation(
    name="maximisers",
    source="maximisers.md",
    items=(
        SameMaximisersChain(
            name="objectives",
            block=1,
            policy="pi'",
            objectives=(
                (Return(pi_new), "eta'", 1),
                (Return(pi_new) + Return(pi_new), "2 eta'", 2),
            ),
        ),
    ),
)


def report(derivation: Derivation) -> str:
    return json.dumps(check_derivation(derivation).to_record(), sort_keys=True)


def test_check_derivation_twice_in_one_process_gives_identical_records() -> None:
    first = report(DERIVATION)
    second = report(DERIVATION)
    assert first == second
    record = json.loads(first)
    assert [step["verdict"] for step in record["steps"]][:2] == ["fails", "fails"]  # it did real work


def test_a_fresh_cache_gives_the_same_record(fresh_judgements) -> None:
    cached = report(DERIVATION)
    fresh_judgements.clear()
    assert report(DERIVATION) == cached


def test_check_derivation_is_independent_of_hash_randomisation() -> None:
    script = (
        "import json, sys\n"
        "from symrl.check import check_derivation\n"
        "from tests.check.test_determinism import DERIVATION\n"
        "sys.stdout.write(json.dumps(check_derivation(DERIVATION).to_record(), sort_keys=True))\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert outputs[0] == report(DERIVATION)


def test_same_maximisers_chain_twice_gives_identical_records(fresh_judgements) -> None:
    first = report(MAXIMISERS)
    second = report(MAXIMISERS)
    assert first == second
    assert json.loads(first)["steps"][0]["message"].count("maximisers agree") == 1


def test_a_post_with_a_declared_example_reports_the_same_bytes_under_any_hash_seed() -> None:
    """Declarations (sets of policies, sorted tables) must not leak hash order into the report."""
    post = REPO / "tests" / "posts" / "worked_example.md"
    command = [sys.executable, "-m", "symrl", "check", str(post), "--format", "json", "--no-cache", "--exit-zero"]
    outputs = []
    for seed in ("3", "4"):
        completed = subprocess.run(
            command, cwd=REPO, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=300
        )
        assert completed.returncode == 0, completed.stderr
        outputs.append(completed.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["files"][0]["steps"]  # it did real work
