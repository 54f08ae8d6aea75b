"""symrl: check the mathematics of reinforcement-learning derivations step by step."""

from symrl.errors import MDPError, NotationError, SymrlError

__version__ = "0.1.0"

__all__ = ["MDPError", "NotationError", "SymrlError", "__version__"]
