"""Per-step time limits: cooperative deadlines that work in any thread (DESIGN §5, Math-Verify #50/#55)."""

from __future__ import annotations

import threading
import time

import pytest
from sympy import Integer

from symrl.check import (
    Budget,
    BudgetExceeded,
    Claim,
    Derivation,
    ExpressionChain,
    Relation,
    Statement,
    Step,
    World,
    check_derivation,
    judge_implication,
    judge_statement,
)
from symrl.expr import ActionValue, Advantage, PolicyProbability, Reward, SumOver, Value, action, gamma, policy, state

s, a = state("s"), action("a")
pi = policy("pi")

# Statements used only in this module, so that no other test has cached their verdicts.
IDENTITY = Statement(
    SumOver(PolicyProbability(pi, a, s) * (Advantage(pi, s, a) + gamma * Value(pi, s)), a),
    Relation.EQ,
    gamma * Value(pi, s),
)
PREMISE = Statement(Reward(s, a), Relation.GE, Integer(-1))
CONCLUSION = Statement(Value(pi, s), Relation.GE, Integer(-1) / (1 - gamma))


def expired() -> Budget:
    return Budget(seconds=0.0)


def in_thread(function):
    """Run ``function`` in a worker thread and return its result (or re-raise its error)."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the test thread
            outcome["error"] = error

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_budget_check() -> None:
    Budget(seconds=10).check("anything")
    with pytest.raises(BudgetExceeded, match="time limit of 0 s reached during exact search"):
        expired().check("exact search")
    past = Budget(seconds=1.0, started=time.perf_counter() - 2.0)
    assert past.remaining() < 0


def test_expired_budget_makes_the_verdict_unknown(fresh_judgements) -> None:
    judgement = judge_statement(IDENTITY, World(), expired())
    assert judgement.verdict == "unknown"
    assert "time limit" in judgement.message
    assert judgement.counterexample is None


def test_expired_budget_works_from_a_worker_thread(fresh_judgements) -> None:
    judgement = in_thread(lambda: judge_statement(IDENTITY, World(), expired()))
    assert judgement.verdict == "unknown"
    assert "time limit" in judgement.message


def test_implication_with_an_expired_budget_from_a_worker_thread(fresh_judgements) -> None:
    judgement = in_thread(lambda: judge_implication([PREMISE], CONCLUSION, World(), expired()))
    assert judgement.verdict == "unknown"
    assert "time limit" in judgement.message


def test_a_time_out_is_not_remembered(fresh_judgements) -> None:
    assert judge_statement(IDENTITY, World(), expired()).verdict == "unknown"
    assert judge_statement(IDENTITY, World(), Budget(seconds=60)).verdict == "holds"


def test_judging_in_a_worker_thread_with_time_to_spare(fresh_judgements) -> None:
    judgement = in_thread(lambda: judge_statement(IDENTITY, World(), Budget(seconds=60)))
    assert (judgement.verdict, judgement.evidence) == ("holds", "symbolic")
    implication = in_thread(lambda: judge_implication([PREMISE], CONCLUSION, World(), Budget(seconds=60)))
    assert implication.verdict == "holds"


TIMED_DERIVATION = Derivation(
    name="timed",
    source="timed.md",
    items=(
        ExpressionChain(
            name="timed chain",
            block=1,
            start=ActionValue(pi, s, a),
            start_latex="Q",
            start_line=1,
            steps=(Step(Relation.EQ, Advantage(pi, s, a) + Value(pi, s), "A + V", 2),),
        ),
        Claim(name="timed claim", line=3, summary="bounded values", premises=(PREMISE,), conclusion=CONCLUSION),
    ),
)


def test_check_derivation_with_no_time_reports_unknown_from_a_worker_thread(fresh_judgements) -> None:
    result = in_thread(lambda: check_derivation(TIMED_DERIVATION, step_seconds=0.0))
    (step,) = result.steps
    (claim,) = result.claims
    assert step.verdict == "unknown" and "time limit" in step.message
    assert claim.verdict == "unknown" and "time limit" in claim.message
    assert not result.failed


def test_timed_out_step_carries_the_time_limit_code(fresh_judgements) -> None:
    result = check_derivation(TIMED_DERIVATION, step_seconds=0.0)
    assert result.steps[0].code == "time-limit"
