"""symrl: check the mathematics of reinforcement-learning derivations step by step."""

from symrl.api import check_markdown
from symrl.check import Derivation, FileResult, check_derivation
from symrl.errors import MDPError, NotationError, SymrlError
from symrl.latex.declarations import Declarations, parse_declarations

__version__ = "0.1.0"

__all__ = [
    "Declarations",
    "Derivation",
    "FileResult",
    "MDPError",
    "NotationError",
    "SymrlError",
    "__version__",
    "check_derivation",
    "check_markdown",
    "parse_declarations",
]
