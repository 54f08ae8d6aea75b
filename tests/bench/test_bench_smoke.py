"""Smoke test of bench/bench_mdp.py: the quick run completes and reports sane numbers.

Timings depend on the machine, so nothing here asserts a speed or a target.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_mdp.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_mdp", BENCH)
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
    assert {"numeric/3×2/batched_per_s", "numeric/3×2/vs_loop", "numeric/3×2/vs_solve"} <= numbers.keys()
    assert {"symbolic/symrl_seconds", "symbolic/simplify_seconds", "symbolic/speedup"} <= numbers.keys()
    assert "Targets for 3×2" in printed and "speedup" in printed
