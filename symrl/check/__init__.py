"""Relations, provers, falsifiers and the runner that judges derivations step by step."""

from symrl.check.budget import Budget, BudgetExceeded
from symrl.check.cache import VerdictCache, content_key, engine_fingerprint
from symrl.check.derivation import (
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    GradientDefinition,
    SameMaximisersChain,
    StatementChain,
    StatementLine,
    Step,
    UnreadLine,
)
from symrl.check.example import Example
from symrl.check.judge import Judgement, judge_implication, judge_statement
from symrl.check.relations import Relation, compose
from symrl.check.results import DIAGNOSTIC_CODES, ClaimResult, FileResult, StepResult, Suggestion, Unread
from symrl.check.runner import check_derivation, judge_step
from symrl.check.statement import Statement
from symrl.check.world import CONDITIONS, PolicySpec, World

__all__ = [
    "CONDITIONS",
    "DIAGNOSTIC_CODES",
    "Budget",
    "BudgetExceeded",
    "Claim",
    "ClaimResult",
    "Derivation",
    "DistributionDefinition",
    "Example",
    "ExpressionChain",
    "FileResult",
    "GradientDefinition",
    "Judgement",
    "PolicySpec",
    "Relation",
    "SameMaximisersChain",
    "Statement",
    "StatementChain",
    "StatementLine",
    "Step",
    "StepResult",
    "Suggestion",
    "Unread",
    "UnreadLine",
    "VerdictCache",
    "World",
    "check_derivation",
    "compose",
    "content_key",
    "engine_fingerprint",
    "judge_implication",
    "judge_statement",
    "judge_step",
]
