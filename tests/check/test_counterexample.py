"""Counterexample records, number formatting, readability order and rationalisation of float instances."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from symrl.check.counterexample import Counterexample, complexity, format_number, rationalize_instance
from symrl.expr import Instance
from symrl.mdp import FiniteMDP, as_policy, to_exact
from tests.strategies import fraction_array, instance_from_record


@pytest.mark.parametrize(
    ("value", "text"),
    [(to_exact("3/4"), "3/4"), (to_exact(-2), "-2"), (0.1, "0.1"), (np.float64(1e-20), "1e-20"), (to_exact(0), "0")],
)
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text


def exact_instance(P, r, h, g, policy) -> Instance:
    mdp = FiniteMDP.create(fraction_array(P), fraction_array(r), fraction_array(h), Fraction(g), backend="exact")
    return Instance(mdp, {"pi": as_policy(mdp, fraction_array(policy))})


def test_record_round_trips_through_json_and_rebuilds_the_instance() -> None:
    instance = exact_instance(
        P=[[["1/3", "2/3"], ["1", "0"]], [["0", "1"], ["1/2", "1/2"]]],
        r=[["-1", "5/2"], ["0", "3"]],
        h=["1/4", "3/4"],
        g="9/10",
        policy=[["1/5", "4/5"], ["1", "0"]],
    )
    example = Counterexample(instance, to_exact("7/3"), to_exact(-1), {"s": 1, "a": 0}, note="why")
    record = json.loads(json.dumps(example.to_record()))
    assert record["states"] == 2 and record["actions"] == 2 and record["exact"] is True
    assert record["gamma"] == "9/10"
    assert record["P"][0][0] == ["1/3", "2/3"]
    assert record["r"][0][1] == "5/2"
    assert record["policies"]["pi"] == [["1/5", "4/5"], ["1", "0"]]
    assert record["at"] == {"a": 0, "s": 1}
    assert (record["lhs"], record["rhs"], record["note"]) == ("7/3", "-1", "why")
    rebuilt = instance_from_record(record)
    assert rebuilt.mdp.P.tolist() == instance.mdp.P.tolist()
    assert rebuilt.mdp.r.tolist() == instance.mdp.r.tolist()
    assert rebuilt.policy("pi").tolist() == instance.policy("pi").tolist()


def test_complexity_prefers_small_numbers() -> None:
    simple = exact_instance([[["1"]]], [["1"]], ["1"], "1/2", [["1"]])
    busy = exact_instance([[["1"]]], [["17/13"]], ["1"], "7/11", [["1"]])
    assert complexity(simple) < complexity(busy)


def test_rationalize_keeps_rows_stochastic_and_close() -> None:
    P = np.array([[[[0.3333, 0.6667]], [[0.999, 0.001]]]])
    mdp = FiniteMDP.create(P, np.array([[[0.5], [-1.25]]]), np.array([[0.5, 0.5]]), np.array([0.9]))
    instance = Instance(mdp, {"pi": np.ones((1, 2, 1))})
    assert rationalize_instance(instance, 2) is None  # γ = 0.9 would round to 1: not a discounted MDP
    for denominator in (10, 100, 1000):
        exact = rationalize_instance(instance, denominator)
        assert exact is not None and exact.mdp.backend == "exact"
        assert all(sum(row) == 1 for row in exact.mdp.P.reshape(-1, 2))
        assert np.allclose(exact.mdp.P.astype(float), P, atol=1.0 / denominator)
    assert rationalize_instance(instance, 1000).mdp.r[0, 1, 0] == to_exact("-5/4")
