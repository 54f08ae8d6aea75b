"""Worlds: the instances a step is judged on, and the conditions that restrict them."""

from __future__ import annotations

import numpy as np
import pytest

from symrl.check import CONDITIONS, PolicySpec, World
from symrl.check.world import EXACT_SIZES, NUMERIC_SIZES, WorldError
from symrl.expr import Instance
from symrl.mdp import FiniteMDP, evaluate_policy

NAMES = {"pi", "pi'"}


def exact_instances(world: World, states: int = 3, actions: int = 2, seeds: range = range(6), names=NAMES):
    return [world.exact_instance(set(names), states, actions, seed) for seed in seeds]


def numeric_instance(world: World, states: int = 3, actions: int = 2, batch: int = 64):
    return world.numeric_instance(NAMES, states, actions, batch, seed=1)


def is_one_hot(array: np.ndarray) -> bool:
    values = array.astype(float)
    return bool(np.all((values == 0) | (values == 1)) and np.all(values.sum(axis=-1) == 1))


def test_every_condition_is_known_and_described() -> None:
    assert set(CONDITIONS) >= {"deterministic-transitions", "full-support-initial", "deterministic-policies"}
    for name in CONDITIONS:
        assert name in World().with_condition(name).conditions
    with pytest.raises(WorldError, match="unknown condition"):
        World().with_condition("ergodic")


def test_the_unrestricted_world_has_stochastic_transitions_and_sparse_starts() -> None:
    # Otherwise the condition tests below would prove nothing.
    world = World()
    assert not all(is_one_hot(instance.mdp.P) for instance in exact_instances(world))
    assert not is_one_hot(numeric_instance(world).mdp.P)
    numeric = numeric_instance(world).mdp.h
    assert np.any(numeric == 0)
    assert any(np.any(instance.mdp.h.astype(float) == 0) for instance in exact_instances(world))


def test_deterministic_transitions_make_every_row_of_p_one_hot() -> None:
    world = World().with_condition("deterministic-transitions")
    for instance in exact_instances(world):
        assert instance.mdp.backend == "exact"
        assert is_one_hot(instance.mdp.P)
    assert is_one_hot(numeric_instance(world).mdp.P)


def test_full_support_initial_gives_every_state_positive_probability() -> None:
    world = World().with_condition("full-support-initial")
    for instance in exact_instances(world):
        h = instance.mdp.h
        assert all(value > 0 for value in h.flat)
        assert all(sum(row) == 1 for row in h)
    numeric = numeric_instance(world).mdp.h
    assert np.all(numeric > 0)
    np.testing.assert_allclose(numeric.sum(axis=-1), 1.0)


def test_deterministic_policies_condition() -> None:
    world = World().with_condition("deterministic-policies")
    for instance in exact_instances(world):
        assert all(is_one_hot(table) for table in instance.policies.values())
    assert all(is_one_hot(table) for table in numeric_instance(world).policies.values())


def test_free_policies_include_stochastic_ones() -> None:
    tables = [table for instance in exact_instances(World()) for table in instance.policies.values()]
    assert not all(is_one_hot(table) for table in tables)


def test_greedy_policy_spec_is_greedy_in_its_base_q() -> None:
    world = World(policies=(("pi'", PolicySpec("greedy", base="pi")),))
    for instance in [*exact_instances(world), numeric_instance(world)]:
        q = evaluate_policy(instance.mdp, instance.policy("pi")).Q
        greedy = instance.policy("pi'")
        assert is_one_hot(greedy)
        chosen = np.take_along_axis(q, np.argmax(greedy.astype(float), axis=-1)[..., None], axis=-1)[..., 0]
        assert np.all(chosen == q.max(axis=-1))


def test_optimal_policy_spec_attains_the_optimal_value() -> None:
    world = World(policies=(("pi^*", PolicySpec("optimal")),))
    for instance in exact_instances(world, seeds=range(4), names=NAMES | {"pi^*"}):
        optimal = evaluate_policy(instance.mdp, instance.policy("pi^*")).V
        for other in instance.policies.values():
            assert np.all(optimal >= evaluate_policy(instance.mdp, other).V)
        assert np.all(optimal == instance.optimal_values())


def test_episodic_world_ends_in_an_absorbing_zero_reward_state() -> None:
    world = World(episodic=True)
    for instance in [*exact_instances(world), numeric_instance(world)]:
        P, r = instance.mdp.P.astype(float), instance.mdp.r.astype(float)
        assert np.all(P[:, -1, :, -1] == 1)
        assert np.all(r[:, -1] == 0)
        assert np.all(P[:, :-1, :, -1] >= 0.25 - 1e-12)  # every state ends the episode with prob ≥ 1/4


def test_sizes_respect_the_minimum_and_start_small() -> None:
    world = World(min_states=3, min_actions=2)
    assert all(s >= 3 and a >= 2 for s, a in world.sizes(EXACT_SIZES))
    assert World().sizes(EXACT_SIZES)[0] == (1, 2)
    assert World().sizes(NUMERIC_SIZES) == list(NUMERIC_SIZES)


def test_instances_are_reproducible_from_their_seed() -> None:
    world = World()
    first, second = (world.exact_instance(NAMES, 2, 2, seed=5) for _ in range(2))
    assert first.mdp.P.tolist() == second.mdp.P.tolist()
    assert first.policy("pi").tolist() == second.policy("pi").tolist()
    one, two = (numeric_instance(world) for _ in range(2))
    np.testing.assert_array_equal(one.mdp.r, two.mdp.r)


def test_example_hook_and_bindings_reach_the_instance() -> None:
    def impose(instance):
        r = instance.mdp.r.copy()  # drawn arrays are shared between worlds, and read-only
        r[:, 0, 0] = 7
        mdp = FiniteMDP.create(instance.mdp.P, r, instance.mdp.h, instance.mdp.gamma, backend="exact")
        return Instance(mdp, instance.policies, instance.bindings)

    world = World(example=impose, bindings=(("s", 1),))
    instance = world.exact_instance(NAMES, 2, 2, seed=0)
    assert instance.mdp.r[0, 0, 0] == 7
    assert instance.bindings == {"s": 1}
    with pytest.raises(ValueError, match="read-only"):  # a hook cannot change a shared draw in place
        World().exact_instance(NAMES, 2, 2, seed=0).mdp.r[:, 0, 0] = 1


def test_symbolic_instance_has_a_table_for_every_policy() -> None:
    instance = World().symbolic_instance(NAMES)
    assert set(instance.policies) == NAMES
    assert instance.mdp.backend == "symbolic"


def test_feature_softmax_has_no_exact_instances() -> None:
    """A generic rational table is no linear-feature softmax, and its score needs the float features."""
    tabular = World(policies=(("pi_theta", PolicySpec("softmax")),))
    features = tabular.with_family("features")
    assert tabular.exact_is_faithful({"pi_theta"})
    assert not features.exact_is_faithful({"pi_theta"})
