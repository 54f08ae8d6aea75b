"""Every name a module exports in ``__all__`` exists, and the top-level API re-exports it."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import symrl
import symrl.mdp


def _all_modules() -> list[str]:
    """Every module under ``symrl/``: pkgutil's walk, plus folders that lack ``__init__.py``."""
    names = {"symrl"}
    names |= {info.name for info in pkgutil.walk_packages(symrl.__path__, "symrl.")}
    root = Path(symrl.__file__).parent
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


MODULES = _all_modules()


def test_the_walk_finds_the_core_modules() -> None:
    assert {"symrl.errors", "symrl.mdp", "symrl.mdp.quantities", "symrl.mdp.generators"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_imports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{name} has no __all__")
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names {missing}, which the module does not define"
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)  # the star-import users will write
    assert set(exported) <= set(namespace)


def test_public_modules_declare_all() -> None:
    for name in ("symrl", "symrl.errors", "symrl.mdp", *[m for m in MODULES if m.startswith("symrl.mdp.")]):
        assert hasattr(importlib.import_module(name), "__all__"), name


def test_mdp_package_reexports_its_modules_public_names() -> None:
    for name in MODULES:
        if not name.startswith("symrl.mdp.") or name == "symrl.mdp.rational_functions":
            continue
        module = importlib.import_module(name)
        for item in getattr(module, "__all__", ()):
            if item in symrl.mdp.__all__:
                assert getattr(symrl.mdp, item) is getattr(module, item), f"symrl.mdp.{item}"


def test_errors_are_exported_at_the_top_level() -> None:
    assert {"SymrlError", "MDPError", "NotationError"} <= set(symrl.__all__)
    assert issubclass(symrl.MDPError, ValueError)
