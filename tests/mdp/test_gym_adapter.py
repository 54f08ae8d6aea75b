"""gymnasium toy-text environments as FiniteMDPs: FrozenLake, CliffWalking, Taxi."""

from __future__ import annotations

import math

import gymnasium
import mdptoolbox.mdp
import numpy as np
import pytest

from symrl.mdp import FiniteMDP, evaluate_policy, from_gymnasium, policy_iteration, value_iteration
from tests.strategies import q

# 4x4 FrozenLake: SFFF / FHFH / FFFH / HFFG.
HOLES = (5, 7, 11, 12)
GOAL = 15


@pytest.fixture(scope="module")
def frozen_lake() -> gymnasium.Env:
    env = gymnasium.make("FrozenLake-v1")
    yield env
    env.close()


def _assert_absorbing_terminal(mdp: FiniteMDP) -> None:
    terminal = mdp.num_states - 1
    P = np.asarray(mdp.P[0], dtype=np.float64)
    assert np.all(P[terminal, :, terminal] == 1)
    assert np.all(np.asarray(mdp.r[0, terminal], dtype=np.float64) == 0)
    assert mdp.h[0, terminal] == 0


def test_frozen_lake_shapes_and_terminal(frozen_lake) -> None:
    mdp = from_gymnasium(frozen_lake, gamma=0.9)
    assert (mdp.batch_size, mdp.num_states, mdp.num_actions) == (1, 17, 4)
    assert mdp.backend == "numeric"
    _assert_absorbing_terminal(mdp)
    terminal = 16
    # Holes and the goal end the episode: all their mass goes to the absorbing state.
    for s in (*HOLES, GOAL):
        np.testing.assert_array_equal(mdp.P[0, s, :, terminal], 1.0)
    # Slippery moves: from the start, "left" stays with prob. 2/3 and goes down with 1/3.
    np.testing.assert_allclose(mdp.P[0, 0, 0, [0, 4]], [2 / 3, 1 / 3])
    np.testing.assert_array_equal(mdp.h[0], np.eye(17)[0])
    # Only stepping onto the goal pays: from 14 "right" reaches it with probability 1/3.
    np.testing.assert_allclose(mdp.r[0, 14, 2], 1 / 3)
    np.testing.assert_allclose(mdp.P[0, 14, 2, terminal], 1 / 3)
    assert np.count_nonzero(mdp.r) == np.count_nonzero(mdp.r[0, [11, 14]])


def test_frozen_lake_exact_recovers_thirds(frozen_lake) -> None:
    mdp = from_gymnasium(frozen_lake, gamma="9/10", backend="exact")
    assert mdp.backend == "exact"
    assert mdp.P[0, 0, 0, 0] == q("2/3")
    assert mdp.P[0, 0, 0, 4] == q("1/3")
    assert mdp.gamma[0] == q("9/10")
    _assert_absorbing_terminal(mdp)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
def test_frozen_lake_value_iteration_policy_iteration_and_pymdptoolbox_agree(frozen_lake, gamma) -> None:
    mdp = from_gymnasium(frozen_lake, gamma=gamma)
    vi = value_iteration(mdp)
    pi = policy_iteration(mdp)
    assert pi.stop_reason == "policy-stable"
    np.testing.assert_allclose(vi.V, pi.V, atol=1e-9)
    toolbox = mdptoolbox.mdp.PolicyIteration(mdp.P[0].transpose(1, 0, 2), mdp.r[0], gamma)
    toolbox.run()
    np.testing.assert_allclose(pi.V[0], toolbox.V, atol=1e-9)
    assert pi.V[0, 0] > 0
    assert np.all(pi.V[0, [*HOLES, GOAL, 16]] == 0)


def test_frozen_lake_exact_policy_iteration_equals_numeric(frozen_lake) -> None:
    exact = policy_iteration(from_gymnasium(frozen_lake, gamma="9/10", backend="exact"))
    numeric = policy_iteration(from_gymnasium(frozen_lake, gamma=0.9))
    assert exact.stop_reason == "policy-stable"
    np.testing.assert_allclose(np.asarray(exact.V, dtype=np.float64), numeric.V, atol=1e-9, rtol=0)


def test_deterministic_frozen_lake_optimal_value_is_discounted_path_length() -> None:
    # The shortest safe path from S to G takes 6 moves; only the last one pays 1.
    env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    exact = policy_iteration(from_gymnasium(env, gamma="9/10", backend="exact"))
    assert exact.V[0, 0] == q("9/10") ** 5
    assert exact.V[0, 14] == 1
    numeric = value_iteration(from_gymnasium(env, gamma=0.9))
    np.testing.assert_allclose(numeric.V[0, 0], 0.9**5, atol=1e-9)


def test_cliff_walking_optimal_value_walks_along_the_cliff() -> None:
    env = gymnasium.make("CliffWalking-v1")
    mdp = from_gymnasium(env, gamma="9/10", backend="exact")
    assert (mdp.num_states, mdp.num_actions) == (49, 4)
    _assert_absorbing_terminal(mdp)
    start = 36
    assert mdp.h[0, start] == 1
    # Up, eleven steps right, down into the goal: 13 steps at -1 each.
    g = q("9/10")
    solution = policy_iteration(mdp)
    assert solution.V[0, start] == -(1 - g**13) / (1 - g)
    numeric = from_gymnasium(env, gamma=0.9)
    np.testing.assert_allclose(value_iteration(numeric).V, np.asarray(solution.V, dtype=np.float64), atol=1e-9)
    # Stepping into the cliff costs 100 and returns to the start.
    assert mdp.r[0, start, 1] == -100
    assert mdp.P[0, start, 1, start] == 1


def test_taxi_shapes_terminal_and_solvers_agree() -> None:
    env = gymnasium.make("Taxi-v4")
    mdp = from_gymnasium(env, gamma=0.9)
    assert (mdp.num_states, mdp.num_actions) == (501, 6)
    _assert_absorbing_terminal(mdp)
    assert np.count_nonzero(mdp.h[0]) == 300
    np.testing.assert_allclose(mdp.h[0, :500], env.unwrapped.initial_state_distrib)
    assert set(np.unique(mdp.r[0, :500])) == {-10.0, -1.0, 20.0}
    vi = value_iteration(mdp)
    pi = policy_iteration(mdp)
    assert pi.stop_reason == "policy-stable"
    np.testing.assert_allclose(vi.V, pi.V, atol=1e-8)
    # Passenger aboard at its destination R (row 0, col 0): drop off for 20 and the episode ends.
    encode = env.unwrapped.encode
    at_destination = encode(0, 0, 4, 0)
    np.testing.assert_allclose(pi.V[0, at_destination], 20.0, atol=1e-9)
    np.testing.assert_allclose(mdp.P[0, at_destination, 5, 500], 1.0)
    # One row below: a step north (-1), then the drop-off discounted once.
    np.testing.assert_allclose(pi.V[0, encode(1, 0, 4, 0)], -1 + 0.9 * 20, atol=1e-9)


def test_frozen_lake_values_match_rollouts_in_the_environment(frozen_lake) -> None:
    # Play the optimal policy in gymnasium itself: the adapter must reproduce its returns.
    gamma = 0.9
    mdp = from_gymnasium(frozen_lake, gamma=gamma)
    policy = policy_iteration(mdp).policy[0].argmax(axis=-1)
    eta = evaluate_policy(mdp, np.eye(4)[policy]).eta[0]
    episodes = 4000
    returns = np.zeros(episodes)
    state, _ = frozen_lake.reset(seed=0)
    for episode in range(episodes):
        if episode:
            state, _ = frozen_lake.reset()
        discount, done = 1.0, False
        while not done:
            state, reward, terminated, truncated, _ = frozen_lake.step(int(policy[state]))
            returns[episode] += discount * reward
            discount *= gamma
            done = terminated or truncated
    # Episodes are truncated at 100 steps, which removes at most γ^100 / (1-γ) of return.
    truncation = gamma ** frozen_lake.spec.max_episode_steps / (1 - gamma)
    tolerance = 5 * returns.std(ddof=1) / math.sqrt(episodes) + truncation
    assert abs(returns.mean() - eta) <= tolerance


def test_initial_distribution_override_and_bad_environments(frozen_lake) -> None:
    mdp = from_gymnasium(frozen_lake, gamma=0.5, initial=np.full(16, 1 / 16))
    np.testing.assert_allclose(mdp.h[0], [*([1 / 16] * 16), 0.0])
    with pytest.raises(ValueError, match=r"needs a toy-text environment with a transition table env\.unwrapped\.P"):
        from_gymnasium(gymnasium.make("CartPole-v1"), gamma=0.9)
    with pytest.raises(ValueError, match=r"keyed by states 0\.\.S-1"):
        from_gymnasium({1: {0: [(1.0, 1, 0.0, False)]}}, gamma=0.9, initial=[1.0])
    with pytest.raises(ValueError, match=r"state 1 has actions \[0\], expected \[0, 1\]"):
        table = {0: {0: [(1.0, 0, 0.0, False)], 1: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 1, 0.0, False)]}}
        from_gymnasium(table, gamma=0.9, initial=[1.0, 0.0])
    with pytest.raises(ValueError, match="no initial_state_distrib; pass initial="):
        from_gymnasium({0: {0: [(1.0, 0, 1.0, False)]}}, gamma=0.9)
    with pytest.raises(ValueError, match="0 < gamma < 1"):
        from_gymnasium(frozen_lake, gamma=1.0)


def test_a_plain_transition_table_is_read_like_an_environment() -> None:
    # Two states: action 0 loops paying 1; action 1 ends the episode paying 20 a quarter of the
    # time and otherwise moves to state 1, which pays nothing.
    table = {
        0: {0: [(1.0, 0, 1.0, False)], 1: [(0.25, 1, 20.0, True), (0.75, 1, 0.0, False)]},
        1: {0: [(1.0, 1, 0.0, False)], 1: [(1.0, 1, 0.0, False)]},
    }
    mdp = from_gymnasium(table, gamma="1/2", backend="exact", initial=[1, 0])
    assert mdp.num_states == 3
    assert mdp.r[0].tolist() == [[1, 5], [0, 0], [0, 0]]  # r(s, a) = Σ prob · reward
    assert mdp.P[0, 0, 1].tolist() == [0, q("3/4"), q("1/4")]
    assert policy_iteration(mdp).V[0].tolist() == [5, 0, 0]  # 5 beats 1/(1-γ) = 2
