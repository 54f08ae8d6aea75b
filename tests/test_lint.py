"""The code base passes ``ruff check`` with the project's configuration."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("symrl", "derivations", "tests", "bench")


def _ruff_command() -> list[str]:
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    executable = shutil.which("ruff")
    if executable is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return [executable]


def test_ruff_check_passes() -> None:
    targets = [target for target in TARGETS if (ROOT / target).exists()]
    result = subprocess.run(
        [*_ruff_command(), "check", "--no-cache", "--output-format", "concise", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"
