"""The generic symbolic MDP: identities in the rational-function field, and agreement of the
symbolic, exact and numeric backends on the same instance."""

from __future__ import annotations

import flint
import numpy as np
import pytest
import sympy

from symrl.mdp import (
    FiniteMDP,
    evaluate_policy,
    policy_gradient,
    policy_reward,
    policy_transition_matrix,
    random_mdp,
    random_policy,
    symbolic_mdp,
    to_exact,
    to_sympy,
    trajectory_expectation,
    uniform_policy,
)
from symrl.mdp.rational_functions import RationalFunction

POLICY_NAMES = ("pi", "pi'")
QUANTITIES = ("V", "Q", "A", "eta", "occupancy")


@pytest.fixture(scope="module", params=[(1, 2), (2, 1), (2, 2), (2, 3)], ids=lambda size: f"{size[0]}x{size[1]}")
def generic(request):
    states, actions = request.param
    model = symbolic_mdp(states, actions, policies=POLICY_NAMES)
    results = {name: evaluate_policy(model.mdp, model.policies[name]) for name in POLICY_NAMES}
    return model, results


def test_symbols_and_simplex_structure() -> None:
    model = symbolic_mdp(2, 2, policies=POLICY_NAMES)
    names = [str(symbol) for symbol in model.symbols]
    assert names[0] == "gamma"
    assert {"P_0_0_0", "P_1_1_0", "r_0_0", "r_1_1", "h_0", "pi_0_0", "pip_1_0"} <= set(names)
    assert len(names) == 1 + 4 + 4 + 1 + 2 + 2
    mdp = model.mdp
    assert mdp.backend == "symbolic"
    assert mdp.P.shape == (1, 2, 2, 2)
    one = model.field.one
    assert all(total == one for total in mdp.P.sum(axis=-1).flat)
    assert mdp.h.sum() == one
    for table in model.policies.values():
        assert table.shape == (1, 2, 2)
        assert all(total == one for total in table.sum(axis=-1).flat)
    assert to_sympy(mdp.P[0, 0, 0, 1]) == 1 - sympy.Symbol("P_0_0_0", real=True)


def test_bellman_identities_hold_in_the_field(generic) -> None:
    model, results = generic
    mdp = model.mdp
    gamma = mdp.gamma[0]
    one = model.field.one
    for name, result in results.items():
        pi = model.policies[name]
        P_pi = policy_transition_matrix(mdp, pi)
        r_pi = policy_reward(mdp, pi)
        assert np.array_equal(result.V, r_pi + gamma * np.einsum("bst,bt->bs", P_pi, result.V)), name
        assert np.array_equal(result.Q, mdp.r + gamma * np.einsum("bsat,bt->bsa", mdp.P, result.V)), name
        assert all(x == 0 for x in np.einsum("bsa,bsa->bs", pi, result.A).flat), name
        assert result.eta[0] == (mdp.h * result.V).sum()
        d = result.occupancy
        assert np.array_equal(d, mdp.h + gamma * np.einsum("bs,bst->bt", d, P_pi))
        assert d.sum() * (one - gamma) == one


def test_trajectory_identities_hold_in_the_field(generic) -> None:
    model, results = generic
    mdp = model.mdp
    pi, other = model.policies["pi"], model.policies["pi'"]
    reward = np.broadcast_to(mdp.r[..., None], mdp.P.shape)
    assert trajectory_expectation(mdp, pi, reward)[0] == results["pi"].eta[0]
    # Performance difference lemma, as an identity of rational functions.
    advantage = np.broadcast_to(results["pi"].A[..., None], mdp.P.shape)
    lhs = trajectory_expectation(mdp, other, advantage)[0]
    assert lhs == results["pi'"].eta[0] - results["pi"].eta[0]


def test_uniform_policy_is_a_field_element_policy(generic) -> None:
    model, _ = generic
    policy = uniform_policy(model.mdp)
    half = model.field.one / model.mdp.num_actions
    assert all(x == half and type(x) is type(half) for x in policy.flat)
    V = evaluate_policy(model.mdp, policy).V
    assert all(type(x) is type(half) for x in V.flat)


def _point(model, exact: FiniteMDP, policies: dict[str, np.ndarray]) -> dict[sympy.Symbol, sympy.Rational]:
    """Values for every symbol of ``model`` that make it the exact instance ``exact``."""
    by_name = {str(symbol): symbol for symbol in model.symbols}
    S, A = exact.num_states, exact.num_actions
    values = {"gamma": exact.gamma[0]}
    for s in range(S):
        for a in range(A):
            values[f"r_{s}_{a}"] = exact.r[0, s, a]
            for t in range(S - 1):
                values[f"P_{s}_{a}_{t}"] = exact.P[0, s, a, t]
    for s in range(S - 1):
        values[f"h_{s}"] = exact.h[0, s]
    for name, table in policies.items():
        prefix = name.replace("'", "p")
        for s in range(S):
            for a in range(A - 1):
                values[f"{prefix}_{s}_{a}"] = table[0, s, a]
    assert set(values) == set(by_name)
    return {by_name[name]: to_sympy(value) for name, value in values.items()}


def _at(array: np.ndarray, point: dict[sympy.Symbol, sympy.Rational]) -> list[flint.fmpq]:
    """Every entry of ``array`` evaluated at ``point``, as exact rationals.

    A field element is ``numerator / denominator`` of FLINT polynomials in the field's symbols,
    which evaluate at rational points directly (much faster than substituting into SymPy).
    """
    values: list[flint.fmpq] = []
    for entry in array.flat:
        if isinstance(entry, RationalFunction):
            args = [to_exact(point[symbol]) for symbol in entry.field.symbols]
            values.append(entry.numerator(*args) / entry.denominator(*args))
        else:
            values.append(to_exact(entry))
    return values


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symbolic_exact_and_numeric_backends_agree(generic, seed: int) -> None:
    model, results = generic
    S, A = model.mdp.num_states, model.mdp.num_actions
    exact = random_mdp(S, A, seed=seed, backend="exact")
    policies = {name: random_policy(exact, seed=seed + k) for k, name in enumerate(POLICY_NAMES)}
    point = _point(model, exact, policies)

    # Substituting the point into the generic MDP gives back the exact instance.
    for field in ("P", "r", "h", "gamma"):
        assert _at(getattr(model.mdp, field), point) == _at(getattr(exact, field), {}), field

    numeric = FiniteMDP.create(exact.P, exact.r, exact.h, exact.gamma, backend="numeric")
    for name in POLICY_NAMES:
        exact_result = evaluate_policy(exact, policies[name])
        numeric_result = evaluate_policy(numeric, np.asarray(policies[name], dtype=np.float64))
        for quantity in QUANTITIES:
            symbolic_values = _at(getattr(results[name], quantity), point)
            exact_values = _at(getattr(exact_result, quantity), {})
            assert symbolic_values == exact_values, (name, quantity)
            np.testing.assert_allclose(
                getattr(numeric_result, quantity).ravel(),
                np.array(exact_values, dtype=np.float64),
                rtol=1e-10,
                atol=1e-10,
                err_msg=f"{name} {quantity}",
            )
        symbolic_gradient = policy_gradient(model.mdp, model.policies[name])
        exact_gradient = policy_gradient(exact, policies[name])
        assert _at(symbolic_gradient, point) == _at(exact_gradient, {}), name


def test_three_state_symbolic_mdp_agrees_with_exact_backend() -> None:
    # Three states take the symbolic Gauss-Jordan elimination through a full 3x3 inverse.
    model = symbolic_mdp(3, 2)
    result = evaluate_policy(model.mdp, model.policies["pi"])
    exact = random_mdp(3, 2, seed=5, backend="exact")
    policy = random_policy(exact, seed=6)
    point = _point(model, exact, {"pi": policy})
    exact_result = evaluate_policy(exact, policy)
    for quantity in QUANTITIES:
        assert _at(getattr(result, quantity), point) == _at(getattr(exact_result, quantity), {}), quantity
