"""Provers and falsifiers: symbolic proof, exact rational points, batched numeric search."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import sympy
from sympy import Expr

from symrl.check.budget import Budget, BudgetExceeded
from symrl.check.counterexample import Counterexample, complexity, format_number, rationalize_instance
from symrl.check.relations import Relation
from symrl.check.statement import Statement
from symrl.check.world import EXACT_SIZES, NUMERIC_SIZES, PolicySpec, World
from symrl.errors import MDPError, SymrlError
from symrl.expr import (
    HORIZON_AXIS,
    HORIZONS,
    EvaluationError,
    Instance,
    PolicySymbol,
    evaluate,
    has_exact_value,
    horizon,
    is_rational_expression,
    policy_names,
)
from symrl.mdp import deterministic_policy, random_policy

__all__ = [
    "DEFAULT_EXACT_POINTS",
    "NUMERIC_BATCH",
    "Judgement",
    "clear_judgement_cache",
    "judge_implication",
    "judge_same_maximisers",
    "judge_statement",
]

Verdict = Literal["holds", "fails", "unknown"]

DEFAULT_EXACT_POINTS = 8
"""Exact rational instances per size; a wrong rational identity survives one with probability ~0."""

NUMERIC_BATCH = 256
"""Random float64 MDPs per size in the numeric search."""

MIN_PREMISE_INSTANCES = 20
"""An implication is judged only if its premises held on at least this many instances drawn."""

_CANDIDATES_PER_SIZE = 3

# Judgements are pure functions of (statement, world, thoroughness): cache them for the process.
_JUDGEMENTS: dict = {}


_INSTANCES: dict = {}


def clear_judgement_cache() -> None:
    """Forget every judgement and drawn instance of this process (benchmarks start from scratch)."""
    _JUDGEMENTS.clear()
    _INSTANCES.clear()
QUICK_EXACT_POINTS = 3
QUICK_NUMERIC_BATCH = 64


@dataclass
class Judgement:
    """The outcome of one check: verdict, the strongest evidence, and a counterexample if any."""

    verdict: Verdict
    evidence: str | None
    message: str
    counterexample: Counterexample | None = None
    instances: int = 0
    undefined: int = 0
    details: dict = field(default_factory=dict)


def judge_statement(
    statement: Statement, world: World, budget: Budget | None = None, *, quick: bool = False
) -> Judgement:
    """Decide whether ``statement`` holds on every instance of ``world``.

    Order: a symbolic proof on the generic 2×2 MDP (identities only), then exact rational
    instances of growing size (the first failure is the smallest), then batched float search.
    """
    budget = budget or Budget()
    names = statement.policies()
    key = (_statement_key(statement), world, quick)
    cached = _JUDGEMENTS.get(key)
    if cached is not None:
        return cached
    judgement = _judge_statement(statement, world, budget, names, quick)
    if judgement.verdict != "unknown" or "time limit" not in judgement.message:
        _JUDGEMENTS[key] = judgement
    return judgement


def _judge_statement(statement: Statement, world: World, budget: Budget, names: set[str], quick: bool) -> Judgement:
    # Falsify first (cheap when a step is wrong), prove last: the symbolic proof is the costly part.
    try:
        exact = _search(statement, world, names, budget, exact=True, quick=quick)
        if exact.counterexample is not None:
            return exact
        numeric = _search(statement, world, names, budget, exact=False, quick=quick)
        if numeric.counterexample is not None:
            if world.exact_is_faithful(names):  # rounding a gradient step's policy would no longer be that step
                numeric.counterexample = _prefer_exact(statement, numeric.counterexample)
            elif not quick:
                _attach_relaxed_exact(statement, world, names, budget, numeric)
            return numeric
        if not quick and _provable_symbolically(statement, world):
            budget.check("symbolic proof")
            if _symbolic_identity(statement, world, names):
                return Judgement(
                    "holds",
                    "symbolic",
                    "proved on the generic symbolic MDP (2 states, 2 actions); "
                    + (
                        f"identical at {exact.instances} exact rational instances of other sizes and "
                        if exact.instances
                        else "(no exact instances: a gradient step leaves the rationals) identical at "
                    )
                    + f"{numeric.instances} float ones",
                    instances=exact.instances + numeric.instances,
                )
    except BudgetExceeded as error:
        return Judgement("unknown", None, str(error), details={"code": "time-limit"})
    except (EvaluationError, MDPError, SymrlError) as error:
        return Judgement("unknown", None, f"could not evaluate: {error}")
    total = exact.instances + numeric.instances
    undefined = exact.undefined + numeric.undefined
    rational = is_rational_expression(statement.lhs) and is_rational_expression(statement.rhs)
    if exact.instances and rational and statement.relation is Relation.EQ and not statement.domain:
        evidence = "exact"
        message = f"identical at {exact.instances} exact rational instances and {numeric.instances} float instances"
    else:
        evidence = "numeric"
        message = (
            f"no counterexample among {exact.instances} exact and {numeric.instances} float instances "
            "(numeric evidence, not a proof)"
        )
    if statement.lhs.has(horizon) or statement.rhs.has(horizon):
        message += f", each at T ∈ {{{', '.join(map(str, HORIZONS))}}}"
    if undefined:
        message += f"; {undefined} instances where a side is undefined were skipped"
    if total <= undefined:
        reasons = exact.details.get("reasons", []) + numeric.details.get("reasons", [])
        why = reasons[0] if reasons else "a side is undefined (NaN) on every instance drawn"
        return Judgement("unknown", None, f"could not be evaluated on any instance: {why}", undefined=undefined)
    return Judgement("holds", evidence, message, instances=total, undefined=undefined)


def judge_implication(
    premises: list[Statement],
    conclusion: Statement,
    world: World,
    budget: Budget | None = None,
) -> Judgement:
    """Decide whether every instance satisfying all ``premises`` satisfies ``conclusion``."""
    budget = budget or Budget()
    key = ("implies", tuple(_statement_key(p) for p in premises), _statement_key(conclusion), world)
    cached = _JUDGEMENTS.get(key)
    if cached is not None:
        return cached
    judgement = _judge_implication(premises, conclusion, world, budget)
    if judgement.verdict != "unknown" or "time limit" not in judgement.message:
        _JUDGEMENTS[key] = judgement
    return judgement


def _statement_key(statement: Statement) -> tuple:
    return (
        sympy.srepr(statement.lhs),
        sympy.srepr(statement.rhs),
        statement.relation,
        sympy.srepr(statement.domain),
        statement.quantifier,
    )


def _judge_implication(premises: list[Statement], conclusion: Statement, world: World, budget: Budget) -> Judgement:
    names = set().union(*(p.policies() for p in premises), conclusion.policies())
    satisfied = 0
    drawn = 0
    undefined = 0
    reasons: list[str] = []
    try:
        if any(_same_statement(premise, conclusion, world, names, budget) for premise in premises[-1:]):
            return Judgement(
                "holds", "symbolic", "the previous statement compares the same quantity (proved symbolically)"
            )
        for search_world, exact in _implication_worlds(world, names):
            for instance in _instances(search_world, names, exact):
                budget.check("implication search")
                try:
                    truths = [p.evaluate(instance).truth for p in premises]
                    value = conclusion.evaluate(instance)
                except (EvaluationError, ZeroDivisionError) as error:
                    undefined += instance.mdp.batch_size
                    reasons.append(str(error) or type(error).__name__)
                    continue
                premise = np.logical_and.reduce(truths) if truths else np.ones(instance.mdp.batch_size, bool)
                drawn += instance.mdp.batch_size
                satisfied += int(premise.sum())
                failing = np.flatnonzero(premise & ~value.truth)
                if failing.size:
                    example = _counterexample_from(conclusion, instance, value, int(failing[0]))
                    example.note = "the premises hold here but the conclusion does not"
                    return Judgement(
                        "fails",
                        "exact" if exact else "numeric",
                        "the conclusion does not follow: on "
                        + _describe(example)
                        + " the premises hold but the conclusion does not",
                        counterexample=(
                            _prefer_exact_implication(premises, conclusion, example)
                            if world.exact_is_faithful(names)
                            else example
                        ),
                        instances=drawn,
                    )
    except BudgetExceeded as error:
        return Judgement("unknown", None, str(error), details={"code": "time-limit"})
    except (EvaluationError, MDPError, SymrlError) as error:
        return Judgement("unknown", None, f"could not evaluate: {error}")
    if drawn == 0 and reasons:
        return Judgement("unknown", None, f"could not be evaluated on any instance: {reasons[0]}", undefined=undefined)
    if satisfied < MIN_PREMISE_INSTANCES:
        return Judgement(
            "unknown",
            None,
            f"the premises held on only {satisfied} of {drawn} instances drawn; too few to judge",
            instances=drawn,
        )
    return Judgement(
        "holds",
        "numeric",
        f"the conclusion held on all {satisfied} of {drawn} drawn instances satisfying the premises "
        "(numeric evidence, not a proof)",
        instances=drawn,
        undefined=undefined,
    )


# -- internals ------------------------------------------------------------------------------


def _provable_symbolically(statement: Statement, world: World) -> bool:
    return (
        statement.relation is Relation.EQ
        and not statement.domain
        and statement.quantifier == "forall"
        and world.supports_symbolic
        and is_rational_expression(statement.lhs)
        and is_rational_expression(statement.rhs)
    )


def _symbolic_identity(statement: Statement, world: World, names: set[str]) -> bool:
    instance = world.symbolic_instance(names)
    try:
        value = Statement(statement.lhs - statement.rhs, Relation.EQ, sympy.Integer(0)).evaluate(instance)
    except (EvaluationError, ZeroDivisionError):
        return False
    return bool(value.truth.all())


def _same_statement(first: Statement, second: Statement, world: World, names: set[str], budget: Budget) -> bool:
    """Whether two statements are the same comparison of the same quantity (proved symbolically)."""
    if first.relation is not second.relation or first.domain != second.domain:
        return False
    difference = Statement((first.lhs - first.rhs) - (second.lhs - second.rhs), Relation.EQ, sympy.Integer(0))
    if not _provable_symbolically(difference, world):
        return False
    budget.check("symbolic comparison of statements")
    return _symbolic_identity(difference, world, names)


def _implication_worlds(world: World, names: set[str]):
    """The world itself, then sub-worlds where a free policy is greedy w.r.t. another one.

    Premises such as "every visited action has positive advantage" are rare among random
    policies; greedy policies satisfy them by construction.  Every sub-world's instance is an
    instance of the world, so a counterexample found there is a counterexample.
    """
    yield world, True
    yield world, False
    # Only unrestricted policies may be replaced: a greedy table is no softmax policy.
    free = sorted(n for n in names if world.spec(n).kind in ("stochastic", "deterministic"))
    for name in free:
        for base in sorted(names - {name}):
            if world.spec(base).kind == "greedy" and world.spec(base).base == name:
                continue
            variant = world.with_policy(name, PolicySpec("greedy", base=base))
            yield variant, True
            yield variant, False


def _instances(world: World, names: set[str], exact: bool, quick: bool = False):
    """Exact instances smallest first, or float batches; ``quick`` screens with a few only."""
    if exact:
        if not world.exact_is_faithful(names):
            return
        sizes = world.sizes(EXACT_SIZES)
        points = DEFAULT_EXACT_POINTS
        if quick:
            sizes, points = sizes[:2], QUICK_EXACT_POINTS
        for states, actions in sizes:
            for seed in range(points):
                yield _drawn(world, names, (states, actions, seed), world.exact_instance)
    else:
        sizes = world.sizes(NUMERIC_SIZES)
        batch = QUICK_NUMERIC_BATCH if quick else NUMERIC_BATCH
        for index, (states, actions) in enumerate(sizes[:2] if quick else sizes):
            yield _drawn(world, names, (states, actions, batch, 1000 + index), world.numeric_instance)


def _drawn(world: World, names: set[str], arguments: tuple, draw) -> Instance:
    """An instance of ``world``, drawn once per process: every statement about it reuses it (and
    its policy evaluations), which keeps instances identical across the steps of a chain."""
    key = (world, frozenset(names), draw.__name__, arguments)
    instance = _INSTANCES.get(key)
    if instance is None:
        instance = _INSTANCES[key] = draw(set(names), *arguments)
    return instance


def _search(
    statement: Statement, world: World, names: set[str], budget: Budget, *, exact: bool, quick: bool = False
) -> Judgement:
    drawn = 0
    undefined = 0
    reasons: list[str] = []
    failures: list[Counterexample] = []
    failing_size = None
    if exact and not (has_exact_value(statement.lhs) and has_exact_value(statement.rhs)):
        return Judgement("holds", None, "", details={"reasons": []})  # a logarithm: float instances only
    for instance in _instances(world, names, exact, quick):
        size = (instance.mdp.num_states, instance.mdp.num_actions)
        if failing_size is not None and size != failing_size:
            break
        budget.check("exact search" if exact else "numeric search")
        try:
            value = statement.evaluate(instance)
        except (EvaluationError, ZeroDivisionError) as error:
            undefined += instance.mdp.batch_size
            reasons.append(str(error) or type(error).__name__)
            continue
        drawn += instance.mdp.batch_size
        if not exact:
            undefined += int(_undefined(value).sum())
        failing = np.flatnonzero(~value.truth)
        if failing.size:
            failing_size = size
            failures.append(_counterexample_from(statement, instance, value, int(failing[0])))
            if len(failures) >= _CANDIDATES_PER_SIZE or not exact:
                break
    if failures:
        best = min(failures, key=lambda example: complexity(example.instance))
        return Judgement(
            "fails",
            "exact" if exact else "numeric",
            f"{statement.relation.symbol} fails on {_describe(best)}: left side {format_number(best.lhs)}, "
            f"right side {format_number(best.rhs)}",
            counterexample=best,
            instances=drawn,
            undefined=undefined,
        )
    return Judgement("holds", None, "", instances=drawn, undefined=undefined, details={"reasons": reasons})


def _attach_relaxed_exact(
    statement: Statement, world: World, names: set[str], budget: Budget, judgement: Judgement
) -> None:
    """Add an exact counterexample from the world without its gradient-step restriction, if one exists.

    The float counterexample stays the primary one (it is an instance of the text's world); the
    exact one shows the step fails for arbitrary policies too, with numbers a reader can check.
    """
    relaxed = world.relaxed()
    try:
        found = _search(statement, relaxed, names, budget, exact=True)
    except BudgetExceeded:
        return
    if found.counterexample is not None:
        judgement.details["relaxed_counterexample"] = found.counterexample


def _describe(example: Counterexample) -> str:
    mdp = example.instance.mdp
    kind = "an exact" if example.exact else "a float"
    where = ", ".join(f"{name} = {value}" for name, value in sorted(example.assignment.items()))
    text = f"{kind} MDP with {mdp.num_states} state(s) and {mdp.num_actions} action(s)"
    return text + (f" at {where}" if where else "")


def _undefined(value) -> np.ndarray:
    data = [value.lhs.data, value.rhs.data]
    flags = np.zeros(value.truth.shape, dtype=bool)
    for array in data:
        if array.dtype != object:
            flags |= np.isnan(array.reshape(array.shape[0], -1)).any(axis=1)
    return flags


def _counterexample_from(statement: Statement, instance: Instance, value, index: int) -> Counterexample:
    """The failing instance ``index`` of a batch, with the first failing assignment of free variables."""
    single = instance.select(index)
    holds = value.holds_entrywise[index]
    position = np.argwhere(~holds)
    where = tuple(int(i) for i in position[0]) if position.size else tuple(0 for _ in value.axes)
    left = np.broadcast_to(value.lhs.aligned(value.axes)[index], holds.shape)[where]
    right = np.broadcast_to(value.rhs.aligned(value.axes)[index], holds.shape)[where]
    assignment = {axis: where[i] for i, axis in enumerate(value.axes) if not axis.startswith("_")}
    if HORIZON_AXIS in assignment:  # the horizon's axis holds T = HORIZONS[i], not T = i
        assignment[HORIZON_AXIS] = HORIZONS[assignment[HORIZON_AXIS]]
    return Counterexample(single, left, right, assignment)


def _prefer_exact(statement: Statement, example: Counterexample) -> Counterexample:
    """Replace a float counterexample by a nearby rational one that still fails, if there is one."""
    for denominator in (2, 4, 10, 100, 1000):
        exact = rationalize_instance(example.instance, denominator)
        if exact is None:
            continue
        try:
            value = statement.evaluate(exact)
        except (EvaluationError, ZeroDivisionError, MDPError):
            continue
        if not value.truth[0]:
            return _counterexample_from(statement, exact, value, 0)
    return example


def _prefer_exact_implication(
    premises: list[Statement], conclusion: Statement, example: Counterexample
) -> Counterexample:
    if example.exact:
        return example
    for denominator in (2, 4, 10, 100, 1000):
        exact = rationalize_instance(example.instance, denominator)
        if exact is None:
            continue
        try:
            if all(p.evaluate(exact).truth[0] for p in premises):
                value = conclusion.evaluate(exact)
                if not value.truth[0]:
                    found = _counterexample_from(conclusion, exact, value, 0)
                    found.note = example.note
                    return found
        except (EvaluationError, ZeroDivisionError, MDPError):
            continue
    return example


MAXIMISER_RANDOM_CANDIDATES = 16
MAXIMISER_MAX_DETERMINISTIC = 64
_MAXIMISER_TOLERANCE = 1e-9


def judge_same_maximisers(
    first: Expr, second: Expr, policy_name: str, world: World, budget: Budget | None = None
) -> Judgement:
    """Decide whether ``max_π f`` and ``max_π g`` over the policy ``policy_name`` have the same maximisers.

    Sufficient and cheap: ``f - g`` does not depend on the policy (proved as an identity).  Otherwise
    the maximisers are compared directly on every instance drawn, over every deterministic policy
    (when there are few) and random stochastic ones: one instance where they differ refutes it.
    """
    budget = budget or Budget()
    difference = Statement(first - second, Relation.EQ, _renamed(first - second, policy_name))
    if policy_name not in policy_names(first - second):
        return Judgement("holds", "symbolic", f"the objectives differ by a term free of {policy_name}")
    shifted = judge_statement(difference, world, budget)
    if shifted.verdict == "holds":
        return dataclasses.replace(
            shifted,
            message=f"the objectives differ by a term that does not depend on {policy_name} ({shifted.message}), "
            "so they have the same maximisers",
        )
    names = policy_names(first) | policy_names(second)
    drawn = 0
    try:
        for exact in (True, False):
            for instance in _instances(world, names, exact):
                budget.check("maximiser comparison")
                tables = _candidate_tables(instance, seed=drawn)
                f_values, g_values = [], []
                for table in tables:
                    trial = Instance(instance.mdp, {**instance.policies, policy_name: table}, dict(instance.bindings))
                    f_values.append(_scalar(first, trial))
                    g_values.append(_scalar(second, trial))
                f_values, g_values = np.stack(f_values), np.stack(g_values)
                drawn += instance.mdp.batch_size
                for index in range(instance.mdp.batch_size):
                    best_f = _maximisers(f_values[:, index])
                    best_g = _maximisers(g_values[:, index])
                    if best_f != best_g:
                        chosen = min(best_f - best_g) if best_f - best_g else min(best_g - best_f)
                        single = instance.select(index)
                        single.policies[policy_name] = tables[chosen][index : index + 1]
                        example = Counterexample(
                            single,
                            g_values[chosen, index],
                            max(g_values[:, index]),
                            note=(
                                "a policy that maximises one objective but not the other; lhs: the second "
                                "objective there, rhs: its maximum"
                            ),
                        )
                        return Judgement(
                            "fails",
                            "exact" if exact else "numeric",
                            f"the objectives have different maximisers over {policy_name} on {_describe(example)}",
                            counterexample=example,
                            instances=drawn,
                        )
    except BudgetExceeded as error:
        return Judgement("unknown", None, str(error), details={"code": "time-limit"})
    except (EvaluationError, MDPError, SymrlError) as error:
        return Judgement("unknown", None, f"could not evaluate: {error}")
    return Judgement(
        "holds",
        "numeric",
        f"the maximisers agree on each of {drawn} instances, among every deterministic policy (where there are "
        f"at most {MAXIMISER_MAX_DETERMINISTIC}) and {MAXIMISER_RANDOM_CANDIDATES} random stochastic ones "
        "(numeric evidence, not a proof)",
        instances=drawn,
    )


def _renamed(expr: Expr, policy_name: str) -> Expr:
    return expr.xreplace({PolicySymbol(policy_name): PolicySymbol(policy_name + "#2")})


def _scalar(expr: Expr, instance: Instance) -> np.ndarray:
    value = evaluate(expr, instance)
    if value.axes:
        raise EvaluationError(f"an objective must be a number, but it depends on {', '.join(value.axes)}")
    return value.data


def _maximisers(values: np.ndarray) -> set[int]:
    if values.dtype == object:
        best = max(values)
        return {i for i, v in enumerate(values) if v == best}
    best = float(np.max(values))
    return {i for i, v in enumerate(values) if v >= best - _MAXIMISER_TOLERANCE * (1 + abs(best))}


def _candidate_tables(instance: Instance, seed: int) -> list[np.ndarray]:
    """Every deterministic policy (when there are few) and some random stochastic ones."""
    mdp = instance.mdp
    S, A = mdp.num_states, mdp.num_actions
    tables = []
    if A**S <= MAXIMISER_MAX_DETERMINISTIC:
        for actions in itertools.product(range(A), repeat=S):
            tables.append(deterministic_policy(mdp, np.array(actions)))
    for offset in range(MAXIMISER_RANDOM_CANDIDATES):
        tables.append(random_policy(mdp, seed=seed * 97 + offset))
    return tables
