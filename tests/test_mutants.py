"""Mutation test of the check engine: correct chains hold, and every semantic mutant is caught.

The correct chains live in ``tests/chains.py``.  Mutants are generated automatically:

* expression mutants: ``symrl.check.mutations.expression_mutations`` applied to every step's
  right-hand side (flip a sign, drop or add γ, shift a sum's start, drop a factor or a term,
  swap π/π', shift a trajectory variable in time);
* relation mutants: ``relation_mutations`` plus our own edits (``=`` → ``≥ ≤ > <``,
  ``≥`` → ``= ≤ > <``);
* statement-chain mutants: the same edits on a line's relation and on both sides of it, and
  the swap of two consecutive lines (the implication reversed).

Semantic or not is decided *independently of the checker's verdict*, by an oracle that
evaluates both sides with ``symrl.expr.evaluate`` on random numeric instances drawn by
``World.numeric_instance`` (other sizes and seeds than the engine's) and compares the numbers
itself.  An expression or relation mutant is semantic when the mutated step is false on some
instance (for ``=`` steps this is exactly "the right-hand side's value changed", since the
original step holds; for ``≥`` steps a value change that keeps the inequality true is not a
semantic change of the step and is counted apart as "slack").  A statement-chain mutant is
semantic when some instance satisfies the premises but not the mutated conclusion.  Mutants
the oracle cannot evaluate (``EvaluationError``) are counted as unevaluable and left out of the
score; the engine must still not call one of them ``holds``.

What counts as caught: the mutated step alone is judged with ``symrl.check.judge_step`` (for
statement chains ``judge_implication``), which is the stepwise judgement ``check_derivation``
makes before it looks for conditions and fixes.  A mutant is caught when that verdict is
``fails`` *and* a counterexample is reported.  ``check_derivation`` would turn such a ``fails``
into ``holds-under`` when a restricted world repairs the step; the counterexample is still
reported, so ``holds-under`` with a counterexample counts as caught and without one does not.
``unknown`` is not caught, nor is ``holds``.  Every counterexample of a caught mutant is
re-evaluated by the oracle, which must see the mutated step fail on it.

A non-semantic mutant that the engine rejects is not silently accepted: its counterexample is
re-evaluated by the oracle.  If the step is false there, the oracle's random instances had
missed the difference and the mutant is counted as semantic (and caught); otherwise it is a
false alarm.  Non-semantic mutants are judged with the engine's quick screen only (fewer
instances, no symbolic proof), which is all a false-alarm check needs.

Run ``pytest -s tests/test_mutants.py`` or ``python -m tests.test_mutants`` for the counts.
"""

from __future__ import annotations

import functools
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sympy import Expr

from symrl.check import (
    Budget,
    Derivation,
    ExpressionChain,
    PolicySpec,
    Relation,
    Statement,
    StatementChain,
    World,
    check_derivation,
    judge_implication,
    judge_step,
)
from symrl.check.mutations import expression_mutations, relation_mutations
from symrl.errors import SymrlError
from symrl.expr import BEHAVIOUR_POLICY, EvaluationError, Expectation, Instance, evaluate, policy_names
from tests.chains import EXPRESSION_CHAINS, STATEMENT_CHAINS

STEP_SECONDS = 30.0

ORACLE_SIZES: tuple[tuple[int, int], ...] = ((1, 2), (2, 1), (2, 2), (3, 2), (2, 3), (3, 3))
ORACLE_BATCH = 48
ORACLE_SEED = 424_242  # the engine draws its float instances from seeds 1000+

EQUAL_TOLERANCE = 1e-6  # relative: a difference this large is a real difference, not rounding
TIE_TOLERANCE = 1e-10  # relative: a difference this small is a tie (breaks a strict inequality)

EXTRA_POLICY = "pi'"
"""Policy a swap may introduce into a chain that names only one policy."""

OWN_RELATION_EDITS: dict[Relation, tuple[Relation, ...]] = {
    Relation.EQ: (Relation.GE, Relation.LE, Relation.GT, Relation.LT),
    Relation.GE: (Relation.EQ, Relation.LE, Relation.GT, Relation.LT),
    Relation.LE: (Relation.EQ, Relation.GE, Relation.LT, Relation.GT),
    Relation.GT: (Relation.GE, Relation.EQ, Relation.LT),
    Relation.LT: (Relation.LE, Relation.EQ, Relation.GT),
}

KNOWN_GAPS: dict[str, str] = {}
"""Semantic mutants the engine is known to miss: mutant id -> reason (each also xfails below)."""


# -- mutants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One mutated step: ``premises ⟹ lhs relation rhs`` (expression chains have no premises)."""

    id: str
    chain: str
    step: int
    code: str
    description: str
    lhs: Expr
    relation: Relation
    rhs: Expr
    world: World
    sampled: tuple = ()
    premises: tuple[Statement, ...] = ()
    statement_chain: bool = False
    oracle_worlds: tuple[World, ...] = ()

    def statement(self) -> Statement:
        return Statement(self.lhs, self.relation, self.rhs)


@dataclass
class Outcome:
    """The oracle's classification of a mutant and the engine's verdict on it."""

    mutant: Mutant
    kind: str  # "semantic", "equivalent", "slack", "unevaluable", "undecided"
    verdict: str | None = None
    counterexample: bool = False
    message: str = ""
    reclassified: bool = False
    reproduced: bool | None = None  # whether the oracle confirms the engine's counterexample
    seconds: float = 0.0

    @property
    def semantic(self) -> bool:
        return self.kind == "semantic"

    @property
    def caught(self) -> bool:
        return self.verdict in ("fails", "holds-under") and self.counterexample


def _relation_edits(relation: Relation) -> list[Relation]:
    edits: list[Relation] = [m.relation for m in relation_mutations(relation) if m.relation is not None]
    for other in OWN_RELATION_EDITS.get(relation, ()):
        if other not in edits:
            edits.append(other)
    return edits


def _swap_policies(names: set[str]) -> tuple[str, ...]:
    names = set(names) - {BEHAVIOUR_POLICY}
    if len(names) < 2:
        names.add(EXTRA_POLICY)
    return tuple(sorted(names))


def _chain_policies(chain: ExpressionChain) -> set[str]:
    return set().union(policy_names(chain.start), *(policy_names(step.expr) for step in chain.steps))


def expression_chain_mutants(chain: ExpressionChain) -> list[Mutant]:
    policies = _swap_policies(_chain_policies(chain))
    mutants: list[Mutant] = []
    for number, step in enumerate(chain.steps, start=1):
        previous = chain.start if number == 1 else chain.steps[number - 2].expr
        common = dict(chain=chain.name, step=number, lhs=previous, world=chain.world, sampled=step.sampled)
        for index, mutation in enumerate(expression_mutations(step.expr, policies)):
            mutants.append(
                Mutant(
                    id=f"{chain.name} | step {number} | {mutation.code} #{index}",
                    code=mutation.code,
                    description=mutation.description,
                    relation=step.relation,
                    rhs=mutation.expr,
                    **common,
                )
            )
        for other in _relation_edits(step.relation):
            mutants.append(
                Mutant(
                    id=f"{chain.name} | step {number} | relation {step.relation.symbol}→{other.symbol}",
                    code="relation",
                    description=f"use {other.symbol} instead of {step.relation.symbol}",
                    relation=other,
                    rhs=step.expr,
                    **common,
                )
            )
    return mutants


def _implication_oracle_worlds(world: World, names: set[str]) -> tuple[World, ...]:
    """The world and sub-worlds where one policy is greedy w.r.t. another (premises then hold often)."""
    worlds = [world]
    for name in sorted(names):
        for base in sorted(names - {name}):
            worlds.append(world.with_policy(name, PolicySpec("greedy", base=base)))
    return tuple(worlds)


def statement_chain_mutants(chain: StatementChain) -> list[Mutant]:
    statements = [line.statement for line in chain.lines]
    names = set().union(*(s.policies() for s in statements))
    policies = _swap_policies(names)
    oracle_worlds = _implication_oracle_worlds(chain.world, names)
    mutants: list[Mutant] = []

    def add(number: int, code: str, description: str, premises, conclusion: Statement, suffix: str) -> None:
        mutants.append(
            Mutant(
                id=f"{chain.name} | step {number} | {suffix}",
                chain=chain.name,
                step=number,
                code=code,
                description=description,
                lhs=conclusion.lhs,
                relation=conclusion.relation,
                rhs=conclusion.rhs,
                world=chain.world,
                premises=tuple(premises),
                statement_chain=True,
                oracle_worlds=oracle_worlds,
            )
        )

    for number in range(2, len(statements) + 1):
        premises = list(chain.assumptions) + statements[: number - 1]
        line = statements[number - 1]
        for other in _relation_edits(line.relation):
            edited = Statement(line.lhs, other, line.rhs, line.domain, line.quantifier)
            add(
                number,
                "relation",
                f"use {other.symbol} instead of {line.relation.symbol}",
                premises,
                edited,
                f"relation {line.relation.symbol}→{other.symbol}",
            )
        for side in ("lhs", "rhs"):
            for index, mutation in enumerate(expression_mutations(getattr(line, side), policies)):
                lhs = mutation.expr if side == "lhs" else line.lhs
                rhs = mutation.expr if side == "rhs" else line.rhs
                edited = Statement(lhs, line.relation, rhs, line.domain, line.quantifier)
                add(
                    number,
                    mutation.code,
                    f"{mutation.description} ({side})",
                    premises,
                    edited,
                    f"{side} {mutation.code} #{index}",
                )
        # The implication reversed: line `number` now comes first and the previous line must follow.
        earlier = list(chain.assumptions) + statements[: number - 2]
        add(
            number,
            "implication-swap",
            f"swap lines {number - 1} and {number} (reverse the implication)",
            [*earlier, line],
            statements[number - 2],
            "swap with the previous line",
        )
    return mutants


@functools.cache
def all_mutants() -> tuple[Mutant, ...]:
    mutants: list[Mutant] = []
    for chain in EXPRESSION_CHAINS:
        mutants.extend(expression_chain_mutants(chain))
    for chain in STATEMENT_CHAINS:
        mutants.extend(statement_chain_mutants(chain))
    ids = Counter(m.id for m in mutants)
    duplicated = [name for name, count in ids.items() if count > 1]
    assert not duplicated, duplicated
    return tuple(mutants)


# -- the oracle -------------------------------------------------------------------------------


@functools.cache
def oracle_instances(world: World, names: frozenset[str]) -> tuple[Instance, ...]:
    return tuple(
        world.numeric_instance(set(names), states, actions, ORACLE_BATCH, seed=ORACLE_SEED + 97 * index)
        for index, (states, actions) in enumerate(ORACLE_SIZES)
    )


def _difference(lhs: Expr, rhs: Expr, instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """``lhs - rhs`` and the scale ``1 + max(|lhs|, |rhs|)`` per entry, as ``(batch, -1)`` arrays."""
    kinds: dict[str, str] = {}
    with np.errstate(all="ignore"):  # undefined values (NaN) are skipped below, not warned about
        left = evaluate(lhs, instance, kinds)
        right = evaluate(rhs, instance, kinds)
    axes = left.axes + tuple(axis for axis in right.axes if axis not in left.axes)
    a, b = np.broadcast_arrays(left.aligned(axes), right.aligned(axes))
    if a.dtype == object or b.dtype == object:  # exact rationals (a counterexample): exact comparison
        difference = np.vectorize(lambda x, y: x - y, otypes=[object])(a, b)
        sign = np.vectorize(lambda x: (x > 0) - (x < 0), otypes=[float])(difference)
        batch = sign.shape[0]
        return sign.reshape(batch, -1), np.full((batch, sign[0].size), np.inf)
    batch = a.shape[0]
    difference = (a - b).reshape(batch, -1)
    scale = 1.0 + np.maximum(np.abs(a), np.abs(b)).reshape(batch, -1)
    return difference, scale


def _clearly_false(difference: np.ndarray, scale: np.ndarray, relation: Relation) -> np.ndarray:
    """Entries where ``relation`` fails beyond rounding (NaN: undefined, never false)."""
    exact = np.isinf(scale)  # exact entries carry only the sign of the difference
    big = np.where(exact, 0.0, EQUAL_TOLERANCE * scale)
    tie = np.where(exact, 0.0, TIE_TOLERANCE * scale)
    with np.errstate(invalid="ignore"):
        if relation is Relation.EQ:
            result = np.abs(difference) > big
        elif relation is Relation.GE:
            result = difference < -big
        elif relation is Relation.LE:
            result = difference > big
        elif relation is Relation.GT:
            result = difference <= tie
        elif relation is Relation.LT:
            result = difference >= -tie
        else:
            raise ValueError(relation)
    return result & ~np.isnan(difference)


def _truly_holds(difference: np.ndarray, scale: np.ndarray, relation: Relation) -> np.ndarray:
    """Entries where ``relation`` holds (up to ties for strict ones; NaN counts as not holding)."""
    exact = np.isinf(scale)
    tie = np.where(exact, 0.0, TIE_TOLERANCE * scale)
    with np.errstate(invalid="ignore"):
        if relation is Relation.EQ:
            result = np.abs(difference) <= tie
        elif relation is Relation.GE:
            result = difference >= -tie
        elif relation is Relation.LE:
            result = difference <= tie
        elif relation is Relation.GT:
            result = difference > tie
        elif relation is Relation.LT:
            result = difference < -tie
        else:
            raise ValueError(relation)
    return result


def _sides(mutant: Mutant, rhs: Expr | None = None) -> tuple[Expr, Relation, Expr]:
    rhs = mutant.rhs if rhs is None else rhs
    if mutant.relation is Relation.APPROX:  # unbiased: E over the sampled variables equals the left side
        return mutant.lhs, Relation.EQ, Expectation(rhs, *mutant.sampled) if mutant.sampled else rhs
    return mutant.lhs, mutant.relation, rhs


def _false_somewhere(lhs: Expr, relation: Relation, rhs: Expr, instance: Instance) -> bool:
    difference, scale = _difference(lhs, rhs, instance)
    return bool(_clearly_false(difference, scale, relation).any())


def _names(*exprs: Expr) -> frozenset[str]:
    return frozenset(set().union(*(policy_names(e) for e in exprs)))


def classify(mutant: Mutant) -> str:
    """``semantic``/``equivalent``/``slack``/``undecided``, or raise EvaluationError."""
    if mutant.statement_chain:
        return _classify_implication(mutant)
    lhs, relation, rhs = _sides(mutant)
    for instance in oracle_instances(mutant.world, _names(lhs, rhs)):
        if _false_somewhere(lhs, relation, rhs, instance):
            return "semantic"
    if mutant.code == "relation":
        return "equivalent"
    original = next(chain for chain in EXPRESSION_CHAINS if chain.name == mutant.chain).steps[mutant.step - 1].expr
    _, _, before = _sides(mutant, original)
    for instance in oracle_instances(mutant.world, _names(rhs, before)):
        if _false_somewhere(before, Relation.EQ, rhs, instance):
            return "slack"  # the value changed but the (inequality) step is still true
    return "equivalent"


def _classify_implication(mutant: Mutant) -> str:
    conclusion = mutant.statement()
    premises_met = 0
    for world in mutant.oracle_worlds:
        names = _names(conclusion.lhs, conclusion.rhs, *(e for p in mutant.premises for e in (p.lhs, p.rhs)))
        for instance in oracle_instances(world, names):
            premise = np.ones(instance.mdp.batch_size, dtype=bool)
            for statement in mutant.premises:
                difference, scale = _difference(statement.lhs, statement.rhs, instance)
                premise &= _truly_holds(difference, scale, statement.relation).all(axis=1)
            difference, scale = _difference(conclusion.lhs, conclusion.rhs, instance)
            false = _clearly_false(difference, scale, conclusion.relation).any(axis=1)
            premises_met += int(premise.sum())
            if (premise & false).any():
                return "semantic"
    return "equivalent" if premises_met else "undecided"


def counterexample_reproduces(mutant: Mutant, instance: Instance) -> bool:
    """Whether the oracle sees the mutated step fail on the engine's counterexample."""
    if mutant.statement_chain:
        for statement in mutant.premises:
            difference, scale = _difference(statement.lhs, statement.rhs, instance)
            if not _truly_holds(difference, scale, statement.relation).all():
                return False
        return _false_somewhere(mutant.lhs, mutant.relation, mutant.rhs, instance)
    lhs, relation, rhs = _sides(mutant)
    return _false_somewhere(lhs, relation, rhs, instance)


# -- judging ----------------------------------------------------------------------------------


def judge(mutant: Mutant) -> Outcome:
    try:
        kind = classify(mutant)
    except (EvaluationError, ZeroDivisionError, SymrlError) as error:
        # Not judged for the score, but the engine must not call a step it cannot read "holds".
        outcome = Outcome(mutant, "unevaluable", message=str(error))
        if not mutant.statement_chain:
            budget = Budget(STEP_SECONDS)
            judgement = judge_step(mutant.lhs, mutant.relation, mutant.rhs, mutant.world, budget, mutant.sampled)
            outcome.verdict, outcome.message = judgement.verdict, judgement.message
        return outcome
    start = time.perf_counter()
    budget = Budget(STEP_SECONDS)
    if mutant.statement_chain:
        judgement = judge_implication(list(mutant.premises), mutant.statement(), mutant.world, budget)
    else:
        # A non-semantic mutant is judged only to detect false alarms: the engine's quick screen
        # (fewer instances, no symbolic proof) suffices and keeps the test fast.
        quick = kind != "semantic"
        judgement = judge_step(
            mutant.lhs, mutant.relation, mutant.rhs, mutant.world, budget, mutant.sampled, quick=quick
        )
    outcome = Outcome(
        mutant,
        kind,
        verdict=judgement.verdict,
        counterexample=judgement.counterexample is not None,
        message=judgement.message,
        seconds=time.perf_counter() - start,
    )
    if outcome.caught:
        try:
            outcome.reproduced = counterexample_reproduces(mutant, judgement.counterexample.instance)
        except (EvaluationError, ZeroDivisionError, SymrlError):
            outcome.reproduced = False
        if kind != "semantic" and outcome.reproduced:
            outcome.kind, outcome.reclassified = "semantic", True
    return outcome


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    correct_steps: int = 0
    false_alarms_on_correct: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, predicate) -> int:
        return sum(1 for outcome in self.outcomes if predicate(outcome))

    @property
    def missed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.semantic and not o.caught]

    @property
    def rejected_equivalents(self) -> list[Outcome]:
        """Non-semantic mutants the engine rejected with a counterexample the oracle does not confirm."""
        return [o for o in self.outcomes if o.kind in ("equivalent", "slack") and o.caught]

    @property
    def unconfirmed(self) -> list[Outcome]:
        """Semantic mutants caught with a counterexample on which the oracle sees the step hold."""
        return [o for o in self.outcomes if o.semantic and o.caught and not o.reproduced]

    def counts(self) -> dict[str, int]:
        return {
            "correct_steps": self.correct_steps,
            "false_alarms": len(self.false_alarms_on_correct) + len(self.rejected_equivalents),
            "mutants": len(self.outcomes),
            "semantic": self.count(lambda o: o.semantic),
            "semantic_found_by_engine_only": self.count(lambda o: o.reclassified),
            "caught": self.count(lambda o: o.semantic and o.caught),
            "counterexamples_confirmed": self.count(lambda o: o.semantic and o.caught and o.reproduced),
            "missed": len(self.missed),
            "equivalent": self.count(lambda o: o.kind == "equivalent"),
            "slack": self.count(lambda o: o.kind == "slack"),
            "undecided": self.count(lambda o: o.kind == "undecided"),
            "unevaluable": self.count(lambda o: o.kind == "unevaluable"),
        }

    def line(self) -> str:
        c = self.counts()
        return (
            f"mutation test: {c['mutants']} mutants, {c['semantic']} semantic "
            f"({c['semantic_found_by_engine_only']} found by the engine only), {c['caught']} caught "
            f"({c['counterexamples_confirmed']} counterexamples confirmed by the oracle), "
            f"{c['missed']} missed, {c['false_alarms']} false alarms "
            f"(on {c['correct_steps']} correct steps and {c['equivalent'] + c['slack']} non-semantic mutants), "
            f"{c['equivalent']} equivalent, {c['slack']} slack, {c['undecided']} undecided, "
            f"{c['unevaluable']} unevaluable; {self.seconds:.1f} s"
        )

    def by_code(self) -> str:
        rows = Counter()
        for o in self.outcomes:
            rows[(o.mutant.code, "total")] += 1
            rows[(o.mutant.code, o.kind)] += 1
            if o.semantic and o.caught:
                rows[(o.mutant.code, "caught")] += 1
        codes = sorted({code for code, _ in rows})
        lines = [f"  {'edit':<17} {'total':>5} {'semantic':>8} {'caught':>6} {'equiv':>5} {'slack':>5} {'uneval':>6}"]
        for code in codes:
            lines.append(
                f"  {code:<17} {rows[(code, 'total')]:>5} {rows[(code, 'semantic')]:>8} {rows[(code, 'caught')]:>6} "
                f"{rows[(code, 'equivalent')]:>5} {rows[(code, 'slack')]:>5} {rows[(code, 'unevaluable')]:>6}"
            )
        return "\n".join(lines)


def check_correct_chains() -> tuple[int, list[str]]:
    """Run the whole engine on every correct chain; return (steps judged, steps not holding)."""
    steps = 0
    alarms: list[str] = []
    for chain in (*EXPRESSION_CHAINS, *STATEMENT_CHAINS):
        result = check_derivation(
            Derivation(name=chain.name, source="tests/chains.py", items=(chain,)), step_seconds=STEP_SECONDS
        )
        for step in result.steps:
            if isinstance(chain, StatementChain) and step.step == 1:
                assert step.verdict == "not-checked"  # the chain's premise, assumed and not judged
                continue
            steps += 1
            if step.verdict != "holds" or step.anchored != "holds":
                alarms.append(f"{chain.name} step {step.step}: {step.verdict}/{step.anchored}: {step.message}")
    return steps, alarms


@functools.cache
def run() -> Summary:
    start = time.perf_counter()
    summary = Summary()
    summary.correct_steps, summary.false_alarms_on_correct = check_correct_chains()
    summary.outcomes = [judge(mutant) for mutant in all_mutants()]
    summary.seconds = time.perf_counter() - start
    return summary


def describe(outcome: Outcome) -> str:
    m = outcome.mutant
    premises = "".join(f"{p.latex()} ⟹ " for p in m.premises)
    step = f"{premises}{m.statement().latex()}"
    return (
        f"[{m.id}] {m.description}\n    step: {step}\n    oracle: {outcome.kind}; engine: {outcome.verdict}"
        f"{' with' if outcome.counterexample else ' without'} counterexample: {outcome.message}"
    )


# -- tests ------------------------------------------------------------------------------------


def test_oracle_confirms_the_correct_chains():
    """The chains are correct by the oracle's own reckoning (its instances find no false step)."""
    for chain in EXPRESSION_CHAINS:
        for number, step in enumerate(chain.steps, start=1):
            previous = chain.start if number == 1 else chain.steps[number - 2].expr
            mutant = Mutant(
                "original",
                chain.name,
                number,
                "none",
                "",
                previous,
                step.relation,
                step.expr,
                chain.world,
                step.sampled,
            )
            lhs, relation, rhs = _sides(mutant)
            for instance in oracle_instances(chain.world, _names(lhs, rhs)):
                assert not _false_somewhere(lhs, relation, rhs, instance), (chain.name, number)


def test_mutants_are_generated_for_every_edit_kind():
    codes = Counter(m.code for m in all_mutants())
    assert len(all_mutants()) >= 300
    for code in (
        "sign-flip",
        "index-shift",
        "missing-factor",
        "extra-factor",
        "policy-swap",
        "dropped-term",
        "time-shift",
        "relation",
        "implication-swap",
    ):
        assert codes[code] > 0, code


def test_correct_chains_hold():
    """check_derivation on every correct chain: every step and every anchored verdict is holds."""
    summary = run()
    assert summary.correct_steps > 0
    assert not summary.false_alarms_on_correct, "\n".join(summary.false_alarms_on_correct)


def test_semantic_mutants_are_caught():
    summary = run()
    print()
    print(summary.line())
    print(summary.by_code())
    unreadable = [o for o in summary.outcomes if o.kind == "unevaluable" and o.verdict == "holds"]
    assert not unreadable, "\n".join(describe(o) for o in unreadable)
    assert not summary.rejected_equivalents, "\n".join(describe(o) for o in summary.rejected_equivalents)
    assert not summary.unconfirmed, "counterexamples the oracle does not confirm:\n" + "\n".join(
        describe(o) for o in summary.unconfirmed
    )
    unexpected = [o for o in summary.missed if o.mutant.id not in KNOWN_GAPS]
    assert not unexpected, "semantic mutants not caught:\n" + "\n".join(describe(o) for o in unexpected)
    assert summary.counts()["semantic"] > 0


def main() -> int:
    summary = run()
    print(summary.line())
    print(summary.by_code())
    for outcome in summary.missed:
        print("MISSED " + describe(outcome))
    for outcome in summary.rejected_equivalents:
        print("FALSE ALARM " + describe(outcome))
    for outcome in summary.unconfirmed:
        print("UNCONFIRMED COUNTEREXAMPLE " + describe(outcome))
    for alarm in summary.false_alarms_on_correct:
        print("FALSE ALARM on a correct step: " + alarm)
    if "-v" in sys.argv:
        for outcome in summary.outcomes:
            print(describe(outcome))
    failed = summary.missed or summary.unconfirmed or summary.counts()["false_alarms"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
