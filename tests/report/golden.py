"""Golden files: compare a report with its stored copy; SYMRL_UPDATE_GOLDENS=1 rewrites the copies."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["GOLDEN_DIR", "UPDATE_VARIABLE", "assert_golden"]

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_VARIABLE = "SYMRL_UPDATE_GOLDENS"


def assert_golden(name: str, actual: str) -> None:
    """``actual`` equals ``golden/name`` byte for byte (or rewrites it when ``SYMRL_UPDATE_GOLDENS=1``)."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_VARIABLE) == "1":
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        raise AssertionError(f"no golden file {path}; run the tests once with {UPDATE_VARIABLE}=1 to create it")
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from its golden file; rerun with {UPDATE_VARIABLE}=1 if intended"
