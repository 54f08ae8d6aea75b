"""Verdict cache: re-checking an unchanged derivation with an unchanged engine is a file read."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import symrl
from symrl.check.results import FileResult

__all__ = ["VerdictCache", "default_cache_directory", "engine_fingerprint", "content_key"]

_CACHE_FORMAT = 1


def default_cache_directory() -> Path:
    """``$SYMRL_CACHE_DIR``, else ``$XDG_CACHE_HOME/symrl``, else ``~/.cache/symrl``."""
    if os.environ.get("SYMRL_CACHE_DIR"):
        return Path(os.environ["SYMRL_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "symrl"


def engine_fingerprint() -> str:
    """A hash of symrl's own source: any change to the engine invalidates every cached verdict."""
    package = Path(symrl.__file__).resolve().parent
    digest = hashlib.sha256(f"symrl {symrl.__version__} cache {_CACHE_FORMAT}".encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def content_key(parts: Iterable[str | bytes]) -> str:
    """A cache key over the engine fingerprint and the given inputs (sources, options).

    >>> content_key(["a"]) == content_key(["a"]) != content_key(["b"])
    True
    """
    digest = hashlib.sha256(engine_fingerprint().encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class VerdictCache:
    """Results stored as JSON files named by their key; unreadable entries count as misses."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory or default_cache_directory()

    def get(self, key: str) -> FileResult | None:
        path = self.directory / f"{key}.json"
        try:
            return FileResult.from_record(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        """Store ``result``; a cache that cannot be written is skipped, never an error."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.directory / f".{key}.{os.getpid()}.tmp"
            temporary.write_text(json.dumps(result.to_record(), sort_keys=True), encoding="utf-8")
            temporary.replace(self.directory / f"{key}.json")
        except OSError:
            return
