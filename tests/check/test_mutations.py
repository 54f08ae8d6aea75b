"""Nearby expressions used as fix candidates: each edit kind produces what its code says."""

from __future__ import annotations

from sympy import Integer, Sum, oo

from symrl.check.mutations import MUTATION_CODES, expression_mutations, relation_mutations
from symrl.check.relations import Relation
from symrl.check.results import DIAGNOSTIC_CODES
from symrl.expr import ActionAt, ActionValue, Reward, StateAt, Value, action, gamma, policy, state, t

s, a = state("s"), action("a")
pi, pi_new = policy("pi"), policy("pi'")


def by_code(expr, policies=()):
    found: dict[str, list] = {}
    for mutation in expression_mutations(expr, policies):
        found.setdefault(mutation.code, []).append(mutation.expr)
    return found


def test_every_mutation_code_is_a_diagnostic_code() -> None:
    assert set(MUTATION_CODES) <= set(DIAGNOSTIC_CODES)


def test_relation_edits() -> None:
    assert [m.relation for m in relation_mutations(Relation.EQ)] == [Relation.GE, Relation.LE]
    assert Relation.GE in [m.relation for m in relation_mutations(Relation.GT)]
    assert Relation.EQ in [m.relation for m in relation_mutations(Relation.LE)]
    assert list(relation_mutations(Relation.APPROX)) == []
    assert all(m.code == "relation" for m in relation_mutations(Relation.LT))


def test_sign_flips_of_each_term() -> None:
    expr = Reward(s, a) + gamma * Value(pi, s) - Value(pi_new, s)
    flips = by_code(expr)["sign-flip"]
    assert Reward(s, a) - gamma * Value(pi, s) - Value(pi_new, s) in flips
    assert Reward(s, a) + gamma * Value(pi, s) + Value(pi_new, s) in flips
    assert -Reward(s, a) + gamma * Value(pi, s) - Value(pi_new, s) in flips


def test_a_single_quantity_is_negated_first() -> None:
    first = next(iter(expression_mutations(Value(pi, s))))
    assert (first.code, first.expr) == ("sign-flip", -Value(pi, s))


def test_dropped_terms_and_factors() -> None:
    expr = Reward(s, a) + gamma * Value(pi, s)
    found = by_code(expr)
    assert Reward(s, a) in found["dropped-term"] and gamma * Value(pi, s) in found["dropped-term"]
    assert Reward(s, a) + Value(pi, s) in found["extra-factor"]
    assert Reward(s, a) + gamma**2 * Value(pi, s) in found["missing-factor"]


def test_index_shift_never_starts_below_zero() -> None:
    body = gamma**t * Reward(StateAt(t), ActionAt(t))
    shifts = by_code(Sum(body, (t, 0, oo)))["index-shift"]
    assert shifts == [Sum(body, (t, 1, oo))]
    assert set(by_code(Sum(body, (t, 1, oo)))["index-shift"]) == {Sum(body, (t, 0, oo)), Sum(body, (t, 2, oo))}


def test_policy_swap_uses_the_given_policies_only() -> None:
    swaps = by_code(ActionValue(pi, s, a) - Value(pi, s), ("pi", "pi'"))["policy-swap"]
    assert ActionValue(pi_new, s, a) - Value(pi, s) in swaps
    assert ActionValue(pi, s, a) - Value(pi_new, s) in swaps
    assert "policy-swap" not in by_code(Value(pi, s), ("pi",))


def test_time_shift_never_reaches_negative_time() -> None:
    shifted = by_code(Value(pi, StateAt(Integer(0))))["time-shift"]
    assert shifted == [Value(pi, StateAt(Integer(1)))]
    both = by_code(Value(pi, StateAt(t + 1)))["time-shift"]
    assert set(both) == {Value(pi, StateAt(t)), Value(pi, StateAt(t + 2))}


def test_mutations_are_distinct_and_differ_from_the_original() -> None:
    expr = Reward(s, a) + gamma * Value(pi, s) - Value(pi_new, s)
    produced = [m.expr for m in expression_mutations(expr, ("pi", "pi'"))]
    assert len(produced) == len(set(produced))
    assert expr not in produced
