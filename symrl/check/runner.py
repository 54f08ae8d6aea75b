"""Judge every item of a derivation: stepwise and anchored verdicts, conditions, verified fixes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Expr

from symrl.check.budget import Budget, BudgetExceeded
from symrl.check.derivation import (
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    GradientDefinition,
    SameMaximisersChain,
    StatementChain,
    StatementLine,
    Step,
    UnreadLine,
)
from symrl.check.judge import Judgement, judge_implication, judge_same_maximisers, judge_statement
from symrl.check.mutations import Mutation, expression_mutations, relation_mutations
from symrl.check.relations import Relation, compose
from symrl.check.results import ClaimResult, FileResult, StepResult, Suggestion
from symrl.check.statement import Statement
from symrl.check.world import CONDITIONS, FEATURE_DIMENSION, World
from symrl.expr import Expectation, InitialDistribution, Sample, SumOver, policy_names
from symrl.expr.evaluate import FREE_TIME_EXTRA, FREE_TIME_NOTE, free_times
from symrl.mdp import (
    evaluate_policy,
    feature_softmax_policy,
    policy_gradient,
    random_mdp,
    tabular_softmax_policy,
)

__all__ = ["MAX_FIX_CANDIDATES", "StepOutcome", "check_derivation", "judge_step"]

MAX_FIX_CANDIDATES = 60
"""Nearby expressions screened per failing step before giving up on a fix."""

_FIX_PRIORITY = [
    "sign-flip",
    "relation",
    "index-shift",
    "missing-factor",
    "time-shift",
    "policy-swap",
    "dropped-term",
    "extra-factor",
]

Progress = Callable[[str], None]


@dataclass
class StepOutcome:
    """Verdict of one step with its judgement and, when it fails, a condition and a fix."""

    verdict: str
    judgement: Judgement
    condition: str | None = None
    suggestion: Suggestion | None = None


def check_derivation(
    derivation: Derivation,
    *,
    path: str | None = None,
    step_seconds: float = 60.0,
    progress: Progress | None = None,
) -> FileResult:
    """Judge every chain, definition and claim of ``derivation``; ``path`` names the checked file."""
    result = FileResult(path=path or derivation.name)
    for item in derivation.items:
        if progress:
            progress(item.name)
        if isinstance(item, ExpressionChain):
            result.steps.extend(_expression_chain(item, derivation.source, step_seconds))
        elif isinstance(item, StatementChain):
            result.steps.extend(_statement_chain(item, derivation.source, step_seconds))
        elif isinstance(item, SameMaximisersChain):
            result.steps.extend(_same_maximisers_chain(item, derivation.source, step_seconds))
        elif isinstance(item, DistributionDefinition):
            result.steps.append(_distribution_definition(item, derivation.source, step_seconds))
        elif isinstance(item, GradientDefinition):
            result.steps.append(_gradient_definition(item, derivation.source))
        elif isinstance(item, Claim):
            result.claims.append(_claim(item, derivation.source, step_seconds))
        else:
            raise TypeError(f"{derivation.name}: cannot check an item of type {type(item).__name__}")
    return result


# -- expression chains ------------------------------------------------------------------------


def judge_step(
    lhs: Expr,
    relation: Relation,
    rhs: Expr,
    world: World,
    budget: Budget,
    sampled: tuple = (),
    *,
    quick: bool = False,
) -> Judgement:
    """Judge ``lhs relation rhs`` (``≈``: ``rhs`` is an unbiased estimate of ``lhs``)."""
    if relation is Relation.APPROX:
        return judge_statement(Statement(lhs, Relation.EQ, _expected(rhs, sampled)), world, budget, quick=quick)
    if relation is Relation.DEFINES:
        relation = Relation.EQ
    return judge_statement(Statement(lhs, relation, rhs), world, budget, quick=quick)


def _expected(expr: Expr, sampled: tuple) -> Expr:
    return Expectation(expr, *sampled) if sampled else expr


def _expression_chain(chain: ExpressionChain, source: str, step_seconds: float) -> Iterator[StepResult]:
    previous_expr = chain.start
    previous_anchored_holds = True
    relations: list[Relation] = []
    for number, step in enumerate(chain.steps, start=1):
        budget = Budget(step_seconds)
        if isinstance(step, UnreadLine) or previous_expr is None:
            unread = _unread_step(chain, number, step, source, step_seconds)
            yield unread
            relations.append(step.relation)  # the reader reads every relation of a chain it keeps
            previous_anchored_holds = unread.anchored == "holds"
            previous_expr = None if isinstance(step, UnreadLine) else step.expr
            continue
        relations.append(step.relation)
        anchored_relation = compose(relations)
        anchored_verdict = "unknown" if chain.start is not None else "not-checked"
        if number > 1 and anchored_relation is not None and chain.start is not None:
            anchored_verdict = judge_step(
                chain.start,
                anchored_relation,
                step.expr,
                chain.world,
                Budget(step_seconds),
                step.sampled if anchored_relation is Relation.APPROX else (),
            ).verdict
        inherited = number > 1 and anchored_verdict == "holds" and not previous_anchored_holds
        # Once a line is wrong, a fix relative to it would propagate the error: aim at the chain's start.
        anchor = None if previous_anchored_holds or chain.start is None else (chain.start, relations[:-1])
        outcome = _judge_with_repairs(
            previous_expr,
            step.relation,
            step.expr,
            chain.world,
            budget,
            step.sampled,
            anchor=anchor,
            repair=not inherited,
        )
        if number == 1:
            anchored_verdict = outcome.verdict
        message = outcome.judgement.message
        code = outcome.suggestion.code if outcome.suggestion else None
        if outcome.verdict == "fails" and inherited:
            message += "; the chain's start does relate to this line as claimed, so the fault lies in an earlier step"
            code = "inherited"
        if step.relation is Relation.APPROX and outcome.verdict == "holds":
            message = _approx_exactness(previous_expr, step, chain.world, budget, message)
        message += _free_time_note(message, previous_expr, step.expr)
        if anchored_relation is None and number > 1:
            message += "; the chain mixes ≥ and ≤, so it relates its start to this line by no single relation"
        if outcome.verdict == "fails" and code is None:
            code = "relation" if step.relation.is_order else None
        code = code or outcome.judgement.details.get("code")
        yield StepResult(
            chain=chain.block,
            step=number,
            line=step.line,
            relation=step.relation.value,
            source={"file": source, "line": step.line},
            lhs=chain.start_latex if number == 1 else chain.steps[number - 2].latex,
            rhs=step.latex,
            verdict=outcome.verdict,
            anchored=anchored_verdict,
            condition=outcome.condition,
            evidence=outcome.judgement.evidence,
            message=message,
            counterexample=_record(outcome.judgement),
            suggestion=outcome.suggestion,
            code=code,
            chain_name=chain.name,
        )
        previous_anchored_holds = anchored_verdict == "holds"
        previous_expr = step.expr
    if chain.conclusion is not None:
        yield _fact(chain.conclusion, chain.block, len(chain.steps) + 1, chain, source, step_seconds)


def _unread_step(
    chain: ExpressionChain, number: int, step: Step | UnreadLine, source: str, step_seconds: float
) -> StepResult:
    """A step with a side that could not be read: not-checked, with the reason (DESIGN §5).

    The stepwise verdict needs both sides; the anchored one only the chain's start and this line,
    so it is still judged when those two were read (the lost line between them does not matter).
    """
    earlier = chain.steps[number - 2] if number > 1 else None
    if isinstance(step, UnreadLine):
        message = step.message
    elif number == 1:
        message = f"the chain's start could not be read: {chain.start_unread}"
    else:
        message = f"its left side, the line before, could not be read: {earlier.message}"
    relation = step.relation
    anchored = "not-checked"
    relations = [item.relation for item in chain.steps[:number]]
    if isinstance(step, Step) and chain.start is not None and None not in relations:
        composed = compose(relations)  # type: ignore[arg-type]
        if composed is not None:
            sampled = step.sampled if composed is Relation.APPROX else ()
            anchored = judge_step(chain.start, composed, step.expr, chain.world, Budget(step_seconds), sampled).verdict
    return StepResult(
        chain=chain.block,
        step=number,
        line=step.line,
        relation=relation.value if relation is not None else "",
        source={"file": source, "line": step.line},
        lhs=chain.start_latex if earlier is None else earlier.latex,
        rhs=step.latex,
        verdict="not-checked",
        anchored=anchored,
        condition=None,
        evidence=None,
        message=f"not checked: {message}",
        chain_name=chain.name,
    )


def _fact(line, block: int, number: int, chain, source: str, step_seconds: float) -> StepResult:
    """A statement claimed true on its own (a boxed conclusion, a value in an example)."""
    statement = line.statement
    budget = Budget(step_seconds)
    if statement.domain or statement.quantifier != "forall":
        judgement = judge_statement(statement, chain.world, budget)
        outcome = StepOutcome(judgement.verdict, judgement)
    else:
        outcome = _judge_with_repairs(statement.lhs, statement.relation, statement.rhs, chain.world, budget)
    return StepResult(
        **_statement_fields(line, block, number, source, chain.name),
        verdict=outcome.verdict,
        anchored=None,
        condition=outcome.condition,
        evidence=outcome.judgement.evidence,
        message=outcome.judgement.message + _free_time_note(outcome.judgement.message, statement.lhs, statement.rhs),
        counterexample=_record(outcome.judgement),
        suggestion=outcome.suggestion,
        code=outcome.suggestion.code if outcome.suggestion else outcome.judgement.details.get("code"),
    )


def _free_time_note(message: str, *sides: Expr) -> str:
    """The reading of a free time ``t`` (every ``t ≥ 0``) and how far it was checked, or ''."""
    times = ", ".join(sorted(str(time) for time in free_times(*sides)))
    if "outside a sum over it" in message:  # the evaluator could not read it that way (e.g. γ^t E[…])
        return ""
    return "; " + FREE_TIME_NOTE.format(times=times, extra=FREE_TIME_EXTRA - 1) if times else ""


def _statement_fields(line, block: int, number: int, source: str, chain_name: str) -> dict:
    """The fields of a step record that a statement line determines by itself."""
    statement = line.statement
    return dict(
        chain=block,
        step=number,
        line=line.line,
        relation=statement.relation.value,
        source={"file": source, "line": line.line},
        lhs=sympy.latex(statement.lhs),
        rhs=sympy.latex(statement.rhs),
        chain_name=chain_name,
    )


def _approx_exactness(lhs: Expr, step, world: World, budget: Budget, message: str) -> str:
    """For ``≈``: is the estimate also exact for every sampled value, and under what condition?"""
    pointwise = Statement(lhs, Relation.EQ, step.expr, domain=step.sampled)
    try:
        exact = judge_statement(pointwise, world, budget)
    except BudgetExceeded:
        return message + "; exactness not decided in time"
    if exact.verdict == "holds":
        return "an exact equality for every sampled value: " + exact.message
    for condition in CONDITIONS:
        under = judge_statement(pointwise, world.with_condition(condition), budget, quick=False)
        if under.verdict == "holds":
            return (
                f"unbiased (E over the sampled variables equals the left side; {message}); "
                f"exact only when {CONDITIONS[condition]}"
            )
    return f"unbiased ({message}); not exact for individual samples"


def _judge_with_repairs(
    lhs: Expr,
    relation: Relation,
    rhs: Expr,
    world: World,
    budget: Budget,
    sampled: tuple = (),
    anchor: tuple | None = None,
    repair: bool = True,
) -> StepOutcome:
    """Judge a step; if it fails, look for a condition under which it holds and a verified fix."""
    judgement = judge_step(lhs, relation, rhs, world, budget, sampled)
    if judgement.verdict != "fails" or not repair:
        return StepOutcome(judgement.verdict, judgement)
    condition = _condition_that_helps(
        Statement(lhs, relation, _expected(rhs, sampled) if relation is Relation.APPROX else rhs),
        world,
        budget,
    )
    suggestion = _find_fix(lhs, relation, rhs, world, budget, sampled, anchor=anchor)
    verdict = "holds-under" if condition else "fails"
    return StepOutcome(verdict, judgement, condition, suggestion)


def _condition_that_helps(statement: Statement, world: World, budget: Budget) -> str | None:
    if statement.relation in (Relation.APPROX, Relation.DEFINES):  # judged as equalities, as in judge_step
        statement = Statement(statement.lhs, Relation.EQ, statement.rhs, statement.domain, statement.quantifier)
    for condition in CONDITIONS:
        if condition in world.conditions:
            continue
        try:
            if judge_statement(statement, world.with_condition(condition), budget).verdict == "holds":
                return condition
        except BudgetExceeded:
            return None
    return None


def _find_fix(
    lhs: Expr,
    relation: Relation,
    rhs: Expr,
    world: World,
    budget: Budget,
    sampled: tuple = (),
    anchor: tuple | None = None,
) -> Suggestion | None:
    """The first nearby step that holds (screened quickly, then verified in full).

    With ``anchor = (start, earlier relations)`` the candidate must instead relate the chain's
    start to the new line: the previous line is wrong, so agreeing with it would keep the error.
    """
    policies = tuple(sorted(policy_names(lhs) | policy_names(rhs)))
    candidates: list[Mutation] = list(relation_mutations(relation)) if relation.is_order else []
    for mutation in expression_mutations(rhs, policies):
        candidates.append(mutation)
        if len(candidates) >= MAX_FIX_CANDIDATES:
            break
    candidates.sort(key=lambda m: _FIX_PRIORITY.index(m.code) if m.code in _FIX_PRIORITY else len(_FIX_PRIORITY))
    for mutation in candidates:
        try:
            budget.check("fix search")
        except BudgetExceeded:
            return None
        new_relation = mutation.relation or relation
        new_rhs = mutation.expr if mutation.expr is not None else rhs
        target, target_relation = lhs, new_relation
        if anchor is not None:
            target, target_relation = anchor[0], compose([*anchor[1], new_relation])
            if target_relation is None:
                continue
        try:
            screen = judge_step(target, target_relation, new_rhs, world, budget, sampled, quick=True)
            if screen.verdict != "holds":
                continue
            full = judge_step(target, target_relation, new_rhs, world, budget, sampled)
        except BudgetExceeded:
            return None
        if full.verdict == "holds":
            description = mutation.description
            if anchor is not None:
                description += " (checked against the chain's start: the previous line is itself wrong)"
            return Suggestion(
                relation=new_relation.value,
                rhs=sympy.latex(new_rhs),
                verdict="holds",
                description=description,
                code=mutation.code,
                anchored="holds" if anchor is not None else None,
            )
    return None


# -- statement chains ---------------------------------------------------------------------------


def _statement_chain(chain: StatementChain, source: str, step_seconds: float) -> Iterator[StepResult]:
    lines = chain.lines
    lost: UnreadLine | None = None  # the first line not read: an implication from it cannot be judged
    for number, line in enumerate(lines, start=1):
        budget = Budget(step_seconds)
        if isinstance(line, UnreadLine) or (lost is not None and chain.mode == "implications"):
            lost = lost or line  # type: ignore[assignment]
            yield _unread_statement(line, lost, chain, number, source)
            continue
        statement = line.statement
        common = _statement_fields(line, chain.block, number, source, chain.name)
        if chain.mode == "facts":
            yield _fact(line, chain.block, number, chain, source, step_seconds)
            continue
        if number == 1 and not chain.assumptions:
            yield StepResult(
                **common,
                verdict="not-checked",
                anchored=None,
                condition=None,
                evidence=None,
                message="the chain's premise: assumed by the text, not judged",
            )
            continue
        premises = list(chain.assumptions) + [previous.statement for previous in lines[: number - 1]]
        forward = judge_implication(premises, statement, chain.world, budget)
        before = lines[number - 2].statement if number > 1 else chain.assumptions[-1]
        converse = judge_implication([statement], before, chain.world, Budget(step_seconds))
        start = list(chain.assumptions) or [lines[0].statement]
        anchored = judge_implication(start, statement, chain.world, Budget(step_seconds))
        verdict, condition, suggestion, code = forward.verdict, None, None, forward.details.get("code")
        message = forward.message
        if forward.verdict == "fails":
            code = "invalid-implication"
            for candidate in CONDITIONS:
                under = judge_implication(premises, statement, chain.world.with_condition(candidate), budget)
                if under.verdict == "holds":
                    verdict, condition = "holds-under", candidate
                    message += f"; it does follow when {CONDITIONS[candidate]}"
                    break
            if converse.verdict == "holds":
                suggestion = Suggestion(
                    relation=Relation.IMPLIED_BY.value,
                    rhs=line.latex,
                    verdict="holds",
                    description="reverse the implication: the previous statement follows from this one",
                    code="relation",
                )
        message += f"; converse ({'this line ⟹ the previous one'}): {converse.verdict}"
        yield StepResult(
            **common,
            verdict=verdict,
            anchored=anchored.verdict,
            condition=condition,
            evidence=forward.evidence,
            message=message,
            counterexample=_record(forward),
            suggestion=suggestion,
            code=code,
            converse=converse.verdict,
        )


def _unread_statement(
    line: StatementLine | UnreadLine, lost: UnreadLine, chain: StatementChain, number: int, source: str
) -> StepResult:
    """A statement line that could not be read, or one of an argument that follows from such a line."""
    if isinstance(line, UnreadLine):
        fields = dict(
            chain=chain.block,
            step=number,
            line=line.line,
            relation=line.relation.value if line.relation is not None else "",
            source={"file": source, "line": line.line},
            lhs=line.latex,
            rhs="",
            chain_name=chain.name,
        )
        message = line.message
    else:
        fields = _statement_fields(line, chain.block, number, source, chain.name)
        message = f"it is argued from line {lost.line}, which could not be read: {lost.message}"
    return StepResult(
        **fields,
        verdict="not-checked",
        anchored=None,
        condition=None,
        evidence=None,
        message=f"not checked: {message}",
    )


# -- same maximisers ------------------------------------------------------------------------------


def _same_maximisers_chain(chain: SameMaximisersChain, source: str, step_seconds: float) -> Iterator[StepResult]:
    objectives = chain.objectives
    for number in range(1, len(objectives)):
        budget = Budget(step_seconds)
        (before, before_latex, _), (after, after_latex, line) = objectives[number - 1], objectives[number]
        judgement = judge_same_maximisers(before, after, chain.policy, chain.world, budget)
        anchored = judge_same_maximisers(objectives[0][0], after, chain.policy, chain.world, Budget(step_seconds))
        yield StepResult(
            chain=chain.block,
            step=number,
            line=line,
            relation=Relation.EQUIV.value,
            source={"file": source, "line": line},
            lhs=before_latex,
            rhs=after_latex,
            verdict=judgement.verdict,
            anchored=anchored.verdict,
            condition=None,
            evidence=judgement.evidence,
            message=judgement.message,
            counterexample=_record(judgement),
            code="relation" if judgement.verdict == "fails" else None,
            chain_name=chain.name,
        )


# -- distribution definitions -----------------------------------------------------------------


def _distribution_definition(item: DistributionDefinition, source: str, step_seconds: float) -> StepResult:
    budget = Budget(step_seconds)
    _s, _a, _nxt = item.variables
    normalised = Statement(_prefix_mass(item.factor, item.variables), Relation.EQ, sympy.Integer(1))
    agrees = Statement(item.factor, Relation.EQ, item.standard)
    mass = judge_statement(normalised, item.world, budget)
    agreement = judge_statement(agrees, item.world, budget)
    verdict = "holds" if mass.verdict == agreement.verdict == "holds" else "fails"
    failing = mass if mass.verdict == "fails" else agreement
    suggestion = None
    code = None
    message = "a probability distribution over trajectories that agrees with h(s_0) Π π(a_t|s_t) P(s_{t+1}|s_t,a_t)"
    if verdict == "fails":
        code = "not-a-distribution" if mass.verdict == "fails" else "definition-mismatch"
        problems = []
        if mass.verdict == "fails":
            problems.append("its one-step marginal Σ_{s_0,a_0,s_1} does not sum to 1")
        if agreement.verdict == "fails":
            problems.append("its per-step factor differs from π(a_t|s_t) P(s_{t+1}|s_t,a_t)")
        message = "not the trajectory distribution: " + " and ".join(problems)
        for factor in sympy.Mul.make_args(item.standard):
            if factor in sympy.Mul.make_args(item.factor):
                continue
            candidate = item.factor * factor
            fixed_mass = judge_statement(
                Statement(_prefix_mass(candidate, item.variables), Relation.EQ, sympy.Integer(1)),
                item.world,
                budget,
            )
            fixed_agree = judge_statement(Statement(candidate, Relation.EQ, item.standard), item.world, budget)
            if fixed_mass.verdict == fixed_agree.verdict == "holds":
                suggestion = Suggestion(
                    relation=Relation.DEFINES.value,
                    rhs=sympy.latex(candidate),
                    verdict="holds",
                    description=f"add the missing factor {sympy.latex(factor)} to every time step",
                    code="missing-factor",
                )
                break
    return StepResult(
        chain=item.block,
        step=item.step,
        line=item.line,
        relation=Relation.DEFINES.value,
        source={"file": source, "line": item.line},
        lhs=item.name,
        rhs=item.latex,
        verdict=verdict,
        anchored=None,
        condition=None,
        evidence=failing.evidence if verdict == "fails" else mass.evidence,
        message=message,
        counterexample=_record(failing) if verdict == "fails" else None,
        suggestion=suggestion,
        code=code,
        chain_name=item.name,
    )


def _prefix_mass(factor: Expr, variables: tuple) -> Expr:
    """``Σ_{s} h(s) Σ_a Σ_{s'} f(s, a, s')``: the mass the definition gives one step."""
    s, a, nxt = variables
    return Expectation(SumOver(SumOver(factor, nxt), a), Sample(s, InitialDistribution()))


# -- gradient updates -------------------------------------------------------------------------

GRADIENT_CHECK_STEP = 1e-6
GRADIENT_CHECK_TOLERANCE = 1e-5


def _gradient_definition(item: GradientDefinition, source: str) -> StepResult:
    """``∇_θ η`` (policy-gradient theorem) against central finite differences of ``η``."""
    worst = 0.0
    checked = 0
    for family in item.families:
        for states, actions in ((1, 2), (2, 2), (3, 2), (2, 3)):
            error, count = gradient_agreement(states, actions, family, seed=states * 10 + actions)
            worst, checked = max(worst, error), checked + count
    verdict = "holds" if worst <= GRADIENT_CHECK_TOLERANCE else "fails"
    message = (
        f"∇_θ η(θ) is the derivative of η: the policy-gradient theorem agrees with central finite differences "
        f"on {checked} random θ ({', '.join(item.families)} softmax), worst relative error {worst:.1e}"
    )
    return StepResult(
        chain=item.block,
        step=1,
        line=item.line,
        relation=Relation.DEFINES.value,
        source={"file": source, "line": item.line},
        lhs="\\theta'",
        rhs=item.latex,
        verdict=verdict,
        anchored=None,
        condition=None,
        evidence="numeric",
        message=message,
        chain_name=item.name,
    )


def gradient_agreement(states: int, actions: int, family: str, *, seed: int, batch: int = 16) -> tuple[float, int]:
    """Worst relative error between the exact policy gradient and finite differences of ``η``."""
    mdp = random_mdp(states, actions, batch=batch, seed=seed)
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(states, actions, FEATURE_DIMENSION)) if family == "features" else None
    shape = (batch, FEATURE_DIMENSION) if features is not None else (batch, states, actions)
    theta = rng.normal(size=shape)

    def policy_at(parameters: np.ndarray) -> np.ndarray:
        if features is None:
            return tabular_softmax_policy(parameters)
        return feature_softmax_policy(features, parameters)

    exact = policy_gradient(mdp, policy_at(theta), features=features)
    numeric = np.zeros_like(theta)
    for index in np.ndindex(theta.shape[1:]):
        bump = np.zeros_like(theta)
        bump[(slice(None), *index)] = GRADIENT_CHECK_STEP
        upper = evaluate_policy(mdp, policy_at(theta + bump)).eta
        lower = evaluate_policy(mdp, policy_at(theta - bump)).eta
        numeric[(slice(None), *index)] = (upper - lower) / (2 * GRADIENT_CHECK_STEP)
    scale = 1.0 + np.abs(exact).max()
    return float(np.abs(exact - numeric).max() / scale), batch


# -- claims --------------------------------------------------------------------------------------


def _claim(claim: Claim, source: str, step_seconds: float) -> ClaimResult:
    families = claim.families or (None,)
    per_family: dict[str, dict] = {}
    outcomes = []
    for family in families:
        world = claim.world.with_family(family) if family else claim.world
        outcome = _judge_claim_in(claim, world, step_seconds)
        outcomes.append(outcome)
        if family:
            per_family[family] = {
                "verdict": outcome[0],
                "condition": outcome[2],
                "message": outcome[1].message,
            }
    verdicts = {o[0] for o in outcomes}
    verdict, judgement, condition = next((o for o in outcomes if o[0] == "fails"), None) or next(
        (o for o in outcomes if o[0] == "holds-under"), outcomes[0]
    )
    message = judgement.message
    if len(verdicts) > 1:
        message += "; the verdict depends on the parametrisation: " + ", ".join(
            f"{name}: {info['verdict']}" for name, info in sorted(per_family.items())
        )
    if condition:
        message += f"; it holds when {CONDITIONS[condition]}"
    statement = claim.conclusion.latex()
    if claim.premises:
        statement = " \\land ".join(p.latex() for p in claim.premises) + " \\implies " + statement
    return ClaimResult(
        name=claim.name,
        line=claim.line,
        source={"file": source, "line": claim.line},
        statement=statement,
        verdict=verdict,
        evidence=judgement.evidence,
        message=f"{claim.summary}: {message}",
        condition=condition,
        counterexample=_record(judgement),
        code=claim.failure_code if verdict in ("fails", "holds-under") else None,
        families=per_family,
    )


def _judge_claim_in(claim: Claim, world: World, step_seconds: float) -> tuple:
    budget = Budget(step_seconds)
    if claim.premises:
        judgement = judge_implication(list(claim.premises), claim.conclusion, world, budget)
    else:
        judgement = judge_statement(claim.conclusion, world, budget)
    if judgement.verdict != "fails":
        return judgement.verdict, judgement, None
    for condition in claim.conditions:
        restricted = world.with_condition(condition)
        if claim.premises:
            under = judge_implication(list(claim.premises), claim.conclusion, restricted, Budget(step_seconds))
        else:
            under = judge_statement(claim.conclusion, restricted, Budget(step_seconds))
        if under.verdict == "holds":
            return "holds-under", judgement, condition
    return "fails", judgement, None


def _record(judgement: Judgement) -> dict | None:
    example = judgement.counterexample
    if example is None:
        return None
    record = example.to_record()
    relaxed = judgement.details.get("relaxed_counterexample")
    if relaxed is not None:
        record["exact_for_any_policies"] = relaxed.to_record()
    return record
