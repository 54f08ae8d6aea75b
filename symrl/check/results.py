"""Verdicts as plain data: one record per step, claim and unreadable passage, ready for any emitter."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

__all__ = ["DIAGNOSTIC_CODES", "ClaimResult", "FileResult", "StepResult", "Suggestion", "Unread", "Verdict"]

Verdict = Literal["holds", "fails", "holds-under", "unknown", "not-checked"]

DIAGNOSTIC_CODES: dict[str, str] = {
    "sign-flip": "a term has the wrong sign",
    "index-shift": "a sum starts at the wrong index",
    "missing-factor": "a factor is missing",
    "extra-factor": "a factor should not be there",
    "policy-swap": "a quantity uses the wrong policy",
    "dropped-term": "a term is missing",
    "time-shift": "a trajectory variable is off by one step",
    "relation": "the relation is too strong or reversed",
    "invalid-implication": "the statement does not follow from the previous ones",
    "not-a-distribution": "a definition is not a probability distribution",
    "definition-mismatch": "a definition disagrees with the standard one",
    "inherited": "the step is judged against a line that is itself wrong",
    "false-claim": "a claim made in prose does not hold",
    "invalid-argument": "an argument's inference does not hold",
    "time-limit": "the step ran out of time",
}
"""Stable codes of diagnostics, shown as ``[code]`` after a message."""


@dataclass
class Suggestion:
    """A verified nearby step: the relation and right-hand side that hold instead."""

    relation: str
    rhs: str
    verdict: str
    description: str
    code: str
    condition: str | None = None
    anchored: str | None = None


@dataclass
class StepResult:
    """The judgement of one step of a chain (keys follow DESIGN §4)."""

    chain: int
    step: int
    line: int
    relation: str
    source: dict
    lhs: str
    rhs: str
    verdict: Verdict
    anchored: Verdict | None
    condition: str | None
    evidence: str | None
    message: str
    counterexample: dict | None = None
    suggestion: Suggestion | None = None
    code: str | None = None
    chain_name: str = ""
    converse: Verdict | None = None

    def to_record(self) -> dict:
        return asdict(self)


@dataclass
class ClaimResult:
    """The judgement of a quantified claim made in prose."""

    name: str
    line: int
    source: dict
    statement: str
    verdict: Verdict
    evidence: str | None
    message: str
    condition: str | None = None
    counterexample: dict | None = None
    code: str | None = None
    families: dict = field(default_factory=dict)

    def to_record(self) -> dict:
        return asdict(self)


@dataclass
class Unread:
    """A passage that could not be read, with the reason."""

    line: int
    message: str
    column: int | None = None
    excerpt: str | None = None  # the source line, shown with a caret under ``column``

    def to_record(self) -> dict:
        return asdict(self)


@dataclass
class FileResult:
    """Everything checked in one input file or derivation module."""

    path: str
    steps: list[StepResult] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: dict) -> FileResult:
        """Rebuild a result from its ``to_record()`` form (e.g. read back from the verdict cache)."""

        def step(data: dict) -> StepResult:
            data = dict(data)
            if data.get("suggestion") is not None:
                data["suggestion"] = Suggestion(**data["suggestion"])
            return StepResult(**data)

        return cls(
            path=record["path"],
            steps=[step(item) for item in record["steps"]],
            claims=[ClaimResult(**item) for item in record["claims"]],
            unread=[Unread(**item) for item in record["unread"]],
        )

    def to_record(self) -> dict:
        return {
            "path": self.path,
            "steps": [step.to_record() for step in sorted(self.steps, key=lambda s: (s.chain, s.step))],
            "claims": [claim.to_record() for claim in sorted(self.claims, key=lambda c: (c.line, c.name))],
            "unread": [item.to_record() for item in sorted(self.unread, key=lambda u: u.line)],
        }

    @property
    def failed(self) -> bool:
        return any(s.verdict == "fails" for s in self.steps) or any(c.verdict == "fails" for c in self.claims)
