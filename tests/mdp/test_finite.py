"""FiniteMDP construction: shapes, backends, batching, and validation at the boundary."""

from __future__ import annotations

import flint
import numpy as np
import pytest

from symrl import MDPError, SymrlError
from symrl.mdp import FiniteMDP, as_policy, evaluate_policy, random_mdp
from tests.strategies import q

# A valid single instance: 2 states, 2 actions.
P_OK = [[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.25, 0.75]]]
R_OK = [[1.0, 0.0], [0.0, 2.0]]
H_OK = [0.5, 0.5]


def make(**overrides):
    arguments = {"P": P_OK, "r": R_OK, "h": H_OK, "gamma": 0.9} | overrides
    return FiniteMDP.create(**arguments)


def test_single_instance_gets_a_batch_axis() -> None:
    mdp = make()
    assert mdp.backend == "numeric"
    assert (mdp.batch_size, mdp.num_states, mdp.num_actions) == (1, 2, 2)
    assert mdp.P.shape == (1, 2, 2, 2)
    assert mdp.r.shape == (1, 2, 2)
    assert mdp.h.shape == (1, 2)
    assert mdp.gamma.shape == (1,)
    assert mdp.P.dtype == np.float64
    np.testing.assert_array_equal(mdp.P[0], P_OK)


def test_batched_input_and_broadcast_of_shared_arrays() -> None:
    P = np.stack([P_OK, P_OK, P_OK])
    mdp = FiniteMDP.create(P, R_OK, H_OK, [0.1, 0.5, 0.9])
    assert mdp.batch_size == 3
    np.testing.assert_array_equal(mdp.r, np.broadcast_to(R_OK, (3, 2, 2)))
    np.testing.assert_array_equal(mdp.gamma, [0.1, 0.5, 0.9])
    mdp.r[0, 0, 0] = 7.0  # broadcasting copies, so instances do not alias each other
    assert mdp.r[1, 0, 0] == 1.0


def test_exact_backend_converts_without_rounding() -> None:
    mdp = FiniteMDP.create(
        P=[[["1/3", "2/3"]], [[0, 1]]], r=[[0.5], ["-7/4"]], h=[1, 0], gamma="9/10", backend="exact"
    )
    assert mdp.backend == "exact"
    assert mdp.P.dtype == object
    assert all(isinstance(x, flint.fmpq) for x in mdp.P.flat)
    assert mdp.P[0, 0, 0].tolist() == [q("1/3"), q("2/3")]
    assert mdp.r[0].tolist() == [[q("1/2")], [q("-7/4")]]
    assert mdp.gamma[0] == q("9/10")


def test_exact_backend_is_inferred_from_fmpq_entries() -> None:
    P = np.array([[[q(1)]]], dtype=object)
    mdp = FiniteMDP.create(P, [[q(0)]], [q(1)], q("1/2"))
    assert mdp.backend == "exact"


def test_instance_selects_one_mdp() -> None:
    mdp = random_mdp(2, 2, batch=4, seed=3)
    for index in (0, 2, -1, -4):
        single = mdp.instance(index)
        assert single.batch_size == 1
        np.testing.assert_array_equal(single.P[0], mdp.P[index])
        np.testing.assert_array_equal(single.gamma, [mdp.gamma[index]])
    with pytest.raises(ValueError, match="instance 4 is outside the batch of 4"):
        mdp.instance(4)
    with pytest.raises(ValueError, match="outside the batch"):
        mdp.instance(-5)


def test_mdp_error_is_a_value_error_and_a_symrl_error() -> None:
    assert issubclass(MDPError, ValueError)
    assert issubclass(MDPError, SymrlError)


# --- bad input names the problem ---------------------------------------------------------------


@pytest.mark.parametrize("gamma", [0, 1, 1.5, -0.5, 0.0, 1.0, float("nan")])
def test_gamma_outside_open_unit_interval_is_rejected(gamma) -> None:
    with pytest.raises(MDPError, match=r"gamma must satisfy 0 < gamma < 1"):
        make(gamma=gamma)


@pytest.mark.parametrize("gamma", ["0", "1", "3/2", "-1/2"])
def test_exact_gamma_outside_open_unit_interval_is_rejected(gamma) -> None:
    with pytest.raises(ValueError, match=r"0 < gamma < 1.*instance 0 has gamma"):
        make(gamma=gamma, backend="exact")


def test_gamma_of_the_offending_instance_is_named() -> None:
    with pytest.raises(ValueError, match=r"instance 1 has gamma = 1\.0"):
        FiniteMDP.create(np.stack([P_OK, P_OK]), R_OK, H_OK, [0.5, 1.0])


@pytest.mark.parametrize(("backend", "total"), [("numeric", "0.75"), ("exact", "3/4")])
def test_transition_rows_must_sum_to_one(backend, total) -> None:
    P = [[[1.0, 0.0], [0.5, 0.25]], [[0.0, 1.0], [0.25, 0.75]]]
    with pytest.raises(ValueError, match=rf"P\[0, 0, 1\] sums to {total}, not 1.*P\(·\|s,a\).*must sum to 1"):
        make(P=P, backend=backend)


def test_rows_summing_to_one_up_to_rounding_are_accepted() -> None:
    third = 1 / 3
    h = [0.7, 0.2, 0.1]  # sums to 0.9999999999999999 in floats
    assert sum(h) != 1
    mdp = make(P=np.full((3, 1, 3), third), r=np.zeros((3, 1)), h=h)
    assert mdp.P.shape == (1, 3, 1, 3)
    with pytest.raises(ValueError, match="sums to"):
        make(P=np.full((3, 1, 3), third + 1e-8), r=np.zeros((3, 1)), h=[0.1, 0.2, 0.7])


@pytest.mark.parametrize(("backend", "value"), [("numeric", "-0.5"), ("exact", "-1/2")])
def test_negative_probabilities_are_rejected(backend, value) -> None:
    P = [[[1.0, 0.0], [1.5, -0.5]], [[0.0, 1.0], [0.25, 0.75]]]
    with pytest.raises(ValueError, match=rf"P\[0, 0, 1, 1\] = {value} is negative.*must be nonnegative"):
        make(P=P, backend=backend)


@pytest.mark.parametrize("backend", ["numeric", "exact"])
def test_initial_distribution_is_validated(backend) -> None:
    with pytest.raises(ValueError, match=r"h\[0\] sums to .*initial distribution h must sum to 1"):
        make(h=[0.5, 0.25], backend=backend)
    with pytest.raises(ValueError, match=r"h\[0, 1\] = -1.* is negative"):
        make(h=[2.0, -1.0], backend=backend)


def test_symbolic_rows_must_sum_to_one() -> None:
    P = np.array([[[q("1/2"), q("1/4")]], [[q(0), q(1)]]], dtype=object)
    with pytest.raises(ValueError, match="sums to 3/4, not 1"):
        FiniteMDP.create(P, [[0], [0]], [q(1), q(0)], q("1/2"), backend="symbolic")


@pytest.mark.parametrize(
    ("P", "message"),
    [
        (np.ones((2, 2)), r"P must have shape \(S, A, S\) or \(B, S, A, S\).*got \(2, 2\)"),
        (np.full((2, 2, 3), 1 / 3), r"P must have shape .*got \(1, 2, 2, 3\)"),
        (np.ones((1, 1, 1, 1, 1)), r"P must have shape .*got \(1, 1, 1, 1, 1\)"),
        (np.ones((0, 1, 0)), "at least one state and one action"),
        (np.ones((2, 0, 2)), "at least one state and one action"),
    ],
)
def test_transition_shape_is_validated(P, message) -> None:
    with pytest.raises(ValueError, match=message):
        FiniteMDP.create(P, np.zeros(P.shape[:2]) if P.ndim == 3 else 0, [1.0], 0.5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"r": [1.0, 0.0]}, r"r has shape \(2,\); expected \(2, 2\)"),
        ({"r": np.zeros((2, 3))}, r"r has shape \(2, 3\); expected \(2, 2\) or, batched, \(1, 2, 2\)"),
        ({"h": [1.0, 0.0, 0.0]}, r"h has shape \(3,\); expected \(2,\)"),
        ({"h": [[0.5, 0.5], [0.5, 0.5]]}, r"h has shape \(2, 2\)"),
        ({"gamma": [0.5, 0.5]}, r"gamma has shape \(2,\); expected \(\) or, batched, \(1,\)"),
    ],
)
def test_reward_initial_and_discount_shapes_are_validated(overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        make(**overrides)


def test_ragged_arrays_are_rejected() -> None:
    with pytest.raises(ValueError, match="r is not a rectangular array"):
        make(r=[[1.0, 0.0], [0.0]])


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_non_finite_rewards_are_rejected(bad) -> None:
    with pytest.raises(ValueError, match="non-finite reward"):
        make(r=[[bad, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="non-finite number"):
        make(r=[[bad, 0.0], [0.0, 0.0]], backend="exact")


def test_non_numbers_are_rejected() -> None:
    with pytest.raises(ValueError, match="numeric MDPs need real numbers"):
        make(r=[["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match=r"cannot read 'x' as an exact rational"):
        make(r=[["x", 0], [0, 0]], backend="exact")


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown backend 'float32'; expected one of numeric, exact, symbolic"):
        make(backend="float32")


# --- policies --------------------------------------------------------------------------------


def test_as_policy_broadcasts_and_converts() -> None:
    mdp = make(backend="exact")
    policy = as_policy(mdp, [["1/4", "3/4"], [1, 0]])
    assert policy.shape == (1, 2, 2)
    assert policy[0].tolist() == [[q("1/4"), q("3/4")], [q(1), q(0)]]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ([[0.5, 0.5]], r"policy has shape \(1, 2\); expected \(2, 2\)"),
        ([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]], r"policy has shape \(2, 3\)"),
        (np.full((3, 2, 2), 0.5), r"policy has shape \(3, 2, 2\); expected \(2, 2\) or, batched, \(1, 2, 2\)"),
        ([[0.5, 0.4], [1.0, 0.0]], r"policy\[0, 0\] sums to 0\.9.*π\(·\|s\) over actions must sum to 1"),
        ([[1.5, -0.5], [1.0, 0.0]], r"policy\[0, 0, 1\] = -0\.5 is negative"),
    ],
)
def test_bad_policies_are_rejected(policy, message) -> None:
    mdp = make()
    with pytest.raises(ValueError, match=message):
        as_policy(mdp, policy)
    with pytest.raises(ValueError, match=message):
        evaluate_policy(mdp, policy)


def test_exact_policy_rows_must_sum_to_one_exactly() -> None:
    mdp = make(backend="exact")
    with pytest.raises(ValueError, match=r"policy\[0, 1\] sums to 2/3"):
        as_policy(mdp, [[1, 0], ["1/3", "1/3"]])
