"""Shared Hypothesis strategies, settings and hand-built MDPs for the symrl test suite.

Every property test draws its MDPs from here so that sizes, kinds and backends are covered the
same way everywhere, and every hand-built MDP comes with its closed-form quantities so that a
test can compare against numbers derived on paper rather than against the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import flint
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from symrl.mdp import MDP_KINDS, FiniteMDP, MDPKind, random_mdp, random_policy

__all__ = [
    "EXACT_KINDS",
    "MAX_ACTIONS",
    "MAX_BATCH",
    "MAX_STATES",
    "PROPERTY_SETTINGS",
    "SLOW_PROPERTY_SETTINGS",
    "ChainMDP",
    "MDPSpec",
    "chain_mdp",
    "exact_mdps",
    "exact_mdps_with_policies",
    "mdp_specs",
    "numeric_mdps",
    "numeric_mdps_with_policies",
    "q",
    "fraction_array",
    "instance_from_record",
    "reference_evaluation",
    "ReferenceEvaluation",
]

MAX_STATES = 4
MAX_ACTIONS = 3
MAX_BATCH = 3
# near-deterministic MDPs are a float stress test; the exact generator refuses them by design.
EXACT_KINDS: tuple[MDPKind, ...] = tuple(kind for kind in MDP_KINDS if kind != "near-deterministic")

# Deterministic runs: the same examples every time, no example database, no wall-clock deadline.
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SLOW_PROPERTY_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=15)


def q(text: str | int) -> flint.fmpq:
    """An exact rational from ``"p/q"`` text, for readable expected values."""
    if isinstance(text, int):
        return flint.fmpq(text)
    numerator, _, denominator = str(text).partition("/")
    return flint.fmpq(int(numerator), int(denominator or 1))


class MDPSpec(NamedTuple):
    """The arguments of one ``random_mdp`` call, shown by Hypothesis when a property fails."""

    states: int
    actions: int
    batch: int
    seed: int
    kind: MDPKind


@st.composite
def mdp_specs(
    draw: st.DrawFn,
    *,
    kinds: tuple[MDPKind, ...] = MDP_KINDS,
    max_states: int = MAX_STATES,
    max_actions: int = MAX_ACTIONS,
    max_batch: int = MAX_BATCH,
) -> MDPSpec:
    """Sizes 1..max_states × 1..max_actions, a batch, a seed and a kind."""
    return MDPSpec(
        states=draw(st.integers(1, max_states)),
        actions=draw(st.integers(1, max_actions)),
        batch=draw(st.integers(1, max_batch)),
        seed=draw(st.integers(0, 2**32 - 1)),
        kind=draw(st.sampled_from(kinds)),
    )


def _build(spec: MDPSpec, backend: str) -> FiniteMDP:
    return random_mdp(
        spec.states, spec.actions, batch=spec.batch, seed=spec.seed, kind=spec.kind, backend=backend
    )


def numeric_mdps(**sizes: int) -> st.SearchStrategy[FiniteMDP]:
    """Random float64 MDP batches of every kind."""
    return mdp_specs(**sizes).map(lambda spec: _build(spec, "numeric"))


def exact_mdps(**sizes: int) -> st.SearchStrategy[FiniteMDP]:
    """Random exact-rational MDP batches of every kind the exact generator supports."""
    return mdp_specs(kinds=EXACT_KINDS, **sizes).map(lambda spec: _build(spec, "exact"))


@st.composite
def _with_policy(draw: st.DrawFn, mdps: st.SearchStrategy[FiniteMDP]) -> tuple[FiniteMDP, np.ndarray]:
    mdp = draw(mdps)
    policy = random_policy(mdp, seed=draw(st.integers(0, 2**32 - 1)), deterministic=draw(st.booleans()))
    return mdp, policy


def numeric_mdps_with_policies(**sizes: int) -> st.SearchStrategy[tuple[FiniteMDP, np.ndarray]]:
    """A numeric MDP batch and a random (stochastic or deterministic) policy for it."""
    return _with_policy(numeric_mdps(**sizes))


def exact_mdps_with_policies(**sizes: int) -> st.SearchStrategy[tuple[FiniteMDP, np.ndarray]]:
    """An exact MDP batch and a random exact policy for it."""
    return _with_policy(exact_mdps(**sizes))


@dataclass(frozen=True)
class ChainMDP:
    """A two-state MDP whose quantities are known in closed form (see :func:`chain_mdp`)."""

    mdp: FiniteMDP
    policy: list[list[flint.fmpq]]
    V: list[flint.fmpq]
    Q: list[list[flint.fmpq]]
    eta: flint.fmpq
    occupancy: list[flint.fmpq]


def chain_mdp(gamma: str = "2/3", p: str = "1/4", h0: str = "3/4", backend: str = "exact") -> ChainMDP:
    """Two states, two actions, worked out by hand.

    State 0: action 0 stays with reward 1, action 1 moves to state 1 with reward 0.
    State 1 is absorbing; action 0 pays 2, action 1 pays 0.  The policy takes action 0 with
    probability ``p`` in state 0 and always in state 1; ``h = (h0, 1 - h0)``.  Then

    - ``V(1) = 2/(1-γ)``, ``V(0) = (p + (1-p) γ V(1)) / (1 - γ p)``;
    - ``Q(0,0) = 1 + γ V(0)``, ``Q(0,1) = γ V(1)``, ``Q(1,0) = 2 + γ V(1)``, ``Q(1,1) = γ V(1)``;
    - ``Pr(s_t = 0) = h0 p^t`` so ``d(0) = h0/(1 - γ p)`` and ``d(1) = 1/(1-γ) - d(0)``.

    Every quantity depends on γ, h and p in a different way, so a dropped factor shows.
    """
    g, pp, start = q(gamma), q(p), q(h0)
    one, zero = q(1), q(0)
    mdp = FiniteMDP.create(
        P=[[[one, zero], [zero, one]], [[zero, one], [zero, one]]],
        r=[[1, 0], [2, 0]],
        h=[start, one - start],
        gamma=g,
        backend=backend,
    )
    V1 = 2 / (one - g)
    V0 = (pp + (one - pp) * g * V1) / (one - g * pp)
    d0 = start / (one - g * pp)
    return ChainMDP(
        mdp=mdp,
        policy=[[pp, one - pp], [one, zero]],
        V=[V0, V1],
        Q=[[1 + g * V0, g * V1], [2 + g * V1, g * V1]],
        eta=start * V0 + (one - start) * V1,
        occupancy=[d0, 1 / (one - g) - d0],
    )


# -- independent references: plain Fractions / NumPy, none of symrl's solvers ----------------------


def fraction_array(values: object) -> np.ndarray:
    """An object array of ``fractions.Fraction`` from ``fmpq``s, ints, ``"p/q"`` strings or nested lists."""
    array = np.asarray(values, dtype=object)
    out = np.empty(array.shape, dtype=object)
    for index, value in np.ndenumerate(array):
        out[index] = Fraction(str(value)) if not isinstance(value, float) else Fraction(value)
    return out


@dataclass(frozen=True)
class ReferenceEvaluation:
    """V, Q, A, η, occupancy and ``P_π`` of one MDP, solved by Gaussian elimination in Fractions."""

    P_pi: np.ndarray
    V: np.ndarray
    Q: np.ndarray
    A: np.ndarray
    eta: Fraction
    occupancy: np.ndarray


def _solve_fractions(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``matrix x = rhs`` exactly (Gauss-Jordan with pivot search, Fractions)."""
    n = matrix.shape[0]
    work = [[Fraction(x) for x in row] + [Fraction(rhs[i])] for i, row in enumerate(matrix)]
    for k in range(n):
        pivot = next(i for i in range(k, n) if work[i][k] != 0)
        work[k], work[pivot] = work[pivot], work[k]
        scale = work[k][k]
        work[k] = [x / scale for x in work[k]]
        for i in range(n):
            if i != k and work[i][k] != 0:
                factor = work[i][k]
                work[i] = [x - factor * y for x, y in zip(work[i], work[k])]
    return np.array([row[-1] for row in work], dtype=object)


def reference_evaluation(P: object, r: object, h: object, gamma: object, policy: object) -> ReferenceEvaluation:
    """Policy evaluation of one unbatched MDP ``P[s,a,s'], r[s,a], h[s], γ, π[s,a]`` in exact Fractions.

    Written from DESIGN.md §1 alone: ``V = (I - γ P_π)^{-1} r_π``, ``Q = r + γ P V``, ``A = Q - V``,
    ``η = h·V`` and ``d = h^T (I - γ P_π)^{-1}``.
    """
    P, r, h, pi = (fraction_array(x) for x in (P, r, h, policy))
    g = Fraction(str(gamma))
    S, A = r.shape
    P_pi = np.array([[sum(pi[s, a] * P[s, a, n] for a in range(A)) for n in range(S)] for s in range(S)], dtype=object)
    r_pi = np.array([sum(pi[s, a] * r[s, a] for a in range(A)) for s in range(S)], dtype=object)
    system = np.array([[Fraction(int(s == n)) - g * P_pi[s, n] for n in range(S)] for s in range(S)], dtype=object)
    V = _solve_fractions(system, r_pi)
    Q = np.array([[r[s, a] + g * sum(P[s, a, n] * V[n] for n in range(S)) for a in range(A)] for s in range(S)],
                 dtype=object)
    occupancy = _solve_fractions(system.T, h)
    return ReferenceEvaluation(
        P_pi=P_pi,
        V=V,
        Q=Q,
        A=Q - V[:, None],
        eta=sum(h[s] * V[s] for s in range(S)),
        occupancy=occupancy,
    )


def instance_from_record(record: dict):
    """Rebuild a counterexample's exact instance from its ``to_record()`` strings alone."""
    from symrl.expr import Instance
    from symrl.mdp import as_policy

    mdp = FiniteMDP.create(
        P=fraction_array(record["P"]),
        r=fraction_array(record["r"]),
        h=fraction_array(record["h"]),
        gamma=Fraction(record["gamma"]),
        backend="exact",
    )
    policies = {name: as_policy(mdp, fraction_array(table)) for name, table in record["policies"].items()}
    return Instance(mdp, policies, dict(record.get("bindings", {})))
