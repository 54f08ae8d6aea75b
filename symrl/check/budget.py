"""Per-step time limits that work in any thread: cooperative deadlines checked between stages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from symrl.errors import SymrlError

__all__ = ["DEFAULT_STEP_SECONDS", "Budget", "BudgetExceeded"]

DEFAULT_STEP_SECONDS = 60.0


class BudgetExceeded(SymrlError):
    """A step used up its time limit; its verdict becomes ``unknown``."""


@dataclass
class Budget:
    """A deadline for one step. ``check`` raises ``BudgetExceeded`` once it has passed.

    Unlike ``signal.alarm`` this needs no main thread: provers call ``check`` between bounded
    units of work (one batch, one instance, one candidate fix).

    >>> Budget(seconds=10).remaining() > 0
    True
    """

    seconds: float = DEFAULT_STEP_SECONDS
    started: float = field(default_factory=time.perf_counter)

    def remaining(self) -> float:
        return self.seconds - (time.perf_counter() - self.started)

    def check(self, stage: str) -> None:
        if self.remaining() <= 0:
            raise BudgetExceeded(f"time limit of {self.seconds:g} s reached during {stage}")
