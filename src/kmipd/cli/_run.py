"""``kmipd run``: run a study file end to end."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO

from kmipd.cli._common import EXIT_OK, Formatter, use_agg
from kmipd.errors import OptionError

__all__ = ["add_arguments", "run"]

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
  events = 120                    # optional: n, events, censor_marks, percent, failure,
                                  # precision (of a traced curve, as a probability)

  [[arm]]
  id = "trialc_treated"
  trial = "TRIAL-C"
  label = "Treated"
  endpoint = "PFS"
  figure = "figures/trialc_fig2.pdf"  # or read straight from the KM figure (PNG, PDF, SVG)
  page = 1                        # PDF page
  panel = 2                       # of a figure with panels A, B, ...: which (from 1)
  select = "Treated"              # the arm's name as the legend reads; risk_table,
                                  # censor_marks, n, events override what was read

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


def add_arguments(commands: Any, name: str) -> None:
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
        formatter_class=Formatter,
    )
    sub.add_argument("study", metavar="STUDY.toml", help="the study file")
    sub.add_argument("--out", required=True, metavar="DIR", help="the output folder")
    sub.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines (warnings still shown)"
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd run``."""
    use_agg()
    from kmipd.pipeline import run_study

    def progress(message: str) -> None:
        sys.stderr.write(f"kmipd run: {message}\n")
        sys.stderr.flush()

    done = run_study(
        args.study,
        args.out,
        progress=None if args.quiet else progress,
        generated=_source_date(),
    )
    if not args.quiet:
        out.write(f"wrote {len(done.files)} files; open {done.out / 'report.html'}\n")
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
