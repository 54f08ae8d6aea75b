"""judge_statement / judge_implication on statements written for these tests.

Every failure is re-derived from the counterexample's record alone: the MDP is rebuilt from its
strings and both sides are recomputed, with symrl's evaluator and with plain Fractions.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from sympy import Integer, Symbol, Tuple

from symrl.check import Relation, Statement, World, judge_implication, judge_statement
from symrl.check.world import EXACT_SIZES
from symrl.expr import (
    ActionValue,
    Advantage,
    Expectation,
    MaxOver,
    OptimalValue,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Reward,
    Sample,
    SumOver,
    TransitionDistribution,
    Value,
    VisitationDistribution,
    action,
    evaluate,
    gamma,
    policy,
    state,
)
from tests.strategies import instance_from_record, reference_evaluation

s, a, b = state("s"), action("a"), action("b")
s_next = state("s'")
pi, pi_new = policy("pi"), policy("pi'")
NEXT = Sample(s_next, TransitionDistribution(s, a))
RECORD_KEYS = {"states", "actions", "exact", "gamma", "P", "r", "h", "policies", "at", "lhs", "rhs"}


def over_pi(body, which=pi):
    return Expectation(body, Sample(a, PolicyDistribution(which, s)))


def side_at(tensor, assignment: dict) -> Fraction:
    """One entry of an evaluated side at the counterexample's assignment (axes it lacks are ignored)."""
    data = tensor.data[0]
    index = tuple(assignment[axis] for axis in tensor.axes)
    return Fraction(str(data[index] if index else data))


def reproduce(statement: Statement, record: dict) -> tuple[Fraction, Fraction]:
    """Rebuild the record's instance, re-evaluate both sides, check they match the record and fail."""
    assert RECORD_KEYS <= set(record)
    assert record["exact"] is True
    instance = instance_from_record(record)
    assert (instance.mdp.num_states, instance.mdp.num_actions) == (record["states"], record["actions"])
    lhs = side_at(evaluate(statement.lhs, instance), record["at"])
    rhs = side_at(evaluate(statement.rhs, instance), record["at"])
    assert (lhs, rhs) == (Fraction(record["lhs"]), Fraction(record["rhs"]))
    assert not statement.evaluate(instance).truth[0]
    return lhs, rhs


def reference(record: dict, name: str = "pi"):
    return reference_evaluation(record["P"], record["r"], record["h"], record["gamma"], record["policies"][name])


# -- identities ----------------------------------------------------------------------------------

TRUE_IDENTITIES = {
    "policy-average-of-q-is-v": Statement(SumOver(PolicyProbability(pi, a, s) * ActionValue(pi, s, a), a),
                                          Relation.EQ, Value(pi, s)),
    "expected-advantage-is-zero": Statement(over_pi(Advantage(pi, s, a)), Relation.EQ, Integer(0)),
    "bellman-backup": Statement(
        ActionValue(pi, s, a), Relation.EQ, Reward(s, a) + gamma * Expectation(Value(pi, s_next), NEXT)
    ),
    "performance-difference-one-step": Statement(
        over_pi(ActionValue(pi, s, a), pi_new) - Value(pi, s), Relation.EQ, over_pi(Advantage(pi, s, a), pi_new)
    ),
}


@pytest.mark.parametrize("name", sorted(TRUE_IDENTITIES))
def test_true_identity_holds_symbolically(name: str) -> None:
    judgement = judge_statement(TRUE_IDENTITIES[name], World())
    assert judgement.verdict == "holds"
    assert judgement.evidence == "symbolic"
    assert judgement.counterexample is None
    assert "symbolic" in judgement.message


def test_false_identity_fails_with_an_exact_counterexample_that_reproduces() -> None:
    statement = Statement(SumOver(PolicyProbability(pi, a, s) * ActionValue(pi, s, a), a), Relation.EQ,
                          gamma * Value(pi, s))
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    assert judgement.evidence == "exact"
    record = judgement.counterexample.to_record()
    lhs, rhs = reproduce(statement, record)
    # Independently of symrl's evaluator: Σ_a π(a|s) Q(s,a) and γ V(s) from a Fraction solve.
    where = record["at"]["s"]
    solved = reference(record)
    table = [[Fraction(x) for x in row] for row in record["policies"]["pi"]]
    assert lhs == sum(table[where][k] * solved.Q[where, k] for k in range(record["actions"]))
    assert rhs == Fraction(record["gamma"]) * solved.V[where]
    assert lhs != rhs
    assert record["lhs"] in judgement.message and record["rhs"] in judgement.message


FALSE_IDENTITIES = {
    "policy-swap": Statement(Value(pi, s), Relation.EQ, Value(pi_new, s)),
    "missing-gamma": Statement(ActionValue(pi, s, a), Relation.EQ, Reward(s, a) + Expectation(Value(pi, s_next), NEXT)),
    "dropped-term": Statement(Advantage(pi, s, a), Relation.EQ, ActionValue(pi, s, a)),
    "sign-slip": Statement(Advantage(pi, s, a), Relation.EQ, ActionValue(pi, s, a) + Value(pi, s)),
    "max-is-not-average": Statement(MaxOver(ActionValue(pi, s, a), a), Relation.EQ, Value(pi, s)),
    "return-is-not-value": Statement(Return(pi), Relation.EQ, Value(pi, s)),
}


@pytest.mark.parametrize("name", sorted(FALSE_IDENTITIES))
def test_false_identities_fail_reproducibly(name: str) -> None:
    statement = FALSE_IDENTITIES[name]
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    assert judgement.evidence == "exact"
    reproduce(statement, judgement.counterexample.to_record())


def test_policy_swap_counterexample_agrees_with_a_fraction_solve() -> None:
    judgement = judge_statement(FALSE_IDENTITIES["policy-swap"], World())
    record = judgement.counterexample.to_record()
    where = record["at"]["s"]
    assert Fraction(record["lhs"]) == reference(record, "pi").V[where]
    assert Fraction(record["rhs"]) == reference(record, "pi'").V[where]
    assert record["lhs"] != record["rhs"]


def test_exact_evidence_states_the_number_of_points_when_no_symbolic_proof_applies() -> None:
    # Episodic worlds are not covered by the generic symbolic MDP, so the identity rests on exact points.
    judgement = judge_statement(TRUE_IDENTITIES["policy-average-of-q-is-v"], World(episodic=True))
    assert judgement.verdict == "holds"
    assert judgement.evidence == "exact"
    assert "exact rational instances" in judgement.message
    assert any(char.isdigit() for char in judgement.message)
    assert judgement.instances > 0


# -- inequalities -------------------------------------------------------------------------------

TRUE_INEQUALITIES = {
    "max-q-at-least-v": Statement(MaxOver(ActionValue(pi, s, a), a), Relation.GE, Value(pi, s)),
    "optimal-value-dominates": Statement(OptimalValue(s), Relation.GE, Value(pi, s)),
    "v-at-most-optimal": Statement(Value(pi, s), Relation.LE, OptimalValue(s)),
    "squared-probabilities": Statement(SumOver(PolicyProbability(pi, a, s) ** 2, a), Relation.LE, Integer(1)),
}


@pytest.mark.parametrize("name", sorted(TRUE_INEQUALITIES))
def test_true_inequalities_hold_on_numeric_evidence(name: str) -> None:
    judgement = judge_statement(TRUE_INEQUALITIES[name], World())
    assert judgement.verdict == "holds"
    assert judgement.evidence == "numeric"
    assert "not a proof" in judgement.message


@pytest.mark.parametrize(
    "statement",
    [
        Statement(MaxOver(ActionValue(pi, s, a), a), Relation.GT, Value(pi, s)),
        Statement(OptimalValue(s), Relation.GT, Value(pi, s)),
        Statement(Value(pi, s), Relation.LT, OptimalValue(s)),
    ],
    ids=["max-q-vs-v", "optimal-vs-v", "v-vs-optimal"],
)
def test_strict_inequality_fails_where_equality_is_attainable(statement: Statement) -> None:
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    lhs, rhs = reproduce(statement, judgement.counterexample.to_record())
    assert lhs == rhs


def test_reversed_inequality_fails() -> None:
    statement = Statement(MaxOver(ActionValue(pi, s, a), a), Relation.LE, Value(pi, s))
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    lhs, rhs = reproduce(statement, judgement.counterexample.to_record())
    assert lhs > rhs


# -- smallest counterexample ---------------------------------------------------------------------


def holds_at_size(statement: Statement, states: int, actions: int) -> bool:
    world = World()
    return all(
        statement.evaluate(world.exact_instance(statement.policies(), states, actions, seed)).truth.all()
        for seed in range(8)
    )


@pytest.mark.parametrize(
    ("statement", "size"),
    [
        # A = r − r_π holds with one state (V cancels) and with one action (both are 0).
        (Statement(Advantage(pi, s, a), Relation.EQ,
                   Reward(s, a) - SumOver(PolicyProbability(pi, b, s) * Reward(s, b), b)), (2, 2)),
        # Needs two states, holds for one.
        (Statement(Value(pi, s), Relation.EQ, Value(pi, s_next)), (2, 1)),
        # Fails already with one state and two actions.
        (Statement(ActionValue(pi, s, a), Relation.EQ, Value(pi, s)), (1, 2)),
    ],
    ids=["needs-2x2", "needs-2-states", "fails-at-1x2"],
)
def test_smallest_counterexample_comes_first(statement: Statement, size: tuple[int, int]) -> None:
    order = list(EXACT_SIZES)
    for smaller in order[: order.index(size)]:
        assert holds_at_size(statement, *smaller)  # the test's premise: nothing smaller fails
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    assert (record["states"], record["actions"]) == size
    reproduce(statement, record)


# -- domains, quantifiers, conditions -------------------------------------------------------------

VISITED = Sample(Tuple(s, a), VisitationDistribution(pi))


def test_visited_actions_have_positive_probability() -> None:
    restricted = Statement(PolicyProbability(pi, a, s), Relation.GT, Integer(0), domain=(VISITED,))
    assert judge_statement(restricted, World()).verdict == "holds"
    everywhere = Statement(PolicyProbability(pi, a, s), Relation.GT, Integer(0))
    judgement = judge_statement(everywhere, World())
    assert judgement.verdict == "fails"
    assert reproduce(everywhere, judgement.counterexample.to_record())[0] == 0


def test_domain_statement_that_fails_inside_the_support() -> None:
    statement = Statement(Advantage(pi, s, a), Relation.GE, Integer(0), domain=(VISITED,))
    judgement = judge_statement(statement, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    instance = instance_from_record(record)
    at = record["at"]
    lhs = side_at(evaluate(statement.lhs, instance), at)
    assert lhs < 0
    table = instance.policy("pi")[0]
    assert table[at["s"], at["a"]] > 0  # the failing pair is in the support of P_π …
    solved = reference(record)
    assert solved.occupancy[at["s"]] > 0  # … and its state is visited


def test_exists_quantifier() -> None:
    some_nonnegative = Statement(Advantage(pi, s, a), Relation.GE, Integer(0), quantifier="exists")
    judgement = judge_statement(some_nonnegative, World())
    assert judgement.verdict == "holds"
    some_positive = Statement(Advantage(pi, s, a), Relation.GT, Integer(0), quantifier="exists")
    judgement = judge_statement(some_positive, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    solved = reference(record)
    assert all(value <= 0 for value in solved.A.flat)  # no (s, a) has a positive advantage there


def test_condition_restricts_the_world_it_is_judged_in() -> None:
    target = Statement(Reward(s, a) + gamma * Value(pi, s_next), Relation.EQ, ActionValue(pi, s, a), domain=(NEXT,))
    judgement = judge_statement(target, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    reproduce(target, record)
    row = record["P"][record["at"]["s"]][record["at"]["a"]]
    assert sorted(Fraction(p) for p in row)[-1] < 1  # the failure needs stochastic transitions
    assert judge_statement(target, World().with_condition("deterministic-transitions")).verdict == "holds"


UNEVALUABLE = Statement(Symbol("c") * Value(pi, s), Relation.EQ, Value(pi, s))


def test_unevaluable_statement_is_unknown_not_holds() -> None:
    judgement = judge_statement(UNEVALUABLE, World())
    assert judgement.verdict == "unknown"
    assert judgement.counterexample is None


def test_unknown_verdict_says_why() -> None:
    judgement = judge_statement(UNEVALUABLE, World())
    assert "symbol c" in judgement.message


# -- implications ----------------------------------------------------------------------------------

REWARD_NONNEGATIVE = Statement(Reward(s, a), Relation.GE, Integer(0))
VALUE_NONNEGATIVE = Statement(Value(pi, s), Relation.GE, Integer(0))
BETTER_EVERYWHERE = Statement(over_pi(Advantage(pi, s, a), pi_new), Relation.GE, Integer(0))
IMPROVES = Statement(Return(pi_new), Relation.GE, Return(pi))


def test_valid_implication_holds() -> None:
    judgement = judge_implication([REWARD_NONNEGATIVE], VALUE_NONNEGATIVE, World())
    assert judgement.verdict == "holds"
    assert judgement.evidence == "numeric"


def test_policy_improvement_theorem_holds() -> None:
    judgement = judge_implication([BETTER_EVERYWHERE], IMPROVES, World())
    assert judgement.verdict == "holds"


def check_implication_counterexample(premises: list[Statement], conclusion: Statement, record: dict) -> None:
    instance = instance_from_record(record)
    for premise in premises:
        assert premise.evaluate(instance).truth[0], premise.latex()
    reproduce(conclusion, record)


def test_invalid_implication_fails_with_premises_true_and_conclusion_false() -> None:
    judgement = judge_implication([VALUE_NONNEGATIVE], REWARD_NONNEGATIVE, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    check_implication_counterexample([VALUE_NONNEGATIVE], REWARD_NONNEGATIVE, record)
    solved = reference(record)
    assert all(value >= 0 for value in solved.V)
    assert Fraction(record["r"][record["at"]["s"]][record["at"]["a"]]) < 0


def test_converse_of_policy_improvement_fails() -> None:
    judgement = judge_implication([IMPROVES], BETTER_EVERYWHERE, World())
    assert judgement.verdict == "fails"
    record = judgement.counterexample.to_record()
    check_implication_counterexample([IMPROVES], BETTER_EVERYWHERE, record)
    old, new = reference(record, "pi"), reference(record, "pi'")
    assert new.eta >= old.eta


def test_implication_and_its_converse_are_judged_independently() -> None:
    forward = judge_implication([REWARD_NONNEGATIVE], VALUE_NONNEGATIVE, World())
    backward = judge_implication([VALUE_NONNEGATIVE], REWARD_NONNEGATIVE, World())
    assert (forward.verdict, backward.verdict) == ("holds", "fails")


def test_several_premises_are_conjoined() -> None:
    both = [REWARD_NONNEGATIVE, Statement(Reward(s, a), Relation.LE, Integer(0))]
    judgement = judge_implication(both, Statement(Value(pi, s), Relation.EQ, Integer(0)), World())
    assert judgement.verdict == "holds"


def test_implication_with_unsatisfiable_premises_is_unknown() -> None:
    never = Statement(Value(pi, s), Relation.GT, Value(pi, s))
    judgement = judge_implication([never], REWARD_NONNEGATIVE, World())
    assert judgement.verdict == "unknown"
    assert "too few" in judgement.message


def test_counterexample_values_are_exact_rationals() -> None:
    judgement = judge_statement(FALSE_IDENTITIES["sign-slip"], World())
    record = judgement.counterexample.to_record()
    for text in itertools.chain([record["gamma"], record["lhs"], record["rhs"]], np.ravel(record["P"])):
        Fraction(text)  # every entry reads back as an exact rational
    assert "." not in record["lhs"] + record["rhs"]
