"""Smoke test of bench/bench_check.py: the quick run completes and reports sane numbers.

Timings depend on the machine (and on whatever else runs on it), so nothing here asserts a speed
or a target.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_check.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_check", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_quick_run_returns_positive_finite_numbers(capsys):
    numbers = load_bench().main(["--quick"])
    printed = capsys.readouterr().out

    assert isinstance(numbers, dict) and numbers
    for name, value in numbers.items():
        assert isinstance(value, float), name
        assert math.isfinite(value) and value > 0, (name, value)
    checking = {
        "check/import_sympy_seconds",
        "check/cold_seconds",
        "check/cold_vs_import",
        "check/first_in_process_seconds",
        "check/warm_seconds",
    }
    assert checking <= numbers.keys()
    symbolic = [name for name in numbers if name.startswith("symbolic/")]
    assert any(name.endswith("/proof_seconds") for name in symbolic)
    assert any(name.endswith("/judge_seconds") for name in symbolic)
    for mode in ("field", "plain"):  # each baseline either finished or hit its deadline
        assert any(name.split("/")[-1].startswith(f"{mode}_simplify_seconds") for name in symbolic), mode
    assert "Targets" in printed and "simplify" in printed


def test_symbolic_steps_of_the_named_modules_are_found():
    bench = load_bench()
    ids = bench.symbolic_step_ids(bench.SYMBOLIC_STEPS)
    assert ids, "no step of the named derivations is an identity the engine can prove symbolically"
    for step_id in ids:
        assert bench.symbolic_step(step_id).statement is not None
