"""The ``symrl`` command line: check derivations, explain a step, export annotated proofs."""

from __future__ import annotations

import typer

from symrl import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="symrl",
    help=(
        "Check the mathematics of reinforcement-learning derivations step by step.\n\n"
        "Every step of an equation chain (=, >=, ≈, ⟹ …) is judged on finite MDPs: proved "
        "symbolically, checked at exact rational points, or falsified numerically, with a "
        "small counterexample MDP and a verified fix when it fails."
    ),
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"symrl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Check the mathematics of reinforcement-learning derivations step by step."""


def main() -> None:
    """Entry point of the ``symrl`` console script."""
    app()
