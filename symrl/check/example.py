"""A worked example a text describes: named states and actions, and the facts that pin P, r, h and policies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

import flint
import numpy as np

from symrl.check.world import PolicySpec, World, WorldError
from symrl.expr import Instance
from symrl.mdp import FiniteMDP

__all__ = ["Example"]


@dataclass(frozen=True)
class Example:
    """Facts about named states and actions, imposed on every instance drawn for a step.

    A text's example ("in ``s``, ``π₁`` takes ``a₁``, which leads to ``s'`` with reward −1") is a
    family of MDPs: what the text says is pinned, everything else stays as drawn, so a verdict
    holds for every MDP the text's description fits.  Named states and actions take the first
    indices, in the order given; a probability row with some entries pinned keeps the drawn
    proportions of the rest.  ``agreements`` lists ``(policy, like)``: ``policy`` acts as ``like``
    wherever the facts do not say otherwise.  Frozen and hashable, so judgements can be cached.

    >>> example = Example(states=("s", "s'"), actions=("a_1",), rewards=(("s", "a_1", Fraction(-1)),))
    >>> example.world(World()).bindings
    (('s', 0), ("s'", 1), ('a_1', 0))
    """

    states: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    rewards: tuple[tuple[str, str, Fraction], ...] = ()
    transitions: tuple[tuple[str, str, str, Fraction], ...] = ()
    initial: tuple[tuple[str, Fraction], ...] = ()
    choices: tuple[tuple[str, str, str], ...] = ()
    probabilities: tuple[tuple[str, str, str, Fraction], ...] = ()
    agreements: tuple[tuple[str, str], ...] = ()
    episodic: bool = False

    def __post_init__(self) -> None:
        for kind, names in (("state", self.states), ("action", self.actions)):
            if len(set(names)) != len(names):
                raise WorldError(f"a {kind} of the example is named twice: {', '.join(names)}")
        for state, action, _ in self.rewards:
            self._indices(state, action)
        for state, action, following, _ in self.transitions:
            self._indices(state, action, following)
        for state, _ in self.initial:
            self._indices(state)
        for _, state, action in self.choices:
            self._indices(state, action)
        for _, state, action, _ in self.probabilities:
            self._indices(state, action)
        rows: dict[tuple, dict[int, Fraction]] = {}
        entries = [(("P", s, a), self.states.index(n), p) for s, a, n, p in self.transitions]
        entries += [(("h",), self.states.index(s), p) for s, p in self.initial]
        entries += [(("π", pi, s), self.actions.index(a), p) for pi, s, a, p in self.probabilities]
        entries += [(("π", pi, s), self.actions.index(a), Fraction(1)) for pi, s, a in self.choices]
        entries += [(("r", s, a), 0, value) for s, a, value in self.rewards]
        for row, index, value in entries:
            pins = rows.setdefault(row, {})
            if pins.get(index, value) != value:
                raise WorldError(f"the example gives {_row_name(row)} two different values")
            pins[index] = value
        for row, pins in rows.items():
            if row[0] == "r":
                continue
            if any(not 0 <= p <= 1 for p in pins.values()) or sum(pins.values()) > 1:
                raise WorldError(f"the example's probabilities {_row_name(row)} are not a distribution")
        for policy, like in self.agreements:
            if policy == like:
                raise WorldError(f"the policy {policy} cannot agree with itself")

    # -- the world ---------------------------------------------------------------------------
    @property
    def policies(self) -> frozenset[str]:
        """The policies the example says something about."""
        named = {p for p, *_ in self.choices} | {p for p, *_ in self.probabilities}
        return frozenset(named | {name for pair in self.agreements for name in pair})

    @property
    def names(self) -> frozenset[str]:
        """Every state, action and policy the example names."""
        return frozenset(self.states) | frozenset(self.actions) | self.policies

    def world(self, world: World) -> World:
        """``world`` restricted to this example (big enough to hold its named states and actions)."""
        bindings = tuple((name, index) for index, name in enumerate(self.states))
        bindings += tuple((name, index) for index, name in enumerate(self.actions))
        # An episodic world's last state is its terminal one, which no named state may be.
        min_states = max(world.min_states, len(self.states) + (1 if self.episodic else 0), 1)
        policies = dict(world.policies)
        for name in sorted(self.policies):
            policies.setdefault(name, PolicySpec())
        return replace(
            world,
            policies=tuple(sorted(policies.items())),
            episodic=world.episodic or self.episodic,
            example=self,
            bindings=bindings,
            min_states=min_states,
            min_actions=max(world.min_actions, len(self.actions), 1),
        )

    # -- imposing the facts -------------------------------------------------------------------
    def __call__(self, instance: Instance) -> Instance:
        mdp = instance.mdp
        exact = mdp.backend == "exact"
        if mdp.num_states < len(self.states) or mdp.num_actions < len(self.actions):
            raise WorldError(
                f"the example names {len(self.states)} state(s) and {len(self.actions)} action(s); "
                f"the MDP has {mdp.num_states} and {mdp.num_actions}"
            )
        number = _converter(exact)
        P, r, h = mdp.P.copy(), mdp.r.copy(), mdp.h.copy()
        for state, action, value in self.rewards:
            r[:, self.states.index(state), self.actions.index(action)] = number(value)
        for (state, action), pins in self._pins(((s, a, n, p) for s, a, n, p in self.transitions)).items():
            i, j = self.states.index(state), self.actions.index(action)
            P[:, i, j] = _pinned_row(P[:, i, j], {self.states.index(n): p for n, p in pins.items()}, number)
        if self.initial:
            h = _pinned_row(h, {self.states.index(s): p for s, p in self.initial}, number)
        policies = dict(instance.policies)
        for policy, like in self.agreements:
            # A step that does not use both policies gains nothing from their agreeing: the other is free.
            if policy in policies and like in policies:
                policies[policy] = policies[like].copy()
        pinned = [(p, s, a, value) for p, s, a, value in self.probabilities]
        pinned += [(p, s, a, Fraction(1)) for p, s, a in self.choices]
        for (policy, state), pins in self._pins(pinned).items():
            if policy not in policies:
                continue  # the step does not use this policy
            table = policies[policy].copy()
            i = self.states.index(state)
            table[:, i] = _pinned_row(table[:, i], {self.actions.index(a): p for a, p in pins.items()}, number)
            policies[policy] = table
        example = FiniteMDP.create(P, r, h, mdp.gamma, backend=mdp.backend)
        return Instance(example, policies, dict(instance.bindings), dict(instance.parameters))

    @staticmethod
    def _pins(facts: Iterable[tuple]) -> dict[tuple, dict[str, Fraction]]:
        """``(x, y, name, p)`` facts grouped by row ``(x, y)``: ``{name: p}`` (sorted, for determinism)."""
        rows: dict[tuple, dict[str, Fraction]] = {}
        for first, second, name, value in facts:
            rows.setdefault((first, second), {})[name] = value
        return dict(sorted(rows.items()))

    def _indices(self, state: str | None = None, action: str | None = None, following: str | None = None) -> None:
        for name, known, kind in ((state, self.states, "state"), (following, self.states, "state")):
            if name is not None and name not in known:
                raise WorldError(f"{name} is not a named {kind} of the example (states: {', '.join(known)})")
        if action is not None and action not in self.actions:
            raise WorldError(f"{action} is not a named action of the example (actions: {', '.join(self.actions)})")


def _row_name(row: tuple) -> str:
    if row[0] == "P":
        return f"P(·|{row[1]}, {row[2]})"
    if row[0] == "h":
        return "h(·)"
    if row[0] == "r":
        return f"r({row[1]}, {row[2]})"
    return f"{row[1]}(·|{row[2]})"


def _converter(exact: bool):
    if exact:
        return lambda value: flint.fmpq(value.numerator, value.denominator)
    return float


def _pinned_row(rows: np.ndarray, pins: Mapping[int, Fraction], number) -> np.ndarray:
    """Each distribution of the ``(batch, n)`` array with ``pins`` imposed, the rest rescaled.

    The unpinned entries keep their drawn proportions and share what the pins leave; where they
    carry no mass, the first unpinned entry takes it all.
    """
    rows = rows.copy()
    size = rows.shape[-1]
    free = [index for index in range(size) if index not in pins]
    left = 1 - sum(pins.values())
    if not free and left != 0:
        raise WorldError(f"pinned probabilities sum to {1 - left}, and no entry is left to make up the rest")
    for index, value in pins.items():
        rows[:, index] = number(value)
    if not free:
        return rows
    rest = rows[:, free]
    if rows.dtype != object:
        mass = rest.sum(axis=-1, keepdims=True)
        empty = np.zeros_like(rest)
        empty[:, 0] = float(left)
        safe = np.where(mass == 0, 1.0, mass)
        rows[:, free] = np.where(mass == 0, empty, rest * float(left) / safe)
        return rows
    for batch_index in range(rows.shape[0]):  # exact rows are Python objects (batches of one)
        mass = sum(rest[batch_index])
        if mass == 0:
            rows[batch_index, free] = [number(Fraction(0))] * len(free)
            rows[batch_index, free[0]] = number(left)
        else:
            rows[batch_index, free] = [entry * number(left) / mass for entry in rest[batch_index]]
    return rows
