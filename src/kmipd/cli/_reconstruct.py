"""``kmipd reconstruct``: patient-level data from digitized curves and numbers at risk."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from kmipd import __version__
from kmipd.cli._common import (
    EXIT_OK,
    Formatter,
    add_count_options,
    arm_list,
    check_outputs,
    figure_format,
    print_table,
    writing,
)
from kmipd.errors import InputError, OptionError
from kmipd.types import valid_precision

if TYPE_CHECKING:
    from kmipd.types import ReconstructionResult

__all__ = ["add_arguments", "run"]

_FORMATS = """\
input formats (detected from the file; delimiter ',', ';' with decimal comma, tab
or spaces):
  curve         CSV with a header naming time and survival columns and, for several
                arms, an arm column (aliases: t, x, months, years / surv, s, y, prob,
                os, pfs / group, strata, curve, treatment); WebPlotDigitizer export
                (headerless x,y, or the multi-dataset export with one X,Y column pair
                per arm); Guyot et al. survival.txt (index, time, survival); IPDfromKM
                V1,V2; DigitizeIt 'Line 1 x,Line 1 y'; ScanIt headerless text.
                Survival above 1.5 is taken as percent (with a warning) unless
                --percent / --no-percent says otherwise.
  risk table    CSV time,n_at_risk[,arm] (aliases: n, nrisk, NAR, at_risk,
                number_at_risk); Guyot nrisk.txt (interval, time, lower, upper,
                nrisk); IPDfromKM's one-column numbers file together with
                --risk-times (a one-column file of times).
  censor marks  CSV time[,arm] (aliases: censor, censored, mark), a headerless column
                of times, or a WebPlotDigitizer x,y export (x is the time).
"""

_RECONSTRUCT_EPILOG = (
    _FORMATS
    + """
outputs:
  --out         CSV arm,time,event (event 1 = event, 0 = censored), one row per patient.
  --report      JSON {"kmipd_version", "inputs", "arms": {ARM: diagnostics}}.
  --plot        the digitized points over the rebuilt Kaplan-Meier curves, with given
                and rebuilt numbers at risk underneath (format from the suffix).
  Nothing is written unless the whole reconstruction succeeds; every file is
  written atomically.

exit status: 0 success; 2 bad input or option (an 'error:' line says what and
where; nothing written); 1 internal error (please report it).

examples:
  # one arm with its published numbers at risk (KEYNOTE-189 placebo)
  kmipd reconstruct --curve pbo_clicks.csv --risk-table pbo_NAR.csv --arm Placebo \\
      --out placebo_ipd.csv

  # two arms in long CSVs (columns arm,time,survival and arm,time,n_at_risk) with
  # the reported event totals, a diagnostics report and an overlay figure
  kmipd reconstruct --curve curves.csv --risk-table risk.csv \\
      --events Placebo=144 Pembrolizumab=127 \\
      --out ipd.csv --report diagnostics.json --plot overlay.png

  # IPDfromKM files: percent survival, split risk table (numbers and times)
  kmipd reconstruct --curve radio.csv --percent --risk-table nrisk.csv \\
      --risk-times trisk.csv --out ipd.csv

  # a curve kmipd digitize read (its precision, one pixel, is in digitization.json)
  kmipd reconstruct --curve read/curve.csv --risk-table read/risk.csv \\
      --precision 0.0027 --out ipd.csv
"""
)


def add_arguments(commands: Any, name: str) -> None:
    """Register ``kmipd reconstruct``."""
    sub = commands.add_parser(
        name,
        help="rebuild patient-level data from digitized curves and numbers at risk",
        description=(
            "Rebuild patient-level data (one row per patient: arm, time, event) from the\n"
            "digitized points of Kaplan-Meier curves, using the numbers at risk, the\n"
            "number of patients and the reported event totals when given."
        ),
        epilog=_RECONSTRUCT_EPILOG,
        formatter_class=Formatter,
    )
    inputs = sub.add_argument_group("inputs")
    inputs.add_argument(
        "--curve",
        required=True,
        metavar="CURVE",
        help="digitized curve points, one or more arms (formats below)",
    )
    inputs.add_argument(
        "--risk-table",
        metavar="RISK",
        help="numbers at risk per arm; its row at time 0 gives each arm's size",
    )
    inputs.add_argument(
        "--risk-times",
        metavar="TRISK",
        help="times of a one-column --risk-table file (IPDfromKM's split form)",
    )
    inputs.add_argument(
        "--censor-marks",
        metavar="MARKS",
        help="times of the censoring tick marks read off the curves; censorings are put there",
    )
    counts = sub.add_argument_group("counts (repeat the option or list several values)")
    add_count_options(
        counts,
        n_help="patients at time 0 per arm, needed when there is no risk-table row at 0; "
        "a bare N for a single-arm curve",
        events_help="reported total events per arm, matched exactly; "
        "a bare E for a single-arm curve",
    )
    reading = sub.add_argument_group("reading")
    reading.add_argument(
        "--percent",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="survival is in percent (0-100) / in probability (0-1); default: detected "
        "(values above 1.5 are read as percent, with a warning)",
    )
    reading.add_argument(
        "--failure",
        action="store_true",
        help="the curve shows cumulative incidence (rising from 0); survival is 1 - value",
    )
    reading.add_argument(
        "--arm",
        metavar="NAME",
        help="arm name for input files that name no arms (default: 'arm')",
    )
    reading.add_argument(
        "--precision",
        type=float,
        metavar="P",
        help="how far a point's survival may be from the drawn curve, as a probability "
        "(e.g. 0.0025: one pixel of a 400-pixel axis from 0 to 1; kmipd digitize writes it "
        "per arm in digitization.json); given, the censorings between events are timed by "
        "the step heights. Leave it out for points clicked by hand",
    )
    outputs = sub.add_argument_group("outputs")
    outputs.add_argument(
        "--out", required=True, metavar="IPD.csv", help="write the patient-level data here"
    )
    outputs.add_argument(
        "--report", metavar="DIAG.json", help="write the inputs and per-arm diagnostics as JSON"
    )
    outputs.add_argument(
        "--plot",
        metavar="OVERLAY.png",
        help="write the overlay figure (png, pdf, svg, ...; format from the suffix)",
    )
    outputs.add_argument(
        "-q", "--quiet", action="store_true", help="print no summary (warnings still go to stderr)"
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd reconstruct``: read, reconstruct, then write every output."""
    _check_paths(args)
    plot_format = figure_format(args.plot) if args.plot else None
    curves, kwargs = _read_inputs(args)
    from kmipd.pipeline import reconstruct

    result = reconstruct(curves, warn=True, **kwargs)
    figure = _render_figure(result, plot_format) if plot_format else None
    report = _report(args, result) if args.report else None
    _write_outputs(args, result, report, figure)
    if not args.quiet:
        _print_summary(result, args, out)
    return EXIT_OK


def _check_paths(args: argparse.Namespace) -> None:
    """Fail before any work on an option combination or output path that cannot work."""
    if args.risk_times and not args.risk_table:
        raise OptionError("--risk-times needs --risk-table (the file of numbers at risk)")
    check_outputs(
        (args.curve, args.risk_table, args.risk_times, args.censor_marks),
        {"--out": args.out, "--report": args.report, "--plot": args.plot},
    )


def _read_inputs(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Curves and the ``reconstruct`` keyword arguments, arms matched to the curves."""
    from kmipd import io

    default = args.arm or "arm"
    with _reading(args.curve):
        curves = io.read_curve(args.curve, percent=args.percent, failure=args.failure, arm=args.arm)
    if args.precision is not None:
        curves = {name: _with_precision(c, args.precision) for name, c in curves.items()}
    kwargs: dict[str, Any] = {}
    if args.risk_table:
        with _reading(args.risk_table):
            tables = io.read_risk_table(args.risk_table, times=args.risk_times, arm=args.arm)
        what = f"--risk-table {args.risk_table}"
        kwargs["risk_table"] = _match_arms(tables, curves, what, default)
    if args.censor_marks:
        with _reading(args.censor_marks):
            marks = io.read_censor_marks(args.censor_marks, arm=args.arm)
        what = f"--censor-marks {args.censor_marks}"
        kwargs["censor_marks"] = _match_arms(marks, curves, what, default)
    for option, values in (("n", args.n), ("events", args.events)):
        if values:
            counts = io.parse_arm_counts(values, option=f"--{option}")
            kwargs[option] = _match_counts(counts, curves, f"--{option}", default)
    return curves, kwargs


def _with_precision(curve: Any, precision: float) -> Any:
    """The curve with its reading precision set (``--precision``)."""
    if not valid_precision(precision):
        raise OptionError(
            f"--precision must be a survival difference between 0 and 0.5, got {precision:g}; "
            "e.g. 0.0025 for one pixel of a 400-pixel axis"
        )
    return replace(curve, precision=precision)


@contextmanager
def _reading(path: str) -> Iterator[None]:
    """Turn an OS error while reading ``path`` into an :class:`InputError` naming it."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot read {exc.filename or path}: {exc.strerror or exc}") from None


def _match_arms(
    items: Mapping[str, Any], curves: Mapping[str, Any], what: str, default: str
) -> dict[str, Any]:
    """Key ``items`` by the curve's arm names.

    With one arm on each side the two are paired when either file names no
    arm; otherwise every arm of ``items`` must be an arm of the curve.
    """
    names = list(items)
    if len(curves) == 1 and len(names) == 1 and default in (*curves, *names):
        return {next(iter(curves)): items[names[0]]}
    if default in items and default not in curves:
        raise OptionError(
            f"{what}: the file names no arms but the curve has {len(curves)} arms "
            f"({arm_list(curves)}); add an arm column"
        )
    for name in names:
        if name not in curves:
            hint = " (the curve file names no arms)" if list(curves) == [default] else ""
            raise OptionError(
                f"{what}: arm {name!r} has no curve; arms in the curve: {arm_list(curves)}{hint}"
            )
    return dict(items)


def _match_counts(
    counts: Mapping[str | None, int], curves: Mapping[str, Any], option: str, default: str
) -> dict[str, int]:
    """Key ``--n`` / ``--events`` values by arm; a bare number needs a single-arm curve."""
    matched: dict[str, int] = {}
    for name, count in counts.items():
        if name is None:
            if len(curves) != 1:
                raise OptionError(
                    f"{option} {count}: a bare number needs a single-arm curve, but the curve "
                    f"has {len(curves)} arms ({arm_list(curves)}); write {option} ARM={count}"
                )
            name = next(iter(curves))
        elif name not in curves:
            hint = ""
            if list(curves) == [default]:
                hint = " (the curve file names no arms: give a bare number, or name it with --arm)"
            raise OptionError(
                f"{option} {name}={count}: arm {name!r} has no curve; "
                f"arms: {arm_list(curves)}{hint}"
            )
        matched[name] = count
    return matched


def _render_figure(result: ReconstructionResult, plot_format: str) -> bytes:
    """The overlay figure as bytes, drawn before any file is written."""
    import io as _io

    import matplotlib.pyplot as plt

    from kmipd.plot import plot_reconstruction

    figure = plot_reconstruction(result)
    try:
        buffer = _io.BytesIO()
        figure.savefig(buffer, format=plot_format, dpi=150, bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _report(args: argparse.Namespace, result: ReconstructionResult) -> dict[str, Any]:
    """The JSON report: version, inputs (file names and options) and per-arm diagnostics."""
    inputs = {
        "curve": args.curve,
        "risk_table": args.risk_table,
        "risk_times": args.risk_times,
        "censor_marks": args.censor_marks,
        "n": list(args.n),
        "events": list(args.events),
        "percent": args.percent,
        "failure": args.failure,
        "arm": args.arm,
    }
    arms = {name: arm.diagnostics.to_dict() for name, arm in result.arms.items()}
    return {"kmipd_version": __version__, "inputs": inputs, "arms": arms}


def _write_outputs(
    args: argparse.Namespace,
    result: ReconstructionResult,
    report: dict[str, Any] | None,
    figure: bytes | None,
) -> None:
    """Write the figure, the report, then the IPD last (its presence means success)."""
    from kmipd import io

    if figure is not None:
        with writing(args.plot), io.atomic_write(args.plot, "wb") as handle:
            handle.write(figure)
    if report is not None:
        with writing(args.report):
            io.write_json(args.report, report)
    with writing(args.out):
        io.write_ipd(args.out, ((name, arm.time, arm.event) for name, arm in result.arms.items()))


def _print_summary(result: ReconstructionResult, args: argparse.Namespace, out: TextIO) -> None:
    header = ("arm", "n", "events", "censored", "max |dS|")
    rows = [
        (name, str(d.n), str(d.n_events), str(d.n_censored), f"{d.max_abs_error:.4f}")
        for name, d in ((name, arm.diagnostics) for name, arm in result.arms.items())
    ]
    print_table([header, *rows], out, widths=(0, 6, 6, 8, 8))
    written = [path for path in (args.out, args.report, args.plot) if path]
    out.write(f"wrote {', '.join(written)}\n")
