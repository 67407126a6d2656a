"""The ``kmipd`` parser, the command table and the error handling around a command.

Each subcommand is a module with ``add_arguments(commands, name)``, which
registers its parser, and ``run(args, out) -> int``; adding one is a new module
and one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from kmipd import __version__
from kmipd.cli import _analyze, _digitize, _extract, _reconstruct, _serve
from kmipd.cli import _run as _study  # the name _run is the function below
from kmipd.cli._common import EXIT_INTERNAL, EXIT_USAGE, Formatter
from kmipd.errors import KmipdError

__all__ = ["COMMANDS", "Command", "main"]

_DEBUG_VARIABLE = "KMIPD_DEBUG"

Command = Callable[[argparse.Namespace, TextIO], int]
COMMANDS: dict[str, tuple[Callable[[Any, str], None], Command]] = {
    "reconstruct": (_reconstruct.add_arguments, _reconstruct.run),
    "analyze": (_analyze.add_arguments, _analyze.run),
    "digitize": (_digitize.add_arguments, _digitize.run),
    "extract": (_extract.add_arguments, _extract.run),
    "run": (_study.add_arguments, _study.run),
    "serve": (_serve.add_arguments, _serve.run),
}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kmipd",
        description=(
            "Rebuild patient-level data from published Kaplan-Meier figures, and analyse it."
        ),
        epilog="Run 'kmipd COMMAND --help' for the options of a command.",
        formatter_class=Formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"kmipd {__version__}", help="show the version"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (add_arguments, _) in COMMANDS.items():
        add_arguments(commands, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kmipd`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 success, 2 bad input or usage (nothing written),
        1 internal error.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write("error: give a command, e.g. 'kmipd reconstruct --help'\n")
        return EXIT_USAGE
    _, command = COMMANDS[args.command]
    return _run(command, args)


def _run(command: Command, args: argparse.Namespace) -> int:
    """Run ``command``; warnings become ``warning:`` lines, errors an ``error:`` line."""
    debug = os.environ.get(_DEBUG_VARIABLE, "") not in ("", "0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, message = _attempt(command, args, debug)
    _print_warnings(caught)
    if message:
        sys.stderr.write(message + "\n")
    return status


def _attempt(command: Command, args: argparse.Namespace, debug: bool) -> tuple[int, str]:
    """Exit status and error message (empty on success) of ``command``."""
    try:
        return command(args, sys.stdout), ""
    except KmipdError as exc:
        failure: BaseException = exc
        status, message = EXIT_USAGE, f"error: {exc}"
    except KeyboardInterrupt as exc:
        failure, status, message = exc, 130, "error: interrupted"
    except Exception as exc:
        failure, status = exc, EXIT_INTERNAL
        message = (
            f"internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in kmipd {__version__}; please report it to the kmipd developers "
            "with the command line and, if you can, the input files"
            + ("." if debug else f" (set {_DEBUG_VARIABLE}=1 to show the traceback).")
        )
    if debug:
        traceback.print_exception(type(failure), failure, failure.__traceback__, file=sys.stderr)
    return status, message


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    from kmipd.errors import KmipdWarning

    for item in caught:
        text = " ".join(str(item.message).split())
        if not issubclass(item.category, KmipdWarning):
            text = f"{item.category.__name__}: {text}"
        sys.stderr.write(f"warning: {text}\n")
