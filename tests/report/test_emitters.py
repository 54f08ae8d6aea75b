"""One interface over every format, and every public name imports."""

from __future__ import annotations

import importlib
import io

import pytest

import symrl.report
from symrl.report import FORMATS, Emitter, emitter_for
from tests.report.samples import sample_files

MODULES = [
    "symrl.report",
    "symrl.report.base",
    "symrl.report.emitters",
    "symrl.report.json_report",
    "symrl.report.text_report",
]


@pytest.mark.parametrize("module", MODULES)
def test_every_name_in_all_imports(module):
    loaded = importlib.import_module(module)
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.__all__ names {name}, which it does not define"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_an_emitter_writing_a_stream(fmt):
    emitter: Emitter = emitter_for(fmt)
    stream = io.StringIO()
    emitter.emit(sample_files(), stream)
    assert stream.getvalue().endswith("\n")


def test_unknown_format_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        emitter_for("yaml")


def test_package_reexports_the_emitters():
    assert symrl.report.to_json is symrl.report.json_report.to_json
    assert symrl.report.render_text is symrl.report.text_report.render_text
