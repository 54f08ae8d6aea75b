"""The JSON report of DESIGN §4: ``{"version": 1, "files": [...]}``, byte-identical for identical input."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, TextIO

from symrl.check import FileResult

__all__ = ["REPORT_VERSION", "JsonEmitter", "report_object", "to_json"]

REPORT_VERSION = 1
"""Version of the JSON report format; bumped only when a key changes meaning or disappears."""

# Key order of each record: DESIGN §4's keys first, keys added later after them.
_FILE_KEYS = ("path", "steps", "claims", "unread")
_STEP_KEYS = (
    "chain",
    "step",
    "line",
    "relation",
    "source",
    "lhs",
    "rhs",
    "verdict",
    "anchored",
    "condition",
    "evidence",
    "message",
    "counterexample",
    "suggestion",
    "code",
    "chain_name",
    "converse",
)
_CLAIM_KEYS = (
    "name",
    "line",
    "source",
    "statement",
    "verdict",
    "condition",
    "evidence",
    "message",
    "counterexample",
    "code",
    "families",
)
_UNREAD_KEYS = ("line", "message", "column", "excerpt")
_SOURCE_KEYS = ("file", "line")
_SUGGESTION_KEYS = ("relation", "rhs", "verdict", "description", "code", "condition", "anchored")
_COUNTEREXAMPLE_KEYS = (
    "states",
    "actions",
    "exact",
    "gamma",
    "P",
    "r",
    "h",
    "policies",
    "at",
    "bindings",
    "lhs",
    "rhs",
    "note",
)
# Records nested under a key, with their own key order.
_NESTED_KEYS = {
    "source": _SOURCE_KEYS,
    "suggestion": _SUGGESTION_KEYS,
    "counterexample": _COUNTEREXAMPLE_KEYS,
}


def _ordered(record: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``record`` with ``keys`` first in that order, any other key after them in sorted order."""
    known = [key for key in keys if key in record]
    extra = sorted(key for key in record if key not in keys)
    return {key: _canonical(record[key], key) for key in (*known, *extra)}


def _canonical(value: Any, key: str | None = None) -> Any:
    """A JSON-ready copy of ``value``: record keys in their stated order, other mappings sorted."""
    if isinstance(value, Mapping):
        if key in _NESTED_KEYS:
            return _ordered(value, _NESTED_KEYS[key])
        return {str(k): _canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def _scalar(value: Any) -> Any:
    """Fallback for values ``json`` cannot write: numpy scalars and exact rationals."""
    if isinstance(value, Fraction):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def report_object(files: Sequence[FileResult]) -> dict[str, Any]:
    """The report as plain data, keys in their stable order (files in the order given)."""
    records = []
    for file in files:
        record = file.to_record()
        ordered = {
            "path": record["path"],
            "steps": [_ordered(step, _STEP_KEYS) for step in record["steps"]],
            "claims": [_ordered(claim, _CLAIM_KEYS) for claim in record["claims"]],
            "unread": [_ordered(item, _UNREAD_KEYS) for item in record["unread"]],
        }
        for key in sorted(set(record) - set(_FILE_KEYS)):
            ordered[key] = _canonical(record[key])
        records.append(ordered)
    return {"version": REPORT_VERSION, "files": records}


def to_json(files: Sequence[FileResult]) -> str:
    """The JSON report of ``files`` (indent 2, UTF-8 text, no trailing newline).

    >>> print(to_json([]))
    {
      "version": 1,
      "files": []
    }
    """
    return json.dumps(report_object(files), indent=2, ensure_ascii=False, default=_scalar)


class JsonEmitter:
    """Writes the JSON report, followed by a newline."""

    def emit(self, files: Sequence[FileResult], stream: TextIO) -> None:
        """Write the report of ``files`` to ``stream``."""
        stream.write(to_json(files) + "\n")
