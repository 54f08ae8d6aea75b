"""Benchmark of the check engine: wall time of checking the bundled derivations, and symbolic proofs.

Run from the repository root::

    python bench/bench_check.py            # full run
    python bench/bench_check.py --quick    # smoke run: two derivations, one run each, short deadline

Part 1, checking every module of the ``derivations`` package that defines ``DERIVATION`` with
``symrl.check.check_derivation`` (the in-process API; the CLI's on-disk verdict cache is not used):

* cold: a fresh ``python -c`` process that imports symrl and the modules and checks them all
  (interpreter start-up and imports included), best of several runs;
* first in-process run: the same work in this process after the imports;
* warm: a second run in the same process (the runner caches judgements per process);
* baseline: ``python -c "import sympy"``, best of 3, measured in the same run.

Targets: cold ≤ 8× the SymPy import, warm ≤ 0.5 s.

Part 2, the seed post read as written: ``python -m symrl check SEED --format json`` in a fresh
process, with the post's worked example declared (``tests/latex/declarations/seed_example.toml``):

* cold: ``--no-cache``, every block read and every step judged from scratch, best of several runs
  (interpreter start-up and imports included; posts are not cached on disk yet in any case).

Target: cold ≤ 8× the SymPy import.  Skipped (and said so) when ``../shared/seed/`` is absent.

Part 3, the steps the engine proves symbolically (``derivations.advantage``,
``derivations.expected_return``, steps 1, 4, 5 of ``derivations.policy_improvement``):

* ``judge``: ``symrl.check.judge.judge_statement`` on the step (exact and float falsification
  search, then the symbolic proof), with the per-process judgement cache cleared first;
* ``proof``: the symbolic proof alone, i.e. both sides evaluated on the generic 2-state ×
  2-action symbolic MDP (``World.symbolic_instance``) and their difference tested for zero in
  the rational-function field;
* ``(a) simplify``: the same two sides evaluated on the same symbolic MDP, every entry converted
  to a SymPy expression (``.as_expr()``) and ``sympy.simplify`` applied to the difference.  The
  field has already put each side in lowest terms, so the conversion mostly cancels the
  difference by itself and simplify has little left to do;
* ``(b) simplify``: the two sides evaluated with plain SymPy arithmetic instead (the same
  evaluator and formulas on the generic MDP with SymPy entries, no canonical form), then
  ``sympy.simplify`` of the difference: the work a SymPy-only checker has to do.

Each baseline runs in a worker process with a deadline (60 s; ``--deadline``) and is reported as
``>60 s`` when it does not finish; its time includes evaluation and conversion.  Timings are
wall-clock (``time.perf_counter``); ``judge`` and ``proof`` are best of several runs, the
baselines run once (they are slow).  The machine may be shared: compare ratios measured
in the same run rather than absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import sympy

TARGET_COLD_VS_IMPORT = 8.0
TARGET_WARM_SECONDS = 0.5

SYMBOLIC_STEPS: tuple[tuple[str, tuple[int, ...] | None], ...] = (
    ("advantage", None),
    ("expected_return", None),
    ("policy_improvement", (1, 4, 5)),
)
"""Derivation modules and step numbers (None: every step) whose symbolic proofs are timed."""


@dataclass(frozen=True)
class Settings:
    modules: tuple[str, ...] | None  # derivation modules to check (None: all with DERIVATION)
    cold_repeats: int
    warm_repeats: int
    import_repeats: int
    symbolic_steps: tuple[tuple[str, tuple[int, ...] | None], ...]
    proof_repeats: int
    deadline: float  # seconds allowed to one sympy.simplify worker


FULL = Settings(None, 3, 3, 3, SYMBOLIC_STEPS, 3, 60.0)
QUICK = Settings(("advantage", "expected_return"), 1, 2, 3, (("expected_return", None),), 1, 20.0)


def best_time(run: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` wall-clock runs of ``run``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------- derivations


def derivation_modules(names: Sequence[str] | None = None) -> list[str]:
    """Names of the modules of ``derivations`` that define ``DERIVATION`` (or ``names``, checked)."""
    import derivations

    candidates = names or sorted(info.name for info in pkgutil.iter_modules(derivations.__path__))
    found = []
    for name in candidates:
        module = importlib.import_module(f"derivations.{name}")
        if hasattr(module, "DERIVATION"):
            found.append(name)
        elif names:
            raise ValueError(f"derivations.{name} has no DERIVATION")
    return found


def check_all(names: Sequence[str]) -> int:
    """Check every named derivation in this process; return the number of steps and claims judged."""
    from symrl.check import check_derivation

    judged = 0
    for name in names:
        result = check_derivation(importlib.import_module(f"derivations.{name}").DERIVATION)
        judged += len(result.steps) + len(result.claims)
    return judged


PROJECT_ROOT = Path(__file__).resolve().parents[1]


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment of a measured child process: it imports this checkout's ``symrl``.

    Without it a child would import whatever ``symrl`` is installed, which need not be the code
    being measured (another clone's editable install, or none).
    """
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **overrides}


def run_python(code: str, timeout: float | None = None) -> tuple[float, str]:
    """Wall time of a fresh ``python -c code`` and its standard output."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=child_environment(),
    )
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"python -c {code!r} failed:\n{completed.stderr}")
    return seconds, completed.stdout


def cold_code(names: Sequence[str]) -> str:
    return (
        "import importlib\n"
        "from symrl.check import check_derivation\n"
        "judged = 0\n"
        f"for name in {list(names)!r}:\n"
        "    result = check_derivation(importlib.import_module('derivations.' + name).DERIVATION)\n"
        "    judged += len(result.steps) + len(result.claims)\n"
        "print(judged)\n"
    )


def bench_checking(settings: Settings) -> dict[str, float]:
    names = derivation_modules(settings.modules)
    import_sympy = math.inf
    for _ in range(settings.import_repeats):
        import_sympy = min(import_sympy, run_python("import sympy")[0])
    import_symrl = math.inf
    for _ in range(settings.import_repeats):
        code = "import symrl.check\n" + "".join(f"import derivations.{name}\n" for name in names)
        import_symrl = min(import_symrl, run_python(code)[0])
    cold = math.inf
    cold_judged = 0
    for _ in range(settings.cold_repeats):
        seconds, output = run_python(cold_code(names))
        cold, cold_judged = min(cold, seconds), int(output.split()[-1])

    cached_cli = math.inf
    with tempfile.TemporaryDirectory() as cache:
        environment = child_environment(SYMRL_CACHE_DIR=cache)
        modules = [str(PROJECT_ROOT / "derivations" / f"{name}.py") for name in names]
        command = [sys.executable, "-m", "symrl", "check", "--format", "json", *modules]
        subprocess.run(command, capture_output=True, env=environment, check=False)  # fills the cache
        for _ in range(settings.cold_repeats):
            start = time.perf_counter()
            completed = subprocess.run(command, capture_output=True, env=environment, check=False)
            cached_cli = min(cached_cli, time.perf_counter() - start)
            if completed.returncode not in (0, 1):
                raise RuntimeError(f"symrl check failed:\n{completed.stderr.decode()}")

    for name in names:  # imports outside the in-process timings
        importlib.import_module(f"derivations.{name}")
    start = time.perf_counter()
    judged = check_all(names)
    first = time.perf_counter() - start
    if judged != cold_judged:
        raise AssertionError(f"the cold process judged {cold_judged} items, this process {judged}")
    warm = best_time(lambda: check_all(names), settings.warm_repeats)
    return {
        "modules": float(len(names)),
        "items": float(judged),
        "import_sympy_seconds": import_sympy,
        "import_symrl_seconds": import_symrl,
        "cold_seconds": cold,
        "cold_vs_import": cold / import_sympy,
        "cold_cli_cached_seconds": cached_cli,
        "cold_cli_cached_vs_import": cached_cli / import_sympy,
        "first_in_process_seconds": first,
        "warm_seconds": warm,
    }


# --------------------------------------------------------------------------- symbolic steps


@dataclass(frozen=True)
class SymbolicStep:
    """One identity ``lhs = rhs`` of a derivation, judged in ``world``."""

    id: str  # "module:item:step"
    latex: str
    statement: object  # symrl.check.Statement
    world: object  # symrl.check.World


def symbolic_step(step_id: str) -> SymbolicStep:
    """The statement judged for step ``module:item:step`` (item and step count from 1)."""
    from symrl.check import ExpressionChain, Relation, Statement, StatementChain
    from symrl.expr import Expectation

    module, item_number, step_number = step_id.split(":")
    item = importlib.import_module(f"derivations.{module}").DERIVATION.items[int(item_number) - 1]
    number = int(step_number)
    if isinstance(item, ExpressionChain):
        step = item.steps[number - 1]
        lhs = item.start if number == 1 else item.steps[number - 2].expr
        rhs, relation = step.expr, step.relation
        if relation is Relation.APPROX:  # an unbiased estimate: E over the sampled variables
            rhs, relation = (Expectation(rhs, *step.sampled) if step.sampled else rhs), Relation.EQ
        elif relation is Relation.DEFINES:
            relation = Relation.EQ
        left = item.start_latex if number == 1 else item.steps[number - 2].latex
        return SymbolicStep(step_id, f"{left} {relation.value} {step.latex}", Statement(lhs, relation, rhs), item.world)
    if isinstance(item, StatementChain):
        line = item.lines[number - 1]
        return SymbolicStep(step_id, line.latex, line.statement, item.world)
    raise TypeError(f"{step_id}: items of type {type(item).__name__} have no symbolic steps")


def symbolic_step_ids(selection: Sequence[tuple[str, tuple[int, ...] | None]]) -> list[str]:
    """Steps of the selected modules that the engine proves symbolically (evidence ``symbolic``)."""
    from symrl.check import ExpressionChain, StatementChain

    ids = []
    for module, wanted in selection:
        derivation = importlib.import_module(f"derivations.{module}").DERIVATION
        for item_number, item in enumerate(derivation.items, start=1):
            if isinstance(item, ExpressionChain):
                count = len(item.steps)
            elif isinstance(item, StatementChain):
                count = len(item.lines)
            else:
                continue
            for number in range(1, count + 1):
                if wanted is not None and number not in wanted:
                    continue
                step = symbolic_step(f"{module}:{item_number}:{number}")
                judgement = judge(step)
                if judgement.verdict == "holds" and judgement.evidence == "symbolic":
                    ids.append(step.id)
    return ids


def symbolic_proof(step: SymbolicStep) -> bool:
    """The engine's symbolic proof: ``lhs - rhs`` is zero on the generic symbolic MDP."""
    from symrl.check import Relation, Statement

    statement = step.statement
    instance = step.world.symbolic_instance(statement.policies())
    difference = Statement(statement.lhs - statement.rhs, Relation.EQ, sympy.Integer(0))
    return bool(difference.evaluate(instance).truth.all())


def judge(step: SymbolicStep):
    """``judge_statement`` from scratch (the per-process judgement cache cleared)."""
    from symrl.check import Budget, judge_statement
    from symrl.check import judge as judge_module

    judge_module.clear_judgement_cache()
    return judge_statement(step.statement, step.world, Budget(600.0))


class _SympyField:
    """What the evaluator asks of the symbolic backend's numbers: constants of their field."""

    def constant(self, value) -> sympy.Expr:
        return sympy.sympify(value)


class _DiscountSymbol(sympy.Symbol):
    """γ as a plain SymPy symbol that can also make constants (see ``_SympyField``)."""

    field = _SympyField()


def plain_sympy_instance(world, names):
    """The generic symbolic MDP with plain SymPy entries: arithmetic builds unsimplified expressions."""
    from symrl.expr import Instance
    from symrl.mdp import FiniteMDP

    generic = world.symbolic_instance(names)
    convert = np.vectorize(lambda entry: entry.as_expr(), otypes=[object])
    mdp = FiniteMDP(
        P=convert(generic.mdp.P),
        r=convert(generic.mdp.r),
        h=convert(generic.mdp.h),
        gamma=np.array([_DiscountSymbol("gamma", real=True)], dtype=object),
        backend="symbolic",
    )
    policies = {name: convert(table) for name, table in generic.policies.items()}
    return Instance(mdp, policies, dict(generic.bindings))


BASELINES = ("field", "plain")
"""``field``: both sides evaluated in the engine's rational-function field, converted with
``.as_expr()``, then simplified (the conversion already cancels what the field made canonical).
``plain``: both sides evaluated with plain SymPy arithmetic (same formulas, no canonical form),
then simplified: what a SymPy-only checker faces."""


def simplify_worker(step_id: str, mode: str) -> dict[str, float]:
    """Evaluate both sides on the generic symbolic MDP; ``sympy.simplify`` of their difference."""
    from symrl.expr import evaluate

    step = symbolic_step(step_id)
    statement = step.statement
    start = time.perf_counter()
    if mode == "field":
        instance = step.world.symbolic_instance(statement.policies())
    else:
        instance = plain_sympy_instance(step.world, statement.policies())
    kinds: dict[str, str] = {}
    left = evaluate(statement.lhs, instance, kinds)
    right = evaluate(statement.rhs, instance, kinds)
    axes = left.axes + tuple(axis for axis in right.axes if axis not in left.axes)
    lhs, rhs = np.broadcast_arrays(left.aligned(axes), right.aligned(axes))
    differences = [sympy.sympify(x.as_expr() - y.as_expr()) for x, y in zip(lhs.flat, rhs.flat)]
    converted = time.perf_counter()
    simplified = [sympy.simplify(difference) for difference in differences]
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "simplify_seconds": end - converted,
        "entries": float(len(differences)),
        "operations": float(sum(sympy.count_ops(d) for d in differences)),
        "zero": float(all(expression == 0 for expression in simplified)),
    }


def run_simplify(step_id: str, mode: str, deadline: float) -> dict[str, float] | None:
    """``simplify_worker`` in a fresh process; None if it does not finish within ``deadline``."""
    command = [sys.executable, os.path.abspath(__file__), "--simplify-worker", step_id, "--baseline", mode]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=deadline, check=False, env=child_environment()
        )
    except subprocess.TimeoutExpired:  # subprocess.run kills the worker before raising
        return None
    if completed.returncode != 0:
        raise RuntimeError(f"simplify worker for {step_id} ({mode}) failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@dataclass
class SymbolicRow:
    latex: str
    numbers: dict[str, float]
    simplify: dict[str, dict[str, float] | None]  # per baseline; None: deadline passed


def bench_symbolic(settings: Settings) -> dict[str, SymbolicRow]:
    rows: dict[str, SymbolicRow] = {}
    for step_id in symbolic_step_ids(settings.symbolic_steps):
        step = symbolic_step(step_id)
        if not symbolic_proof(step):
            raise AssertionError(f"{step_id}: judge_statement proved it, but the symbolic proof alone does not")
        numbers = {
            "judge_seconds": best_time(lambda step=step: judge(step), settings.proof_repeats),
            "proof_seconds": best_time(lambda step=step: symbolic_proof(step), settings.proof_repeats),
        }
        baselines = {mode: run_simplify(step_id, mode, settings.deadline) for mode in BASELINES}
        for mode, baseline in baselines.items():
            if baseline is None:
                numbers[f"{mode}_simplify_seconds_at_least"] = settings.deadline
                numbers[f"{mode}_vs_proof_at_least"] = settings.deadline / numbers["proof_seconds"]
                continue
            numbers[f"{mode}_simplify_seconds"] = baseline["seconds"]
            numbers[f"{mode}_simplify_only_seconds"] = baseline["simplify_seconds"]
            numbers[f"{mode}_vs_proof"] = baseline["seconds"] / numbers["proof_seconds"]
            numbers[f"{mode}_vs_judge"] = baseline["seconds"] / numbers["judge_seconds"]
        rows[step_id] = SymbolicRow(step.latex, numbers, baselines)
    return rows


# --------------------------------------------------------------------------- report


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def seconds(value: float) -> str:
    return f"{value * 1e3:8.1f} ms" if value < 1 else f"{value:8.2f} s "


def print_checking(numbers: dict[str, float], settings: Settings) -> None:
    print(
        f"Checking {int(numbers['modules'])} derivation modules ({int(numbers['items'])} steps and claims) "
        "with symrl.check.check_derivation"
    )
    rows = [
        (f"python -c 'import sympy' (best of {settings.import_repeats})", numbers["import_sympy_seconds"], ""),
        (
            f"python -c 'import symrl.check + derivations' (best of {settings.import_repeats})",
            numbers["import_symrl_seconds"],
            "",
        ),
        (
            f"cold: fresh process, import + check all (best of {settings.cold_repeats})",
            numbers["cold_seconds"],
            f"{numbers['cold_vs_import']:.1f}× the SymPy import",
        ),
        (
            f"cold CLI, verdicts cached on disk: `symrl check` (best of {settings.cold_repeats})",
            numbers["cold_cli_cached_seconds"],
            f"{numbers['cold_cli_cached_vs_import']:.1f}× the SymPy import",
        ),
        ("first run in this process (after imports)", numbers["first_in_process_seconds"], ""),
        (
            f"warm: repeated run in this process (best of {settings.warm_repeats})",
            numbers["warm_seconds"],
            "",
        ),
    ]
    width = max(len(label) for label, _, _ in rows)
    for label, value, note in rows:
        print(f"  {label:<{width}} | {seconds(value)}{(' | ' + note) if note else ''}")
    every = settings.modules is None
    print("  Targets" + ("" if every else " (not judged: only some of the derivations were checked)") + ":")
    cold_ok = verdict(numbers["cold_vs_import"] <= TARGET_COLD_VS_IMPORT) if every else "-"
    warm_ok = verdict(numbers["warm_seconds"] <= TARGET_WARM_SECONDS) if every else "-"
    print(f"    cold ≤ {TARGET_COLD_VS_IMPORT:g}× import sympy: {numbers['cold_vs_import']:.1f}× {cold_ok}")
    cached_ok = verdict(numbers["cold_cli_cached_vs_import"] <= TARGET_COLD_VS_IMPORT) if every else "-"
    print(
        f"    cold with the on-disk verdict cache ≤ {TARGET_COLD_VS_IMPORT:g}× import sympy: "
        f"{numbers['cold_cli_cached_vs_import']:.1f}× {cached_ok}"
    )
    print(f"    warm ≤ {TARGET_WARM_SECONDS:g} s: {numbers['warm_seconds']:.3f} s {warm_ok}")


SEED_POST = PROJECT_ROOT.parent / "shared" / "seed" / "000_1a0abbced62b64ca.txt"
SEED_DECLARATIONS = PROJECT_ROOT / "tests" / "latex" / "declarations" / "seed_example.toml"


def bench_seed(settings: Settings, import_sympy: float) -> dict[str, float] | None:
    """Cold ``symrl check`` of the seed post (no verdict cache) as a ratio to ``import sympy``."""
    if not SEED_POST.exists():
        return None
    command = [sys.executable, "-m", "symrl", "check", str(SEED_POST), "--declare", str(SEED_DECLARATIONS)]
    command += ["--format", "json", "--no-cache"]
    cold = math.inf
    steps = 0
    for _ in range(settings.cold_repeats):
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, env=child_environment(), check=False)
        cold = min(cold, time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            raise RuntimeError(f"symrl check of the seed post failed:\n{completed.stderr}")
        (record,) = json.loads(completed.stdout)["files"]
        if record["unread"]:
            raise RuntimeError(f"the seed post left passages unread: {record['unread']}")
        steps = len(record["steps"])
    return {"seed_steps": float(steps), "seed_cold_seconds": cold, "seed_cold_vs_import": cold / import_sympy}


def print_seed(numbers: dict[str, float] | None, settings: Settings) -> None:
    print("Seed post, read as written: `symrl check SEED --declare seed_example.toml --no-cache`")
    if numbers is None:
        print(f"  skipped: {SEED_POST} is absent")
        return
    ratio = numbers["seed_cold_vs_import"]
    print(
        f"  cold, {numbers['seed_steps']:.0f} steps (best of {settings.cold_repeats}) | "
        f"{numbers['seed_cold_seconds']:.2f} s | {ratio:.1f}× the SymPy import"
    )
    met = verdict(ratio <= TARGET_COLD_VS_IMPORT)
    print(f"  Target: cold ≤ {TARGET_COLD_VS_IMPORT:g}× import sympy: {ratio:.1f}× {met}")


def _baseline_cells(row: SymbolicRow, mode: str, deadline: float) -> tuple[str, str, str]:
    result = row.simplify[mode]
    if result is None:
        return (
            f"{'>' + format(deadline, 'g') + ' s':>12}",
            f"{'?':>5}",
            f"{'>' + format(row.numbers[f'{mode}_vs_proof_at_least'], '.0f') + '×':>8}",
        )
    mark = " " if result["zero"] else "*"
    return (
        seconds(result["seconds"]) + mark,
        f"{int(result['operations']):>5}",
        f"{row.numbers[f'{mode}_vs_proof']:7.1f}×",
    )


def print_symbolic(rows: dict[str, SymbolicRow], settings: Settings) -> None:
    print(
        "Symbolic proofs on the generic 2×2 MDP: symrl vs sympy.simplify(lhs − rhs) "
        f"(worker process per step, deadline {settings.deadline:g} s)"
    )
    print(
        f"  judge = judge_statement (falsification search + proof); proof = symbolic proof alone "
        f"(best of {settings.proof_repeats})"
    )
    print("  (a) sides evaluated in symrl's rational-function field, .as_expr(), sympy.simplify of the difference")
    print("  (b) sides evaluated with plain SymPy arithmetic (same formulas), sympy.simplify of the difference")
    print("  (a) and (b) include evaluation and conversion and run once; ops = operations in lhs − rhs before simplify")
    header = (
        f"  {'step':<24} | {'judge':>11} | {'proof':>11} | {'(a) simplify':>12} | {'ops':>5} | {'vs proof':>8} | "
        f"{'(b) simplify':>12} | {'ops':>5} | {'vs proof':>8}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for step_id, row in rows.items():
        field_cells = _baseline_cells(row, "field", settings.deadline)
        plain_cells = _baseline_cells(row, "plain", settings.deadline)
        print(
            f"  {step_id:<24} | {seconds(row.numbers['judge_seconds'])} | {seconds(row.numbers['proof_seconds'])} | "
            + " | ".join(field_cells)
            + " | "
            + " | ".join(plain_cells)
        )
    for step_id, row in rows.items():
        print(f"    {step_id}: {row.latex}")
    if any(result is not None and not result["zero"] for row in rows.values() for result in row.simplify.values()):
        print("  *: sympy.simplify finished without reducing the difference to 0 (it did not prove the step)")


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the tables and return every measured number by name."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two derivations, single runs, one symbolic step")
    parser.add_argument("--deadline", type=float, help="seconds allowed to each sympy.simplify worker")
    parser.add_argument("--no-symbolic", action="store_true", help="skip the comparison with sympy.simplify")
    parser.add_argument("--simplify-worker", metavar="STEP", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", choices=BASELINES, default="field", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.simplify_worker:
        print(json.dumps(simplify_worker(args.simplify_worker, args.baseline)))
        return {}
    settings = QUICK if args.quick else FULL
    if args.deadline:
        settings = replace(settings, deadline=args.deadline)

    print(
        f"symrl check benchmark{' (quick)' if args.quick else ''}: Python {platform.python_version()}, "
        f"SymPy {sympy.__version__}, NumPy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print()
    checking = bench_checking(settings)
    print_checking(checking, settings)
    numbers = {f"check/{name}": value for name, value in checking.items()}
    print()
    seed = bench_seed(settings, checking["import_sympy_seconds"])
    print_seed(seed, settings)
    numbers.update({f"seed/{name}": value for name, value in (seed or {}).items()})
    if not args.no_symbolic:
        print()
        rows = bench_symbolic(settings)
        print_symbolic(rows, settings)
        numbers.update(
            {f"symbolic/{step}/{name}": value for step, row in rows.items() for name, value in row.numbers.items()}
        )
    sys.stdout.flush()
    return numbers


if __name__ == "__main__":
    main()
