"""Plumbing shared by the ``kmipd`` subcommands.

Exit codes, the help formatter, output-path and figure-format checks, error
translation while writing, and plain-text tables. Nothing heavy is imported at
module level: matplotlib and :mod:`kmipd.plot` only inside the functions.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from kmipd.errors import OptionError

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "Formatter",
    "arm_list",
    "check_outputs",
    "figure_format",
    "print_table",
    "use_agg",
    "writing",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the epilog's layout; wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


def check_outputs(inputs: Sequence[str | None], outputs: Mapping[str, str | None]) -> None:
    """Fail unless the output paths can be written and differ from each other and the inputs.

    ``outputs`` maps each option to its path (None: not given); ``inputs`` are
    the input paths (None: not given). With a single input it is called "the
    input file" in the message, otherwise "an input file".
    """
    which = "the" if len(inputs) == 1 else "an"
    sources = {Path(name).resolve() for name in inputs if name}
    seen: dict[Path, str] = {}
    for option, value in outputs.items():
        if value is None:
            continue
        path = Path(value)
        key = path.resolve()
        if key in seen:
            raise OptionError(f"{option} and {seen[key]} name the same file {value!r}")
        if key in sources:
            raise OptionError(f"{option} {value!r} is {which} input file; give another output path")
        if not path.parent.is_dir():
            raise OptionError(f"{option} {value!r}: the folder {str(path.parent)!r} does not exist")
        if path.is_dir():
            raise OptionError(f"{option} {value!r} is a folder; give a file name")
        seen[key] = option


def use_agg() -> None:
    """Select matplotlib's Agg backend: files only, never open a window."""
    import matplotlib

    matplotlib.use("Agg")


def figure_format(
    path: str, formats: Sequence[str] | None = None, *, option: str = "--plot"
) -> str:
    """The image format of the figure to write to ``path``, from its suffix.

    With ``formats``, the suffix must be one of them (no matplotlib needed);
    without, any format matplotlib can write (and the Agg backend is selected).
    """
    if formats is not None:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix not in formats:
            choices = ", ".join("." + name for name in formats)
            raise OptionError(f"{option} {path!r}: end the file name in {choices}")
        return suffix
    use_agg()
    from kmipd.plot import figure_format as writable_format

    try:
        return writable_format(path)
    except ValueError as exc:
        raise OptionError(f"{option} {path!r}: {exc}") from None


@contextmanager
def writing(path: str) -> Iterator[None]:
    """Turn an OS error while writing ``path`` into an :class:`OptionError` naming it."""
    try:
        yield
    except OSError as exc:
        raise OptionError(f"cannot write {path}: {exc.strerror or exc}") from None


def arm_list(arms: Mapping[str, Any]) -> str:
    """The arm names, quoted and comma-separated, for messages."""
    return ", ".join(repr(name) for name in arms)


def print_table(rows: Sequence[Sequence[str]], out: TextIO, widths: Sequence[int] = ()) -> None:
    """Write ``rows`` (the first is the header) as aligned columns.

    The first column is left-aligned, the others right-aligned; each column is
    as wide as its widest cell, and at least ``widths[i]`` when given.
    """
    columns = range(len(rows[0]))
    minimum = [*widths, *([0] * len(rows[0]))]
    sizes = [max(minimum[i], *(len(row[i]) for row in rows)) for i in columns]
    for row in rows:
        cells = [row[0].ljust(sizes[0])] + [
            cell.rjust(size) for cell, size in zip(row[1:], sizes[1:], strict=True)
        ]
        out.write("  ".join(cells).rstrip() + "\n")


def add_count_options(group: Any, *, n_help: str, events_help: str) -> None:
    """Add the repeatable ``--n ARM=N`` and ``--events ARM=E`` options to ``group``."""
    for flag, metavar, text in (("--n", "ARM=N", n_help), ("--events", "ARM=E", events_help)):
        group.add_argument(flag, action="extend", nargs="+", default=[], metavar=metavar, help=text)
