"""Evaluate RL expressions on an Instance as tensors indexed by their free variables."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Add, Expr, Integer, Mul, Pow, Sum, Symbol

from symrl.errors import SymrlError
from symrl.expr.expectation import (
    Expectation,
    InitialDistribution,
    PolicyDistribution,
    Sample,
    TrajectoryDistribution,
    TransitionDistribution,
    VisitationDistribution,
)
from symrl.expr.instance import Instance
from symrl.expr.nodes import (
    ActionAt,
    ActionValue,
    Advantage,
    Gradient,
    InitialProbability,
    MaxOver,
    Occupancy,
    OptimalValue,
    PolicyAction,
    PolicyProbability,
    PolicySymbol,
    Return,
    Reward,
    SameState,
    StateAt,
    SumOver,
    Transition,
    Value,
    gamma,
    horizon,
)
from symrl.mdp import batched_inverse, policy_gradient, to_exact

__all__ = [
    "BEHAVIOUR_POLICY",
    "FREE_TIME_EXTRA",
    "FREE_TIME_NOTE",
    "HORIZONS",
    "HORIZON_AXIS",
    "PARAMETER_AXIS",
    "EvaluationError",
    "Tensor",
    "evaluate",
    "free_times",
    "has_exact_value",
    "has_trajectory_variables",
    "is_rational_expression",
    "policy_names",
    "support_mask",
]

BEHAVIOUR_POLICY = "beta"
"""Policy generating the trajectory of a formula that uses ``s_t`` outside any expectation."""

PARAMETER_AXIS = "theta"
"""The axis of a gradient's components: ``θ[s,a]`` flattened (tabular softmax) or the feature weights."""

HORIZON_AXIS = "T"
HORIZONS = (1, 2, 3, 5)
"""The values of a finite horizon ``T`` a formula is evaluated at (an axis, like a free state)."""

_TRAJECTORY = "tau"
_FRESH = itertools.count()


class EvaluationError(SymrlError):
    """An expression cannot be evaluated on finite MDPs (unsupported form or undefined value)."""


@dataclass(frozen=True)
class Tensor:
    """Values indexed by ``(batch, *axes)``; each axis is a free variable's name."""

    data: np.ndarray
    axes: tuple[str, ...]

    def aligned(self, axes: tuple[str, ...]) -> np.ndarray:
        """The data laid out along ``axes`` (a superset of ``self.axes``), size-1 where absent."""
        order = [0] + [1 + self.axes.index(axis) for axis in axes if axis in self.axes]
        data = np.transpose(self.data, order) if order != list(range(len(order))) else self.data
        shape = [data.shape[0]]
        present = iter(data.shape[1:])
        for axis in axes:
            shape.append(next(present) if axis in self.axes else 1)
        return data.reshape(shape)

    def combine(self, other: Tensor, operation) -> Tensor:
        axes = self.axes + tuple(axis for axis in other.axes if axis not in self.axes)
        return Tensor(operation(self.aligned(axes), other.aligned(axes)), axes)

    def rename(self, old: str, new: str) -> Tensor:
        if new in self.axes:  # the same variable twice: keep the diagonal
            data = np.moveaxis(self.data, [1 + self.axes.index(old), 1 + self.axes.index(new)], [-2, -1])
            data = np.diagonal(data, axis1=-2, axis2=-1)
            rest = tuple(axis for axis in self.axes if axis not in (old, new))
            return Tensor(data, (*rest, new))
        return Tensor(self.data, tuple(new if axis == old else axis for axis in self.axes))

    def take(self, axis: str, index: int) -> Tensor:
        position = 1 + self.axes.index(axis)
        return Tensor(np.take(self.data, index, axis=position), tuple(a for a in self.axes if a != axis))

    def sum_over(self, axis: str) -> Tensor:
        if axis not in self.axes:
            raise EvaluationError(f"cannot sum over {axis!r}: not a variable of this term")
        position = 1 + self.axes.index(axis)
        return Tensor(self.data.sum(axis=position), tuple(a for a in self.axes if a != axis))

    def max_over(self, axis: str) -> Tensor:
        if axis not in self.axes:
            return self
        position = 1 + self.axes.index(axis)
        return Tensor(self.data.max(axis=position), tuple(a for a in self.axes if a != axis))


def evaluate(expr: Expr, instance: Instance, axis_kinds: dict[str, str] | None = None) -> Tensor:
    """Evaluate ``expr`` on every MDP of ``instance``; free variables become tensor axes.

    Trajectory variables (``s_t``) used outside any expectation are read as random variables of
    a trajectory of the instance's behaviour policy ``beta`` and averaged over it: on
    deterministic MDPs and policies this is their value on the one trajectory there is.

    >>> from symrl.mdp import FiniteMDP
    >>> from symrl.expr.nodes import Value, policy, state
    >>> mdp = FiniteMDP.create(P=[[[1, 0]], [[0, 1]]], r=[[1], [0]], h=[1, 0], gamma="1/2",
    ...                        backend="exact")
    >>> world = Instance(mdp, {"pi": np.array([[[1], [1]]], dtype=object)})
    >>> evaluate(Value(policy("pi"), state("s")), world).data.tolist()
    [[2, 0]]
    """
    kinds = {} if axis_kinds is None else axis_kinds
    if expr.has(horizon):
        # T is quantified over a few positive integers: one evaluation per value, stacked on an axis.
        parts = [evaluate(expr.subs(horizon, value), instance, kinds) for value in HORIZONS]
        return _stack(parts, HORIZON_AXIS)
    evaluator = _Evaluator(instance, kinds)
    if has_trajectory_variables(expr):
        expr = Expectation(expr, Sample(Symbol(_TRAJECTORY), TrajectoryDistribution(Symbol(BEHAVIOUR_POLICY))))
    return evaluator.value_of(expr, {})


def _name(symbol: Expr) -> str:
    """The name of a variable or policy symbol (``str`` runs SymPy's printer: slow in inner loops)."""
    return symbol.name if type(symbol) in (Symbol, PolicySymbol) else str(symbol)


def has_trajectory_variables(expr: Expr) -> bool:
    """Whether ``expr`` uses ``s_t``/``a_t`` outside a trajectory expectation."""
    if isinstance(expr, (StateAt, ActionAt)):
        return True
    if isinstance(expr, Expectation) and any(
        isinstance(sample.distribution, TrajectoryDistribution) for sample in expr.samples
    ):
        return False
    return any(has_trajectory_variables(arg) for arg in expr.args if isinstance(arg, Expr))


def free_times(*exprs: Expr) -> set[Symbol]:
    """Times of trajectory variables (``t`` of ``s_t``) that no sum binds: claims for every ``t ≥ 0``.

    >>> from symrl.expr.nodes import StateAt
    >>> sorted(map(str, free_times(StateAt(Symbol("t") + 1))))
    ['t']
    """
    found: set[Symbol] = set()
    for expr in exprs:
        times = {symbol for node in expr.atoms(StateAt, ActionAt) for symbol in node.args[0].free_symbols}
        found |= times & expr.free_symbols
    return found


FREE_TIME_NOTE = (
    "{times} is free: read as every {times} ≥ 0, evaluated at {times} = 0 … n+{extra} on each n-state MDP "
    "(for = the first n times decide every {times}; for an inequality the later ones are a sample)"
)
"""Said in a report whenever a step's sides use a free time (see ``_Evaluator.free_time_term``)."""


def is_rational_expression(expr: Expr) -> bool:
    """Whether ``expr`` is one rational function of the MDP's entries (no max, no optimal value, no log,
    no horizon ``T``: that is checked at a few values of ``T``, which proves nothing for the others)."""
    return not expr.has(MaxOver, OptimalValue, horizon) and has_exact_value(expr)


def has_exact_value(expr: Expr) -> bool:
    """Whether ``expr`` can be evaluated exactly: no logarithm, except under ``∇_θ`` (the score is rational).

    >>> from symrl.expr.nodes import PolicyProbability, policy, state, action
    >>> p = PolicyProbability(policy("pi_theta"), action(), state())
    >>> has_exact_value(sympy.log(p)), has_exact_value(Gradient(sympy.log(p), Symbol("theta")))
    (False, True)
    """
    if isinstance(expr, Gradient):
        return True
    if isinstance(expr, sympy.log):
        return False
    return all(has_exact_value(arg) for arg in expr.args if isinstance(arg, Expr))


def support_mask(sample: Sample, instance: Instance, axis_kinds: dict[str, str]) -> Tensor:
    """Boolean tensor: which values of a sampled variable have positive probability."""
    weights = _Evaluator(instance, axis_kinds).sample_weights(sample, {})
    data = weights.data
    if data.dtype == object:
        data = np.vectorize(lambda x: bool(x != 0), otypes=[bool])(data)
    else:
        data = data > 0
    return Tensor(data, weights.axes)


class _Evaluator:
    """One evaluation pass; ``trajectory`` maps time offsets to the axes standing for them."""

    def __init__(self, instance: Instance, axis_kinds: dict[str, str]):
        self.instance = instance
        self.mdp = instance.mdp
        self.kinds = axis_kinds
        self.backend = instance.mdp.backend

    # -- constants -------------------------------------------------------------------------
    def constant(self, value: Expr) -> Tensor:
        batch = self.mdp.batch_size
        if self.backend == "numeric":
            try:
                number = float(value)
            except TypeError:
                raise EvaluationError(f"cannot evaluate the symbol(s) in {value} on an MDP") from None
            return Tensor(np.full(batch, number), ())
        if not value.is_Rational:
            raise EvaluationError(f"{value} is not a rational constant; exact evaluation needs rationals")
        entry = to_exact(value)
        if self.backend == "symbolic":
            entry = self.mdp.gamma[0].field.constant(value)
        data = np.empty(batch, dtype=object)
        data[:] = [entry] * batch
        return Tensor(data, ())

    # -- dispatch --------------------------------------------------------------------------
    def value_of(self, expr: Expr, trajectory: dict) -> Tensor:
        if expr == gamma:
            return Tensor(self.mdp.gamma.copy(), ())
        if expr.is_Number:
            return self.constant(expr)
        if isinstance(expr, Add):
            terms = [self.value_of(arg, trajectory) for arg in expr.args]
            return _fold(terms, np.add)
        if isinstance(expr, Mul):
            factors = [self.value_of(arg, trajectory) for arg in expr.args]
            if sum(PARAMETER_AXIS in factor.axes for factor in factors) > 1:
                # Componentwise it would be a number, but ∇f ∇g means an outer or inner product: refuse.
                raise EvaluationError(f"{sympy.latex(expr)} multiplies two gradients; only one ∇_θ per product")
            return _fold(factors, np.multiply)
        if isinstance(expr, Pow):
            return self.power(expr, trajectory)
        if isinstance(expr, Gradient):
            return self.gradient(expr, trajectory)
        if isinstance(expr, sympy.log):
            return self.logarithm(expr, trajectory)
        if isinstance(expr, Occupancy):
            return self.lookup(self.instance.evaluation(_name(expr.args[0])).occupancy, expr.args[1:], ("state",),
                               trajectory)  # fmt: skip
        if isinstance(expr, Value):
            return self.lookup(self.instance.evaluation(_name(expr.args[0])).V, expr.args[1:], ("state",), trajectory)
        if isinstance(expr, ActionValue):
            table = self.instance.evaluation(_name(expr.args[0])).Q
            return self.lookup(table, expr.args[1:], ("state", "action"), trajectory)
        if isinstance(expr, Advantage):
            table = self.instance.evaluation(_name(expr.args[0])).A
            return self.lookup(table, expr.args[1:], ("state", "action"), trajectory)
        if isinstance(expr, Return):
            return Tensor(self.instance.evaluation(_name(expr.args[0])).eta, ())
        if isinstance(expr, OptimalValue):
            return self.lookup(self.instance.optimal_values(), expr.args, ("state",), trajectory)
        if isinstance(expr, Reward):
            return self.lookup(self.mdp.r, expr.args, ("state", "action"), trajectory)
        if isinstance(expr, Transition):
            nxt, s, a = expr.args
            return self.lookup(self.mdp.P, (s, a, nxt), ("state", "action", "state"), trajectory)
        if isinstance(expr, PolicyProbability):
            pi, a, s = expr.args
            return self.lookup(self.instance.policy(_name(pi)), (s, a), ("state", "action"), trajectory)
        if isinstance(expr, InitialProbability):
            return self.lookup(self.mdp.h, expr.args, ("state",), trajectory)
        if isinstance(expr, SumOver):
            name = _name(expr.variable)
            value = self.value_of(expr.body, trajectory)
            if name in value.axes:
                return value.sum_over(name)
            # A body free of the summed variable is added once per value: Σ_{s'} c = |S| c.
            kind = self.kinds.get(name) or ("state" if name.startswith(("s", "x")) else "action")
            count = self.mdp.num_states if kind == "state" else self.mdp.num_actions
            return value.combine(self.constant(Integer(count)), np.multiply)
        if isinstance(expr, SameState):
            identity = np.eye(self.mdp.num_states, dtype=int)
            table = np.broadcast_to(
                identity if self.backend == "numeric" else identity.astype(object),
                (self.mdp.batch_size, *identity.shape),
            )
            return self.lookup(table, expr.args, ("state", "state"), trajectory)
        if isinstance(expr, MaxOver):
            self.kinds.setdefault(_name(expr.variable), "action")
            body = self.value_of(expr.body, trajectory)
            if PARAMETER_AXIS in body.axes:
                raise EvaluationError("the maximum of a gradient (a vector over θ) is not defined")
            return body.max_over(_name(expr.variable))
        if isinstance(expr, Expectation):
            return self.expectation(expr, trajectory)
        if isinstance(expr, Sum):
            return self.sum(expr, trajectory)
        if isinstance(expr, (StateAt, ActionAt)):
            raise EvaluationError(f"{sympy.latex(expr)} appears bare; it must be an argument of r, V, Q, A, P or π")
        if isinstance(expr, Symbol):
            raise EvaluationError(f"the symbol {expr} has no value on an MDP (declare it, or bind it)")
        raise EvaluationError(f"cannot evaluate {type(expr).__name__} expressions on an MDP")

    def power(self, expr: Pow, trajectory: dict) -> Tensor:
        base, exponent = expr.args
        if not exponent.is_Integer:
            raise EvaluationError(f"the exponent {exponent} must be an integer here")
        value = self.value_of(base, trajectory)
        if PARAMETER_AXIS in value.axes and exponent != 1:
            raise EvaluationError(f"{sympy.latex(expr)} raises a gradient to a power; write a norm or a product")
        power = int(exponent)
        if power >= 0:
            return Tensor(value.data**power, value.axes)
        return Tensor(_reciprocal(value.data) ** (-power), value.axes)

    def logarithm(self, expr: sympy.log, trajectory: dict) -> Tensor:
        """``log x`` of a positive ``x``: floats only (the log of a rational is not rational); NaN where x ≤ 0."""
        if self.backend != "numeric":
            raise EvaluationError(f"{sympy.latex(expr)} has no exact value: a logarithm is judged on float instances")
        value = self.value_of(expr.args[0], trajectory)
        if PARAMETER_AXIS in value.axes:
            raise EvaluationError(f"{sympy.latex(expr)} takes the logarithm of a gradient")
        data = np.asarray(value.data, dtype=float)
        positive = data > 0
        return Tensor(np.where(positive, np.log(np.where(positive, data, 1.0)), np.nan), value.axes)

    # -- gradients -------------------------------------------------------------------------
    def gradient(self, expr: Gradient, trajectory: dict) -> Tensor:
        """``∇_θ η(θ)``, ``∇_θ log π_θ(a|s)`` and ``∇_θ π_θ(a|s)`` of the softmax policy ``π_θ``: closed forms."""
        body = expr.body
        inner = body.args[0] if isinstance(body, sympy.log) else body
        log_of_return = isinstance(body, sympy.log) and isinstance(inner, Return)
        if not isinstance(inner, (Return, PolicyProbability)) or log_of_return:
            raise EvaluationError(f"∇_θ of {sympy.latex(body)} is not known (only of η(θ), log π_θ(a|s), π_θ(a|s))")
        name = _name(inner.args[0])
        if name != "pi_theta":
            raise EvaluationError(f"∇_θ differentiates the parametrised policy π_θ, not {sympy.latex(inner.args[0])}")
        features = self.features(name)
        if isinstance(inner, Return):
            table = self.instance.policy(name)
            value = policy_gradient(self.mdp, table, features=None if features is None else features[0])
            return Tensor(value.reshape(value.shape[0], -1), (PARAMETER_AXIS,))
        _, a, s = inner.args
        slot_s, slot_a = f"_slot{next(_FRESH)}", f"_slot{next(_FRESH)}"
        score = Tensor(self.score(name, features), (slot_s, slot_a, PARAMETER_AXIS))
        score = self.bind_argument(score, slot_s, s, "state", trajectory)
        score = self.bind_argument(score, slot_a, a, "action", trajectory)
        if isinstance(body, sympy.log):
            return score
        return score.combine(self.value_of(inner, trajectory), np.multiply)  # ∇π = π ∇log π

    def features(self, name: str) -> np.ndarray | None:
        """``φ (B, S, A, k)`` when ``π_θ`` is a linear-feature softmax of this instance, else None (tabular)."""
        theta = self.instance.parameters.get(f"theta[{name}]")
        if theta is not None and np.ndim(theta) == 2 and "phi" in self.instance.parameters:
            return self.instance.parameters["phi"]
        return None

    def score(self, name: str, features: np.ndarray | None) -> np.ndarray:
        """``∇_θ log π_θ(a|s)`` as ``(B, S, A, parameters)``.

        Tabular: ``∂ log π(a|s)/∂θ[s',b] = 1[s=s'](1[a=b] − π(b|s))``, a rational function of the
        table, so exact and symbolic instances get it exactly (any interior policy is a tabular
        softmax).  Features: ``φ(s,a) − Σ_b π(b|s) φ(s,b)``.
        """
        table = self.instance.policy(name)
        if features is not None:
            return features - np.einsum("bsc,bsck->bsk", table, features)[:, :, None, :]
        batch, states, actions = table.shape
        same_state = np.eye(states, dtype=int)
        same_action = np.eye(actions, dtype=int)
        if table.dtype == object:
            same_state, same_action = same_state.astype(object), same_action.astype(object)
        centred = same_action[None, None, :, :] - table[:, :, None, :]  # (B, s, a, b)
        score = same_state[None, :, None, :, None] * centred[:, :, :, None, :]  # (B, s, a, s', b)
        return score.reshape(batch, states, actions, states * actions)

    # -- arguments -------------------------------------------------------------------------
    def lookup(self, table: np.ndarray, args: tuple, kinds: tuple[str, ...], trajectory: dict) -> Tensor:
        """Index a ``(B, d1, d2, …)`` table by the node's arguments (variables, indices, π(s))."""
        fresh = tuple(f"_slot{next(_FRESH)}" for _ in args)
        tensor = Tensor(table, fresh)
        for slot, arg, kind in zip(fresh, args, kinds, strict=True):
            tensor = self.bind_argument(tensor, slot, arg, kind, trajectory)
        return tensor

    def bind_argument(self, tensor: Tensor, slot: str, arg: Expr, kind: str, trajectory: dict) -> Tensor:
        if isinstance(arg, (StateAt, ActionAt)):
            # Times are t plus integers: SymPy's automatic canonical form already reduces the difference.
            key = (type(arg).__name__, sympy.expand(arg.args[0] - trajectory.get("base", 0)))
            if key not in trajectory:
                raise EvaluationError(
                    f"{sympy.latex(arg)} is not available here: only s_t, a_t and s_{{t+1}} of one time "
                    "step can be used together"
                )
            return tensor.rename(slot, trajectory[key])
        if isinstance(arg, Symbol):
            name = _name(arg)
            if name in self.instance.bindings:
                return tensor.take(slot, self.instance.bindings[name])
            self.kinds.setdefault(name, kind)
            return tensor.rename(slot, name)
        if arg.is_Integer:
            size = self.mdp.num_states if kind == "state" else self.mdp.num_actions
            if not 0 <= int(arg) < size:
                raise EvaluationError(f"index {arg} is outside the {size} {kind}s of this MDP")
            return tensor.take(slot, int(arg))
        if isinstance(arg, PolicyAction) and kind == "action":
            pi, s = arg.args
            choice = self.lookup(self.instance.policy(_name(pi)), (s, Symbol(slot)), ("state", "action"), trajectory)
            return tensor.combine(choice, np.multiply).sum_over(slot)
        raise EvaluationError(f"cannot use {sympy.latex(arg)} as a {kind} argument")

    # -- expectations ----------------------------------------------------------------------
    def sample_weights(self, sample: Sample, trajectory: dict) -> Tensor:
        dist = sample.distribution
        var = sample.variable
        if isinstance(dist, InitialDistribution):
            self.kinds[_name(var)] = "state"
            return Tensor(self.mdp.h, (_name(var),))
        if isinstance(dist, PolicyDistribution):
            self.kinds[_name(var)] = "action"
            pi, s = dist.args
            return self.lookup(self.instance.policy(_name(pi)), (s, var), ("state", "action"), trajectory)
        if isinstance(dist, TransitionDistribution):
            self.kinds[_name(var)] = "state"
            s, a = dist.args
            return self.lookup(self.mdp.P, (s, a, var), ("state", "action", "state"), trajectory)
        if isinstance(dist, VisitationDistribution):
            pi = _name(dist.args[0])
            names = [_name(v) for v in (var.args if isinstance(var, sympy.Tuple) else (var,))]
            if len(names) == 1:  # s ∼ d^π: the normalised discounted visitation of states
                self.kinds[names[0]] = "state"
                occupancy = self.instance.evaluation(pi).occupancy
                return Tensor((1 - self.mdp.gamma)[:, None] * occupancy, (names[0],))
            if len(names) != 2:
                raise EvaluationError("a visitation distribution samples a pair (s, a)")
            self.kinds[names[0]], self.kinds[names[1]] = "state", "action"
            result = self.instance.evaluation(pi)
            # Normalised: (1-γ) d_π(s) π(a|s) is a distribution over the pairs a trajectory visits.
            weights = (1 - self.mdp.gamma)[:, None, None] * result.occupancy[:, :, None] * result.policy
            return Tensor(weights, tuple(names))
        raise EvaluationError(f"cannot sample from {type(dist).__name__} here")

    def expectation(self, expr: Expectation, trajectory: dict) -> Tensor:
        samples = expr.samples
        trajectory_samples = [s for s in samples if isinstance(s.distribution, TrajectoryDistribution)]
        if trajectory_samples:
            if len(samples) != 1:
                raise EvaluationError("a trajectory expectation cannot also sample other variables")
            return self.trajectory_expectation(expr.body, _name(trajectory_samples[0].distribution.policy))
        # Sample outermost first so that later samples can condition on earlier variables.
        value = self.value_of(expr.body, trajectory)
        for sample in reversed(samples):
            weights = self.sample_weights(sample, trajectory)
            value = value.combine(weights, np.multiply)
            for name in _sample_names(sample):
                if name in value.axes:
                    value = value.sum_over(name)
        return value

    def sum(self, expr: Sum, trajectory: dict) -> Tensor:
        """``Σ_t c(t) E_ρ[g(t)]`` is ``E_ρ[Σ_t c(t) g(t)]`` (linearity); other sums are finite."""
        if len(expr.limits) != 1:
            raise EvaluationError("a sum over several indices at once is not supported; nest the sums")
        body, (index, lower, upper) = expr.args[0], expr.limits[0]
        moved = _move_sum_into_expectation(body, index, lower, upper)
        if moved is not None:
            return self.value_of(moved, trajectory)
        if lower.is_Integer and upper.is_Integer and int(upper) - int(lower) <= _MAX_EXPANDED_TERMS:
            terms = [self.value_of(body.subs(index, k), trajectory) for k in range(int(lower), int(upper) + 1)]
            return _fold(terms, np.add) if terms else self.constant(Integer(0))
        raise EvaluationError(
            f"the sum over {index} has no expectation to move it into and is not a finite sum of numbers"
        )

    def trajectory_expectation(self, body: Expr, policy_name: str) -> Tensor:
        """``E_{τ∼ρ_π}[body]`` exactly, for bodies linear in the trajectory's random variables."""
        total: Tensor | None = None
        for coefficient, term in _linear_terms(sympy.expand(body)):
            value = self.trajectory_term(coefficient, term, policy_name)
            total = value if total is None else total.combine(value, np.add)
        return total if total is not None else self.constant(Integer(0))

    def trajectory_term(self, coefficient: Expr, term, policy_name: str) -> Tensor:
        kind = term[0]
        if kind == "constant":
            return self.value_of(coefficient, {})
        pi = self.instance.policy(policy_name)
        transition = np.einsum("bsa,bsat->bst", pi, self.mdp.P)
        if kind == "fixed":
            g, time = term[1], term[2]
            if not time.is_Integer:
                return self.free_time_term(coefficient, g, time, transition, pi)
            weights = _state_distribution(self.mdp.h, transition, time)
            return self.value_of(coefficient, {}).combine(self.step_value(g, time, weights, pi), np.multiply)
        g, index, lower, time_offset = term[1], term[2], term[3], term[4]
        first = lower + time_offset
        ratio = _step_ratio(coefficient, index)
        if ratio.has(index):
            raise EvaluationError(f"the sum's coefficient {sympy.latex(coefficient)} is not geometric in {index}")
        base = self.value_of(ratio, {})
        start = self.value_of(coefficient.subs(index, lower), {})
        if base.axes or start.axes:
            raise EvaluationError("a discount coefficient cannot depend on a free state or action")
        weights = _state_distribution(self.mdp.h, transition, int(first))
        time = index + time_offset
        if self.backend != "symbolic" and np.all(base.data == 1):
            value = self.episodic_sum(g, time, weights, transition, pi)
        else:
            occupancy = np.einsum("bs,bst->bt", weights, self.resolvent(transition, base.data))
            value = self.step_value(g, time, occupancy, pi)
        return start.combine(value, np.multiply)

    def free_time_term(self, coefficient: Expr, g: Expr, time: Expr, transition: np.ndarray, pi) -> Tensor:
        """``E[g(s_{t+k}, …)]`` at a time ``t`` no sum binds: a claim for every ``t ≥ 0``, an axis ``t``.

        The axis holds ``t = 0 … n + FREE_TIME_EXTRA − 1`` (``n`` states).  For equalities the first
        ``n`` decide every ``t``: each side is ``h P_π^t`` applied to a fixed vector plus a constant,
        and by Cayley–Hamilton ``P_π^t`` for ``t ≥ n`` is a combination of ``P_π^0 … P_π^{n−1}``.
        For inequalities the later times are a sample, not a proof.
        """
        free = sorted(time.free_symbols, key=str)
        variable = free[0] if len(free) == 1 else None
        if variable is None or not sympy.expand(time - variable).is_Integer or coefficient.has(variable):
            raise EvaluationError(
                f"{sympy.latex(g)} uses the time {time} outside a sum over it; sum over {time} or fix it"
            )
        shift = int(sympy.expand(time - variable))
        if shift < 0:
            raise EvaluationError(f"{sympy.latex(g)} uses the time {time}, before the trajectory starts at t = 0")
        name = _name(variable)
        self.kinds[name] = "time"
        values = []
        weights = _state_distribution(self.mdp.h, transition, shift)
        for _ in range(self.mdp.num_states + FREE_TIME_EXTRA):
            values.append(self.step_value(g, time, weights, pi))
            weights = np.einsum("bs,bst->bt", weights, transition)
        axes = values[0].axes
        data = np.stack([value.aligned(axes) for value in values], axis=-1)
        return self.value_of(coefficient, {}).combine(Tensor(data, (*axes, name)), np.multiply)

    def resolvent(self, transition: np.ndarray, base: np.ndarray) -> np.ndarray:
        """``(I - base P_π)^{-1}``, row s: ``Σ_j base^j Pr(s_j = · | s_0 = s)``."""
        identity = np.eye(self.mdp.num_states, dtype=int)
        if self.backend != "numeric":
            identity = identity.astype(object)
        return batched_inverse(identity - base[:, None, None] * transition)

    def episodic_sum(self, g: Expr, time: Expr, weights: np.ndarray, transition: np.ndarray, pi) -> Tensor:
        """Undiscounted ``Σ_j E[g_j]``: finite when every trajectory ends in absorbing states where g = 0.

        Absorbing states (``P_π(s|s) = 1``) are counted once instead of forever; if ``g`` is nonzero
        there, or the chain has another recurrent class, the sum diverges and the value is
        undefined (NaN numerically, an EvaluationError exactly).
        """
        stay = np.diagonal(transition, axis1=1, axis2=2)
        absorbing = np.isclose(stay.astype(float), 1.0) if self.backend == "numeric" else (stay == 1)
        transient = transition * (~absorbing)[:, :, None]
        identity = np.eye(self.mdp.num_states, dtype=int)
        if self.backend == "numeric":
            with np.errstate(divide="ignore", invalid="ignore"):
                resolvent = batched_inverse(identity - transient)
        else:
            try:
                resolvent = batched_inverse(identity.astype(object) - transient)
            except ZeroDivisionError:
                raise EvaluationError("the undiscounted sum over time diverges on this MDP") from None
        occupancy = np.einsum("bs,bst->bt", weights, resolvent)
        with np.errstate(invalid="ignore", divide="ignore"):  # divergent instances become NaN on purpose
            value = self.step_value(g, time, occupancy * (~absorbing), pi)
            leak = self.step_value(g, time, occupancy * absorbing, pi)
        if self.backend == "numeric":
            diverges = ~np.isfinite(value.data) | (np.abs(leak.data) > _DIVERGENCE_TOLERANCE)
            return Tensor(np.where(diverges, np.nan, value.data), value.axes)
        if any(x != 0 for x in leak.data.flat):
            raise EvaluationError("the undiscounted sum over time diverges: its terms do not vanish")
        return value

    def step_value(self, g: Expr, time: Expr, state_weights: np.ndarray, pi: np.ndarray) -> Tensor:
        """``Σ_{s,a,s'} w(s) π(a|s) P(s'|s,a) g(s, a, s')`` with ``s_time, a_time, s_{time+1}``."""
        names = {
            ("StateAt", 0): f"_s{next(_FRESH)}",
            ("ActionAt", 0): f"_a{next(_FRESH)}",
            ("StateAt", 1): f"_n{next(_FRESH)}",
        }
        trajectory = {"base": time, **names}
        value = self.value_of(g, trajectory)
        s, a, n = names[("StateAt", 0)], names[("ActionAt", 0)], names[("StateAt", 1)]
        weights = Tensor(state_weights[:, :, None, None] * pi[:, :, :, None] * self.mdp.P, (s, a, n))
        value = value.combine(weights, np.multiply)
        for axis in (s, a, n):
            value = value.sum_over(axis)
        return value


FREE_TIME_EXTRA = 8
"""Times beyond the number of states at which a claim about every time ``t`` is also evaluated."""

_MAX_EXPANDED_TERMS = 64
_DIVERGENCE_TOLERANCE = 1e-9


@functools.lru_cache(maxsize=1024)
def _step_ratio(coefficient: Expr, index: Symbol) -> Expr:
    """``c(t+1)/c(t)``: the base of a geometric coefficient (``γ`` for ``γ^t``)."""
    return sympy.powsimp(sympy.expand_power_base(coefficient.subs(index, index + 1) / coefficient))


def _fold(tensors: list[Tensor], operation) -> Tensor:
    result = tensors[0]
    for tensor in tensors[1:]:
        result = result.combine(tensor, operation)
    return result


def _stack(parts: list[Tensor], axis: str) -> Tensor:
    """Tensors of the same variables stacked along a new first axis ``axis``."""
    axes = parts[0].axes
    for part in parts[1:]:
        axes += tuple(a for a in part.axes if a not in axes)
    arrays = np.broadcast_arrays(*(part.aligned(axes) for part in parts))
    return Tensor(np.stack(arrays, axis=1), (axis, *axes))


def _reciprocal(data: np.ndarray) -> np.ndarray:
    if data.dtype == object:
        return np.vectorize(lambda x: 1 / x, otypes=[object])(data)
    return 1.0 / data


def _sample_names(sample: Sample) -> list[str]:
    var = sample.variable
    return [_name(v) for v in (var.args if isinstance(var, sympy.Tuple) else (var,))]


def _state_distribution(h: np.ndarray, transition: np.ndarray, steps: int) -> np.ndarray:
    """``h^T P_π^steps``: the distribution of ``s_steps``."""
    weights = h
    for _ in range(steps):
        weights = np.einsum("bs,bst->bt", weights, transition)
    return weights


def _times(expr: Expr) -> set:
    return {node.args[0] for node in expr.atoms(StateAt, ActionAt)}


def _linear_terms(expr: Expr):
    """Split a trajectory body into ``(coefficient, term)`` pairs, linear in the random variables.

    Terms: ``("constant",)``; ``("fixed", g, j)`` for ``g(s_j, a_j, s_{j+1})``;
    ``("sum", g, t, k, o)`` for ``Σ_{t≥k} coefficient(t) g(s_{t+o}, …)``.
    """
    if not expr.has(StateAt, ActionAt):
        yield expr, ("constant",)
        return
    if isinstance(expr, Add):
        for arg in expr.args:
            yield from _linear_terms(arg)
        return
    if isinstance(expr, Mul):
        plain = [arg for arg in expr.args if not arg.has(StateAt, ActionAt)]
        random = [arg for arg in expr.args if arg.has(StateAt, ActionAt)]
        if len(random) > 1:
            if any(arg.has(Sum, Expectation) for arg in random):
                raise EvaluationError(
                    "a product of two trajectory sums or expectations is not supported: "
                    + " * ".join(sympy.latex(arg) for arg in random)
                )
            # A product of quantities of one time step is itself a function of that step.
            coefficient = Mul(*plain)
            for inner, term in _single_step(Mul(*random)):
                yield coefficient * inner, term
            return
        coefficient = Mul(*plain)
        for inner, term in _linear_terms(random[0]):
            yield coefficient * inner, term
        return
    if isinstance(expr, Sum):
        if len(expr.limits) != 1:
            raise EvaluationError("a sum over several indices at once is not supported; nest the sums")
        body, (index, lower, upper) = expr.args[0], expr.limits[0]
        if lower.is_Integer and upper.is_Integer and int(upper) - int(lower) <= _MAX_EXPANDED_TERMS:
            for time in range(int(lower), int(upper) + 1):  # a finite horizon: one fixed-time term per step
                yield from _linear_terms(sympy.expand(body.subs(index, time)))
            return
        if upper != sympy.oo:
            raise EvaluationError("only infinite sums and sums up to an integer are supported over time here")
        for coefficient, term in _linear_terms(sympy.expand(body)):
            if term[0] == "constant":
                raise EvaluationError("a sum over time of a constant diverges or is not a trajectory term")
            if term[0] == "sum":
                raise EvaluationError("nested sums over time are not supported")
            g, time = term[1], term[2]
            offset = sympy.expand(time - index)
            if offset.has(index) or not offset.is_Integer:
                raise EvaluationError(f"time {time} in the sum is not {index} plus a constant")
            yield coefficient, ("sum", g, index, lower, int(offset))
        return
    if expr.has(Sum, Expectation):
        raise EvaluationError(
            f"{sympy.latex(expr)} is not linear in the trajectory: only sums of one-step terms are supported"
        )
    yield from _single_step(expr)


def _single_step(expr: Expr):
    """``g(s_j, a_j, s_{j+1})``: trajectory variables of one time step, ``j`` the earliest."""
    times = _times(expr)
    for base in sorted(times, key=sympy.default_sort_key):
        offsets = {sympy.expand(time - base) for time in times}
        if offsets <= {0, 1}:
            yield Integer(1), ("fixed", expr, base)
            return
    raise EvaluationError(f"trajectory variables at times {sorted(map(str, times))} span more than one step")


def _move_sum_into_expectation(body: Expr, index: Symbol, lower: Expr, upper: Expr) -> Expr | None:
    terms = Add.make_args(sympy.expand(body))
    moved = []
    for term in terms:
        factors = Mul.make_args(term)
        expectations = [f for f in factors if isinstance(f, Expectation)]
        if len(expectations) != 1:
            return None
        inner = expectations[0]
        if not all(isinstance(s.distribution, TrajectoryDistribution) for s in inner.samples):
            return None
        rest = Mul(*[f for f in factors if f is not inner])
        moved.append(Expectation(Sum(rest * inner.body, (index, lower, upper)), *inner.samples))
    return Add(*moved)


def policy_names(expr: Expr) -> set[str]:
    """Names of the policies ``expr`` refers to (including ``beta`` for bare trajectory variables).

    >>> from symrl.expr.nodes import Advantage, policy, state, action
    >>> sorted(policy_names(Advantage(policy("pi"), state(), action())))
    ['pi']
    """
    names: set[str] = set()
    if has_trajectory_variables(expr):
        names.add(BEHAVIOUR_POLICY)
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (Value, ActionValue, Advantage, PolicyProbability, PolicyAction, Occupancy)):
            names.add(_name(node.args[0]))
        elif isinstance(node, Return):
            names.add(_name(node.args[0]))
        elif isinstance(node, (PolicyDistribution, TrajectoryDistribution, VisitationDistribution)):
            names.add(_name(node.args[0]))
    return names
