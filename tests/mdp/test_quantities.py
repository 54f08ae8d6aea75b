"""Policy evaluation: V, Q, A, η, occupancies and trajectory expectations.

Three kinds of evidence: a hand-solved MDP (closed forms), identities that must hold on every
random MDP (Bellman equations, flow equations, telescoping sums, the performance difference
lemma), and Monte-Carlo rollouts of the definitions in DESIGN.md §1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symrl.mdp import (
    FiniteMDP,
    action_values,
    advantages,
    discounted_occupancy,
    discounted_state_action_occupancy,
    evaluate_policy,
    expected_return,
    policy_reward,
    policy_transition_matrix,
    random_mdp,
    random_policy,
    state_values,
    trajectory_expectation,
    uniform_policy,
)
from tests.strategies import (
    PROPERTY_SETTINGS,
    chain_mdp,
    exact_mdps_with_policies,
    numeric_mdps,
    numeric_mdps_with_policies,
    q,
)

CHAIN_PARAMETERS = [("2/3", "1/4", "3/4"), ("1/10", "1/2", "1"), ("9/10", "3/5", "1/5"), ("1/3", "1", "1/2")]


def as_float(mdp: FiniteMDP) -> FiniteMDP:
    """The same instances as float64, to compare the numeric backend with the exact one."""
    return FiniteMDP.create(mdp.P, mdp.r, mdp.h, mdp.gamma, backend="numeric")


def floats(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)


# --- closed forms on a hand-solved MDP -------------------------------------------------------


@pytest.mark.parametrize(("gamma", "p", "h0"), CHAIN_PARAMETERS)
def test_chain_mdp_matches_hand_solution_exactly(gamma: str, p: str, h0: str) -> None:
    chain = chain_mdp(gamma, p, h0)
    result = evaluate_policy(chain.mdp, chain.policy)
    assert result.V.tolist() == [chain.V]
    assert result.Q.tolist() == [chain.Q]
    assert result.A.tolist() == [[[Q - V for Q in row] for row, V in zip(chain.Q, chain.V, strict=True)]]
    assert result.eta.tolist() == [chain.eta]
    assert result.occupancy.tolist() == [chain.occupancy]
    assert result.policy.tolist() == [chain.policy]


@pytest.mark.parametrize(("gamma", "p", "h0"), CHAIN_PARAMETERS)
def test_chain_mdp_matches_hand_solution_numerically(gamma: str, p: str, h0: str) -> None:
    chain = chain_mdp(gamma, p, h0, backend="numeric")
    policy = floats(chain.policy)
    result = evaluate_policy(chain.mdp, policy)
    np.testing.assert_allclose(result.V, [floats(chain.V)], rtol=1e-12)
    np.testing.assert_allclose(result.Q, [floats(chain.Q)], rtol=1e-12)
    np.testing.assert_allclose(result.eta, [float(chain.eta)], rtol=1e-12)
    np.testing.assert_allclose(result.occupancy, [floats(chain.occupancy)], rtol=1e-12)


def test_single_quantity_functions_agree_with_evaluate_policy() -> None:
    chain = chain_mdp()
    mdp, policy = chain.mdp, chain.policy
    assert state_values(mdp, policy).tolist() == [chain.V]
    assert action_values(mdp, policy).tolist() == [chain.Q]
    assert advantages(mdp, policy).tolist() == evaluate_policy(mdp, policy).A.tolist()
    assert expected_return(mdp, policy).tolist() == [chain.eta]
    assert discounted_occupancy(mdp, policy).tolist() == [chain.occupancy]
    d0, d1 = chain.occupancy
    expected_sa = [[[d0 * chain.policy[0][0], d0 * chain.policy[0][1]], [d1, q(0)]]]
    assert discounted_state_action_occupancy(mdp, policy).tolist() == expected_sa


def test_policy_transition_matrix_and_reward_are_policy_averages() -> None:
    chain = chain_mdp("2/3", "1/4", "3/4")
    pi = np.array([chain.policy], dtype=object)
    assert policy_transition_matrix(chain.mdp, pi).tolist() == [[[q("1/4"), q("3/4")], [q(0), q(1)]]]
    assert policy_reward(chain.mdp, pi).tolist() == [[q("1/4"), q(2)]]


def test_occupancy_depends_on_the_initial_distribution() -> None:
    # Starting in the absorbing state, state 0 is never visited.
    chain = chain_mdp(h0="0")
    assert evaluate_policy(chain.mdp, chain.policy).occupancy.tolist() == [[q(0), q(3)]]


def test_uniform_policy_on_exact_mdp_is_exact() -> None:
    mdp = random_mdp(3, 3, seed=4, backend="exact")
    policy = uniform_policy(mdp)
    assert policy.tolist() == [[[q("1/3")] * 3] * 3]
    exact = evaluate_policy(mdp, policy)
    numeric = evaluate_policy(as_float(mdp), floats(policy))
    np.testing.assert_allclose(floats(exact.V), numeric.V, rtol=1e-12, atol=1e-12)


def test_batch_is_evaluated_instance_by_instance() -> None:
    mdp = random_mdp(3, 2, batch=4, seed=11)
    policy = random_policy(mdp, seed=5)
    batched = evaluate_policy(mdp, policy)
    for index in range(mdp.batch_size):
        single = evaluate_policy(mdp.instance(index), policy[index])
        np.testing.assert_allclose(batched.V[index], single.V[0], rtol=1e-12)
        np.testing.assert_allclose(batched.Q[index], single.Q[0], rtol=1e-12)
        np.testing.assert_allclose(batched.occupancy[index], single.occupancy[0], rtol=1e-12)


def test_shared_policy_table_is_broadcast_over_the_batch() -> None:
    mdp = random_mdp(2, 2, batch=3, seed=2)
    table = np.array([[0.25, 0.75], [0.5, 0.5]])
    result = evaluate_policy(mdp, table)
    assert result.policy.shape == (3, 2, 2)
    np.testing.assert_array_equal(result.policy, np.broadcast_to(table, (3, 2, 2)))


def test_trajectory_expectation_rejects_wrong_shape() -> None:
    mdp = random_mdp(2, 2, seed=0)
    with pytest.raises(ValueError, match=r"f has shape \(2, 2\)"):
        trajectory_expectation(mdp, uniform_policy(mdp), np.zeros((2, 2)))


def reference_evaluation(mdp: FiniteMDP, policy: np.ndarray) -> dict[str, np.ndarray]:
    """V, Q, A, η, d from two dense linear solves, written out from DESIGN.md §1."""
    P_pi = np.einsum("bsa,bsat->bst", policy, mdp.P)
    r_pi = np.einsum("bsa,bsa->bs", policy, mdp.r)
    system = np.eye(mdp.num_states) - mdp.gamma[:, None, None] * P_pi
    V = np.linalg.solve(system, r_pi[..., None])[..., 0]
    Q = mdp.r + mdp.gamma[:, None, None] * np.einsum("bsat,bt->bsa", mdp.P, V)
    occupancy = np.linalg.solve(np.swapaxes(system, -1, -2), mdp.h[..., None])[..., 0]  # d = h + γ P_πᵀ d
    return {"V": V, "Q": Q, "A": Q - V[..., None], "eta": (mdp.h * V).sum(-1), "occupancy": occupancy}


@pytest.mark.parametrize(
    ("states", "actions", "batch"),
    [
        (1, 1, 5),
        (1, 3, 7),
        (2, 2, 25_000),
        (3, 2, 12_000),
        (4, 3, 2_000),
        (5, 2, 300),
        (8, 2, 50),
        (9, 3, 20),
        (12, 2, 10),
    ],
)
def test_numeric_evaluation_matches_a_direct_linear_solve(states: int, actions: int, batch: int) -> None:
    # Sizes and batches span every float code path: closed-form and eliminated small inverses,
    # LAPACK for larger ones, and batches split into several chunks.
    mdp = random_mdp(states, actions, batch=batch, seed=states * 100 + actions)
    policy = random_policy(mdp, seed=batch)
    result = evaluate_policy(mdp, policy)
    expected = reference_evaluation(mdp, policy)
    scale = 1 + np.abs(expected["V"]).max()
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(result, name), value, atol=1e-10 * scale, rtol=1e-9, err_msg=name)


# --- identities on random MDPs ---------------------------------------------------------------


@PROPERTY_SETTINGS
@given(numeric_mdps_with_policies())
def test_bellman_equations_hold_numerically(case) -> None:
    mdp, policy = case
    result = evaluate_policy(mdp, policy)
    gamma = mdp.gamma[:, None]
    P_pi = policy_transition_matrix(mdp, result.policy)
    r_pi = policy_reward(mdp, result.policy)
    scale = 1 + np.abs(result.V).max()
    np.testing.assert_allclose(result.V, r_pi + gamma * np.einsum("bst,bt->bs", P_pi, result.V), atol=1e-9 * scale)
    np.testing.assert_allclose(
        result.Q, mdp.r + gamma[..., None] * np.einsum("bsat,bt->bsa", mdp.P, result.V), atol=1e-9 * scale
    )
    np.testing.assert_allclose(result.V, np.einsum("bsa,bsa->bs", result.policy, result.Q), atol=1e-9 * scale)
    np.testing.assert_allclose(result.A, result.Q - result.V[..., None], atol=1e-12 * scale)
    np.testing.assert_allclose(np.einsum("bsa,bsa->bs", result.policy, result.A), 0, atol=1e-9 * scale)
    np.testing.assert_allclose(result.eta, np.einsum("bs,bs->b", mdp.h, result.V), atol=1e-9 * scale)


@PROPERTY_SETTINGS
@given(numeric_mdps_with_policies())
def test_occupancy_solves_the_flow_equation_and_has_total_mass(case) -> None:
    mdp, policy = case
    result = evaluate_policy(mdp, policy)
    gamma = mdp.gamma
    P_pi = policy_transition_matrix(mdp, result.policy)
    d = result.occupancy
    # d = h + γ P_πᵀ d: mass starts at h and flows along P_π, discounted once per step.
    flow = mdp.h + gamma[:, None] * np.einsum("bs,bst->bt", d, P_pi)
    np.testing.assert_allclose(d, flow, atol=1e-9 / (1 - gamma.max()))
    np.testing.assert_allclose(d.sum(axis=-1), 1 / (1 - gamma), rtol=1e-10)
    assert np.all(d >= mdp.h - 1e-12)  # time 0 alone contributes h
    sa = discounted_state_action_occupancy(mdp, policy)
    np.testing.assert_allclose(sa.sum(axis=(-2, -1)), 1 / (1 - gamma), rtol=1e-10)
    np.testing.assert_allclose(sa.sum(axis=-1), d, rtol=1e-10, atol=1e-12)


@PROPERTY_SETTINGS
@given(exact_mdps_with_policies())
def test_exact_identities_hold_with_equality(case) -> None:
    mdp, policy = case
    result = evaluate_policy(mdp, policy)
    gamma = mdp.gamma
    P_pi = policy_transition_matrix(mdp, result.policy)
    r_pi = policy_reward(mdp, result.policy)
    one = q(1)
    assert np.array_equal(result.V, r_pi + gamma[:, None] * np.einsum("bst,bt->bs", P_pi, result.V))
    assert np.array_equal(result.Q, mdp.r + gamma[:, None, None] * np.einsum("bsat,bt->bsa", mdp.P, result.V))
    assert np.all(np.einsum("bsa,bsa->bs", result.policy, result.A) == 0)
    assert np.array_equal(result.eta, np.einsum("bs,bs->b", mdp.h, result.V))
    d = result.occupancy
    assert np.array_equal(d, mdp.h + gamma[:, None] * np.einsum("bs,bst->bt", d, P_pi))
    assert all(total == one / (one - g) for total, g in zip(d.sum(axis=-1), gamma, strict=True))
    assert all(isinstance(x, type(one)) for x in result.V.flat)


@PROPERTY_SETTINGS
@given(exact_mdps_with_policies(max_batch=2))
def test_numeric_backend_agrees_with_exact_backend(case) -> None:
    mdp, policy = case
    exact = evaluate_policy(mdp, policy)
    numeric = evaluate_policy(as_float(mdp), floats(policy))
    scale = 1 + floats(np.abs(exact.V)).max()
    for name in ("V", "Q", "A", "eta", "occupancy"):
        np.testing.assert_allclose(
            getattr(numeric, name), floats(getattr(exact, name)), atol=1e-10 * scale, err_msg=name
        )


@PROPERTY_SETTINGS
@given(numeric_mdps_with_policies(), st.integers(0, 2**32 - 1))
def test_trajectory_expectation_identities(case, other_seed) -> None:
    mdp, policy = case
    S, A = mdp.num_states, mdp.num_actions
    result = evaluate_policy(mdp, policy)
    gamma = mdp.gamma
    scale = (1 + np.abs(mdp.r).max()) / (1 - gamma.max())

    # f = r gives the expected discounted return.
    reward = np.broadcast_to(mdp.r[..., None], mdp.P.shape)
    np.testing.assert_allclose(trajectory_expectation(mdp, policy, reward), result.eta, atol=1e-9 * scale)

    # f = 1 counts discounted time: Σ_t γ^t = 1/(1-γ).
    np.testing.assert_allclose(trajectory_expectation(mdp, policy, np.ones((S, A, S))), 1 / (1 - gamma))

    # Telescoping: E[Σ_t γ^t (γ g(s_{t+1}) - g(s_t))] = -E[g(s_0)] for any g.
    g = np.random.default_rng(S * 7 + A).normal(size=S)
    telescope = gamma[:, None, None, None] * g[None, None, None, :] - g[None, :, None, None]
    telescope = np.broadcast_to(telescope, mdp.P.shape)
    np.testing.assert_allclose(trajectory_expectation(mdp, policy, telescope), -mdp.h @ g, atol=1e-9 * scale)

    # f(s,a,s') = 1[s' = j] counts visits from time 1 on: (d(j) - h(j)) / γ.
    for j in range(S):
        indicator = np.zeros((S, A, S))
        indicator[:, :, j] = 1
        np.testing.assert_allclose(
            trajectory_expectation(mdp, policy, indicator),
            (result.occupancy[:, j] - mdp.h[:, j]) / gamma,
            atol=1e-9 * scale,
        )

    # The TD error of V_π has zero discounted sum: E[Σ γ^t (r + γ V_π(s') - V_π(s))] = 0.
    td = mdp.r[..., None] + gamma[:, None, None, None] * result.V[:, None, None, :] - result.V[:, :, None, None]
    np.testing.assert_allclose(trajectory_expectation(mdp, policy, td), 0, atol=1e-9 * scale)

    # Performance difference lemma: E_{τ∼π'}[Σ γ^t A_π(s_t,a_t)] = η(π') - η(π).
    other_policy = random_policy(mdp, seed=other_seed)
    advantage = np.broadcast_to(result.A[..., None], mdp.P.shape)
    np.testing.assert_allclose(
        trajectory_expectation(mdp, other_policy, advantage),
        expected_return(mdp, other_policy) - result.eta,
        atol=1e-9 * scale,
    )
    # … and with the TD error of V_π' under π: Σ d_π π A_π' = η(π) - η(π').
    other_V = state_values(mdp, other_policy)
    td_other = mdp.r[..., None] + gamma[:, None, None, None] * other_V[:, None, None, :] - other_V[:, :, None, None]
    sa = discounted_state_action_occupancy(mdp, policy)
    np.testing.assert_allclose(
        trajectory_expectation(mdp, policy, td_other),
        np.einsum("bsa,bsa->b", sa, advantages(mdp, other_policy)),
        atol=1e-9 * scale,
    )
    np.testing.assert_allclose(
        trajectory_expectation(mdp, policy, td_other),
        result.eta - expected_return(mdp, other_policy),
        atol=1e-9 * scale,
    )


@PROPERTY_SETTINGS
@given(exact_mdps_with_policies(max_batch=2))
def test_exact_trajectory_expectation_of_reward_and_td_error(case) -> None:
    mdp, policy = case
    result = evaluate_policy(mdp, policy)
    reward = np.broadcast_to(mdp.r[..., None], mdp.P.shape)
    assert np.array_equal(trajectory_expectation(mdp, policy, reward), result.eta)
    td = mdp.r[..., None] + mdp.gamma[:, None, None, None] * result.V[:, None, None, :] - result.V[:, :, None, None]
    assert np.all(trajectory_expectation(mdp, policy, td) == 0)


@PROPERTY_SETTINGS
@given(numeric_mdps(max_states=3))
def test_deterministic_policy_values_match_their_one_hot_rows(mdp) -> None:
    # Q_π(s, a) is the value of taking a once and following π: for a deterministic π, V = Q(·, π(s)).
    policy = random_policy(mdp, seed=1, deterministic=True)
    result = evaluate_policy(mdp, policy)
    chosen = policy.argmax(axis=-1)
    np.testing.assert_allclose(
        result.V, np.take_along_axis(result.Q, chosen[..., None], axis=-1)[..., 0], rtol=1e-9, atol=1e-9
    )


# --- Monte-Carlo rollouts of the definitions ---------------------------------------------------

ROLLOUTS = 20_000
STANDARD_ERRORS = 5
TRUNCATION = 1e-6


def _sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of ``probabilities (N, K)``."""
    cumulative = probabilities.cumsum(axis=-1)
    u = rng.random((len(probabilities), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative <= u).sum(axis=-1), probabilities.shape[-1] - 1)


def _rollouts(mdp: FiniteMDP, policy: np.ndarray, starts: np.ndarray, rng, *, first_actions=None, f=None):
    """Discounted returns, discounted visit counts and discounted f-sums of truncated rollouts."""
    P, r, pi, gamma = mdp.P[0], mdp.r[0], policy[0], float(mdp.gamma[0])
    horizon = _horizon(mdp, f)
    n = len(starts)
    state = starts.copy()
    returns = np.zeros(n)
    f_sums = np.zeros(n)
    visits = np.zeros((n, mdp.num_states))
    discount = 1.0
    for t in range(horizon):
        action = first_actions if (t == 0 and first_actions is not None) else _sample(pi[state], rng)
        following = _sample(P[state, action], rng)
        visits[np.arange(n), state] += discount
        returns += discount * r[state, action]
        if f is not None:
            f_sums += discount * f[state, action, following]
        state = following
        discount *= gamma
    return returns, visits, f_sums


def _horizon(mdp: FiniteMDP, f=None) -> int:
    gamma = float(mdp.gamma[0])
    bound = max(np.abs(mdp.r).max(), 1.0 if f is None else np.abs(f).max(), 1.0) / (1 - gamma)
    return math.ceil(math.log(TRUNCATION / bound) / math.log(gamma))


def _truncation_bound(mdp: FiniteMDP, f=None) -> float:
    """|tail of the discounted sum| after the horizon: γ^H max|·| / (1-γ) ≤ TRUNCATION."""
    gamma = float(mdp.gamma[0])
    bound = max(np.abs(mdp.r).max(), 1.0 if f is None else np.abs(f).max(), 1.0) / (1 - gamma)
    return gamma ** _horizon(mdp, f) * bound


def _assert_mean(samples: np.ndarray, expected: float, truncation: float, what: str) -> float:
    standard_error = samples.std(ddof=1) / math.sqrt(len(samples))
    tolerance = STANDARD_ERRORS * standard_error + truncation
    assert abs(samples.mean() - expected) <= tolerance, (
        f"{what}: Monte-Carlo {samples.mean():.6f} ± {tolerance:.2e} vs exact {expected:.6f}"
    )
    return tolerance


@pytest.fixture(scope="module")
def mc_case():
    mdp = random_mdp(3, 2, seed=7, gamma=0.8)
    policy = random_policy(mdp, seed=3)
    return mdp, policy, evaluate_policy(mdp, policy)


def test_state_values_match_monte_carlo(mc_case) -> None:
    mdp, policy, result = mc_case
    rng = np.random.default_rng(12345)
    truncation = _truncation_bound(mdp)
    nearby = evaluate_policy(FiniteMDP.create(mdp.P, mdp.r, mdp.h, 0.75), policy)
    for s in range(mdp.num_states):
        returns, _, _ = _rollouts(mdp, policy, np.full(ROLLOUTS, s), rng)
        tolerance = _assert_mean(returns, result.V[0, s], truncation, f"V({s})")
        # The check is sharp: it would reject the values of a slightly smaller discount.
        assert abs(returns.mean() - nearby.V[0, s]) > tolerance


def test_action_values_match_monte_carlo(mc_case) -> None:
    mdp, policy, result = mc_case
    rng = np.random.default_rng(54321)
    truncation = _truncation_bound(mdp)
    for s in range(mdp.num_states):
        for a in range(mdp.num_actions):
            returns, _, _ = _rollouts(mdp, policy, np.full(ROLLOUTS, s), rng, first_actions=np.full(ROLLOUTS, a))
            _assert_mean(returns, result.Q[0, s, a], truncation, f"Q({s},{a})")


def test_return_occupancy_and_trajectory_expectation_match_monte_carlo(mc_case) -> None:
    mdp, policy, result = mc_case
    rng = np.random.default_rng(2024)
    f = rng.normal(size=(mdp.num_states, mdp.num_actions, mdp.num_states))
    starts = _sample(np.broadcast_to(mdp.h[0], (ROLLOUTS, mdp.num_states)), rng)
    returns, visits, f_sums = _rollouts(mdp, policy, starts, rng, f=f)
    _assert_mean(returns, result.eta[0], _truncation_bound(mdp), "eta")
    for s in range(mdp.num_states):
        _assert_mean(visits[:, s], result.occupancy[0, s], _truncation_bound(mdp), f"d({s})")
    _assert_mean(f_sums, trajectory_expectation(mdp, policy, f)[0], _truncation_bound(mdp, f), "E[Σγ^t f]")
