"""``evaluate`` against independent computations: symrl.mdp's solvers, Fractions, matrix powers."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from sympy import Integer, Sum, Symbol, Tuple, oo

from symrl.expr import (
    ActionAt,
    ActionValue,
    Advantage,
    EvaluationError,
    Expectation,
    InitialDistribution,
    InitialProbability,
    Instance,
    MaxOver,
    OptimalValue,
    PolicyAction,
    PolicyDistribution,
    PolicyProbability,
    Return,
    Reward,
    SameState,
    Sample,
    StateAt,
    SumOver,
    TrajectoryDistribution,
    Transition,
    TransitionDistribution,
    UnknownPolicyError,
    Value,
    VisitationDistribution,
    action,
    evaluate,
    gamma,
    policy,
    state,
    t,
)
from symrl.expr.evaluate import FREE_TIME_EXTRA, free_times
from symrl.mdp import (
    FiniteMDP,
    action_values,
    advantages,
    discounted_occupancy,
    expected_return,
    random_mdp,
    random_policy,
    state_values,
    trajectory_expectation,
)
from tests.strategies import (
    PROPERTY_SETTINGS,
    SLOW_PROPERTY_SETTINGS,
    exact_mdps_with_policies,
    fraction_array,
    numeric_mdps_with_policies,
    reference_evaluation,
)

s, a, b = state("s"), action("a"), action("b")
s_next, x = state("s'"), state("x")
tau = Symbol("tau")
pi, pi_2 = policy("pi"), policy("pi_2")


def over_trajectories(body: sympy.Expr, which: sympy.Symbol = pi) -> sympy.Expr:
    return Expectation(body, Sample(tau, TrajectoryDistribution(which)))


def fractions(data: np.ndarray) -> np.ndarray:
    return fraction_array(data)


@pytest.fixture(scope="module")
def exact_world() -> Instance:
    """Three states, two actions, dense rational P; two stochastic policies."""
    mdp = random_mdp(3, 2, seed=11, kind="dense", backend="exact")
    return Instance(mdp, {"pi": random_policy(mdp, seed=5), "pi_2": random_policy(mdp, seed=6)})


@pytest.fixture(scope="module")
def numeric_world() -> Instance:
    """A batch of five float MDPs of mixed kinds, 3 states, 2 actions."""
    parts = [random_mdp(3, 2, batch=1, seed=20 + i, kind=k) for i, k in enumerate(("dense", "sparse", "absorbing"))]
    parts.append(random_mdp(3, 2, batch=2, seed=40, kind="near-deterministic"))
    mdp = FiniteMDP.create(
        np.concatenate([m.P for m in parts]),
        np.concatenate([m.r for m in parts]),
        np.concatenate([m.h for m in parts]),
        np.concatenate([m.gamma for m in parts]),
    )
    return Instance(mdp, {"pi": random_policy(mdp, seed=7), "pi_2": random_policy(mdp, seed=8)})


def as_float_instance(instance: Instance) -> Instance:
    mdp = instance.mdp
    to_float = np.vectorize(float, otypes=[float])
    numeric = FiniteMDP.create(to_float(mdp.P), to_float(mdp.r), to_float(mdp.h), to_float(mdp.gamma))
    return Instance(numeric, {name: to_float(table) for name, table in instance.policies.items()})


# -- the basic quantities ---------------------------------------------------------------------


def test_value_q_advantage_and_return_match_the_solvers(numeric_world: Instance) -> None:
    mdp, table = numeric_world.mdp, numeric_world.policy("pi")
    value = evaluate(Value(pi, s), numeric_world)
    assert value.axes == ("s",)
    np.testing.assert_allclose(value.data, state_values(mdp, table), rtol=1e-12)
    q = evaluate(ActionValue(pi, s, a), numeric_world)
    assert q.axes == ("s", "a")
    np.testing.assert_allclose(q.data, action_values(mdp, table), rtol=1e-12)
    np.testing.assert_allclose(evaluate(Advantage(pi, s, a), numeric_world).data, advantages(mdp, table), atol=1e-10)
    eta = evaluate(Return(pi), numeric_world)
    assert eta.axes == ()
    np.testing.assert_allclose(eta.data, expected_return(mdp, table), rtol=1e-12)


def test_exact_quantities_match_a_fraction_solve(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    reference = reference_evaluation(mdp.P[0], mdp.r[0], mdp.h[0], mdp.gamma[0], exact_world.policy("pi")[0])
    assert fractions(evaluate(Value(pi, s), exact_world).data[0]).tolist() == reference.V.tolist()
    assert fractions(evaluate(ActionValue(pi, s, a), exact_world).data[0]).tolist() == reference.Q.tolist()
    assert fractions(evaluate(Advantage(pi, s, a), exact_world).data[0]).tolist() == reference.A.tolist()
    assert Fraction(str(evaluate(Return(pi), exact_world).data[0])) == reference.eta


def test_argument_order_of_transition_and_policy_probability(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    P = evaluate(Transition(s_next, s, a), exact_world)
    assert P.aligned(("s", "a", "s'")).tolist() == mdp.P.tolist()
    pi_table = evaluate(PolicyProbability(pi, a, s), exact_world)
    assert pi_table.aligned(("s", "a")).tolist() == exact_world.policy("pi").tolist()
    assert evaluate(InitialProbability(s), exact_world).data.tolist() == mdp.h.tolist()
    assert evaluate(Reward(s, a), exact_world).data.tolist() == mdp.r.tolist()


def test_difference_of_two_free_states_is_an_outer_difference(exact_world: Instance) -> None:
    V = evaluate(Value(pi, s), exact_world).data[0]
    diff = evaluate(Value(pi, s) - Value(pi, s_next), exact_world)
    table = diff.aligned(("s", "s'"))[0]
    for i, j in itertools.product(range(3), repeat=2):
        assert table[i, j] == V[i] - V[j]


def test_the_same_variable_twice_takes_the_diagonal(exact_world: Instance) -> None:
    stay = evaluate(Transition(s, s, a), exact_world)
    assert set(stay.axes) == {"s", "a"}
    table = stay.aligned(("s", "a"))[0]
    for i, j in itertools.product(range(3), range(2)):
        assert table[i, j] == exact_world.mdp.P[0, i, j, i]


def test_integer_arguments_and_bindings_select_entries(exact_world: Instance) -> None:
    V = evaluate(Value(pi, s), exact_world).data[0]
    assert evaluate(Value(pi, Integer(2)), exact_world).data[0] == V[2]
    bound = Instance(exact_world.mdp, exact_world.policies, {"s": 1})
    result = evaluate(Value(pi, s), bound)
    assert result.axes == ()
    assert result.data[0] == V[1]
    with pytest.raises(EvaluationError, match="outside"):
        evaluate(Value(pi, Integer(3)), exact_world)


def test_policy_action_argument_reads_the_deterministic_choice(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    chosen = [1, 0, 1]
    greedy = np.zeros((1, 3, 2), dtype=object)
    for state_index, action_index in enumerate(chosen):
        greedy[0, state_index] = [Fraction(int(action_index == k)) for k in range(2)]
    world = Instance(mdp, {**exact_world.policies, "pi'": fraction_table(greedy)})
    Q = evaluate(ActionValue(pi, s, a), world).data[0]
    result = evaluate(ActionValue(pi, s, PolicyAction(policy("pi'"), s)), world)
    assert result.axes == ("s",)
    assert result.data[0].tolist() == [Q[i, chosen[i]] for i in range(3)]


def fraction_table(table: np.ndarray) -> np.ndarray:
    from symrl.mdp import to_exact

    return np.vectorize(to_exact, otypes=[object])(table)


def test_sum_and_max_over_actions(exact_world: Instance) -> None:
    Q = evaluate(ActionValue(pi, s, a), exact_world).data[0]
    V = evaluate(Value(pi, s), exact_world).data[0]
    weighted = evaluate(SumOver(PolicyProbability(pi, a, s) * ActionValue(pi, s, a), a), exact_world)
    assert weighted.axes == ("s",)
    assert weighted.data[0].tolist() == V.tolist()
    best = evaluate(MaxOver(ActionValue(pi, s, a), a), exact_world)
    assert best.data[0].tolist() == [max(row) for row in Q]


def test_sum_over_a_variable_the_body_does_not_use_counts_its_values(exact_world: Instance) -> None:
    r = evaluate(Reward(s, a), exact_world).aligned(("s", "a"))
    summed = evaluate(SumOver(Reward(s, a), s_next), exact_world)
    assert summed.aligned(("s", "a")).tolist() == (3 * r).tolist()


def test_expectations_over_policy_next_state_and_initial_distribution(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    table = exact_world.policy("pi")[0]
    Q = evaluate(ActionValue(pi, s, a), exact_world).data[0]
    V = evaluate(Value(pi, s), exact_world).data[0]
    over_actions = evaluate(Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s))), exact_world)
    assert over_actions.data[0].tolist() == [sum(table[i, k] * Q[i, k] for k in range(2)) for i in range(3)]
    assert over_actions.data[0].tolist() == V.tolist()
    backup = Expectation(Reward(s, a) + gamma * Value(pi, s_next), Sample(s_next, TransitionDistribution(s, a)))
    assert evaluate(backup, exact_world).aligned(("s", "a"))[0].tolist() == Q.tolist()
    start = evaluate(Expectation(Value(pi, s), Sample(s, InitialDistribution())), exact_world)
    assert start.data[0] == sum(mdp.h[0, i] * V[i] for i in range(3))
    assert start.data[0] == evaluate(Return(pi), exact_world).data[0]


def test_optimal_value_is_the_best_deterministic_policy_value(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    best = [Fraction(-(10**9))] * 3
    for choice in itertools.product(range(2), repeat=3):
        table = [[int(k == c) for k in range(2)] for c in choice]
        V = reference_evaluation(mdp.P[0], mdp.r[0], mdp.h[0], mdp.gamma[0], table).V
        best = [max(old, new) for old, new in zip(best, V)]
    assert fractions(evaluate(OptimalValue(s), exact_world).data[0]).tolist() == best


def test_exact_and_numeric_backends_agree(exact_world: Instance) -> None:
    numeric = as_float_instance(exact_world)
    for expr in (
        Value(pi, s) - gamma * Value(pi_2, s),
        Expectation(Advantage(pi, s, a), Sample(a, PolicyDistribution(pi_2, s))),
        over_trajectories(Sum(gamma**t * Advantage(pi, StateAt(t), ActionAt(t)), (t, 0, oo)), pi_2),
    ):
        exact_value = evaluate(expr, exact_world)
        float_value = evaluate(expr, numeric)
        assert exact_value.axes == float_value.axes
        np.testing.assert_allclose(float_value.data, exact_value.data.astype(float), rtol=1e-10, atol=1e-12)


@PROPERTY_SETTINGS
@given(numeric_mdps_with_policies())
def test_evaluated_quantities_satisfy_their_definitions_on_random_mdps(drawn) -> None:
    mdp, table = drawn
    world = Instance(mdp, {"pi": table})
    V = evaluate(Value(pi, s), world).data
    np.testing.assert_allclose(V, state_values(mdp, table), rtol=1e-9, atol=1e-9)
    averaged = evaluate(Expectation(ActionValue(pi, s, a), Sample(a, PolicyDistribution(pi, s))), world).data
    np.testing.assert_allclose(averaged, V, rtol=1e-9, atol=1e-9)
    start = evaluate(Expectation(Value(pi, s), Sample(s, InitialDistribution())), world).data
    np.testing.assert_allclose(start, expected_return(mdp, table), rtol=1e-9, atol=1e-9)


@SLOW_PROPERTY_SETTINGS
@given(exact_mdps_with_policies(max_states=3, max_actions=2, max_batch=2))
def test_discounted_reward_sum_over_trajectories_is_the_return_exactly(drawn) -> None:
    mdp, table = drawn
    world = Instance(mdp, {"pi": table})
    total = evaluate(over_trajectories(Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, oo))), world)
    assert total.data.tolist() == expected_return(mdp, table).tolist()
    for index in range(mdp.batch_size):
        solved = reference_evaluation(mdp.P[index], mdp.r[index], mdp.h[index], mdp.gamma[index], table[index])
        assert Fraction(str(total.data[index])) == solved.eta


# -- trajectory expectations -----------------------------------------------------------------------


def per_step_function(kind: str, r: np.ndarray, V2: np.ndarray, g: object) -> np.ndarray:
    """``f[s, a, s']`` for the bodies of ``trajectory_body``."""
    S, A = r.shape
    f = np.empty((S, A, S), dtype=object)
    for i, k, j in itertools.product(range(S), range(A), range(S)):
        if kind == "reward":
            f[i, k, j] = r[i, k]
        else:  # "td": r(s,a) + γ V₂(s') − V₂(s), and a product within the step
            f[i, k, j] = r[i, k] + g * V2[j] - V2[i] + r[i, k] * V2[j]
    return f


def trajectory_body(kind: str, time: sympy.Expr) -> sympy.Expr:
    if kind == "reward":
        return Reward(StateAt(time), ActionAt(time))
    now, nxt = StateAt(time), StateAt(time + 1)
    return (
        Reward(now, ActionAt(time))
        + gamma * Value(pi_2, nxt)
        - Value(pi_2, now)
        + Reward(now, ActionAt(time)) * Value(pi_2, nxt)
    )


def reference_sum(P, h, table, f, g, start: int, offset: int, shift: int):
    """``Σ_{t≥start} γ^{t+shift} E[f(s_{t+offset}, a_{t+offset}, s_{t+offset+1})]`` by matrix powers.

    ``= γ^{start+shift} h^T P_π^{start+offset} (I − γ P_π)^{-1} f_π`` with
    ``f_π(s) = Σ_a π(a|s) Σ_{s'} P(s'|s,a) f(s,a,s')``; exact in SymPy rationals.
    """
    S, A = table.shape
    rat = lambda v: sympy.Rational(str(v))  # noqa: E731
    P_pi = sympy.Matrix(S, S, lambda i, j: sum(rat(table[i, k]) * rat(P[i, k, j]) for k in range(A)))
    f_pi = sympy.Matrix(
        S, 1, lambda i, _: sum(rat(table[i, k]) * rat(P[i, k, j]) * rat(f[i, k, j]) for k in range(A) for j in range(S))
    )
    h_row = sympy.Matrix(1, S, [rat(v) for v in h])
    resolvent = (sympy.eye(S) - rat(g) * P_pi).inv()
    value = rat(g) ** (start + shift) * h_row * P_pi ** (start + offset) * resolvent * f_pi
    return Fraction(str(value[0, 0]))


@pytest.mark.parametrize("kind", ["reward", "td"])
@pytest.mark.parametrize(
    ("start", "offset", "shift"),
    [(0, 0, 0), (1, 0, 0), (2, 0, 0), (1, 0, -1), (0, 1, 0), (1, 1, 1)],
    ids=lambda v: str(v),
)
def test_discounted_trajectory_sums_match_matrix_powers(
    exact_world: Instance, kind: str, start: int, offset: int, shift: int
) -> None:
    mdp = exact_world.mdp
    P, r, h, g = mdp.P[0], mdp.r[0], mdp.h[0], mdp.gamma[0]
    V2 = evaluate(Value(pi_2, s), exact_world).data[0]
    f = per_step_function(kind, r, V2, g)
    expr = over_trajectories(Sum(gamma ** (t + shift) * trajectory_body(kind, t + offset), (t, start, oo)))
    result = evaluate(expr, exact_world)
    assert result.axes == ()
    expected = reference_sum(P, h, exact_world.policy("pi")[0], f, g, start, offset, shift)
    assert Fraction(str(result.data[0])) == expected


def test_trajectory_sum_from_zero_matches_mdp_trajectory_expectation(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    V2 = evaluate(Value(pi_2, s), exact_world).data[0]
    f = per_step_function("td", mdp.r[0], V2, mdp.gamma[0])
    expr = over_trajectories(Sum(gamma**t * trajectory_body("td", t), (t, 0, oo)))
    assert evaluate(expr, exact_world).data[0] == trajectory_expectation(mdp, exact_world.policy("pi"), f)[0]


def test_fixed_time_expectations_use_the_state_distribution_at_that_time(exact_world: Instance) -> None:
    mdp = exact_world.mdp
    table = exact_world.policy("pi")[0]
    V2 = evaluate(Value(pi_2, s), exact_world).data[0]
    f = per_step_function("td", mdp.r[0], V2, mdp.gamma[0])
    for time in (0, 1, 2):
        # E[f(s_k, a_k, s_{k+1})] = h^T P_π^k f_π: the "discounted sum" with γ^0 at a single k.
        expr = over_trajectories(trajectory_body("td", Integer(time)))
        expected_tail = reference_sum(mdp.P[0], mdp.h[0], table, f, mdp.gamma[0], time, 0, -time)
        expected_next = reference_sum(mdp.P[0], mdp.h[0], table, f, mdp.gamma[0], time + 1, 0, -time - 1)
        # Σ_{t≥k} γ^{t-k} E_t − γ Σ_{t≥k+1} γ^{t-k-1} E_t = E_k
        assert Fraction(str(evaluate(expr, exact_world).data[0])) == expected_tail - mdp_gamma(mdp) * expected_next


def mdp_gamma(mdp: FiniteMDP) -> Fraction:
    return Fraction(str(mdp.gamma[0]))


def test_discounted_occupancy_as_a_trajectory_expectation(numeric_world: Instance) -> None:
    occupancy = over_trajectories(Sum(gamma**t * SameState(StateAt(t), x), (t, 0, oo)))
    result = evaluate(occupancy, numeric_world)
    assert result.axes == ("x",)
    expected = discounted_occupancy(numeric_world.mdp, numeric_world.policy("pi"))
    np.testing.assert_allclose(result.data, expected, rtol=1e-10)


def test_trajectories_start_from_h(exact_world: Instance) -> None:
    first = evaluate(over_trajectories(SameState(StateAt(0), x)), exact_world)
    assert first.data.tolist() == exact_world.mdp.h.tolist()


def test_numeric_trajectory_sums_match_matrix_powers(numeric_world: Instance) -> None:
    mdp = numeric_world.mdp
    table = numeric_world.policy("pi")
    for start in (0, 1, 2):
        expr = over_trajectories(Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, start, oo)))
        result = evaluate(expr, numeric_world).data
        P_pi = np.einsum("bsa,bsat->bst", table, mdp.P)
        r_pi = np.einsum("bsa,bsa->bs", table, mdp.r)
        for index in range(mdp.batch_size):
            g = mdp.gamma[index]
            resolvent = np.linalg.inv(np.eye(3) - g * P_pi[index])
            expected = g**start * mdp.h[index] @ np.linalg.matrix_power(P_pi[index], start) @ resolvent @ r_pi[index]
            assert result[index] == pytest.approx(expected, rel=1e-9, abs=1e-12)


# -- undiscounted episodic sums ------------------------------------------------------------------


def episodic_mdp(backend: str, absorbing_reward: int = 0) -> Instance:
    """States 0, 1 move to the absorbing state 2 with probability ≥ 1/4; r = 0 in state 2."""
    P = [
        [["1/4", "1/4", "1/2"], ["0", "3/4", "1/4"]],
        [["1/2", "0", "1/2"], ["3/5", "1/10", "3/10"]],
        [["0", "0", "1"], ["0", "0", "1"]],
    ]
    r = [["1", "-2"], ["3", "1/2"], [str(absorbing_reward), str(absorbing_reward)]]
    h = ["2/3", "1/3", "0"]
    policy_table = [["1/3", "2/3"], ["1/2", "1/2"], ["1", "0"]]
    if backend == "exact":
        mdp = FiniteMDP.create(
            fraction_array(P), fraction_array(r), fraction_array(h), Fraction(9, 10), backend="exact"
        )
        table = fraction_table(fraction_array([policy_table]))
    else:
        to_float = np.vectorize(lambda v: float(Fraction(v)))
        mdp = FiniteMDP.create(to_float(np.array(P)), to_float(np.array(r)), to_float(np.array(h)), 0.9)
        table = to_float(np.array([policy_table]))
    return Instance(mdp, {"pi": table})


def truncated_undiscounted_sum(instance: Instance, start: int, horizon: int = 4000) -> float:
    mdp = instance.mdp
    P = mdp.P[0].astype(float)
    table = instance.policy("pi")[0].astype(float)
    P_pi = np.einsum("sa,sat->st", table, P)
    r_pi = np.einsum("sa,sa->s", table, mdp.r[0].astype(float))
    distribution = mdp.h[0].astype(float)
    total = 0.0
    for time in range(horizon):
        if time >= start:
            total += distribution @ r_pi
        distribution = distribution @ P_pi
    return total


@pytest.mark.parametrize("backend", ["exact", "numeric"])
@pytest.mark.parametrize("start", [0, 1, 2])
def test_undiscounted_episodic_sum_matches_a_long_truncated_sum(backend: str, start: int) -> None:
    instance = episodic_mdp(backend)
    expr = over_trajectories(Sum(Reward(StateAt(t), ActionAt(t)), (t, start, oo)))
    result = evaluate(expr, instance)
    expected = truncated_undiscounted_sum(episodic_mdp("numeric"), start)
    assert float(result.data[0]) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_undiscounted_sum_with_reward_in_the_absorbing_state_is_undefined() -> None:
    expr = over_trajectories(Sum(Reward(StateAt(t), ActionAt(t)), (t, 0, oo)))
    with pytest.raises(EvaluationError, match="diverges"):
        evaluate(expr, episodic_mdp("exact", absorbing_reward=1))
    assert np.isnan(evaluate(expr, episodic_mdp("numeric", absorbing_reward=1)).data[0])


# -- trajectory variables outside any expectation ------------------------------------------------

LOOP_P = [  # deterministic: P[s][a] is the next state
    [1, 2],
    [2, 0],
    [1, 0],
]
BEHAVIOUR = [0, 0, 1]  # the one trajectory from s_0 = 0: 0 →a0→ 1 →a0→ 2 →a1→ 0 → …


def deterministic_loop() -> Instance:
    P = [[[Fraction(int(nxt == j)) for j in range(3)] for nxt in row] for row in LOOP_P]
    r = fraction_array([["1", "-1"], ["2", "5"], ["7", "-3"]])
    mdp = FiniteMDP.create(fraction_array(P), r, fraction_array(["1", "0", "0"]), Fraction(1, 2), backend="exact")
    beta = fraction_table(fraction_array([[[int(k == c) for k in range(2)] for c in BEHAVIOUR]]))
    other = fraction_table(fraction_array([[["1/2", "1/2"], ["1/3", "2/3"], ["1", "0"]]]))
    return Instance(mdp, {"beta": beta, "pi": other})


def test_bare_trajectory_variables_take_their_value_on_the_one_trajectory() -> None:
    world = deterministic_loop()
    V = fractions(evaluate(Value(pi, s), world).data[0])
    r = fractions(world.mdp.r[0])

    def value(expr: sympy.Expr) -> Fraction:
        result = evaluate(expr, world)
        assert result.axes == ()
        return Fraction(str(result.data[0]))

    assert value(Value(pi, StateAt(2))) == V[2]
    assert value(Value(pi, StateAt(3))) == V[0]
    assert value(Value(pi, StateAt(4))) == V[1]
    assert value(Reward(StateAt(1), ActionAt(1))) == r[1, 0]
    assert value(Reward(StateAt(2), ActionAt(2))) == r[2, 1]
    mixed = Reward(StateAt(0), ActionAt(0)) + gamma * Value(pi, StateAt(1)) - Value(pi, StateAt(0))
    assert value(mixed) == r[0, 0] + Fraction(1, 2) * V[1] - V[0]
    assert value(Transition(StateAt(1), StateAt(0), ActionAt(0))) == 1
    assert value(Transition(StateAt(2), StateAt(1), ActionAt(1))) == 1
    assert value(Value(pi, StateAt(1)) * Reward(StateAt(0), ActionAt(0))) == V[1] * r[0, 0]


def test_bare_discounted_return_is_the_return_of_the_one_trajectory() -> None:
    world = deterministic_loop()
    r = [Fraction(str(world.mdp.r[0, s_, a_])) for s_, a_ in zip((0, 1, 2), BEHAVIOUR)]
    g = Fraction(1, 2)
    # The trajectory cycles with period 3: Σ_t γ^t r_t = (r_0 + γ r_1 + γ² r_2) / (1 − γ³).
    expected = (r[0] + g * r[1] + g**2 * r[2]) / (1 - g**3)
    result = evaluate(Sum(gamma**t * Reward(StateAt(t), ActionAt(t)), (t, 0, oo)), world)
    assert Fraction(str(result.data[0])) == expected


# -- unsupported forms ------------------------------------------------------------------------------

_R = Reward(StateAt(t), ActionAt(t))


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param(
            over_trajectories(Sum(gamma**t * _R, (t, 0, oo)) * Sum(gamma**t * Value(pi, StateAt(t)), (t, 0, oo))),
            id="product-of-two-time-sums",
        ),
        pytest.param(over_trajectories(Sum(gamma**t * _R * Value(pi, StateAt(t + 2)), (t, 0, oo))), id="s_t-and-s_t+2"),
        pytest.param(over_trajectories(Value(pi, StateAt(0)) * Value(pi, StateAt(2))), id="s_0-and-s_2"),
        pytest.param(Symbol("c") * Value(pi, s), id="symbol-without-value"),
        pytest.param(Symbol("c"), id="bare-symbol"),
        pytest.param(Value(pi, s) ** sympy.Rational(1, 2), id="fractional-power"),
        pytest.param(over_trajectories(Sum(t * gamma**t * _R, (t, 0, oo))), id="non-geometric-coefficient"),
        pytest.param(over_trajectories(Sum(gamma**t, (t, 0, oo))), id="time-sum-of-a-constant"),
        pytest.param(over_trajectories(Sum(gamma**t * _R, (t, 0, 10_000))), id="huge-finite-time-sum-in-expectation"),
        pytest.param(
            Expectation(Advantage(pi, s, a), Sample(sympy.Tuple(s, a, Symbol("s'")), VisitationDistribution(pi))),
            id="visitation-of-three-variables",
        ),
    ],
)
def test_unsupported_forms_raise_evaluation_error(expr: sympy.Expr) -> None:
    world = deterministic_loop()
    with pytest.raises(EvaluationError):
        evaluate(expr, world)


def test_square_of_a_time_sum_raises_evaluation_error() -> None:
    expr = over_trajectories(Sum(gamma**t * _R, (t, 0, oo)) ** 2)
    with pytest.raises(EvaluationError):
        evaluate(expr, deterministic_loop())


def test_nested_sum_over_time_raises_evaluation_error() -> None:
    k = Symbol("k", integer=True, nonnegative=True)
    expr = over_trajectories(Sum(Sum(gamma**t * _R, (t, 0, oo)), (k, 0, oo)))
    with pytest.raises(EvaluationError):
        evaluate(expr, deterministic_loop())


def test_unknown_policy_is_named() -> None:
    with pytest.raises(UnknownPolicyError, match="mu"):
        evaluate(Value(policy("mu"), s), deterministic_loop())


def test_irrational_constant_cannot_be_evaluated_exactly() -> None:
    with pytest.raises(EvaluationError):
        evaluate(sympy.pi * Value(pi, s), deterministic_loop())


# -- expectations over the visitation distribution -----------------------------------------------


def test_visitation_expectation_is_linear_in_constants(exact_world: Instance) -> None:
    pair = Sample(Tuple(s, a), VisitationDistribution(pi))
    shifted = evaluate(Expectation(Reward(s, a) + 1, pair), exact_world).data[0]
    plain = evaluate(Expectation(Reward(s, a), pair), exact_world).data[0]
    assert shifted == plain + 1


def test_a_free_time_is_an_axis_of_every_time_from_zero(exact_world: Instance) -> None:
    """``E[r(s_t, a_t)]`` with ``t`` bound by no sum raised EvaluationError; it is a claim for every t ≥ 0."""
    time = Symbol("t")
    kinds: dict[str, str] = {}
    free = evaluate(over_trajectories(Reward(StateAt(time + 1), ActionAt(time + 1))), exact_world, kinds)
    assert free.axes == ("t",) and kinds["t"] == "time"
    assert free.data.shape[1] == exact_world.mdp.num_states + FREE_TIME_EXTRA
    for k in (0, 1, 4):  # entry k is the expectation at time k + 1
        fixed = evaluate(over_trajectories(Reward(StateAt(Integer(k + 1)), ActionAt(Integer(k + 1)))), exact_world)
        assert (free.data[:, k] == fixed.data).all()
    assert free_times(over_trajectories(Sum(Reward(StateAt(time), ActionAt(time)), (time, 0, oo)))) == set()


@pytest.mark.parametrize(
    "body",
    [Symbol("gamma") ** Symbol("t") * Reward(StateAt(Symbol("t")), ActionAt(Symbol("t")))],
    ids=["time-dependent-coefficient"],
)
def test_a_free_time_the_evaluator_cannot_read_for_every_time_is_refused(exact_world: Instance, body) -> None:
    with pytest.raises(EvaluationError, match="outside a sum over it"):
        evaluate(over_trajectories(body), exact_world)
