"""Fixtures shared by the test suite (strategies and hand-built MDPs live in ``tests/strategies.py``)."""

from __future__ import annotations

import pytest

import symrl.check.judge as judge_module


@pytest.fixture
def fresh_judgements(monkeypatch: pytest.MonkeyPatch) -> dict:
    """An empty process-wide judgement cache for this test, restored afterwards.

    The judge caches verdicts per (statement, world); a test that must see the engine do the
    work (a time limit, a second independent run) starts from an empty cache.
    """
    cache: dict = {}
    monkeypatch.setattr(judge_module, "_JUDGEMENTS", cache)
    return cache
