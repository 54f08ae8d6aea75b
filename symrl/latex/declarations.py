"""Declarations of what a post leaves implicit: notation, assumed conditions, policy kinds, its example MDP.

A post may carry them in a fenced ```` ```symrl ```` block (TOML) or under a ``symrl:`` key of
its front matter (YAML); a reader may add a TOML file (``symrl check --declare FILE``) and
conditions (``--assume``).  Later sources override earlier ones: notation defaults, front matter,
fenced blocks in order, declaration files, the command line.  The format::

    assume = ["deterministic-transitions"]      # conditions every step is judged under

    [notation]
    states = ["s", "x"]                         # letters of state variables
    actions = ["a", "u"]                        # letters of action variables
    time = "t"                                  # the time index
    macros = { '\\E' = '\\mathbb{E}' }          # the post's own macros (no arguments)

    [policies]                                  # how a named policy is drawn (default: stochastic)
    '\\pi_1' = "deterministic"
    '\\pi_g' = { kind = "greedy", base = '\\pi' }

    [example]                                   # the worked example the text describes
    episodic = true                             # runs end in an absorbing zero-reward state
    facts = ["P(s' | s, a_1) = 1", "r(s, a_1) = -1", "\\pi_1(s) = a_1"]
    agree = [['\\pi_2', '\\pi_1']]              # π₂ acts as π₁ wherever the facts don't say

Facts are parsed by the LaTeX front end (never evaluated as code); in them ``a_1`` and ``s_1``
name actions and states (there is no time in a fact).  The example holds for the display blocks
that use one of the policies it names (all blocks if it names none).
"""

from __future__ import annotations

import dataclasses
import re
import reprlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import sympy
import yaml

from symrl.check import CONDITIONS, Example, PolicySpec
from symrl.check.world import WorldError
from symrl.errors import NotationError
from symrl.expr import (
    ActionAt,
    InitialProbability,
    PolicyAction,
    PolicyProbability,
    PolicySymbol,
    Reward,
    StateAt,
    Transition,
)
from symrl.latex.markdown import Embedded, find_embedded
from symrl.latex.parser import Notation, ParseError, parse_expression, parse_statement

__all__ = [
    "DECLARATION_FENCE",
    "DeclarationError",
    "Declarations",
    "MacroDefinition",
    "declarations_from",
    "declarations_in_document",
    "macro_definitions",
    "parse_declarations",
]

DECLARATION_FENCE = "symrl"
"""The info string of a fenced code block that holds declarations."""

POLICY_KINDS = ("stochastic", "deterministic", "greedy", "optimal", "near-optimal", "softmax")
"""Kinds a declaration may give a policy (a gradient step is declared by the text's update line)."""

_KEYS = {"assume", "notation", "policies", "example"}
_NOTATION_KEYS = {"states", "actions", "time", "macros"}
_EXAMPLE_KEYS = {"facts", "agree", "episodic"}


class DeclarationError(NotationError):
    """A declaration is malformed; the message names its source and what was expected."""


@dataclass(frozen=True)
class Declarations:
    """What a post declares; the default is empty (the notation of standard RL notes)."""

    notation: Notation = field(default_factory=Notation)
    conditions: tuple[str, ...] = ()
    policies: tuple[tuple[str, PolicySpec], ...] = ()
    example: Example | None = None

    def then(self, later: Declarations) -> Declarations:
        """These declarations overridden by ``later`` (conditions accumulate)."""
        default = Notation()
        notation = dataclasses.replace(
            self.notation,
            **{
                name.name: getattr(later.notation, name.name)
                for name in dataclasses.fields(Notation)
                if getattr(later.notation, name.name) != getattr(default, name.name)
            },
        )
        return Declarations(
            notation=notation,
            conditions=tuple(dict.fromkeys(self.conditions + later.conditions)),
            policies=tuple(sorted({**dict(self.policies), **dict(later.policies)}.items())),
            example=later.example or self.example,
        )


def parse_declarations(text: str, source: str) -> Declarations:
    """Declarations from TOML text (a fenced block or a ``--declare`` file).

    >>> d = parse_declarations('assume = ["deterministic-transitions"]', "post.md:3")
    >>> d.conditions
    ('deterministic-transitions',)
    >>> parse_declarations("assume = 3", "post.md:3")
    Traceback (most recent call last):
    ...
    symrl.latex.declarations.DeclarationError: post.md:3: 'assume' must be a list of condition names, got 3
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclarationError(f"{source}: not valid TOML: {error}") from None
    return declarations_from(data, source)


def declarations_from(data: object, source: str) -> Declarations:
    """Declarations from a parsed mapping (TOML or the front matter's ``symrl:`` value)."""
    if not isinstance(data, Mapping):
        raise DeclarationError(f"{source}: declarations must be a table of keys, got {_shown(data)}")
    _known_keys(data, _KEYS, source, "declarations")
    notation = _notation(data.get("notation", {}), source)
    return Declarations(
        notation=notation,
        conditions=_conditions(data.get("assume", []), source),
        policies=_policies(data.get("policies", {}), notation, source),
        example=_example(data["example"], notation, source) if "example" in data else None,
    )


def declarations_in_document(text: str, path: str) -> tuple[Declarations, list[DeclarationError]]:
    """The declarations a post carries: a Markdown post's front matter ``symrl:`` key and fenced
    blocks, or a TeX file's commented-out fenced blocks (``% ```symrl`` … ``% ````), in order.

    A malformed source is left out and its error returned; the others still apply.
    """
    declared, errors = Declarations(), []
    embedded_blocks = _tex_embedded(text) if str(path).endswith(".tex") else find_embedded(text)
    for embedded in embedded_blocks:
        where = f"{path}:{embedded.line}"
        try:
            if embedded.kind == "front-matter":
                found = _front_matter(embedded.content, where)
            elif embedded.info == DECLARATION_FENCE:
                found = parse_declarations(embedded.content, where)
            else:
                continue
        except DeclarationError as error:
            errors.append(error)
            continue
        if found is not None:
            declared = declared.then(found)
    return declared, errors


_TEX_FENCE = re.compile(r"\s*%+\s*```(?P<info>\w*)\s*")


def _tex_embedded(text: str) -> list[Embedded]:
    """Fenced blocks inside TeX comments: ``% ```symrl``, comment lines, ``% ````."""
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _TEX_FENCE.fullmatch(lines[index])
        index += 1
        if opening is None or not opening.group("info"):
            continue
        start, body = index, []
        while index < len(lines) and lines[index].lstrip().startswith("%"):
            line = lines[index]
            index += 1
            if (closing := _TEX_FENCE.fullmatch(line)) is not None and not closing.group("info"):
                break
            body.append(re.sub(r"^\s*%+ ?", "", line))
        found.append(Embedded("fence", opening.group("info"), "\n".join(body) + "\n", start + 1))
    return found


def _front_matter(content: str, where: str) -> Declarations | None:
    """The declarations under the front matter's ``symrl:`` key (None if it has none)."""
    try:
        matter = yaml.safe_load(content)
    except yaml.YAMLError as error:
        if f"{DECLARATION_FENCE}:" not in content:
            return None  # a site's own front matter, which symrl does not need to understand
        raise DeclarationError(f"{where}: the front matter is not valid YAML: {error}") from None
    if not isinstance(matter, Mapping) or DECLARATION_FENCE not in matter:
        return None
    return declarations_from(matter[DECLARATION_FENCE], where)


@dataclass(frozen=True)
class MacroDefinition:
    """``\\newcommand{\\E}{\\mathbb{E}}`` found in a document: the macro, its body and where it is."""

    name: str
    body: str
    arguments: int
    start: int
    stop: int


_DEFINING = ("\\newcommand", "\\renewcommand", "\\providecommand", "\\def")


def macro_definitions(text: str) -> list[MacroDefinition]:
    """The macro definitions of a text (``\\newcommand``, ``\\renewcommand``, ``\\def``), in order.

    MathJax posts define macros in math (``$\\newcommand{\\E}{\\mathbb{E}}$``), TeX files in the
    preamble; both read the same.  A definition that is not well formed is skipped (its macro
    stays unknown and is reported where it is used).

    >>> [(d.name, d.body, d.arguments) for d in macro_definitions(r"\\newcommand{\\E}{\\mathbb{E}} \\def\\R{r}")]
    [('\\\\E', '\\\\mathbb{E}', 0), ('\\\\R', 'r', 0)]
    """
    found = []
    position = 0
    while True:
        starts = [(text.find(command, position), command) for command in _DEFINING]
        starts = [(index, command) for index, command in starts if index >= 0]
        if not starts:
            return found
        start, command = min(starts)
        index = start + len(command)
        if index < len(text) and text[index].isalpha():  # \newcommandx, \define: another macro
            position = index
            continue
        definition = _definition(text, index)
        if definition is None:
            position = index
            continue
        name, body, arguments, stop = definition
        found.append(MacroDefinition(name, body, arguments, start, stop))
        position = stop


def _definition(text: str, index: int) -> tuple[str, str, int, int] | None:
    """``{\\name}[n]{body}`` or ``\\name{body}`` from ``index``: name, body, arguments, end offset."""
    index = _skip_spaces(text, index)
    if text.startswith("{", index):
        close = _closing_brace(text, index)
        if close is None:
            return None
        name = text[index + 1 : close].strip()
        index = close + 1
    else:
        length = 1
        while index + length < len(text) and text[index + length].isalpha():
            length += 1
        name = text[index : index + length]
        index += length
    if not (len(name) > 1 and name[0] == "\\" and (name[1:].isalpha() or len(name) == 2)):
        return None
    index = _skip_spaces(text, index)
    arguments = 0
    if text.startswith("[", index):
        close = text.find("]", index)
        if close < 0 or not text[index + 1 : close].strip().isdigit():
            return None
        arguments = int(text[index + 1 : close])
        index = _skip_spaces(text, close + 1)
    if not text.startswith("{", index):
        return None
    close = _closing_brace(text, index)
    if close is None:
        return None
    return name, text[index + 1 : close], arguments, close + 1


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _closing_brace(text: str, index: int) -> int | None:
    """The offset of the ``}`` closing the ``{`` at ``index`` (escaped braces do not count)."""
    depth = 0
    position = index
    while position < len(text):
        character = text[position]
        if character == "\\":
            position += 2
            continue
        if character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return None


# -- the parts ------------------------------------------------------------------------------------


def _known_keys(data: Mapping, known: set[str], source: str, what: str) -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise DeclarationError(f"{source}: unknown key {listed} in the {what}; known: {', '.join(sorted(known))}")


_SHOWN = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlist, _SHOWN.maxdict = 2, 40, 40, 4, 4


def _shown(value: object) -> str:
    """A short repr: bounded even for deeply nested or self-sharing YAML (aliases)."""
    return _SHOWN.repr(value)


def _strings(value: object, source: str, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DeclarationError(f"{source}: {what} must be a list of strings, got {_shown(value)}")
    return value


def _conditions(value: object, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DeclarationError(f"{source}: 'assume' must be a list of condition names, got {_shown(value)}")
    unknown = [name for name in value if name not in CONDITIONS]
    if unknown:
        known = "; ".join(f"{name} ({meaning})" for name, meaning in CONDITIONS.items())
        raise DeclarationError(f"{source}: unknown condition {', '.join(map(repr, unknown))}; known: {known}")
    return tuple(dict.fromkeys(value))


def _notation(value: object, source: str) -> Notation:
    if not isinstance(value, Mapping):
        raise DeclarationError(f"{source}: 'notation' must be a table, got {_shown(value)}")
    _known_keys(value, _NOTATION_KEYS, source, "notation")
    changes: dict[str, object] = {}
    for key, attribute in (("states", "state_letters"), ("actions", "action_letters")):
        if key in value:
            letters = _strings(value[key], source, f"notation.{key}")
            if not letters or any(len(letter) != 1 or not letter.isalpha() for letter in letters):
                raise DeclarationError(f"{source}: notation.{key} must list single letters, got {_shown(letters)}")
            changes[attribute] = frozenset(letters)
    if "time" in value:
        time = value["time"]
        if not isinstance(time, str) or len(time) != 1 or not time.isalpha():
            raise DeclarationError(f"{source}: notation.time must be one letter, got {_shown(time)}")
        changes["time_letter"] = time
    if "macros" in value:
        changes["macros"] = _macros(value["macros"], source)
    notation = dataclasses.replace(Notation(), **changes)
    clash = notation.state_letters & notation.action_letters
    if clash or notation.time_letter in notation.state_letters | notation.action_letters:
        letters = ", ".join(sorted(clash)) or notation.time_letter
        raise DeclarationError(f"{source}: a letter cannot name two things: {letters}")
    return notation


def _macros(value: object, source: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise DeclarationError(f"{source}: notation.macros maps macros to LaTeX strings, got {_shown(value)}")
    for name in value:
        if not (len(name) > 1 and name[0] == "\\" and name[1:].isalpha()):
            raise DeclarationError(f"{source}: notation.macros: {name!r} is not a macro name such as '\\E'")
    return dict(sorted(value.items()))


def _policy_name(latex: object, notation: Notation, source: str) -> str:
    """The name of the policy written ``latex`` (``\\pi_1`` → ``pi_1``), read by the front end."""
    if not isinstance(latex, str):
        raise DeclarationError(f"{source}: a policy must be written in LaTeX, got {_shown(latex)}")
    try:
        parsed = parse_expression(f"{latex}({min(notation.state_letters)})", notation)
    except ParseError as error:
        raise DeclarationError(f"{source}: {latex!r} is not a policy: {error}") from None
    if not isinstance(parsed, PolicyAction):
        raise DeclarationError(f"{source}: {latex!r} is not a policy (expected e.g. \\pi_1 or \\pi')")
    return parsed.args[0].name


def _policies(value: object, notation: Notation, source: str) -> tuple[tuple[str, PolicySpec], ...]:
    if not isinstance(value, Mapping):
        raise DeclarationError(f"{source}: 'policies' must be a table, got {_shown(value)}")
    specs = {}
    for latex, description in value.items():
        name = _policy_name(latex, notation, source)
        where = f"{source}: policies.{latex}"
        if isinstance(description, str):
            description = {"kind": description}
        if not isinstance(description, Mapping):
            raise DeclarationError(f"{where} must be a kind or a table with 'kind', got {_shown(description)}")
        _known_keys(description, {"kind", "base"}, where, "policy")
        kind = description.get("kind")
        if kind not in POLICY_KINDS:
            raise DeclarationError(f"{where}: unknown kind {kind!r}; known: {', '.join(POLICY_KINDS)}")
        base = description.get("base")
        if (kind == "greedy") != (base is not None):
            raise DeclarationError(f"{where}: a greedy policy needs 'base' (the policy whose Q it maximises), only it")
        specs[name] = PolicySpec(kind, base=None if base is None else _policy_name(base, notation, where))
    return tuple(sorted(specs.items()))


def _example(value: object, notation: Notation, source: str) -> Example:
    if not isinstance(value, Mapping):
        raise DeclarationError(f"{source}: 'example' must be a table, got {_shown(value)}")
    _known_keys(value, _EXAMPLE_KEYS, source, "example")
    episodic = value.get("episodic", False)
    if not isinstance(episodic, bool):
        raise DeclarationError(f"{source}: example.episodic must be true or false, got {_shown(episodic)}")
    facts = [_fact(text, notation, source) for text in _strings(value.get("facts", []), source, "example.facts")]
    agreements = []
    for pair in value.get("agree", []):
        if not isinstance(pair, list) or len(pair) != 2:
            raise DeclarationError(f"{source}: example.agree lists pairs [policy, like], got {_shown(pair)}")
        agreements.append((_policy_name(pair[0], notation, source), _policy_name(pair[1], notation, source)))
    states: list[str] = []
    actions: list[str] = []
    parts: dict[str, list] = {"rewards": [], "transitions": [], "initial": [], "choices": [], "probabilities": []}
    for kind, named, values in facts:
        for role, name in named:
            names = states if role == "state" else actions
            if name not in names:
                names.append(name)
        parts[kind].append(values)
    try:
        return Example(
            states=tuple(states),
            actions=tuple(actions),
            agreements=tuple(agreements),
            episodic=episodic,
            **{kind: tuple(items) for kind, items in parts.items()},
        )
    except WorldError as error:
        raise DeclarationError(f"{source}: {error}") from None


def _fact(text: str, notation: Notation, source: str) -> tuple[str, list[tuple[str, str]], tuple]:
    """One fact: its kind, the states and actions it names (in order), and its values."""
    where = f"{source}: fact {text!r}"
    try:
        parsed = parse_statement(text, notation)
    except ParseError as error:
        raise DeclarationError(f"{where}: {error}") from None
    if parsed.relation != "EQ" or parsed.domain:
        raise DeclarationError(f"{where}: a fact is one equation 'quantity = value'")
    lhs, rhs = parsed.lhs, parsed.rhs
    if isinstance(lhs, PolicyAction):
        state, action = _named(lhs.args[1], "state", where, notation), _named(rhs, "action", where, notation)
        return "choices", [("state", state), ("action", action)], (lhs.args[0].name, state, action)
    value = _number(rhs, where)
    if isinstance(lhs, Reward):
        state, action = _named(lhs.args[0], "state", where, notation), _named(lhs.args[1], "action", where, notation)
        return "rewards", [("state", state), ("action", action)], (state, action, value)
    if isinstance(lhs, Transition):
        following, state, action = (
            _named(lhs.args[0], "state", where, notation),
            _named(lhs.args[1], "state", where, notation),
            _named(lhs.args[2], "action", where, notation),
        )
        named = [("state", state), ("action", action), ("state", following)]
        return "transitions", named, (state, action, following, value)
    if isinstance(lhs, InitialProbability):
        state = _named(lhs.args[0], "state", where, notation)
        return "initial", [("state", state)], (state, value)
    if isinstance(lhs, PolicyProbability):
        policy, action, state = lhs.args
        state, action = _named(state, "state", where, notation), _named(action, "action", where, notation)
        return "probabilities", [("state", state), ("action", action)], (policy.name, state, action, value)
    raise DeclarationError(f"{where}: facts give r(s,a), P(s'|s,a), h(s), π(a|s) or π(s); not {lhs}")


def _named(expr: object, role: str, where: str, notation: Notation) -> str:
    """The name of a state or action (``role``) in a fact: ``s``, ``s'``, or ``s_1``.

    The parser reads ``s_1``/``a_1`` as the state/action at time 1; a fact has no time, so there
    they name a state or an action.
    """
    indexed, letters, default = (
        (StateAt, notation.state_letters, "s") if role == "state" else (ActionAt, notation.action_letters, "a")
    )
    if isinstance(expr, indexed) and expr.args[0].is_Integer:
        letter = next(iter(letters)) if len(letters) == 1 else default
        return f"{letter}_{expr.args[0]}"
    if isinstance(expr, sympy.Symbol) and not isinstance(expr, PolicySymbol):
        return expr.name
    raise DeclarationError(f"{where}: expected a named {role}, got {expr}")


def _number(expr: object, where: str) -> Fraction:
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q))
    raise DeclarationError(f"{where}: the value must be a number such as -1 or 1/2, got {expr}")
