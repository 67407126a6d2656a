"""Give each risk-table row to its arm and turn it into a RiskTable."""

from __future__ import annotations

import collections
import difflib
import itertools
import re
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._arms import ArmDraft
from kmipd.digitize._risk import RiskLine, RiskRow
from kmipd.digitize._text import fix_letters, join_words
from kmipd.types import RiskTable

__all__ = ["assign_rows", "count_kind", "regroup", "repeats_times", "to_table"]

# row labels that name what a row counts, not the arm (tables grouped by arm)
_AT_RISK = re.compile(r"(no\.?|number|n|patients|subjects)?\s*(at|@)\s*risk")
_COUNTED = r"(no\.?( of)?|number( of)?|n|cumulative)?\s*"
_EVENTS = re.compile(_COUNTED + r"(events?|deaths?|died|progressed)")
_CENSORED = re.compile(_COUNTED + r"censored")
# a label a letter or two from one of these names that count (OCR of small text drops
# or mistakes letters: "A risk", "AK risk" for "At risk")
_NEAR_LABELS = {
    "at risk": "at risk",
    "no. at risk": "at risk",
    "number at risk": "at risk",
    "censored": "censored",
    "events": "events",
    "deaths": "events",
}
_NEAR = 0.8  # least similarity (difflib's ratio) of a label to a name above


def count_kind(label: str) -> str | None:
    """What a row label names if it names a count, not an arm (None otherwise).

    Returns 'at risk', 'events' or 'censored'. A label a letter or two from
    a usual one ("A risk", "Censorcd") names that count too.
    """
    text = " ".join(label.lower().replace(":", " ").split())
    if _AT_RISK.fullmatch(text):
        return "at risk"
    if _EVENTS.fullmatch(text):
        return "events"
    if _CENSORED.fullmatch(text):
        return "censored"
    near = [
        (difflib.SequenceMatcher(None, text, name).ratio(), kind)
        for name, kind in _NEAR_LABELS.items()
    ]
    likeness, kind = max(near)
    return kind if likeness >= _NEAR else None


def repeats_times(row: RiskRow) -> bool:
    """Whether a row's numbers are the times of the ticks they stand under (a time header).

    Some tables print the times again above their rows. Counts at risk never
    rise, so a row of two or more numbers that rise with, and equal, their
    times is no arm's row.
    """
    pairs = [(c.value, c.time) for c in row.cells if c.value is not None and c.time is not None]
    rising = all(b[0] > a[0] for a, b in itertools.pairwise(pairs))
    return len(pairs) >= 2 and rising and all(abs(v - t) < 1e-9 for v, t in pairs)


def regroup(
    rows: list[RiskRow], lines: list[RiskLine], ink: npt.NDArray[np.float64] | None = None
) -> tuple[list[RiskRow], int, list[RiskRow]]:
    """Rows of a table grouped by arm, each labelled with its group's heading.

    Some tables (lifelines' ``add_at_risk_counts``) print each arm's name on
    a line of its own, then rows labelled "At risk", "Censored", "Events".
    When a table has rows of other counts, or several "At risk" rows, an "At
    risk" row takes its name from the heading: the nearest text line above
    it, below the row before it, that holds no number and names no count
    (``ink`` helps read a faint underscore in it). Rows of other counts are
    set aside; an "At risk" row with no heading keeps no label.

    Returns
    -------
    rows : list of RiskRow
        The rows of numbers at risk.
    set_aside : int
        How many rows of other counts were set aside.
    events : list of RiskRow
        The rows of cumulative events, each labelled with its group's
        heading (the label of that group's "At risk" row).
    """
    kinds = [count_kind(row.label) for row in rows]
    other = [k in ("events", "censored") for k in kinds]
    if not any(other) and kinds.count("at risk") < 2:
        return rows, 0, []
    order = sorted(lines, key=lambda line: line.row)
    tops = sorted(row.line.row for row in rows)
    out, events, heading = [], [], ""
    for row, kind in zip(rows, kinds, strict=True):
        if kind == "at risk":
            heading = _heading(row, order, tops, ink)
            row = replace(row, label=heading)
        if kind == "events" and heading:
            events.append(replace(row, label=heading))
        if kind not in ("events", "censored"):
            out.append(row)
    return out, sum(other), events


def _heading(
    row: RiskRow,
    lines: list[RiskLine],
    tops: list[float],
    ink: npt.NDArray[np.float64] | None,
) -> str:
    """The text of the line right above a row and below the row before it ('' if none)."""
    earlier = [t for t in tops if t < row.line.row]
    floor = earlier[-1] if earlier else -np.inf
    above = [line for line in lines if floor < line.row < row.line.row and line.words]
    if not above:
        return ""
    words = list(above[-1].words)
    text = fix_letters(join_words(words, ink))
    numeric = any(re.fullmatch(r"\d+", w.text.strip()) for w in words)
    return "" if numeric or count_kind(text) is not None else text


_ALIKE = str.maketrans({"l": "i", "1": "i", "|": "i", "!": "i", "0": "o"})
# characters OCR takes for each other in small type ("gcl" for "gci"), compared as one


def _likeness(label: str, name: str) -> float:
    """How alike a row label and an arm name read (0-1), OCR's look-alike letters as one."""
    return difflib.SequenceMatcher(
        None, label.lower().translate(_ALIKE), name.lower().translate(_ALIKE)
    ).ratio()


WEAK_LABEL = 0.9
"""Likeness of a row label to its arm's name below which the match is loose (a letter or
more apart in a name of up to ten): such rows may be dealt again by how they fit the curves."""


def _by_label(rows: list[RiskRow], names: list[str]) -> dict[int, tuple[int, float]]:
    """Row index -> (arm index, likeness), by how well row labels match arm names (0.6 or more).

    The best-matching pairs are taken first, each row and arm once: a row
    labelled "et" goes to the arm "et", not to "et_b", which is nearly as
    like it. An arm two free labels match equally well decides nothing:
    those rows and that arm are left to the other rules (rows "ct" and "cb"
    against names "c!" and "ctb" both match "ctb" best). A label that
    matches two free arms equally well goes to the earlier arm.
    """
    pairs = sorted(
        (
            (round(_likeness(row.label, name), 9), r, a)
            for r, row in enumerate(rows)
            if row.label and count_kind(row.label) is None
            for a, name in enumerate(names)
        ),
        key=lambda p: (-p[0], p[1], p[2]),  # within a likeness: the earlier row, then arm
    )
    out: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()  # arms given a row
    tied_rows: set[int] = set()
    tied_arms: set[int] = set()
    for score, group in itertools.groupby(pairs, key=lambda p: p[0]):
        if score < 0.6:
            break
        free = [
            (r, a)
            for _, r, a in group
            if r not in out and a not in taken and r not in tied_rows and a not in tied_arms
        ]
        per_arm = collections.Counter(a for _, a in free)
        for r, a in free:
            if per_arm[a] > 1:
                tied_rows.add(r)
                tied_arms.add(a)
        for r, a in free:  # a label as like two names goes to the earlier arm, as before
            if r in out or r in tied_rows or a in tied_arms or a in taken:
                continue
            out[r] = (a, score)
            taken.add(a)
    return out


def assign_rows(
    rows: list[RiskRow],
    drafts: list[ArmDraft],
    names: list[str],
    warnings: list[str],
    guessed: set[int] | None = None,
    loosely: set[int] | None = None,
) -> dict[int, RiskRow]:
    """Which risk-table row belongs to which arm (by index into ``drafts``).

    A row goes to the arm of its colour key, else to the arm whose name its
    label matches, else (same number of rows and arms) to the arm in the same
    position, with a warning.

    Parameters
    ----------
    rows : list of RiskRow
        Top to bottom.
    drafts : list of ArmDraft
    names : list of str
        Arm names, in the order of ``drafts``.
    warnings : list of str
        Appended to.
    guessed : set of int, optional
        Receives the arms given a row by position.
    loosely : set of int, optional
        Receives the arms given a row by a label only loosely like their
        name (likeness below ``WEAK_LABEL``).

    Returns
    -------
    dict of int to RiskRow
    """
    out: dict[int, RiskRow] = {}
    loose: list[RiskRow] = []
    colour_of = {d.colour: i for i, d in enumerate(drafts)}
    keyless = [i for i, row in enumerate(rows) if row.line.swatch is None]
    labelled = _by_label([rows[i] for i in keyless], names)
    by_label = {keyless[r]: a for r, (a, _) in labelled.items()}
    weak = {keyless[r] for r, (_, score) in labelled.items() if score < WEAK_LABEL}
    for i, row in enumerate(rows):
        key = row.line.swatch
        arm = colour_of.get(key.colour) if key is not None else by_label.get(i)
        if arm is None and len(rows) == 1 and len(drafts) == 1:
            arm = 0
        if arm is None or arm in out:
            loose.append(row)
        else:
            out[arm] = row
            if loosely is not None and key is None and i in weak:
                loosely.add(arm)
    free = [i for i in range(len(drafts)) if i not in out]
    if loose and len(loose) == len(free):
        for i, row in zip(free, loose, strict=True):
            out[i] = row
        if guessed is not None:
            guessed.update(free)
        warnings.append(
            f"risk-table rows given to arms by position ({len(loose)} row(s)); check the arm order"
        )
    elif loose:
        warnings.append(f"{len(loose)} risk-table row(s) could not be matched to an arm")
    return dict(sorted(out.items()))


MIN_CELL_CONFIDENCE = 0.2  # below it, a number read is about as often wrong as right


def to_table(row: RiskRow, name: str, warnings: list[str]) -> tuple[RiskTable | None, float]:
    """The numbers at risk of one row, and a confidence.

    Cells that could not be read, were read with a confidence below
    ``MIN_CELL_CONFIDENCE``, or fall on a time already taken by a surer one
    (a number off its tick is read with half the confidence), are left out
    with a warning; a count that rises over time is kept but lowers the
    confidence.
    """
    cells = [c for c in row.cells if c.value is not None and c.time is not None]
    unread = len(row.cells) - len(cells)
    unsure = [c for c in cells if c.confidence < MIN_CELL_CONFIDENCE]
    if unsure:  # kept in the cells (overlay, JSON) but not handed on as counts
        warnings.append(
            f"arm {name!r}: {len(unsure)} risk-table number(s) read with confidence below "
            f"{MIN_CELL_CONFIDENCE:g} left out (first at time {unsure[0].time:g}); check "
            "the overlay or give --risk-table"
        )
        cells = [c for c in cells if c.confidence >= MIN_CELL_CONFIDENCE]
    before = [c for c in cells if c.time is not None and c.time < 0]
    if before:  # left of time 0: a row label or key read as a number, not a count
        warnings.append(
            f"arm {name!r}: {len(before)} number(s) left of time 0 in the risk table ignored"
        )
        cells = [c for c in cells if c not in before]
    times: dict[float, tuple[int, float]] = {}
    for cell in cells:
        assert cell.time is not None and cell.value is not None
        if cell.time in times:
            warnings.append(
                f"arm {name!r}: two risk-table numbers at time {cell.time:g}; the surer "
                "(nearer its tick) is kept"
            )
            if cell.confidence <= times[cell.time][1]:
                continue
        times[cell.time] = (cell.value, cell.confidence)
    if unread:
        warnings.append(f"arm {name!r}: {unread} risk-table number(s) could not be read")
    if not times:
        return None, 0.0
    order = sorted(times)
    counts = np.array([times[t][0] for t in order])
    confidence = float(np.mean([times[t][1] for t in order])) * len(times) / len(row.cells)
    if np.any(np.diff(counts) > 0):
        keep = _longest_non_increasing(counts)
        dropped = [f"{counts[i]} at {order[i]:g}" for i in range(len(order)) if i not in keep]
        warnings.append(
            f"arm {name!r}: the numbers at risk read rise over time; left out as misread: "
            f"{', '.join(dropped)} — check them or give --risk-table"
        )
        order = [order[i] for i in keep]
        counts = counts[keep]
        confidence *= 0.5
    table = RiskTable(time=np.array(order), n_at_risk=counts, arm=name)
    return table, confidence


def _longest_non_increasing(values: np.ndarray) -> list[int]:
    """Indices of the longest non-increasing subsequence (earliest on ties)."""
    size = len(values)
    length = [1] * size
    previous = [-1] * size
    for i in range(size):
        for j in range(i):
            if values[j] >= values[i] and length[j] + 1 > length[i]:
                length[i], previous[i] = length[j] + 1, j
    i = int(np.argmax(length))
    chain = []
    while i >= 0:
        chain.append(i)
        i = previous[i]
    return chain[::-1]
