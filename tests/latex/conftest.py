"""Fixtures of the LaTeX front-end tests: the seed post, read from ``../shared/seed/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symrl.latex import MathBlock, find_math

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_POST = REPO_ROOT.parent / "shared" / "seed" / "000_1a0abbced62b64ca.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed post (a Jekyll Markdown post with MathJax); skipped when absent, failed on CI."""
    if not SEED_POST.is_file():
        message = f"seed post not found at {SEED_POST}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SEED_POST.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_blocks(seed_text: str) -> dict[int, MathBlock]:
    """The seed post's display blocks by index."""
    return {block.index: block for block in find_math(seed_text, path=SEED_POST.name)}
