"""Exception hierarchy: every error symrl raises on bad input derives from SymrlError."""

from __future__ import annotations

__all__ = ["SymrlError", "MDPError", "NotationError"]


class SymrlError(Exception):
    """Base class of all errors symrl raises deliberately."""


class MDPError(SymrlError, ValueError):
    """A finite MDP, policy or parameter is malformed (shape, probabilities, discount)."""


class NotationError(SymrlError, ValueError):
    """A formula uses notation symrl cannot read."""
