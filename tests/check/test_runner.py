"""check_derivation on derivations written for these tests: stepwise and anchored verdicts, fixes, claims.

Each chain has a known answer (DESIGN §2): which steps are wrong, what the nearby correct step is,
which statements follow from which.  Suggested fixes are re-judged here, not taken on trust.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from sympy import Integer, Tuple

from symrl.check import (
    CONDITIONS,
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    PolicySpec,
    Relation,
    SameMaximisersChain,
    Statement,
    StatementChain,
    StatementLine,
    Step,
    World,
    check_derivation,
    judge_implication,
    judge_statement,
)
from symrl.expr import (
    ActionValue,
    Advantage,
    Expectation,
    InitialDistribution,
    MaxOver,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Reward,
    Sample,
    SumOver,
    Transition,
    TransitionDistribution,
    Value,
    VisitationDistribution,
    action,
    evaluate,
    gamma,
    policy,
    state,
)
from tests.strategies import instance_from_record

s, a = state("s"), action("a")
s_next = state("s'")
pi, pi_new = policy("pi"), policy("pi'")
SOURCE = "test-post.md"
NEXT = Sample(s_next, TransitionDistribution(s, a))


def over_next(body):
    return Expectation(body, NEXT)


def latex(expr) -> str:
    return sympy.latex(expr)


ANY_WORLD = World()


def chain(start, steps, *, world: World = ANY_WORLD, block: int = 1, conclusion=None) -> ExpressionChain:
    return ExpressionChain(
        name=f"chain {block}",
        block=block,
        start=start,
        start_latex=latex(start),
        start_line=10 * block,
        steps=tuple(
            Step(relation, expr, latex(expr), 10 * block + number, sampled)
            for number, (relation, expr, *sampled) in enumerate(steps, start=1)
            for sampled in [tuple(sampled[0]) if sampled else ()]
        ),
        world=world,
        conclusion=conclusion,
    )


def run(*items):
    return check_derivation(Derivation(name="test", source=SOURCE, items=items), path="test-post.md")


def reproduce_step(lhs, rhs, record: dict) -> None:
    """The step's counterexample, rebuilt from its record, gives the recorded sides, which differ."""
    instance = instance_from_record(record)
    values = []
    for side in (lhs, rhs):
        tensor = evaluate(side, instance)
        index = tuple(record["at"][axis] for axis in tensor.axes)
        values.append(Fraction(str(tensor.data[0][index] if index else tensor.data[0])))
    assert values == [Fraction(record["lhs"]), Fraction(record["rhs"])]
    assert values[0] != values[1]


# -- an expression chain with one sign slip --------------------------------------------------------

Q = ActionValue(pi, s, a)
SLIPPED = Reward(s, a) - gamma * over_next(Value(pi, s_next))  # the sign slip
FOLLOWS_THE_SLIP = Reward(s, a) - gamma * SumOver(Transition(s_next, s, a) * Value(pi, s_next), s_next)
BACK_ON_TRACK = Reward(s, a) + gamma * SumOver(Transition(s_next, s, a) * Value(pi, s_next), s_next)
FINAL = Advantage(pi, s, a) + Value(pi, s)
SIGN_SLIP_CHAIN = chain(
    Q,
    [
        (Relation.EQ, SLIPPED),
        (Relation.EQ, FOLLOWS_THE_SLIP),
        (Relation.EQ, BACK_ON_TRACK),
        (Relation.EQ, FINAL),
    ],
)


@pytest.fixture(scope="module")
def sign_slip_steps():
    result = run(SIGN_SLIP_CHAIN)
    assert [step.step for step in result.steps] == [1, 2, 3, 4]
    return result.steps


def test_stepwise_and_anchored_verdicts_of_a_chain_with_one_wrong_line(sign_slip_steps) -> None:
    verdicts = [(step.verdict, step.anchored) for step in sign_slip_steps]
    assert verdicts == [
        ("fails", "fails"),  # the slip
        ("holds", "fails"),  # follows from the wrong line, but not from the start
        ("fails", "holds"),  # back to a true line: wrong relative to the previous one only
        ("holds", "holds"),
    ]


def test_the_wrong_line_gets_a_verified_sign_flip(sign_slip_steps) -> None:
    first = sign_slip_steps[0]
    assert first.code == "sign-flip"
    suggestion = first.suggestion
    assert suggestion is not None and suggestion.code == "sign-flip" and suggestion.verdict == "holds"
    assert suggestion.relation == "="
    fixed = Reward(s, a) + gamma * over_next(Value(pi, s_next))
    assert suggestion.rhs == latex(fixed)
    rejudged = judge_statement(Statement(Q, Relation.EQ, fixed), World())
    assert rejudged.verdict == "holds"
    reproduce_step(Q, SLIPPED, first.counterexample)


def test_a_true_line_after_a_wrong_one_is_inherited(sign_slip_steps) -> None:
    third = sign_slip_steps[2]
    assert third.code == "inherited"
    assert third.suggestion is None  # no fix that would re-introduce the earlier error
    assert "earlier step" in third.message
    reproduce_step(FOLLOWS_THE_SLIP, BACK_ON_TRACK, third.counterexample)


def test_a_line_that_follows_a_wrong_one_is_not_blamed(sign_slip_steps) -> None:
    second = sign_slip_steps[1]
    assert second.code is None and second.counterexample is None


def test_step_records_carry_lines_and_sides(sign_slip_steps) -> None:
    first, second = sign_slip_steps[:2]
    assert (first.chain, first.line, first.relation) == (1, 11, "=")
    assert first.source == {"file": SOURCE, "line": 11}
    assert first.lhs == latex(Q) and first.rhs == latex(SLIPPED)
    assert second.lhs == latex(SLIPPED) and second.rhs == latex(FOLLOWS_THE_SLIP)
    assert first.evidence == "exact"
    assert sign_slip_steps[3].evidence == "symbolic"


# -- relation fix -----------------------------------------------------------------------------------


def test_equality_that_should_be_an_inequality_gets_the_relation_fix() -> None:
    start = MaxOver(ActionValue(pi, s, a), a)
    (step,) = run(chain(start, [(Relation.EQ, Value(pi, s))])).steps
    assert step.verdict == "fails"
    assert step.code == "relation"
    assert step.suggestion.relation == Relation.GE.value
    assert step.suggestion.rhs == latex(Value(pi, s))
    assert judge_statement(Statement(start, Relation.GE, Value(pi, s)), World()).verdict == "holds"
    reproduce_step(start, Value(pi, s), step.counterexample)


def test_reversed_inequality_gets_the_relation_fix() -> None:
    start = Value(pi, s)
    (step,) = run(chain(start, [(Relation.GE, MaxOver(ActionValue(pi, s, a), a))], block=2)).steps
    assert step.verdict == "fails"
    assert step.suggestion is not None
    assert step.suggestion.relation in (Relation.LE.value, Relation.LT.value)
    assert step.suggestion.verdict == "holds"


def test_mixed_directions_leave_the_anchored_relation_undecided() -> None:
    start = Value(pi, s)
    steps = run(
        chain(start, [(Relation.LE, MaxOver(ActionValue(pi, s, a), a)), (Relation.GE, Value(pi, s))], block=3)
    ).steps
    assert [step.verdict for step in steps] == ["holds", "holds"]
    assert steps[1].anchored == "unknown"
    assert "mixes" in steps[1].message


# -- sample estimates ----------------------------------------------------------------------------


def test_one_sample_td_target_is_unbiased_and_exact_only_for_deterministic_transitions() -> None:
    estimate = Reward(s, a) + gamma * Value(pi, s_next)
    steps = run(
        chain(
            Advantage(pi, s, a),
            [
                (Relation.EQ, ActionValue(pi, s, a) - Value(pi, s)),
                (Relation.APPROX, estimate - Value(pi, s), [NEXT]),
            ],
            block=4,
        )
    ).steps
    step = steps[1]
    assert step.relation == Relation.APPROX.value
    assert (step.verdict, step.anchored) == ("holds", "holds")
    assert "unbiased" in step.message
    assert "exact only when " + CONDITIONS["deterministic-transitions"] in step.message


def test_biased_estimate_fails() -> None:
    biased = Reward(s, a) + Value(pi, s_next)  # γ dropped
    (step,) = run(chain(ActionValue(pi, s, a), [(Relation.APPROX, biased, [NEXT])], block=5)).steps
    assert step.verdict == "fails"
    assert step.suggestion is not None and step.suggestion.code == "missing-factor"


# -- conclusions of expression chains ------------------------------------------------------------


def test_chain_conclusion_is_judged_as_a_fact() -> None:
    greedy = World(policies=(("pi'", PolicySpec("greedy", base="pi")),))
    start = Return(pi_new)
    conclusion = StatementLine(Statement(Return(pi_new), Relation.GE, Return(pi)), r"\eta(\pi') \geq \eta(\pi)", 99)
    steps = run(
        chain(
            start,
            [(Relation.EQ, Expectation(Value(pi_new, s), Sample(s, InitialDistribution())))],
            world=greedy,
            block=6,
            conclusion=conclusion,
        )
    ).steps
    assert [step.step for step in steps] == [1, 2]
    assert steps[1].line == 99 and steps[1].verdict == "holds"


# -- statement chains ---------------------------------------------------------------------------

V_NONNEGATIVE = Statement(Value(pi, s), Relation.GE, Integer(0))
R_NONNEGATIVE = Statement(Reward(s, a), Relation.GE, Integer(0))
ETA_NONNEGATIVE = Statement(Return(pi), Relation.GE, Integer(0))


@pytest.fixture(scope="module")
def statement_steps():
    lines = (
        StatementLine(V_NONNEGATIVE, r"V_\pi(s) \geq 0", 30),
        StatementLine(R_NONNEGATIVE, r"r(s, a) \geq 0", 31),
        StatementLine(ETA_NONNEGATIVE, r"\eta(\pi) \geq 0", 32),
    )
    return run(StatementChain(name="signs", block=7, lines=lines)).steps


def test_first_statement_is_the_premise(statement_steps) -> None:
    assert statement_steps[0].verdict == "not-checked"
    assert "premise" in statement_steps[0].message


def test_invalid_implication_with_a_reverse_direction_fix(statement_steps) -> None:
    step = statement_steps[1]
    assert step.verdict == "fails"
    assert step.code == "invalid-implication"
    assert step.converse == "holds"
    assert step.suggestion is not None
    assert step.suggestion.relation == Relation.IMPLIED_BY.value
    assert step.suggestion.verdict == "holds"
    assert judge_implication([R_NONNEGATIVE], V_NONNEGATIVE, World()).verdict == "holds"
    record = step.counterexample
    assert V_NONNEGATIVE.evaluate(instance_from_record(record)).truth[0]
    reproduce_step(Reward(s, a), Integer(0), record)


def test_valid_implication_reports_its_converse(statement_steps) -> None:
    step = statement_steps[2]
    assert (step.verdict, step.anchored, step.converse) == ("holds", "holds", "fails")
    assert step.code is None and step.suggestion is None


def test_assumptions_are_the_premises_of_the_first_line() -> None:
    (step,) = run(
        StatementChain(
            name="assumed",
            block=8,
            lines=(StatementLine(V_NONNEGATIVE, r"V_\pi(s) \geq 0", 40),),
            assumptions=(R_NONNEGATIVE,),
        )
    ).steps
    assert step.verdict == "holds"


def test_facts_are_judged_on_their_own() -> None:
    lines = (
        StatementLine(Statement(SumOver(PolicyProbability(pi, a, s), a), Relation.EQ, Integer(1)), "sum", 50),
        StatementLine(Statement(PolicyProbability(pi, a, s), Relation.GT, Integer(0)), "positive", 51),
    )
    steps = run(StatementChain(name="facts", block=9, lines=lines, mode="facts")).steps
    assert [step.verdict for step in steps] == ["holds", "fails"]


# -- claims -------------------------------------------------------------------------------------

TD_TARGET = Statement(Reward(s, a) + gamma * Value(pi, s_next), Relation.EQ, ActionValue(pi, s, a), domain=(NEXT,))


def test_claim_with_conditions_holds_under_the_condition_that_makes_it_true() -> None:
    claims = run(
        Claim(name="td-exact", line=60, summary="the TD target is Q", conclusion=TD_TARGET,
              conditions=("full-support-initial", "deterministic-transitions")),
        Claim(name="td-exact-unconditional", line=61, summary="the TD target is Q", conclusion=TD_TARGET),
    ).claims
    conditional, unconditional = sorted(claims, key=lambda claim: claim.line)
    assert conditional.verdict == "holds-under"
    assert conditional.condition == "deterministic-transitions"
    assert CONDITIONS["deterministic-transitions"] in conditional.message
    assert conditional.counterexample is not None  # the unconditional failure is still shown
    assert unconditional.verdict == "fails"
    assert unconditional.code == "false-claim"
    assert unconditional.message.startswith("the TD target is Q")


def test_claim_with_premises_is_an_implication() -> None:
    better = Statement(
        Expectation(Advantage(pi, s, a), Sample(a, PolicyDistribution(pi_new, s))), Relation.GE, Integer(0)
    )
    (claim,) = run(
        Claim(name="improvement", line=70, summary="better everywhere improves", premises=(better,),
              conclusion=Statement(Return(pi_new), Relation.GE, Return(pi)))
    ).claims
    assert claim.verdict == "holds"
    assert claim.code is None
    assert r"\implies" in claim.statement


def test_false_claim_about_visited_pairs() -> None:
    visited = Sample(Tuple(s, a), VisitationDistribution(pi_new))
    conclusion = Statement(Advantage(pi, s, a), Relation.GT, Integer(0), domain=(visited,))
    premise = Statement(Return(pi_new), Relation.GT, Return(pi))
    (claim,) = run(
        Claim(name="strict", line=80, summary="improvement needs every step better", premises=(premise,),
              conclusion=conclusion, failure_code="invalid-argument")
    ).claims
    assert claim.verdict == "fails"
    assert claim.code == "invalid-argument"
    instance = instance_from_record(claim.counterexample)
    assert premise.evaluate(instance).truth[0]
    assert not conclusion.evaluate(instance).truth[0]


# -- definitions of trajectory distributions -----------------------------------------------------


STANDARD_FACTOR = PolicyProbability(pi, a, s) * Transition(s_next, s, a)


def definition(factor, line: int) -> DistributionDefinition:
    return DistributionDefinition(
        name=r"\rho", block=line, line=line, latex=latex(factor), factor=factor,
        standard=STANDARD_FACTOR, variables=(s, a, s_next),
    )


def test_distribution_definition_without_the_policy_factor() -> None:
    wrong, right = run(definition(Transition(s_next, s, a), 90), definition(STANDARD_FACTOR, 91)).steps
    assert wrong.verdict == "fails" and wrong.code == "not-a-distribution"
    assert "does not sum to 1" in wrong.message
    assert wrong.suggestion is not None and wrong.suggestion.code == "missing-factor"
    assert wrong.suggestion.rhs == latex(STANDARD_FACTOR)
    assert right.verdict == "holds"


def test_distribution_definition_without_the_transition_factor() -> None:
    (wrong,) = run(definition(PolicyProbability(pi, a, s), 92)).steps
    assert wrong.verdict == "fails" and wrong.code == "not-a-distribution"


# -- same maximisers ------------------------------------------------------------------------------


def objectives(*exprs):
    return tuple((expr, latex(expr), 100 + index) for index, expr in enumerate(exprs))


def test_objectives_differing_by_a_constant_have_the_same_maximisers() -> None:
    steps = run(
        SameMaximisersChain(
            name="same", block=12, policy="pi'",
            objectives=objectives(Return(pi_new), Return(pi_new) - Return(pi), -Return(pi_new)),
        )
    ).steps
    assert [(step.verdict, step.anchored) for step in steps] == [("holds", "holds"), ("fails", "fails")]


def test_positive_multiple_has_the_same_maximisers() -> None:
    (step,) = run(
        SameMaximisersChain(
            name="scaled", block=13, policy="pi'", objectives=objectives(Return(pi_new), 2 * Return(pi_new))
        )
    ).steps
    assert step.verdict == "holds"
