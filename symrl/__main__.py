"""``python -m symrl``: the same command line as the ``symrl`` console script."""

from symrl.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
