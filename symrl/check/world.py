"""The world a step is judged in: which MDPs and policies it quantifies over, and how to draw them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import flint
import numpy as np

from symrl.errors import SymrlError
from symrl.expr import BEHAVIOUR_POLICY, Instance
from symrl.mdp import (
    MDP_KINDS,
    FiniteMDP,
    evaluate_policy,
    feature_softmax_policy,
    greedy_policy,
    policy_gradient,
    policy_iteration,
    random_mdp,
    random_policy,
    symbolic_mdp,
    tabular_softmax_policy,
)

__all__ = ["CONDITIONS", "EXACT_SIZES", "NUMERIC_SIZES", "PolicySpec", "World"]

PolicyKind = Literal["stochastic", "deterministic", "greedy", "optimal", "near-optimal", "softmax", "gradient-step"]
Family = Literal["tabular", "features"]

FEATURE_DIMENSION = 2
STEP_SIZE_RANGE = (1e-2, 1e3)  # log-uniform: the step sizes a reader of "for any α > 0" has in mind

CONDITIONS: dict[str, str] = {
    "deterministic-transitions": "every P(·|s,a) puts all its mass on one next state",
    "full-support-initial": "the initial distribution h gives every state positive probability",
    "deterministic-policies": "every policy is deterministic",
    "small-step-size": "the step size α is at most (1-γ)³ / (16 · max|r| · max‖φ‖²)",
}
"""Extra conditions a verdict may hold under, each a restriction of the world it can be checked in."""

# Sizes (states, actions) tried in order: smallest first, so the first counterexample is minimal.
EXACT_SIZES: tuple[tuple[int, int], ...] = ((1, 2), (2, 1), (2, 2), (3, 2), (2, 3), (4, 2))
NUMERIC_SIZES: tuple[tuple[int, int], ...] = ((1, 2), (2, 2), (3, 2), (2, 3), (4, 3))

ADVERSARIAL_GAMMAS = (0.01, 0.5, 0.99)
EXTREME_REWARD_SCALE = 1e3
EPISODE_END_PROBABILITY = 4  # episodic worlds move to the terminal state with probability 1/4


class WorldError(SymrlError):
    """The world's description is inconsistent (e.g. a greedy policy of an unknown policy)."""


@dataclass(frozen=True)
class PolicySpec:
    """How a named policy is drawn.

    ``stochastic``/``deterministic``: freely.  ``greedy``: w.r.t. ``Q`` of ``base``.  ``optimal``:
    an optimal deterministic policy.  ``near-optimal``: optimal, a mixture of optimal actions, or
    free (so that claims about optimal policies have instances).  ``softmax``: ``π_θ`` of the
    ``family`` at a random ``θ``.  ``gradient-step``: ``π_θ'`` with ``θ' = θ + α ∇_θ η(θ)`` from the
    softmax policy ``base``.  Softmax kinds are float-only: exact worlds use generic stochastic
    policies for them (tabular softmax reaches every interior policy).
    """

    kind: PolicyKind = "stochastic"
    base: str | None = None
    family: Family = "tabular"


@dataclass(frozen=True)
class World:
    """Universally quantified MDPs and policies, optionally restricted by a text's setting.

    ``example`` imposes an example MDP described by a text (it receives and returns an
    ``Instance``, and must not change its arrays in place: exact draws are shared between worlds
    and read-only); ``bindings`` pin named states/actions of that example to indices; ``episodic``
    makes every trajectory end in an absorbing zero-reward state so that undiscounted sums over
    time converge.
    """

    policies: tuple[tuple[str, PolicySpec], ...] = ()
    conditions: frozenset[str] = frozenset()
    episodic: bool = False
    example: Callable[[Instance], Instance] | None = None
    bindings: tuple[tuple[str, int], ...] = ()
    min_states: int = 1
    min_actions: int = 1

    def spec(self, name: str) -> PolicySpec:
        return dict(self.policies).get(name, PolicySpec())

    def with_condition(self, condition: str) -> World:
        if condition not in CONDITIONS:
            raise WorldError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")
        return replace(self, conditions=self.conditions | {condition})

    def sizes(self, sizes: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
        return [(s, a) for s, a in sizes if s >= self.min_states and a >= self.min_actions]

    # -- instances -------------------------------------------------------------------------
    def numeric_instance(self, names: set[str], states: int, actions: int, batch: int, seed: int) -> Instance:
        """A float64 batch mixing every MDP kind, extreme discounts and rewards, point-mass starts."""
        rng = np.random.default_rng(seed)
        kinds = ["deterministic"] if "deterministic-transitions" in self.conditions else list(MDP_KINDS)
        share = -(-batch // len(kinds))
        parts = [random_mdp(states, actions, batch=share, seed=seed + 7919 * i, kind=k) for i, k in enumerate(kinds)]
        P = np.concatenate([m.P for m in parts])[:batch]
        r = np.concatenate([m.r for m in parts])[:batch]
        h = np.concatenate([m.h for m in parts])[:batch]
        discount = np.concatenate([m.gamma for m in parts])[:batch]
        order = rng.permutation(batch)
        P, r, h, discount = P[order], r[order], h[order], discount[order]
        quarter = batch // 4
        discount[:quarter] = rng.choice(ADVERSARIAL_GAMMAS, size=quarter)
        r[quarter : 2 * quarter] *= EXTREME_REWARD_SCALE
        point_mass = rng.integers(0, states, size=batch)
        h[2 * quarter : 3 * quarter] = np.eye(states)[point_mass[2 * quarter : 3 * quarter]]
        h = _initial(h, "full-support-initial" in self.conditions, numeric=True)
        P, r = _episodic(P, r, self.episodic, numeric=True)
        mdp = FiniteMDP.create(P, r, h, discount, backend="numeric")
        return self._finish(mdp, names, seed)

    def exact_instance(self, names: set[str], states: int, actions: int, seed: int) -> Instance:
        """One MDP with small rational entries (a readable counterexample if it is one)."""
        shape = (
            "deterministic-transitions" in self.conditions,
            "full-support-initial" in self.conditions,
            self.episodic,
        )
        return self._finish(_exact_mdp(states, actions, seed, *shape), names, seed)

    def symbolic_instance(self, names: set[str], states: int = 2, actions: int = 2) -> Instance:
        """The generic symbolic MDP with a generic stochastic table for every policy named."""
        generic = symbolic_mdp(states, actions, policies=tuple(sorted(names)))
        policies = {name: generic.policies[name] for name in names}
        return Instance(generic.mdp, policies, dict(self.bindings))

    def exact_is_faithful(self, names: set[str]) -> bool:
        """Whether exact instances are instances of this world for these policies.

        A gradient step leaves the rationals, so a formula about ``π_θ'`` has float instances only;
        so does a linear-feature softmax (a generic rational table is no such policy, and its score
        ``φ(s,a) − Σ_b π(b|s) φ(s,b)`` needs the float features).
        """
        return all(
            self.spec(name).kind != "gradient-step"
            and not (self.spec(name).kind == "softmax" and self.spec(name).family == "features")
            for name in names
        )

    def relaxed(self) -> World:
        """The world with softmax and gradient-step policies replaced by free stochastic ones."""
        free = tuple(
            (n, PolicySpec() if p.kind in ("softmax", "gradient-step") else p) for n, p in self.policies
        )
        return replace(self, policies=free)

    def with_policy(self, name: str, spec: PolicySpec) -> World:
        """The same world with ``name`` drawn according to ``spec``."""
        others = tuple((n, p) for n, p in self.policies if n != name)
        return replace(self, policies=(*others, (name, spec)))

    def with_family(self, family: Family) -> World:
        """The same world with every softmax policy in the given parametrisation."""
        return replace(self, policies=tuple((n, replace(p, family=family)) for n, p in self.policies))

    @property
    def families(self) -> tuple[Family, ...]:
        return tuple(sorted({p.family for _, p in self.policies if p.kind in ("softmax", "gradient-step")}))

    @property
    def supports_symbolic(self) -> bool:
        """Whether a generic-MDP proof covers this world (it does unless sums are undiscounted)."""
        return not self.episodic

    # -- helpers ---------------------------------------------------------------------------
    def _finish(self, mdp: FiniteMDP, names: set[str], seed: int) -> Instance:
        instance = Instance(mdp, {}, dict(self.bindings))
        deterministic_only = "deterministic-policies" in self.conditions
        for offset, name in enumerate(self._ordered(names)):
            spec = self.spec(name)
            policy_seed = seed * 31 + offset
            if spec.kind == "greedy":
                base_q = evaluate_policy(mdp, instance.policy(spec.base)).Q
                table = greedy_policy(base_q)
            elif spec.kind == "optimal":
                table = _optimal_policy(mdp)
            elif spec.kind == "near-optimal":
                table = _near_optimal_policy(mdp, policy_seed)
            elif spec.kind in ("softmax", "gradient-step") and mdp.backend == "numeric":
                table = self._softmax(instance, name, spec, policy_seed)
            else:
                deterministic = spec.kind == "deterministic" or deterministic_only
                table = _mixed_policy(mdp, policy_seed, deterministic)
            instance.policies[name] = table
        if self.example is not None:
            instance = self.example(instance)
        return instance

    def _softmax(self, instance: Instance, name: str, spec: PolicySpec, seed: int) -> np.ndarray:
        mdp = instance.mdp
        rng = np.random.default_rng(seed)
        S, A = mdp.num_states, mdp.num_actions
        features = None
        if spec.family == "features":
            if "phi" not in instance.parameters:  # one feature map per batch, stored per instance
                shared = rng.normal(size=(S, A, FEATURE_DIMENSION))
                instance.parameters["phi"] = np.broadcast_to(shared, (mdp.batch_size, *shared.shape))
            features = instance.parameters["phi"][0]
        if spec.kind == "softmax":
            shape = (mdp.batch_size, FEATURE_DIMENSION) if spec.family == "features" else (mdp.batch_size, S, A)
            theta = rng.normal(size=shape) * 2.0
        else:
            base_theta = instance.parameters[f"theta[{spec.base}]"]
            base_table = instance.policy(spec.base)
            gradient = policy_gradient(mdp, base_table, features=features if spec.family == "features" else None)
            alpha = np.exp(rng.uniform(*np.log(STEP_SIZE_RANGE), size=mdp.batch_size))
            if "small-step-size" in self.conditions:
                scale = np.abs(mdp.r).max(axis=(1, 2)).clip(min=1.0)
                feature_norm = 1.0 if features is None else max(1.0, float((features**2).sum(-1).max()))
                alpha = rng.uniform(0.1, 1.0, size=mdp.batch_size) * (1 - mdp.gamma) ** 3 / (16 * scale * feature_norm)
            instance.parameters[f"alpha[{name}]"] = alpha
            theta = base_theta + alpha.reshape((-1,) + (1,) * (base_theta.ndim - 1)) * gradient
        instance.parameters[f"theta[{name}]"] = theta
        if spec.family == "features":
            return feature_softmax_policy(features, theta)
        return tabular_softmax_policy(theta)

    def _ordered(self, names: set[str]) -> list[str]:
        """Policies in dependency order (a greedy policy after its base)."""
        pending = set(names)
        for name in list(names):
            base = self.spec(name).base
            while base is not None and base not in pending:
                pending.add(base)
                base = self.spec(base).base
        ordered: list[str] = []
        while pending:
            ready = sorted(n for n in pending if self.spec(n).base is None or self.spec(n).base in ordered)
            if not ready:
                raise WorldError(f"policies {sorted(pending)} depend on each other in a cycle")
            ordered.extend(ready)
            pending -= set(ready)
        if BEHAVIOUR_POLICY in ordered:  # keep the behaviour policy's draw independent of the others
            ordered.remove(BEHAVIOUR_POLICY)
            ordered.append(BEHAVIOUR_POLICY)
        return ordered


def _initial(h: np.ndarray, full_support: bool, *, numeric: bool) -> np.ndarray:
    """``h``, or with ``full_support`` its average with the uniform distribution (every state > 0)."""
    if not full_support:
        return h
    states = h.shape[-1]
    if numeric:
        return (h + 1.0 / states) / 2.0
    return (h + flint.fmpq(1, states)) * flint.fmpq(1, 2)


def _episodic(P: np.ndarray, r: np.ndarray, episodic: bool, *, numeric: bool) -> tuple[np.ndarray, np.ndarray]:
    """With ``episodic``, every step ends in the last (absorbing, zero-reward) state with probability 1/4."""
    if not episodic or P.shape[1] < 2:
        return P, r
    end = 1.0 / EPISODE_END_PROBABILITY if numeric else flint.fmpq(1, EPISODE_END_PROBABILITY)
    terminal = np.zeros(P.shape[1], dtype=P.dtype if numeric else object)
    if not numeric:
        terminal[:] = [flint.fmpq(0)] * P.shape[1]
    terminal[-1] = 1 if numeric else flint.fmpq(1)
    P = P * (1 - end) + end * terminal
    P[:, -1] = terminal
    r = r.copy()
    r[:, -1] = 0
    return P, r


@functools.lru_cache(maxsize=512)
def _exact_mdp(
    states: int, actions: int, seed: int, deterministic: bool, full_support: bool, episodic: bool
) -> FiniteMDP:
    """The exact MDP of ``World.exact_instance`` (policies aside), drawn once per shape and seed.

    Many worlds (conditions, policies, examples) share these draws; the arrays are made read-only
    so that no caller can change a cached MDP in place.
    """
    kinds = ["deterministic"] if deterministic else ["dense", "deterministic", "sparse", "absorbing"]
    mdp = random_mdp(states, actions, seed=seed, kind=kinds[seed % len(kinds)], backend="exact")
    h = mdp.h
    if seed % 3 == 2:  # a point mass: trajectory identities become pointwise ones
        h = np.zeros_like(h)
        h[0, seed % states] = flint.fmpq(1)
    h = _initial(h, full_support, numeric=False)
    P, r = _episodic(mdp.P, mdp.r, episodic, numeric=False)
    mdp = FiniteMDP.create(P, r, h, mdp.gamma, backend="exact")
    for array in (mdp.P, mdp.r, mdp.h, mdp.gamma):
        array.setflags(write=False)
    return mdp


def _optimal_policy(mdp: FiniteMDP) -> np.ndarray:
    return policy_iteration(mdp).policy


def _near_optimal_policy(mdp: FiniteMDP, seed: int) -> np.ndarray:
    """Per instance: an optimal policy, a random mixture of optimal actions, or a free policy."""
    rng = np.random.default_rng(seed)
    solution = policy_iteration(mdp)
    q = evaluate_policy(mdp, solution.policy).Q
    best = q.max(axis=-1, keepdims=True)
    if mdp.backend == "numeric":
        optimal_actions = np.isclose(q, best, rtol=0, atol=1e-9).astype(float)
    else:
        optimal_actions = (q == best).astype(int)
    weights = optimal_actions * rng.integers(1, 4, size=q.shape)
    if mdp.backend == "numeric":
        mixture = weights / weights.sum(axis=-1, keepdims=True)
    else:
        mixture = np.vectorize(lambda x: flint.fmpq(int(x)), otypes=[object])(weights)
        mixture = mixture / weights.sum(axis=-1, keepdims=True)
    free = _mixed_policy(mdp, seed + 1, deterministic=False)
    choice = rng.integers(0, 3, size=mdp.batch_size)[:, None, None]
    return np.where(choice == 0, solution.policy, np.where(choice == 1, mixture, free))


def _mixed_policy(mdp: FiniteMDP, seed: int, deterministic: bool) -> np.ndarray:
    """Stochastic tables, with a share of deterministic rows where ties and corners live."""
    if deterministic:
        return random_policy(mdp, seed=seed, deterministic=True)
    table = random_policy(mdp, seed=seed)
    corner = random_policy(mdp, seed=seed + 1, deterministic=True)
    rng = np.random.default_rng(seed)
    use_corner = rng.random(table.shape[:2]) < 0.25
    return np.where(use_corner[..., None], corner, table)
