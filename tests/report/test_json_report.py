"""The JSON emitter: DESIGN §4 keys in a stable order, byte-identical output, golden file."""

from __future__ import annotations

import copy
import io
import json
from fractions import Fraction

import numpy as np

from symrl.check import FileResult
from symrl.report import JsonEmitter, report_object, to_json
from tests.report.golden import assert_golden
from tests.report.samples import sample_files

STEP_KEYS = [
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
]
CLAIM_KEYS = ["name", "line", "verdict", "message", "counterexample"]


def test_matches_golden_file():
    assert_golden("report.json", to_json(sample_files()) + "\n")


def test_identical_input_gives_identical_bytes():
    first = to_json(sample_files()).encode("utf-8")
    second = to_json(sample_files()).encode("utf-8")
    assert first == second


def test_output_does_not_depend_on_the_insertion_order_of_mappings():
    files = sample_files()
    shuffled = copy.deepcopy(files)
    step = shuffled[0].steps[0]
    step.counterexample = dict(reversed(list(step.counterexample.items())))
    step.source = dict(reversed(list(step.source.items())))
    shuffled[0].claims[1].families = dict(reversed(list(shuffled[0].claims[1].families.items())))
    assert to_json(shuffled) == to_json(files)


def test_top_level_object_is_version_and_files():
    report = json.loads(to_json(sample_files()))
    assert list(report) == ["version", "files"]
    assert report["version"] == 1
    assert [file["path"] for file in report["files"]] == ["derivations/policy_improvement.py", "post.md"]


def test_file_step_claim_and_unread_keys_follow_design():
    report = json.loads(to_json(sample_files()))
    file = report["files"][0]
    assert list(file) == ["path", "steps", "claims", "unread"]
    for step in file["steps"]:
        assert list(step)[: len(STEP_KEYS)] == STEP_KEYS
        assert list(step["source"]) == ["file", "line"]
    for claim in file["claims"]:
        assert set(CLAIM_KEYS) <= set(claim)
    for item in file["unread"]:
        assert list(item)[:2] == ["line", "message"]
    assert report["files"][1] == {"path": "post.md", "steps": [], "claims": [], "unread": []}


def test_records_are_sorted_and_nested_records_keep_their_keys():
    file = json.loads(to_json(sample_files()))["files"][0]
    assert [(s["chain"], s["step"]) for s in file["steps"]] == [(4, 1), (4, 2), (4, 3), (4, 4), (5, 1), (5, 2)]
    assert [u["line"] for u in file["unread"]] == [12, 40]
    failing = file["steps"][1]
    assert failing["suggestion"]["relation"] == "\\geq"
    assert list(failing["suggestion"])[:3] == ["relation", "rhs", "verdict"]
    example = failing["counterexample"]
    assert list(example)[:3] == ["states", "actions", "exact"]
    assert list(example["policies"]) == ["pi", "pi'"]
    assert list(example["at"]) == ["a", "s"]


def test_non_ascii_is_written_as_is_with_two_space_indent():
    text = to_json(sample_files())
    assert "≥" in text and "\\u2265" not in text
    assert text.startswith('{\n  "version": 1,\n  "files": [\n    {')


def test_report_object_and_emitter_agree_with_to_json():
    files = sample_files()
    assert json.loads(to_json(files)) == report_object(files)
    stream = io.StringIO()
    JsonEmitter().emit(files, stream)
    assert stream.getvalue() == to_json(files) + "\n"


def test_numpy_scalars_and_fractions_are_written():
    file = sample_files()[0]
    file.steps[0].counterexample["at"] = {"s": np.int64(1)}
    file.steps[0].counterexample["lhs"] = Fraction(-5, 2)
    example = json.loads(to_json([file]))["files"][0]["steps"][1]["counterexample"]
    assert example["at"] == {"s": 1}
    assert example["lhs"] == "-5/2"


def test_empty_report():
    assert json.loads(to_json([])) == {"version": 1, "files": []}
    assert json.loads(to_json([FileResult(path="x")]))["files"][0]["steps"] == []
