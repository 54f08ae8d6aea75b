"""``python -m symrl``: the same command line as the ``symrl`` console script."""

from symrl.cli import main

if __name__ == "__main__":
    main()
