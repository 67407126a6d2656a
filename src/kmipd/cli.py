"""The ``kmipd`` command-line tool.

One function per subcommand (``_cmd_<name>``) registered in :data:`COMMANDS`;
``main`` parses the arguments, runs the command and turns kmipd's errors into
``error: ...`` lines and exit status 2. Heavy modules (NumPy, kmipd.io,
matplotlib) are imported inside the command functions so that ``--help``
starts fast; pandas, SciPy and lifelines are never imported here.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kmipd import __version__
from kmipd.errors import InputError, KmipdError, OptionError

if TYPE_CHECKING:
    from kmipd.types import ReconstructionResult

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2

_DEBUG_VARIABLE = "KMIPD_DEBUG"

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
"""
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the epilog's layout; wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kmipd",
        description=(
            "Rebuild patient-level data from published Kaplan-Meier figures, and analyse it."
        ),
        epilog="Run 'kmipd COMMAND --help' for the options of a command.",
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"kmipd {__version__}", help="show the version"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (add_arguments, _) in COMMANDS.items():
        add_arguments(commands, name)
    return parser


def _add_reconstruct(commands: Any, name: str) -> None:
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
        formatter_class=_Formatter,
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
    counts.add_argument(
        "--n",
        action="extend",
        nargs="+",
        default=[],
        metavar="ARM=N",
        help="patients at time 0 per arm, needed when there is no risk-table row at 0; "
        "a bare N for a single-arm curve",
    )
    counts.add_argument(
        "--events",
        action="extend",
        nargs="+",
        default=[],
        metavar="ARM=E",
        help="reported total events per arm, matched exactly; a bare E for a single-arm curve",
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


# --------------------------------------------------------------------------- reconstruct


def _cmd_reconstruct(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd reconstruct``: read, reconstruct, then write every output."""
    _check_paths(args)
    plot_format = _plot_format(args.plot) if args.plot else None
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
    outputs = {"--out": args.out, "--report": args.report, "--plot": args.plot}
    seen: dict[Path, str] = {}
    inputs = (args.curve, args.risk_table, args.risk_times, args.censor_marks)
    for option, value in outputs.items():
        if value is None:
            continue
        path = Path(value)
        key = path.resolve()
        if key in seen:
            raise OptionError(f"{option} and {seen[key]} name the same file {value!r}")
        if any(key == Path(name).resolve() for name in inputs if name):
            raise OptionError(f"{option} {value!r} is an input file; give another output path")
        parent = path.parent
        if not parent.is_dir():
            raise OptionError(f"{option} {value!r}: the folder {str(parent)!r} does not exist")
        if path.is_dir():
            raise OptionError(f"{option} {value!r} is a folder; give a file name")
        seen[key] = option


def _plot_format(path: str) -> str:
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    from kmipd.plot import figure_format

    try:
        return figure_format(path)
    except ValueError as exc:
        raise OptionError(f"--plot {path!r}: {exc}") from None


def _read_inputs(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Curves and the ``reconstruct`` keyword arguments, arms matched to the curves."""
    from kmipd import io

    default = args.arm or "arm"
    with _reading(args.curve):
        curves = io.read_curve(args.curve, percent=args.percent, failure=args.failure, arm=args.arm)
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
            f"({_arm_list(curves)}); add an arm column"
        )
    for name in names:
        if name not in curves:
            hint = " (the curve file names no arms)" if list(curves) == [default] else ""
            raise OptionError(
                f"{what}: arm {name!r} has no curve; arms in the curve: {_arm_list(curves)}{hint}"
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
                    f"has {len(curves)} arms ({_arm_list(curves)}); write {option} ARM={count}"
                )
            name = next(iter(curves))
        elif name not in curves:
            hint = ""
            if list(curves) == [default]:
                hint = " (the curve file names no arms: give a bare number, or name it with --arm)"
            raise OptionError(
                f"{option} {name}={count}: arm {name!r} has no curve; "
                f"arms: {_arm_list(curves)}{hint}"
            )
        matched[name] = count
    return matched


def _arm_list(curves: Mapping[str, Any]) -> str:
    return ", ".join(repr(name) for name in curves)


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
        with _writing(args.plot), io.atomic_write(args.plot, "wb") as handle:
            handle.write(figure)
    if report is not None:
        with _writing(args.report):
            io.write_json(args.report, report)
    with _writing(args.out):
        io.write_ipd(args.out, ((name, arm.time, arm.event) for name, arm in result.arms.items()))


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """Turn an OS error while writing ``path`` into an :class:`OptionError` naming it."""
    try:
        yield
    except OSError as exc:
        raise OptionError(f"cannot write {path}: {exc.strerror or exc}") from None


def _print_summary(result: ReconstructionResult, args: argparse.Namespace, out: TextIO) -> None:
    header = ("arm", "n", "events", "censored", "max |dS|")
    rows = [
        (name, str(d.n), str(d.n_events), str(d.n_censored), f"{d.max_abs_error:.4f}")
        for name, d in ((name, arm.diagnostics) for name, arm in result.arms.items())
    ]
    width = max(len(row[0]) for row in [header, *rows])
    for row in [header, *rows]:
        out.write(f"{row[0]:<{width}}  {row[1]:>6}  {row[2]:>6}  {row[3]:>8}  {row[4]:>8}\n")
    written = [path for path in (args.out, args.report, args.plot) if path]
    out.write(f"wrote {', '.join(written)}\n")


# --------------------------------------------------------------------------- analyze

_ANALYZE_EPILOG = """\
input:
  IPD.csv       CSV with a header naming the columns arm, time and event, in any order
                (kmdata's files are time,event,arm); one row per patient; event 1 = event,
                0 = censored; times >= 0. Delimiter ',', ';' or tab.

outputs:
  --json        {"kmipd_version", "input", "arms": {ARM: {n, events, median, landmarks,
                rmst}}, "comparisons": [each arm vs the reference: hazard_ratio, logrank,
                rmst_difference, proportional_hazards, piecewise_hazard_ratios],
                "logrank_overall", "tau", "reference", "confidence_level"}; landmark keys
                are the times as given on the command line. Landmarks beyond an arm's
                follow-up are reported as not estimable (with a warning).
  --plot        the Kaplan-Meier curves of all arms with numbers at risk (png, svg or
                pdf, from the suffix).
  Nothing is written unless the whole analysis succeeds.

exit status: 0 success; 2 bad input or option (an 'error:' line; nothing written);
1 internal error.

examples:
  kmipd analyze TH3RESA_2A.csv --json th3resa.json --reference physicians_choice \\
      --landmarks 2,6,12 --tau 18 --plot th3resa_km.png --time-unit months
"""

_PLOT_FORMATS = ("png", "svg", "pdf")


def _add_analyze(commands: Any, name: str) -> None:
    """Register ``kmipd analyze``."""
    sub = commands.add_parser(
        name,
        help="survival statistics of patient-level data (arm,time,event)",
        description=(
            "Kaplan-Meier estimates, medians, landmark survival and early-event proportions,\n"
            "RMST, hazard ratios, log-rank and proportional-hazards tests of every arm in a\n"
            "CSV of patient-level data, each arm against the reference arm."
        ),
        epilog=_ANALYZE_EPILOG,
        formatter_class=_Formatter,
    )
    sub.add_argument("ipd", metavar="IPD.csv", help="patient-level data (columns arm,time,event)")
    options = sub.add_argument_group("analysis")
    options.add_argument(
        "--reference", metavar="ARM", help="reference arm (default: the first arm in the file)"
    )
    options.add_argument(
        "--landmarks",
        action="extend",
        nargs="+",
        default=[],
        metavar="T1,T2",
        help="times at which to report survival and the proportion with an event",
    )
    options.add_argument("--tau", metavar="T", help="restriction time of the RMST")
    options.add_argument(
        "--cuts",
        action="extend",
        nargs="+",
        default=[],
        metavar="C1,C2",
        help="increasing times that split follow-up for piecewise hazard ratios",
    )
    options.add_argument("--confidence-level", default="0.95", metavar="LEVEL", help="default 0.95")
    options.add_argument(
        "--time-unit", metavar="UNIT", help="unit of the times, for labels (e.g. months)"
    )
    outputs = sub.add_argument_group("outputs")
    outputs.add_argument("--json", required=True, metavar="OUT.json", help="write the results")
    outputs.add_argument("--plot", metavar="KM.png", help="write the Kaplan-Meier figure")
    outputs.add_argument(
        "--no-pvalue", action="store_true", help="leave the log-rank p-value off the figure"
    )
    outputs.add_argument("-q", "--quiet", action="store_true", help="print no table")


def _cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd analyze``: read, analyse, draw, then write."""
    landmarks = _times(args.landmarks, "--landmarks")
    cuts = _times(args.cuts, "--cuts", increasing=True)
    tau = _times([args.tau], "--tau")[0][1] if args.tau else None
    level = _level(args.confidence_level)
    _check_outputs(args.ipd, {"--json": args.json, "--plot": args.plot})
    if args.plot:
        _figure_suffix(args.plot)
    from kmipd.study import read_ipd

    data = read_ipd(args.ipd)
    reference = args.reference or next(iter(data))
    if reference not in data:
        raise OptionError(
            f"--reference {reference!r}: no such arm in {args.ipd}; arms: {_arm_list(data)}"
        )
    data = {reference: data[reference], **data}  # the reference first
    from kmipd.analysis import analyze
    from kmipd.study._landmarks import follow_up, rekey_landmarks

    values = tuple(value for _, value in landmarks)
    result = analyze(
        data,
        reference=reference,
        landmarks=values,
        tau=tau,
        cuts=tuple(value for _, value in cuts),
        confidence_level=level,
    )
    ends = {arm: follow_up(time) for arm, (time, _) in data.items()}
    _warn_follow_up(landmarks, ends, args.time_unit)
    labels = tuple(text for text, _ in landmarks)
    content = {
        "kmipd_version": __version__,
        "input": {
            "file": args.ipd,
            "arms": list(data),
            "reference": reference,
            "landmarks": list(values),
            "tau": tau,
            "cuts": [value for _, value in cuts],
            "confidence_level": level,
            "time_unit": args.time_unit,
        },
        **rekey_landmarks(result.to_dict(), labels, values, ends),
    }
    _write_analysis(args, result, content)
    if not args.quiet:
        _print_analysis(content, out)
        out.write(f"wrote {', '.join(path for path in (args.json, args.plot) if path)}\n")
    return EXIT_OK


def _times(values: Sequence[str], option: str, *, increasing: bool = False) -> list[Any]:
    """``(text, value)`` of comma- or space-separated times > 0, each given once."""
    texts = [text.strip() for value in values for text in value.split(",") if text.strip()]
    out: list[tuple[str, float]] = []
    for text in texts:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (value > 0 and value < float("inf")):
            raise OptionError(f"{option} {text!r}: give times as numbers > 0, e.g. {option} 6,12")
        if any(value == seen for _, seen in out):
            raise OptionError(f"{option}: {text} is given twice; give each time once")
        if increasing and out and value < out[-1][1]:
            raise OptionError(f"{option}: times must increase ({out[-1][0]} then {text})")
        out.append((text, value))
    return out


def _level(text: str) -> float:
    try:
        level = float(text)
    except ValueError:
        level = float("nan")
    if not 0 < level < 1:
        raise OptionError(f"--confidence-level {text!r}: give a number between 0 and 1, e.g. 0.95")
    return level


def _check_outputs(source: str, outputs: Mapping[str, str | None]) -> None:
    """Output paths that can be written and differ from each other and from the input."""
    seen: dict[Path, str] = {}
    for option, value in outputs.items():
        if value is None:
            continue
        path = Path(value)
        key = path.resolve()
        if key in seen:
            raise OptionError(f"{option} and {seen[key]} name the same file {value!r}")
        if key == Path(source).resolve():
            raise OptionError(f"{option} {value!r} is the input file; give another output path")
        if not path.parent.is_dir():
            raise OptionError(f"{option} {value!r}: the folder {str(path.parent)!r} does not exist")
        if path.is_dir():
            raise OptionError(f"{option} {value!r} is a folder; give a file name")
        seen[key] = option


def _figure_suffix(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in _PLOT_FORMATS:
        raise OptionError(
            f"--plot {path!r}: end the file name in {', '.join('.' + f for f in _PLOT_FORMATS)}"
        )
    return suffix


def _warn_follow_up(
    landmarks: Sequence[tuple[str, float]], ends: Mapping[str, float], unit: str | None
) -> None:
    from kmipd.study import StudyWarning

    units = f" {unit}" if unit else ""
    for arm, end in ends.items():
        for text, value in landmarks:
            if value > end:
                warnings.warn(
                    f"arm {arm!r}: landmark {text}{units} is beyond its follow-up (last time "
                    f"{end:g}{units}); reported as not estimable",
                    StudyWarning,
                    stacklevel=2,
                )


def _write_analysis(args: argparse.Namespace, result: Any, content: dict[str, Any]) -> None:
    """Draw the figure into a temporary folder, write the JSON, then move the figure in place."""
    import tempfile

    from kmipd import io

    if not args.plot:
        with _writing(args.json):
            io.write_json(args.json, content)
        return
    target = Path(args.plot)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".kmipd-") as folder:
        drawn = _save_km(result, args, Path(folder) / target.stem)
        with _writing(args.json):
            io.write_json(args.json, content)
        with _writing(args.plot):
            os.replace(drawn, target)


def _save_km(result: Any, args: argparse.Namespace, stem: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    from kmipd.plot import plot_km, save_figures

    overall = getattr(result, "logrank_overall", None)
    pvalue = None if args.no_pvalue or len(result.arms) < 2 else getattr(overall, "pvalue", None)
    figure = plot_km(
        {arm: summary.km for arm, summary in result.arms.items()},
        pvalue=pvalue,
        time_unit=args.time_unit,
    )
    try:
        paths = save_figures(figure, stem, formats=(_figure_suffix(args.plot),))
    finally:
        plt.close(figure)
    return Path(paths[0])


def _print_analysis(content: Mapping[str, Any], out: TextIO) -> None:
    from kmipd.report._format import ci_text, hr_text, pvalue, time_text

    level = f"{100 * content['input']['confidence_level']:g}% CI"
    arms = content.get("arms", {})
    rows: list[tuple[str, ...]] = [("arm", "n", "events", f"median ({level})")]
    for name, arm in arms.items():
        median = arm.get("median") or {}
        text = f"{time_text(median.get('estimate'))} {ci_text(median.get('ci'), dash='-')}"
        rows.append((name, str(arm.get("n")), str(arm.get("events")), text.strip()))
    _table(rows, out)
    comparisons = content.get("comparisons") or []
    if comparisons:
        out.write("\n")
        rows = [("comparison", f"HR ({level})", "log-rank p")]  # a new table
        for item in comparisons:
            hr = item.get("hazard_ratio") or {}
            ratio = f"{hr_text(hr.get('estimate'))} {ci_text(hr.get('ci'), hr_text, dash='-')}"
            p = pvalue((item.get("logrank") or {}).get("pvalue"))
            rows.append((f"{item.get('arm')} vs {item.get('reference')}", ratio.strip(), p))
        _table(rows, out)


def _table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.write("  ".join(cells).rstrip() + "\n")


# --------------------------------------------------------------------------- run

_RUN_EPILOG = """\
study file (TOML; paths are relative to it):
  title = "HER2-positive MBC, second line and later"
  time_unit = "months"            # days, weeks, months or years
  landmarks = [2, 6, 12]          # survival and early-event proportions at these times
  tau = 24                        # RMST restriction time
  # cuts = [6, 12]                # piecewise hazard ratios; confidence_level = 0.95
  # show_pvalue = false           # overall log-rank p on each figure (cross-trial: off)

  [[arm]]
  id = "th3resa_tdm1"             # letters, digits, _ - . (names ipd/<id>.csv)
  trial = "TH3RESA"
  label = "T-DM1"
  endpoint = "PFS"
  ipd = "data/TH3RESA_2A.csv"     # columns arm,time,event in any order ...
  select = "trastuzumab_emtansine"  # ... the arm's value in the arm column
  # time_unit = "days"            # converted to the study's unit

  [[arm]]
  id = "trialb_control"
  trial = "TRIAL-B"
  label = "Control"
  endpoint = "PFS"
  curve = "data/trialb_curve.csv" # or a digitized curve, reconstructed first,
  risk_table = "data/trialb_risk.csv"  # with its numbers at risk (or n = ...)
  events = 120                    # optional: n, events, censor_marks, percent, failure

  [[comparison]]
  arms = ["th3resa_tdm1", "trialb_control"]  # the FIRST arm is the reference
  # label = "..."

outputs in DIR: results.json, km_<endpoint>.png/.svg/.pdf, ipd/<arm id>.csv
  (arm,time,event) and report.html (self-contained). Each endpoint's arms are
  analysed together against its first arm; each [[comparison]] on its own.
  Everything is built in a temporary folder beside DIR and then moved in: a new DIR
  appears whole; in an existing DIR only the files of this run are replaced (each
  atomically), other files stay. On an error nothing is written. Re-running gives
  identical files apart from the "generated" timestamp (set SOURCE_DATE_EPOCH to
  fix it).

exit status: 0 success; 2 bad study file or data (an 'error:' line names the file,
the arm and the key); 1 internal error.
"""


def _add_run(commands: Any, name: str) -> None:
    """Register ``kmipd run``."""
    sub = commands.add_parser(
        name,
        help="run a study file: reconstruct, analyse, draw and report",
        description=(
            "Run a study file (TOML): read and check every arm's data, reconstruct the\n"
            "digitized curves, analyse each endpoint and each comparison, and write the\n"
            "results, figures, patient-level data and an HTML report into one folder."
        ),
        epilog=_RUN_EPILOG,
        formatter_class=_Formatter,
    )
    sub.add_argument("study", metavar="STUDY.toml", help="the study file")
    sub.add_argument("--out", required=True, metavar="DIR", help="the output folder")
    sub.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines (warnings still shown)"
    )


def _cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd run``."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    from kmipd.pipeline import run_study

    def progress(message: str) -> None:
        sys.stderr.write(f"kmipd run: {message}\n")
        sys.stderr.flush()

    run = run_study(
        args.study,
        args.out,
        progress=None if args.quiet else progress,
        generated=_source_date(),
    )
    if not args.quiet:
        out.write(f"wrote {len(run.files)} files; open {run.out / 'report.html'}\n")
    return EXIT_OK


def _source_date() -> Any:
    """The time in ``SOURCE_DATE_EPOCH`` (reproducible builds), else None (now)."""
    from datetime import UTC, datetime

    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return None
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (ValueError, OverflowError, OSError):
        raise OptionError(
            f"SOURCE_DATE_EPOCH={text!r} is not a number of seconds since 1970; unset it"
        ) from None


# --------------------------------------------------------------------------- main

Command = Callable[[argparse.Namespace, TextIO], int]
COMMANDS: dict[str, tuple[Callable[[Any, str], None], Command]] = {
    "reconstruct": (_add_reconstruct, _cmd_reconstruct),
    "analyze": (_add_analyze, _cmd_analyze),
    "run": (_add_run, _cmd_run),
}


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
