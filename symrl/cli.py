"""The ``symrl`` command line: check derivations, explain a step, export annotated proofs."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import pkgutil
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from symrl import __version__
from symrl.check import (
    CONDITIONS,
    Claim,
    Derivation,
    DistributionDefinition,
    ExpressionChain,
    FileResult,
    GradientDefinition,
    SameMaximisersChain,
    StatementChain,
    Unread,
    VerdictCache,
    check_derivation,
    content_key,
)
from symrl.check.budget import DEFAULT_STEP_SECONDS
from symrl.errors import SymrlError
from symrl.latex.declarations import DeclarationError, Declarations, parse_declarations
from symrl.latex.reader import read_document
from symrl.report import DEFAULT_WIDTH, emitter_for, render_text

__all__ = [
    "EXIT_FAILS",
    "EXIT_HOLDS",
    "EXIT_UNREADABLE",
    "InputError",
    "Target",
    "app",
    "bundled_targets",
    "exit_code",
    "main",
    "resolve_targets",
]

EXIT_HOLDS = 0
"""Every step and claim holds (``holds-under``, ``unknown`` and ``not-checked`` do not fail)."""
EXIT_FAILS = 1
"""Some step or claim fails."""
EXIT_UNREADABLE = 2
"""Some input could not be read (missing file, import error, no ``DERIVATION``, bad option)."""

TEXT_SUFFIXES = (".md", ".markdown", ".tex", ".txt")
"""Files read by the LaTeX front end (Markdown with MathJax, or TeX for ``.tex``)."""

BUNDLED_PACKAGE = "derivations"
"""The package of derivation modules checked when no path is given."""

_SKIPPED_MODULES = frozenset({"common"})

_VERDICTS_HELP = """\
Verdicts (one per step, judged on finite MDPs in the world of DESIGN §1):

\b
  holds        the relation holds for every instance
  FAILS        a concrete counterexample MDP shows it does not (with a verified fix when one is found)
  holds-under  it fails in general but holds under a named condition (e.g. deterministic-transitions)
  unknown      checked, but could not be decided (the message says why, e.g. the time limit)
  not-checked  not judged: a premise the text assumes, or a passage that could not be read

Each step is judged stepwise (previous line to this line) and anchored (chain start to this line):
a chain can reach a true conclusion through false steps.

Evidence, strongest first:

\b
  symbolic  proved by SymPy on a generic symbolic MDP
  exact     identical at random exact rational points (Schwartz-Zippel)
  numeric   no counterexample among many random float MDPs (not a proof; the message says so)
"""

_EXIT_HELP = """\
Exit codes:

\b
  0  every step and claim holds (holds-under, unknown and not-checked do not fail)
  1  some step or claim FAILS
  2  some input could not be read (missing file, import error, no DERIVATION, bad option)
"""

_CHECK_EXAMPLES = """\
Examples:

\b
  symrl check                                    # every bundled derivation module
  symrl check derivations/policy_improvement.py  # one module
  symrl check derivations/ --format json --output report.json
  symrl check derivations/advantage.py --assume deterministic-transitions --timeout 30
  symrl check post.md                            # a Markdown post, read as written
  symrl check post.md --declare example.toml     # with its worked example declared
"""

app = typer.Typer(
    name="symrl",
    help=(
        "Check the mathematics of reinforcement-learning derivations step by step.\n\n"
        "Every step of an equation chain (=, >=, ≈, ⟹ …) is judged on finite MDPs: proved "
        "symbolically, checked at exact rational points, or falsified numerically, with a "
        "small counterexample MDP and a verified fix when it fails.\n\n" + _VERDICTS_HELP + "\n" + _EXIT_HELP
    ),
    epilog="Run 'symrl check --help' for examples.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    """Output formats of ``symrl check``."""

    text = "text"
    json = "json"


class InputError(SymrlError):
    """An input of the command line could not be read."""


@dataclass(frozen=True)
class Target:
    """One derivation to check, with the path the report shows for it."""

    display: str
    derivation: Derivation
    module_file: Path | None = None
    unread: tuple[Unread, ...] = ()


# -- loading derivation modules ------------------------------------------------------------------


def _bundled_directory() -> Path | None:
    try:
        package = importlib.import_module(BUNDLED_PACKAGE)
    except ImportError:
        return None
    return Path(next(iter(package.__path__))).resolve()


def _import_file(path: Path) -> ModuleType:
    """Import the module in ``path``: by name inside the bundled package, else from the file."""
    resolved = path.resolve()
    if resolved.parent == _bundled_directory():
        return importlib.import_module(f"{BUNDLED_PACKAGE}.{resolved.stem}")
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:12]
    name = f"_symrl_input_{resolved.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise InputError(f"{path}: not an importable Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _derivation_of(module: ModuleType, display: str, *, required: bool) -> Derivation | None:
    derivation = getattr(module, "DERIVATION", None)
    if derivation is None:
        if required:
            raise InputError(f"{display}: the module defines no DERIVATION; a derivation module must")
        return None
    if not isinstance(derivation, Derivation):
        raise InputError(f"{display}: DERIVATION is a {type(derivation).__name__}, not a symrl.check.Derivation")
    return derivation


def _load(load: Callable[[], ModuleType], display: str, *, required: bool) -> Target | None:
    """Import a module and take its ``DERIVATION``; every failure becomes an ``InputError``."""
    try:
        module = load()
    except InputError:
        raise
    except SyntaxError as error:
        raise InputError(f"{display}: syntax error on line {error.lineno}: {error.msg}") from error
    except Exception as error:
        raise InputError(f"{display}: importing the module failed: {type(error).__name__}: {error}") from error
    derivation = _derivation_of(module, display, required=required)
    if derivation is None:
        return None
    module_file = Path(module.__file__).resolve() if getattr(module, "__file__", None) else None
    return Target(display, derivation, module_file)


def bundled_targets() -> Iterator[Target | InputError]:
    """Every module of the bundled ``derivations`` package that defines ``DERIVATION``, by name."""
    try:
        package = importlib.import_module(BUNDLED_PACKAGE)
    except ImportError as error:
        yield InputError(f"the bundled package {BUNDLED_PACKAGE!r} cannot be imported: {error}")
        return
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    for name in names:
        if name.startswith("_") or name in _SKIPPED_MODULES:
            continue
        display = f"{BUNDLED_PACKAGE}/{name}.py"
        try:
            target = _load(
                lambda name=name: importlib.import_module(f"{BUNDLED_PACKAGE}.{name}"), display, required=False
            )
        except InputError as error:
            yield error
            continue
        if target is not None:
            yield target


def _directory_targets(directory: Path, display: str) -> Iterator[Target | InputError]:
    found = False
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_") or path.stem in _SKIPPED_MODULES:
            continue
        shown = str(Path(display) / path.name)
        try:
            target = _load(lambda path=path: _import_file(path), shown, required=False)
        except InputError as error:
            yield error
            continue
        if target is not None:
            found = True
            yield target
    if not found:
        yield InputError(f"{display}: no derivation module (a .py file defining DERIVATION) in this directory")


def _looks_like_module_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def resolve_targets(
    paths: Sequence[str], declarations: Declarations | None = None, *, inline: bool = False
) -> Iterator[Target | InputError]:
    """The derivations named by command-line ``paths`` (all bundled ones when empty), or why not.

    ``declarations`` (from ``--declare``) add to what each Markdown/TeX post declares itself.
    """
    if not paths:
        yield from bundled_targets()
        return
    for given in paths:
        path = Path(given)
        if path.suffix.lower() in TEXT_SUFFIXES:
            yield _text_target(path, given, declarations, inline=inline)
        elif path.is_dir():
            yield from _directory_targets(path, given)
        elif path.is_file():
            if path.suffix != ".py":
                yield InputError(f"{given}: expected a derivation module (.py) or a directory of them")
                continue
            try:
                yield _load(lambda path=path: _import_file(path), given, required=True)
            except InputError as error:
                yield error
        elif _looks_like_module_name(given) and not path.suffix:
            try:
                yield _load(lambda given=given: importlib.import_module(given), given, required=True)
            except InputError as error:
                yield InputError(f"{given}: no such file or directory, and {error}")
        else:
            yield InputError(f"{given}: no such file or directory")


def _text_target(
    path: Path, display: str, declarations: Declarations | None = None, *, inline: bool = False
) -> Target | InputError:
    """A Markdown or TeX post, read by the LaTeX front end (unreadable rows are reported, not judged)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return InputError(f"{display}: no such file or directory")
    except (OSError, UnicodeDecodeError) as error:
        return InputError(f"{display}: cannot read the file: {error}")
    reading = read_document(text, display, declarations=declarations, inline=inline)
    return Target(display, reading.derivation, path.resolve(), tuple(reading.unread))


# -- options --------------------------------------------------------------------------------------


def _validate_conditions(values: list[str] | None) -> list[str]:
    values = values or []
    unknown = [value for value in values if value not in CONDITIONS]
    if unknown:
        valid = "\n".join(f"  {name}: {meaning}" for name, meaning in CONDITIONS.items())
        raise typer.BadParameter(
            f"unknown condition {', '.join(repr(u) for u in unknown)}; valid conditions are:\n{valid}"
        )
    return list(dict.fromkeys(values))


def _declarations(files: Sequence[Path] | None) -> Declarations | None:
    """The declarations of ``--declare`` files, in order; a missing or malformed file exits 2."""
    if not files:
        return None
    declared = Declarations()
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            _error(f"--declare {file}: cannot read the file: {error}")
            raise typer.Exit(EXIT_UNREADABLE) from None
        try:
            declared = declared.then(parse_declarations(text, str(file)))
        except DeclarationError as error:
            _error(str(error))
            raise typer.Exit(EXIT_UNREADABLE) from None
    return declared


def _validate_timeout(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter(f"the time limit must be a positive number of seconds, got {value}")
    return value


def _assumption_notes(conditions: Sequence[str]) -> list[str]:
    return [f"assuming {name}: {CONDITIONS[name]}" for name in conditions]


# -- exit codes -----------------------------------------------------------------------------------


def exit_code(files: Sequence[FileResult], *, unreadable: bool = False) -> int:
    """2 if some input could not be read, else 1 if some step or claim fails, else 0.

    >>> exit_code([FileResult(path="post.md")])
    0
    """
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_FAILS if any(file.failed for file in files) else EXIT_HOLDS


# -- progress -------------------------------------------------------------------------------------


class _Progress:
    """Progress on stderr (only when it is a terminal): the module and item being checked."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._done = 0
        self._display = ""

    @contextmanager
    def running(self) -> Iterator[_Progress]:
        if not self.enabled:
            yield self
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with self._bar:
            yield self

    def start(self, display: str, total: int) -> None:
        self._display, self._done = display, 0
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(f"checking {display}", total=max(total, 1))

    def item(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"checking {self._display} › {name}", completed=self._done)
        self._done += 1


def _error(message: str) -> None:
    typer.echo(f"symrl: error: {message}", err=True)


def _stdout_is_terminal() -> bool:
    """Colour the text report only on a terminal, and never when ``NO_COLOR`` is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _check_all(
    targets: Sequence[Target],
    *,
    conditions: Sequence[str],
    step_seconds: float,
    progress: _Progress,
    cache: VerdictCache | None = None,
) -> tuple[list[FileResult], bool]:
    """Check every target; the results under each target's path, and whether one could not be read."""
    files, unreadable = [], False
    with progress.running():
        for target in targets:
            derivation = target.derivation.assuming(conditions)
            progress.start(target.display, len(derivation.items))
            key = _cache_key(target, conditions, step_seconds) if cache is not None else None
            result = cache.get(key) if cache is not None and key is not None else None
            if result is None:
                try:
                    result = check_derivation(derivation, step_seconds=step_seconds, progress=progress.item)
                except SymrlError as error:
                    _error(f"{target.display}: {error}")
                    unreadable = True
                    continue
                if cache is not None and key is not None:
                    cache.put(key, result)
            files.append(
                FileResult(
                    path=target.display,
                    steps=result.steps,
                    claims=result.claims,
                    unread=[*result.unread, *target.unread],
                )
            )
    return files, unreadable


def _cache_key(target: Target, conditions: Sequence[str], step_seconds: float) -> str | None:
    """Engine, the module and its sibling modules (shared notation), conditions and time limit."""
    if target.module_file is None or not target.module_file.exists():
        return None
    sources = [
        target.module_file,
        *sorted(p for p in target.module_file.parent.glob("*.py") if p != target.module_file),
    ]
    parts: list[str | bytes] = [target.display, ",".join(sorted(conditions)), repr(step_seconds)]
    parts += [path.read_bytes() for path in sources]
    return content_key(parts)


def _collect(
    paths: Sequence[str], declarations: Declarations | None = None, *, inline: bool = False
) -> tuple[list[Target], bool]:
    """The readable targets, and whether some input could not be read (errors go to stderr)."""
    targets, unreadable = [], False
    for entry in resolve_targets(paths, declarations, inline=inline):
        if isinstance(entry, InputError):
            _error(str(entry))
            unreadable = True
        else:
            targets.append(entry)
    return targets, unreadable


def _write(text_or_files: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text_or_files)
        sys.stdout.flush()
        return
    try:
        output.write_text(text_or_files, encoding="utf-8")
    except OSError as error:
        _error(f"{output}: cannot write the report: {error.strerror or error}")
        raise typer.Exit(EXIT_UNREADABLE) from error


# -- commands ---------------------------------------------------------------------------------------


def _version(value: bool) -> None:
    if value:
        typer.echo(f"symrl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Check the mathematics of reinforcement-learning derivations step by step."""


_PATHS_HELP = (
    "Posts (.md, .markdown, .txt: Markdown with MathJax; .tex: TeX), derivation modules (.py files "
    "defining DERIVATION), directories of modules, or dotted module names. Default: every module of "
    "the bundled derivations package."
)
_DECLARE_HELP = (
    "A TOML file of declarations for the posts checked (repeatable; later files win): conditions "
    "('assume'), letters ('[notation]'), policy kinds ('[policies]') and the worked example a post "
    "describes ('[example]' facts such as \"r(s, a_1) = -1\"). A post may carry the same in a "
    "```symrl block (in TeX: the fence in % comments) or under a 'symrl:' key of its front matter. "
    "See 'symrl.latex.declarations'."
)
_ASSUME_HELP = "Restrict every chain's world by a condition (repeatable). One of: " + ", ".join(CONDITIONS) + "."
_INLINE_HELP = (
    "Also judge inline formulas of Markdown posts that state a relation ($V_\\pi(s) \\leq V^*(s)$), numbered "
    "after the display blocks. Off by default: inline math in prose is mostly notation (s \\in S) or a worked "
    "example's values, which are not claims about every MDP."
)
_SEED_HELP = (
    "Accepted for reproducible scripts; the checks are already deterministic (fixed internal seeds), "
    "so it changes nothing yet."
)
_TIMEOUT_HELP = "Time limit of each step in seconds; a step that runs out of time is reported as unknown."


@app.command(
    help=(
        "Check every step of posts (Markdown, TeX) or derivation modules and report a verdict per step and "
        "claim.\n\n"
        "A post is read as written: every display block becomes a chain of steps; a row symrl cannot read "
        "is reported not-checked with file:line:col, the source line and a caret under the token.\n\n"
        "A step prints as 'file:line: step N (relation) verdict [code]' followed by both sides (LaTeX), "
        "the evidence, the anchored verdict, a counterexample table and a verified fix when it fails; "
        "file:line points into the post, or into the text a module encodes.\n\n"
        + _VERDICTS_HELP
        + "\n"
        + _EXIT_HELP
        + "\n"
        + _CHECK_EXAMPLES
    ),
)
def check(
    paths: list[str] = typer.Argument(None, metavar="PATH", help=_PATHS_HELP, show_default=False),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f", help="Report format: text (terminal) or json (DESIGN §4)."
    ),
    assume: list[str] = typer.Option(
        None, "--assume", metavar="COND", help=_ASSUME_HELP, callback=_validate_conditions, show_default=False
    ),
    declare: list[Path] = typer.Option(None, "--declare", metavar="FILE", help=_DECLARE_HELP, show_default=False),
    inline: bool = typer.Option(False, "--inline", help=_INLINE_HELP),
    seed: int | None = typer.Option(None, "--seed", metavar="INT", help=_SEED_HELP),
    timeout: float = typer.Option(
        DEFAULT_STEP_SECONDS, "--timeout", metavar="SECONDS", help=_TIMEOUT_HELP, callback=_validate_timeout
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the report to FILE instead of standard output."
    ),
    exit_zero: bool = typer.Option(
        False,
        "--exit-zero",
        help="Exit 0 even when steps fail (for reports in scripts); unreadable input still exits 2.",
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help=(
            "Recompute every verdict. By default verdicts are cached (in $SYMRL_CACHE_DIR, else "
            "~/.cache/symrl) under a hash of symrl's source, the module and its options, so re-checking "
            "unchanged input is a file read."
        ),
    ),
) -> None:
    """Check derivation modules (every bundled one by default) and report each step's verdict."""
    del seed  # accepted for scripts; every check already uses fixed seeds
    assume = _validate_conditions(assume)
    targets, unreadable = _collect(paths or [], _declarations(declare), inline=inline)
    progress = _Progress(enabled=sys.stderr.isatty())
    cache = None if no_cache else VerdictCache()
    files, failed_to_read = _check_all(targets, conditions=assume, step_seconds=timeout, progress=progress, cache=cache)
    unreadable = unreadable or failed_to_read
    color = output is None and output_format is OutputFormat.text and _stdout_is_terminal()
    width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if color else DEFAULT_WIDTH
    emitter = emitter_for(output_format.value, color=color, width=width, notes=_assumption_notes(assume))
    if files or output_format is OutputFormat.json:
        buffer = StringIO()
        emitter.emit(files, buffer)
        _write(buffer.getvalue(), output)
    code = exit_code(files, unreadable=unreadable)
    raise typer.Exit(EXIT_HOLDS if exit_zero and code == EXIT_FAILS else code)


# -- explain --------------------------------------------------------------------------------------


def _item_lines(item: object) -> set[int] | None:
    """Source lines of the steps and claims an item yields (``None``: unknown kind, check it)."""
    if isinstance(item, ExpressionChain):
        lines = {step.line for step in item.steps}
        return lines | ({item.conclusion.line} if item.conclusion is not None else set())
    if isinstance(item, StatementChain):
        return {line.line for line in item.lines}
    if isinstance(item, SameMaximisersChain):
        return {line for _, _, line in item.objectives[1:]}
    if isinstance(item, (DistributionDefinition, GradientDefinition, Claim)):
        return {item.line}
    return None


def _parse_location(location: str) -> tuple[str, int]:
    file, sep, line = location.rpartition(":")
    if not sep or not file or not line.isdigit() or int(line) < 1:
        raise typer.BadParameter(f"expected FILE:LINE with a positive line number, got {location!r}")
    return file, int(line)


def _explain_targets(file: str, declarations: Declarations | None = None) -> tuple[list[Target], bool]:
    """Derivation modules named by ``file``: a module path, or the text that bundled modules encode."""
    path = Path(file)
    if path.suffix.lower() in TEXT_SUFFIXES:
        encoding = [
            t for t in bundled_targets() if isinstance(t, Target) and Path(t.derivation.source).name == path.name
        ]
        if encoding and declarations is None:
            return encoding, False
    return _collect([file], declarations)


@app.command(
    help=(
        "Show the full working of the step(s) on one line: both sides, evidence, stepwise and anchored "
        "verdicts, the counterexample MDP as a table with both sides' values, and the verified fix.\n\n"
        "FILE is a derivation module, or the text that bundled modules encode (the file:line a check "
        "report prints); LINE is the source line of the step's right-hand side.\n\n"
        + _EXIT_HELP
        + "\nExamples:\n\n\b\n"
        "  symrl explain derivations/policy_improvement.py:66\n"
        "  symrl explain 000_1a0abbced62b64ca.txt:199\n"
    ),
)
def explain(
    location: str = typer.Argument(..., metavar="FILE:LINE", help="The step to explain."),
    assume: list[str] = typer.Option(
        None, "--assume", metavar="COND", help=_ASSUME_HELP, callback=_validate_conditions, show_default=False
    ),
    declare: list[Path] = typer.Option(None, "--declare", metavar="FILE", help=_DECLARE_HELP, show_default=False),
    timeout: float = typer.Option(
        DEFAULT_STEP_SECONDS, "--timeout", metavar="SECONDS", help=_TIMEOUT_HELP, callback=_validate_timeout
    ),
) -> None:
    """Show the full working of the step(s) on one source line."""
    assume = _validate_conditions(assume)
    file, line = _parse_location(location)
    targets, unreadable = _explain_targets(file, _declarations(declare))
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    selected = []
    for target in targets:
        items = tuple(item for item in target.derivation.items if line in (_item_lines(item) or {line}))
        if items:
            selected.append(Target(target.display, replace(target.derivation, items=items)))
    if not selected:
        lines = sorted({n for t in targets for item in t.derivation.items for n in (_item_lines(item) or ())})
        _error(f"{file}: no step or claim on line {line}; steps and claims are on lines {', '.join(map(str, lines))}")
        raise typer.Exit(EXIT_UNREADABLE)
    progress = _Progress(enabled=sys.stderr.isatty())
    checked, failed_to_read = _check_all(selected, conditions=assume, step_seconds=timeout, progress=progress)
    if failed_to_read:
        raise typer.Exit(EXIT_UNREADABLE)
    shown = [
        FileResult(
            path=result.path,
            steps=[step for step in result.steps if step.line == line],
            claims=[claim for claim in result.claims if claim.line == line],
        )
        for result in checked
    ]
    shown = [result for result in shown if result.steps or result.claims]
    if not shown:
        _error(f"{file}: the items on line {line} yielded no step or claim on that line")
        raise typer.Exit(EXIT_UNREADABLE)
    color = _stdout_is_terminal()
    width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if color else DEFAULT_WIDTH
    text = render_text(shown, color=color, width=width, notes=_assumption_notes(assume), verbose=True)
    _write(text, None)
    raise typer.Exit(exit_code(shown))


@app.command(
    help=(
        "Write an annotated proof document (LaTeX or HTML). Not implemented yet: exits with code 2.\n\n"
        "Use 'symrl check --format json' for machine-readable verdicts meanwhile."
    ),
)
def export(
    file: str = typer.Argument(..., metavar="FILE", help="The derivation module or text to annotate."),
    latex: bool = typer.Option(False, "--latex", help="Write LaTeX."),
    html: bool = typer.Option(False, "--html", help="Write HTML."),
) -> None:
    """Not implemented yet: say so and exit with code 2."""
    del latex
    kind = "HTML" if html else "LaTeX"
    _error(f"exporting annotated {kind} is not implemented yet; use 'symrl check --format json {file}' meanwhile")
    raise typer.Exit(EXIT_UNREADABLE)


def main() -> None:
    """Entry point of the ``symrl`` console script."""
    app()
