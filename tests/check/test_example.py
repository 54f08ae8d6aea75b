"""Worked examples imposed on drawn MDPs: the text's facts pinned, everything else as drawn."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.two_policy_example import impose_example
from symrl.check import Example, PolicySpec, World
from symrl.check.world import WorldError

TWO_POLICIES = Example(
    states=("s", "s'"),
    actions=("a_1", "a_2"),
    rewards=(("s", "a_1", Fraction(-1)), ("s", "a_2", Fraction(1))),
    transitions=(("s", "a_1", "s'", Fraction(1)), ("s", "a_2", "s'", Fraction(1))),
    choices=(("pi_1", "s", "a_1"), ("pi_2", "s", "a_2")),
    agreements=(("pi_2", "pi_1"),),
    episodic=True,
)
FREE = World(policies=(("pi_1", PolicySpec("deterministic")), ("pi_2", PolicySpec("deterministic"))), episodic=True)


def _same(first: np.ndarray, second: np.ndarray) -> bool:
    if first.dtype == object or second.dtype == object:
        return first.shape == second.shape and all(x == y for x, y in zip(first.flat, second.flat))
    return np.array_equal(first, second)


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "numeric"])
@pytest.mark.parametrize("seed", range(6))
def test_declared_facts_impose_what_the_hand_written_example_imposes(exact: bool, seed: int) -> None:
    """The two-policy module pins its example by hand; the declared facts must pin the same MDP."""
    names = {"pi_1", "pi_2"}
    drawn = FREE.exact_instance(names, 3, 2, seed) if exact else FREE.numeric_instance(names, 3, 2, 16, seed)
    by_hand, declared = impose_example(drawn), TWO_POLICIES(drawn)
    assert _same(by_hand.mdp.P, declared.mdp.P)
    assert _same(by_hand.mdp.r, declared.mdp.r)
    for name in names:
        assert _same(by_hand.policy(name), declared.policy(name))


def test_the_world_binds_named_states_and_actions_and_leaves_room_for_the_terminal_state() -> None:
    world = TWO_POLICIES.world(World())
    assert dict(world.bindings) == {"s": 0, "s'": 1, "a_1": 0, "a_2": 1}
    assert world.min_states == 3 and world.min_actions == 2 and world.episodic
    assert {name for name, _ in world.policies} == {"pi_1", "pi_2"}
    assert world.sizes(((2, 2), (3, 2), (3, 1))) == [(3, 2)]


@settings(max_examples=60, deadline=None)
@given(
    pinned=st.dictionaries(st.sampled_from(["s", "s'", "x"]), st.fractions(0, 1), min_size=1, max_size=3),
    seed=st.integers(0, 1000),
    exact=st.booleans(),
)
def test_a_partly_pinned_row_stays_a_distribution_with_the_pins(pinned, seed, exact) -> None:
    if sum(pinned.values()) > 1:
        with pytest.raises(WorldError, match="not a distribution"):
            Example(
                states=("s", "s'", "x"), actions=("a",), transitions=tuple(("s", "a", n, p) for n, p in pinned.items())
            )
        return
    example = Example(
        states=("s", "s'", "x"), actions=("a",), transitions=tuple(("s", "a", n, p) for n, p in pinned.items())
    )
    drawn = World().exact_instance(set(), 4, 2, seed) if exact else World().numeric_instance(set(), 4, 2, 8, seed)
    row = example(drawn).mdp.P[:, 0, 0]
    names = ("s", "s'", "x")
    for batch in range(row.shape[0]):
        entries = [Fraction(int(x.p), int(x.q)) for x in row[batch]] if exact else list(row[batch])
        assert all(entry >= 0 for entry in entries)
        assert sum(entries) == (1 if exact else pytest.approx(1))
        for name, value in pinned.items():
            entry = entries[names.index(name)]
            assert entry == (value if exact else pytest.approx(float(value)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"states": ("s",), "actions": ("a",), "rewards": (("z", "a", Fraction(1)),)}, "z is not a named state"),
        ({"states": ("s",), "actions": ("a",), "rewards": (("s", "b", Fraction(1)),)}, "b is not a named action"),
        ({"states": ("s", "s"), "actions": ("a",)}, "named twice"),
        (
            {
                "states": ("s",),
                "actions": ("a",),
                "choices": (("pi", "s", "a"),),
                "probabilities": (("pi", "s", "a", Fraction(1, 2)),),
            },
            "two different values",
        ),
        (
            {"states": ("s",), "actions": ("a",), "probabilities": (("pi", "s", "a", Fraction(3, 2)),)},
            "not a distribution",
        ),
        ({"agreements": (("pi", "pi"),)}, "agree with itself"),
    ],
)
def test_inconsistent_examples_are_refused(kwargs, message) -> None:
    with pytest.raises(WorldError, match=message):
        Example(**kwargs)


def test_an_mdp_too_small_for_the_example_is_refused() -> None:
    drawn = World().exact_instance(set(), 1, 2, 0)
    with pytest.raises(WorldError, match="names 2 state"):
        TWO_POLICIES(drawn)


def test_an_agreement_with_a_policy_the_step_does_not_use_imposes_nothing() -> None:
    drawn = FREE.exact_instance({"pi_2"}, 3, 2, 5)
    imposed = TWO_POLICIES(drawn)
    assert set(imposed.policies) == {"pi_2"}
    assert _same(imposed.policy("pi_2")[:, 1:], drawn.policy("pi_2")[:, 1:])  # as drawn away from s
    assert list(imposed.policy("pi_2")[0, 0]) == [0, 1]  # π₂(s) = a₂ still pinned
