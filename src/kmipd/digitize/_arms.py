"""Which traced curves are arms, in what order and under what names."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kmipd.digitize._colours import InkColour, is_grey, to_lab
from kmipd.digitize._legend import LegendEntry
from kmipd.digitize._trace import Trace

__all__ = ["ArmDraft", "choose_arms", "same_hue"]

_NEAR = 2.0  # pen widths within which two traces run together
_JOIN_REACH = 3.0  # pen widths (+ 2 px) between one trace's end and the next one's start
_MOSTLY_UNSEEN = 0.5  # an unlisted trace whose ink spans less of the panel is no arm
_SHADE_SHARE = 0.5  # a same-hue curve with at most this share of an arm's ink is its shade
_SPARSE_INK = 0.8  # strong pixels per column of its extent an unlisted curve has, at least


@dataclass(frozen=True)
class ArmDraft:
    """An arm before its values are read: colour, trace and legend entry.

    ``limits`` are the colour indices of its confidence limits (its colour in
    a broken style): censor marks split off with the dashes are sought there too.
    """

    colour: int
    trace: Trace | None
    entry: LegendEntry | None
    limits: tuple[int, ...] = ()


def _middle_level(trace: Trace) -> float:
    """Row of the curve at the middle of its extent (to order arms top to bottom)."""
    middle = (trace.first_col + trace.last_col) / 2.0
    return float(trace.level(np.array([middle]))[0])


def _coincides(a: Trace, b: Trace) -> bool:
    """Whether two traces run within two pen widths of each other over 70 % of ``a``."""
    lo, hi = max(a.first_col, b.first_col), min(a.last_col, b.last_col)
    if hi - lo < 0.7 * (a.last_col - a.first_col):
        return False
    cols = np.arange(lo, hi + 1, dtype=float)
    gap = np.abs(a.level(cols) - b.level(cols))
    return bool(np.mean(gap <= _NEAR * max(a.thickness, b.thickness)) >= 0.7)


def _continues(tail: Trace, head: Trace) -> bool:
    """Whether ``tail`` picks up where ``head`` stops, at its level.

    A thin curve running along the x axis at the end of follow-up is blended
    with the axis into a paler shade of its colour.
    """
    pen = max(tail.thickness, head.thickness)
    reach = _JOIN_REACH * pen + 2.0
    if not head.last_col - reach <= tail.first_col <= head.last_col + reach:
        return False
    if tail.last_col <= head.last_col + reach:
        return False
    join = np.array([float(min(tail.first_col, head.last_col))])
    gap = abs(float(tail.level(join + 1.0)[0]) - float(head.level(join)[0]))
    return gap <= _NEAR * pen


def _joins(trace: Trace, other: Trace | None) -> bool:
    """Whether one of the two traces continues the other."""
    return other is not None and (_continues(trace, other) or _continues(other, trace))


def _join_either(first: Trace, second: Trace) -> Trace:
    """The two traces as one, whichever comes first."""
    return _joined(first, second) if _continues(second, first) else _joined(second, first)


def _is_speck_of(trace: Trace, colour: InkColour, arm: ArmDraft, colours: list[InkColour]) -> bool:
    """Whether a curve is a minor shade of an arm's pen running along it.

    JPEG splits one pen into a main colour and a darker or paler shade along
    its edges; two real arms of one hue have ink of a like amount.
    """
    main = colours[arm.colour]
    return (
        arm.trace is not None
        and colour.pixels <= _SHADE_SHARE * main.pixels
        and _coincides(trace, arm.trace)
    )


def _is_minor_key(arm: ArmDraft, colours: list[InkColour], k: int, trace: Trace) -> bool:
    """Whether a listed arm's colour is a minor shade of colour ``k``, whose curve is better.

    In a JPEG a thin legend key can come out in a paler or darker shade of
    its pen than the curve's main colour; the arm then holds only specks of
    ink along its curve, or none. A pen about 1.5 px wide is drawn in two
    shades too (centred on a row, or split over two rows), and the key in
    either: the arm then holds pieces of its curve, spanning less than half
    of the other shade's.
    """
    mine = colours[arm.colour]
    if not same_hue(mine, colours[k]):
        return False
    if arm.trace is None:
        return mine.pixels <= _SHADE_SHARE * colours[k].pixels
    pieces = _span(arm.trace) < _SHADE_SHARE * _span(trace)
    minor = mine.pixels <= _SHADE_SHARE * colours[k].pixels
    return (minor or pieces) and _coincides(arm.trace, trace)


def _span(trace: Trace) -> float:
    """Columns from a trace's first to its last."""
    return float(trace.last_col - trace.first_col)


def _joined(head: Trace, tail: Trace) -> Trace:
    """One trace: ``head`` up to its last column, ``tail`` after it."""
    keep = head.cols <= head.last_col
    after = tail.cols > head.last_col
    cols = np.concatenate((head.cols[keep], tail.cols[after]))
    rows = np.maximum.accumulate(np.concatenate((head.rows[keep], tail.rows[after])))
    skip = head.last_col + 1 - tail.first_col  # < 0: columns between them, carried flat
    gap = np.full(max(-skip, 0), head.column_rows[-1])
    column_rows = np.concatenate((head.column_rows, gap, tail.column_rows[max(skip, 0) :]))
    spans = (head.last_col - head.first_col + 1, tail.last_col - head.last_col)
    filled = (head.filled_fraction * spans[0] + tail.filled_fraction * spans[1]) / sum(spans)
    bridged = (head.bridged_fraction * spans[0] + tail.bridged_fraction * spans[1]) / sum(spans)
    return Trace(
        cols,
        rows,
        head.thickness,
        head.first_col,
        tail.last_col,
        filled,
        np.maximum.accumulate(column_rows),
        bridged,
    )


def _is_shade(colour: InkColour, of: InkColour) -> bool:
    """Whether ``colour`` is a lighter shade of ``of`` (same hue, mixed with white)."""
    lab_a, lab_b = to_lab(np.array(colour.rgb, np.uint8)), to_lab(np.array(of.rgb, np.uint8))
    greys = is_grey(colour.rgb), is_grey(of.rgb)
    if any(greys):  # a grey's hue angle is noise: greys are one family, of no hue
        return bool(all(greys) and lab_a[0] > lab_b[0])
    hue_a, hue_b = np.arctan2(lab_a[2], lab_a[1]), np.arctan2(lab_b[2], lab_b[1])
    return bool(lab_a[0] > lab_b[0] and abs(np.angle(np.exp(1j * (hue_a - hue_b)))) < 0.35)


def same_hue(colour: InkColour, of: InkColour) -> bool:
    """Whether one colour is a lighter shade of the other (a JPEG splits one pen into both)."""
    return _is_shade(colour, of) or _is_shade(of, colour)


def _related(colour: InkColour, of: InkColour, colours: list[InkColour]) -> bool:
    """Whether ``colour`` is ``of``, a lighter shade of it, or a blend of it with another colour."""
    if colour.rgb == of.rgb or _is_shade(colour, of):
        return True
    c, a = np.asarray(colour.rgb, float), np.asarray(of.rgb, float)
    for other in colours:
        b = np.asarray(other.rgb, float)
        d = b - a
        if other is of or float(d @ d) < 1.0:
            continue
        t = float(np.clip((c - a) @ d / (d @ d), 0.0, 1.0))
        if 0.05 < t < 0.95 and np.linalg.norm(c - (a + t * d)) < 25.0:
            return True
    return False


def _mix_of_listed(colour: InkColour, listed: list[InkColour]) -> bool:
    """Whether ``colour`` mixes two listed colours with a white background.

    Where two thin curves cross or run together, anti-aliasing leaves pixels
    of ``a * A + b * B + (1 - a - b) * white``; enough of them look like a
    curve of their own.
    """
    c = np.asarray(colour.rgb, float) - 255.0
    for i, first in enumerate(listed):
        for second in listed[i + 1 :]:
            basis = np.column_stack(
                (np.asarray(first.rgb, float) - 255.0, np.asarray(second.rgb, float) - 255.0)
            )
            weights, *_ = np.linalg.lstsq(basis, c, rcond=None)
            residual = float(np.linalg.norm(basis @ weights - c))
            if np.all(weights > 0.1) and weights.sum() < 0.95 and residual < 20.0:
                return True
    return False


def _legend_drafts(traces: dict[int, Trace], entries: list[LegendEntry]) -> list[ArmDraft]:
    """One draft per legend entry with a distinct colour, in legend order."""
    drafts, seen = [], set()
    for entry in entries:
        colour = entry.swatch.colour
        if colour in seen:
            continue
        seen.add(colour)
        drafts.append(ArmDraft(colour, traces.get(colour), entry))
    return drafts


def _limits_of_listed(
    colour: InkColour, colours: list[InkColour], drafts: list[ArmDraft], entries: list[LegendEntry]
) -> ArmDraft | None:
    """The listed arm whose broken style a curve colour is, if the legend shows it solid only.

    Figures draw an arm's confidence limits as thin dashed lines in its
    colour. Where every legend key is solid and each names an arm of its
    own, a dashed curve in a listed arm's colour is those limits, not an arm
    the legend left out (two arms told apart by line style have a dashed key).
    """
    solid = all(entry.swatch.style == "solid" for entry in entries)
    if not (entries and solid and len(drafts) == len(entries)):
        return None
    return next((d for d in drafts if colours[d.colour].rgb == colour.rgb), None)


def choose_arms(
    traces: dict[int, Trace],
    entries: list[LegendEntry],
    colours: list[InkColour],
    width: float,
    warnings: list[str],
    zoom: float = 1.0,
) -> list[ArmDraft]:
    """The arms of the figure: legend entries first, then unlisted curves that stand alone.

    Parameters
    ----------
    traces : dict of int to Trace
        Traced curve per colour index.
    entries : list of LegendEntry
        Legend entries (outside the risk table).
    colours : list of InkColour
    width : float
        Panel width in pixels.
    warnings : list of str
        Appended to.
    zoom : float, optional
        Working pixels per figure pixel, for a figure enlarged to be read:
        a colour needs ``_SPARSE_INK`` strong pixels per column of the
        figure's own to be an unlisted curve.

    Returns
    -------
    list of ArmDraft
    """
    drafts = _legend_drafts(traces, entries)
    listed = {d.colour for d in drafts}
    left = min((t.first_col for t in traces.values()), default=0)
    extra: list[ArmDraft] = []
    for k, trace in sorted(traces.items(), key=lambda item: -colours[item[0]].pixels):
        if k in listed:
            continue
        owner = _limits_of_listed(colours[k], colours, drafts, entries)
        if owner is not None:
            warnings.append(
                f"a broken line in a listed arm's colour {colours[k].hex}, which the legend "
                "shows solid only, was taken for that arm's confidence limits and left out"
            )
            limits = replace(owner, limits=(*owner.limits, k))
            drafts = [limits if d is owner else d for d in drafts]
            continue
        twins = [d for d in drafts if _related(colours[k], colours[d.colour], colours)]
        pale = next((d for d in drafts if _is_minor_key(d, colours, k, trace)), None)
        if pale is not None:  # the legend key's colour is a faint shade of this pen (JPEG)
            drafts = [ArmDraft(k, trace, d.entry) if d is pale else d for d in drafts]
            continue
        if any(d.trace is not None and _coincides(trace, d.trace) for d in twins):
            continue  # a shade, blend or second style of a listed arm along its curve
        if any(_is_speck_of(trace, colours[k], d, colours) for d in drafts):
            continue  # a minor colour along a listed arm's curve (JPEG leaves a thin pen grey)
        shades = [d for d in extra if same_hue(colours[k], colours[d.colour])]
        if any(_is_speck_of(trace, colours[k], d, colours) for d in shades):
            continue  # a JPEG shade of an unlisted arm's pen along its curve
        twin = next((d for d in twins + shades if _joins(trace, d.trace)), None)
        if twin is not None and twin.trace is not None:  # the arm's tail in a paler shade
            joined = ArmDraft(twin.colour, _join_either(twin.trace, trace), twin.entry)
            drafts = [joined if d is twin else d for d in drafts]
            extra = [joined if d is twin else d for d in extra]
            continue
        if _mix_of_listed(colours[k], [colours[d.colour] for d in drafts]):
            continue  # anti-aliased overlap of two listed curves on the background
        # a curve of its own hue that ran hidden under another at first starts where that
        # curve does (see ``_trace._hidden_start``); a shade of a listed pen does not
        start = trace.first_col if twins else float(trace.cols[0])
        late = start - left > 0.1 * width
        short = trace.last_col - trace.first_col < 0.5 * width
        if drafts and (late or short):
            continue  # not a curve the legend left out (text, specks)
        if drafts and colours[k].pixels < _SPARSE_INK * zoom * (trace.last_col - trace.first_col):
            warnings.append(  # a legend's text, grey band overlaps of a small JPEG
                f"a trace in colour {colours[k].hex}, with too little ink of its own for a curve, "
                "has no legend entry and was left out; check the overlay"
            )
            continue
        seen = (1.0 - trace.filled_fraction) * (trace.last_col - trace.first_col)
        if drafts and seen < _MOSTLY_UNSEEN * width:
            warnings.append(
                f"a trace in colour {colours[k].hex}, mostly gaps, has no legend entry and was "
                "left out as a frame or specks; check the overlay"
            )
            continue
        if drafts:
            warnings.append(
                f"a curve in colour {colours[k].hex} has no legend entry; kept as an unnamed arm"
            )
        extra.append(ArmDraft(k, trace, None))
    if not drafts:
        extra = _without_tints(extra, colours)
    extra.sort(key=lambda d: _middle_level(d.trace) if d.trace else 0.0)
    return drafts + extra


def _without_tints(arms: list[ArmDraft], colours: list[InkColour]) -> list[ArmDraft]:
    """Unlisted arms less those in a lighter shade of another one's colour that run along
    its curve, each along the other (with no legend, the pale blocks that crowded,
    semi-transparent censor marks make round a curve are no arm of their own)."""

    def tint_of(arm: ArmDraft, pen: ArmDraft) -> bool:
        a, b = arm.trace, pen.trace
        return (
            a is not None
            and b is not None
            and _is_shade(colours[arm.colour], colours[pen.colour])
            and _coincides(a, b)
            and _coincides(b, a)
        )

    return [a for a in arms if not any(p is not a and tint_of(a, p) for p in arms)]
