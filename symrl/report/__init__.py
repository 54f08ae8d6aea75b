"""Emitters that render verdicts (plain data from ``symrl.check``) as terminal text or JSON."""

from symrl.report.base import VERDICT_ORDER, Emitter, count_verdicts, summary_line
from symrl.report.emitters import FORMATS, emitter_for
from symrl.report.json_report import REPORT_VERSION, JsonEmitter, report_object, to_json
from symrl.report.text_report import DEFAULT_WIDTH, VERDICT_STYLES, TextEmitter, counterexample_table, render_text

__all__ = [
    "DEFAULT_WIDTH",
    "FORMATS",
    "REPORT_VERSION",
    "VERDICT_ORDER",
    "VERDICT_STYLES",
    "Emitter",
    "JsonEmitter",
    "TextEmitter",
    "count_verdicts",
    "counterexample_table",
    "emitter_for",
    "render_text",
    "report_object",
    "summary_line",
    "to_json",
]
