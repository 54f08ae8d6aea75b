"""Random MDPs and policies: every kind valid in every backend it supports, and reproducible."""

from __future__ import annotations

import flint
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symrl.mdp import MDP_KINDS, FiniteMDP, random_mdp, random_policy
from tests.strategies import EXACT_KINDS, PROPERTY_SETTINGS, mdp_specs, q

SEEDS = st.integers(0, 2**32 - 1)


def _assert_valid(mdp: FiniteMDP, spec) -> None:
    """Shapes, distributions and discount, re-checked independently of FiniteMDP.create."""
    assert (mdp.batch_size, mdp.num_states, mdp.num_actions) == (spec.batch, spec.states, spec.actions)
    assert mdp.P.shape == (spec.batch, spec.states, spec.actions, spec.states)
    assert mdp.r.shape == (spec.batch, spec.states, spec.actions)
    assert mdp.h.shape == (spec.batch, spec.states)
    assert mdp.gamma.shape == (spec.batch,)
    if mdp.backend == "exact":
        assert all(isinstance(x, flint.fmpq) for array in (mdp.P, mdp.r, mdp.h, mdp.gamma) for x in array.flat)
        assert all(x >= 0 for x in mdp.P.flat) and all(x >= 0 for x in mdp.h.flat)
        assert all(total == 1 for total in mdp.P.sum(axis=-1).flat)
        assert all(total == 1 for total in mdp.h.sum(axis=-1).flat)
        assert all(0 < g < 1 for g in mdp.gamma)
    else:
        assert mdp.P.dtype == np.float64
        assert np.all(mdp.P >= 0) and np.all(mdp.h >= 0)
        np.testing.assert_allclose(mdp.P.sum(axis=-1), 1, atol=1e-12)
        np.testing.assert_allclose(mdp.h.sum(axis=-1), 1, atol=1e-12)
        assert np.all((mdp.gamma > 0) & (mdp.gamma < 1))
        assert np.all(np.isfinite(mdp.r))


def _assert_kind(mdp: FiniteMDP, kind: str) -> None:
    P = np.asarray(mdp.P, dtype=np.float64)
    support = (P > 0).sum(axis=-1)
    if kind == "deterministic":
        assert np.all(support == 1)
        assert np.all(np.isin(P, (0.0, 1.0)))
    elif kind == "sparse":
        assert np.all((support >= 1) & (support <= 2))
    elif kind == "near-deterministic":
        assert np.all(P.max(axis=-1) >= 1 - 1e-3 - 1e-12)
    elif kind == "absorbing":
        last = mdp.num_states - 1
        assert np.all(P[:, last, :, last] == 1)
        assert np.all(np.asarray(mdp.r[:, last], dtype=np.float64) == 0)


@PROPERTY_SETTINGS
@given(mdp_specs())
def test_numeric_generator_produces_valid_mdps_of_its_kind(spec) -> None:
    mdp = random_mdp(spec.states, spec.actions, batch=spec.batch, seed=spec.seed, kind=spec.kind)
    assert mdp.backend == "numeric"
    _assert_valid(mdp, spec)
    _assert_kind(mdp, spec.kind)


@PROPERTY_SETTINGS
@given(mdp_specs(kinds=EXACT_KINDS))
def test_exact_generator_produces_valid_mdps_of_its_kind(spec) -> None:
    mdp = random_mdp(
        spec.states, spec.actions, batch=spec.batch, seed=spec.seed, kind=spec.kind, backend="exact"
    )
    assert mdp.backend == "exact"
    _assert_valid(mdp, spec)
    _assert_kind(mdp, spec.kind)
    # Small rationals keep counterexamples readable.
    assert all(x.q <= 10 for x in mdp.gamma)
    assert all(abs(x) <= 3 and x.q == 1 for x in mdp.r.flat)


@pytest.mark.parametrize("kind", MDP_KINDS)
def test_same_seed_gives_identical_arrays_and_different_seeds_differ(kind) -> None:
    backends = ["numeric"] + (["exact"] if kind in EXACT_KINDS else [])
    for backend in backends:
        first = random_mdp(4, 3, batch=3, seed=17, kind=kind, backend=backend)
        again = random_mdp(4, 3, batch=3, seed=17, kind=kind, backend=backend)
        other = random_mdp(4, 3, batch=3, seed=18, kind=kind, backend=backend)
        for name in ("P", "r", "h", "gamma"):
            assert np.array_equal(getattr(first, name), getattr(again, name)), (backend, name)
        assert not all(np.array_equal(getattr(first, name), getattr(other, name)) for name in ("P", "r", "h"))


def test_batch_instances_differ() -> None:
    mdp = random_mdp(3, 2, batch=2, seed=0)
    assert not np.array_equal(mdp.P[0], mdp.P[1])
    assert not np.array_equal(mdp.r[0], mdp.r[1])


@pytest.mark.parametrize(("gamma", "expected"), [(0.9, 0.9), ("1/2", 0.5), (0.25, 0.25)])
def test_fixed_discount(gamma, expected) -> None:
    np.testing.assert_array_equal(random_mdp(2, 2, batch=3, gamma=gamma).gamma, [expected] * 3)


def test_fixed_exact_discount() -> None:
    mdp = random_mdp(2, 2, batch=2, backend="exact", gamma="3/4")
    assert mdp.gamma.tolist() == [q("3/4"), q("3/4")]


def test_default_discount_is_spread_over_the_unit_interval() -> None:
    gammas = random_mdp(1, 1, batch=2000, seed=0).gamma
    assert 0.05 <= gammas.min() < 0.1 and 0.9 < gammas.max() <= 0.95
    exact = random_mdp(1, 1, batch=200, seed=0, backend="exact").gamma
    assert {x for x in exact} == {q(f"{k}/10") for k in range(1, 10)}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"states": 0, "actions": 1}, "random_mdp needs positive sizes; got states=0"),
        ({"states": 1, "actions": 0}, "actions=0"),
        ({"states": 1, "actions": 1, "batch": 0}, "batch=0"),
        ({"states": 2, "actions": 2, "kind": "chaotic"}, r"unknown MDP kind 'chaotic'; expected one of dense, "),
        ({"states": 2, "actions": 2, "backend": "symbolic"}, "use symbolic_mdp"),
        ({"states": 2, "actions": 2, "kind": "near-deterministic", "backend": "exact"}, "use backend='numeric'"),
        ({"states": 2, "actions": 2, "gamma": 1.0}, "0 < gamma < 1"),
        ({"states": 2, "actions": 2, "gamma": "0", "backend": "exact"}, "0 < gamma < 1"),
    ],
)
def test_bad_generator_arguments_are_rejected(arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        random_mdp(**arguments)


@PROPERTY_SETTINGS
@given(mdp_specs(kinds=EXACT_KINDS), SEEDS, st.booleans())
def test_random_policies_are_valid_in_both_backends(spec, seed: int, deterministic: bool) -> None:
    for backend in ("numeric", "exact"):
        mdp = random_mdp(spec.states, spec.actions, batch=spec.batch, seed=spec.seed, backend=backend)
        policy = random_policy(mdp, seed=seed, deterministic=deterministic)
        assert policy.shape == (spec.batch, spec.states, spec.actions)
        if backend == "exact":
            assert all(isinstance(x, flint.fmpq) and x >= 0 for x in policy.flat)
            assert all(total == 1 for total in policy.sum(axis=-1).flat)
        else:
            assert np.all(policy >= 0)
            np.testing.assert_allclose(policy.sum(axis=-1), 1, atol=1e-12)
        if deterministic:
            assert np.all(np.isin(np.asarray(policy, dtype=np.float64), (0.0, 1.0)))
        assert np.array_equal(policy, random_policy(mdp, seed=seed, deterministic=deterministic))


def test_random_policy_seeds_differ() -> None:
    mdp = random_mdp(4, 3, seed=0)
    assert not np.array_equal(random_policy(mdp, seed=0), random_policy(mdp, seed=1))
