"""The first look at a figure: pixels, panel, words and curve colours, shared by the stages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import PALE_COLOUR, InkColour, assign_pixels, find_colours, strength
from kmipd.digitize._frame import (
    Frame,
    fill_colour,
    find_frame,
    is_filled,
    panel_box,
    with_grid_lines,
)
from kmipd.digitize._image import LoadedImage, Measures, ink_grey, measure, whitened
from kmipd.digitize._key_colours import own_grey, tints_along
from kmipd.digitize._legend import Swatch, find_swatches, legend_entries
from kmipd.digitize._lines import line_mask
from kmipd.digitize._ocr_ahead import Ahead, read_ahead
from kmipd.digitize._styles import split_by_style
from kmipd.digitize._text import Word, drop_tick_marks, find_glyphs, group_words
from kmipd.digitize._washes import find_washes, seen_through

__all__ = ["Scene", "look", "tallest_glyph"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
_COLOURFUL = 0.25  # median chroma (0-1) from which a glyph's ink is clearly coloured
_GREY = 0.1  # ... below which it is clearly grey
_RULE_GAP = 4  # a vertical rule broken by gaps shorter than this (rows) is one rule
_RULE_LENGTH = 5.0  # a vertical rule is at least this many text heights tall
_BOX_SIDE = 2.2  # a thin vertical stroke this many text heights tall is a box's side
_FILL_SQUARE = 5  # side (px) of the solid squares that make up a filled area, at the least
_FILL_SHARE = 0.5  # share of a pale colour's pixels in solid areas that makes it all wash
_PALE_COVERAGE = 0.6  # a pen's pixel at lower coverage than this may be a wash of its colour
_STRONG = 0.3  # ink from which a pixel is a stroke (faint grid lines are fainter)
_KEY_ALIGN = 3  # px: legend keys stacked one over another start and end this close
_FLAT = 5  # px: ink this wide is a flat stretch of curve, not a censor mark's bar
_MARGIN = 64  # px of paper kept round the panel's ink when its pixels are labelled on a crop
_FLAT_SHARE = 0.2  # share of ink in flat stretches from which the pen is measured on them only


@dataclass(frozen=True, eq=False)
class Scene:
    """Pixel measures and layout of a figure.

    Attributes
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    background : ndarray of uint8, shape (3,)
    ink, chroma : ndarray of float, shape (rows, cols)
        Difference from the background and colourfulness, both in [0, 1].
    frame : Frame
        The plot panel.
    words : list of Word
        Unread word boxes found outside the curves.
    colours : list of InkColour
        Distinct ink colours inside the panel (and of legend keys).
    swatches : list of Swatch
        Legend and risk-table keys: short strokes in a curve colour.
    labels, coverage : ndarray, shape (rows, cols)
        Colour index (-1 none) and coverage of each panel pixel.
    styles : list of str
        Line style per colour index; a colour drawn both solid and broken is
        listed twice (the broken curve's pixels carry the second index).
    ahead : Ahead or None
        The words likely to be numbers, being read on the other core
        (`kmipd.digitize._ocr_ahead`), if the look started reading them.
    """

    image: npt.NDArray[np.uint8]
    background: npt.NDArray[np.uint8]
    ink: FloatArray
    chroma: FloatArray
    frame: Frame
    words: list[Word]
    colours: list[InkColour]
    swatches: list[Swatch]
    labels: IntArray
    coverage: FloatArray
    styles: list[str]
    ahead: Ahead | None = None

    @cached_property
    def grey(self) -> npt.NDArray[np.uint8]:
        """Ink as a grey image, dark text on white, for OCR (computed once; do not modify)."""
        return ink_grey(self.ink)


def panel_mask(frame: Frame, ink: FloatArray) -> BoolArray:
    """Pixels strictly inside the panel box (axis lines and faint grid lines excluded).

    Only a grid line's faint pixels are left out: what is drawn over it is kept.
    """
    mask = np.zeros(ink.shape, dtype=bool)
    top, left = int(np.floor(frame.top)), int(np.floor(frame.left))
    bottom, right = int(np.ceil(frame.bottom)), int(np.ceil(frame.right))
    mask[max(0, top) : bottom + 1, max(0, left) : right + 1] = True
    grid = line_mask(ink.shape, list(frame.faint), 1) & (ink < _STRONG)
    return mask & ~line_mask(ink.shape, list(frame.lines), 1) & ~grid


def _words(ink: FloatArray, chroma: FloatArray, frame: Frame) -> list[Word]:
    """Word boxes from dark ink outside the axis lines.

    A coloured glyph (a legend key's dash) is never joined to a grey one (text),
    however close: in a small figure a key stands a few pixels from its label.
    """
    tallest = tallest_glyph(ink.shape[0])
    mask = (ink >= _STRONG) & ~line_mask(ink.shape, list(frame.lines), 1)
    first = find_glyphs(mask, tallest)
    text = np.median(first[:, 2] - first[:, 0]) if len(first) else tallest / 2.0
    mask &= ~_upright_rules(mask, max(int(_RULE_LENGTH * text), 2 * tallest))
    sides = _thin_rules(mask, _side_length(first, frame, tallest))
    sides[: int(frame.bottom) + 1] = False  # only under the panel: a turned title is no box
    mask &= ~sides
    glyphs = find_glyphs(mask, tallest)
    glyphs = drop_tick_marks(glyphs, frame.top, frame.left, frame.bottom, frame.right)
    return group_words(glyphs, colourful=_colour_class(glyphs, mask, chroma))


def _upright_rules(mask: BoolArray, length: int) -> BoolArray:
    """Pixels of vertical rules (a table's frame): runs of ink ``length`` tall or more.

    In a small figure a number touches the table's frame; joined to the rule
    it is no glyph at all. Gaps of up to ``_RULE_GAP - 1`` rows (a JPEG breaks
    a thin rule) are bridged.
    """
    import cv2

    bridged = cv2.morphologyEx(
        mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((_RULE_GAP, 1), dtype=np.uint8)
    )
    kernel = np.ones((length, 1), dtype=np.uint8)
    return cv2.morphologyEx(bridged, cv2.MORPH_OPEN, kernel).astype(bool) & mask


def _side_length(glyphs: IntArray, frame: Frame, tallest: int) -> int:
    """Shortest side of a box round text: ``_BOX_SIDE`` heights of the glyphs outside the
    panel box (inside, a dashed curve's dashes are glyphs too), and no less than 12 px."""
    rows = (glyphs[:, 0] + glyphs[:, 2]) / 2.0
    cols = (glyphs[:, 1] + glyphs[:, 3]) / 2.0
    inside = (rows >= frame.top) & (rows <= frame.bottom)
    inside &= (cols >= frame.left) & (cols <= frame.right)
    heights = (glyphs[:, 2] - glyphs[:, 0])[~inside]
    heights = heights[heights >= 4]  # not dots and dashes
    text = float(np.median(heights)) if len(heights) else tallest / 2.0
    return max(12, int(_BOX_SIDE * text))


def tallest_glyph(rows: int) -> int:
    """Height in pixels above which a component of a figure ``rows`` tall is not text."""
    return max(12, int(0.06 * rows))


def _thin_rules(mask: BoolArray, length: int) -> BoolArray:
    """Pixels of thin vertical strokes ``length`` tall or more: the sides of a box drawn
    round a legend under the plot (Stata frames its legend so), which would join the
    words inside into one. Letters as tall are drawn in strokes over two pixels wide.
    A turned axis title's letters stand on such a stroke: ``_words`` takes only the
    strokes under the panel.
    """
    import cv2

    tall = _upright_rules(mask, max(length, 3))
    wide = cv2.morphologyEx(tall.astype(np.uint8), cv2.MORPH_OPEN, np.ones((1, 3), np.uint8))
    near_wide = cv2.dilate(wide, np.ones((1, 3), np.uint8)).astype(bool)
    return tall & ~near_wide


def _colour_class(glyphs: IntArray, mask: BoolArray, chroma: FloatArray) -> IntArray:
    """Per glyph: 1 if its ink is clearly coloured, -1 if clearly grey, 0 if between.

    The median chroma of the glyph's ink pixels decides; a pale JPEG digit of
    a coloured number can fall between, and joins either.
    """
    out = np.zeros(len(glyphs), dtype=np.int64)
    for k, (r0, c0, r1, c1, _area) in enumerate(glyphs):
        values = chroma[r0:r1, c0:c1][mask[r0:r1, c0:c1]]
        if values.size:
            middle = float(np.median(values))
            out[k] = 1 if middle >= _COLOURFUL else -1 if middle < _GREY else 0
    return out


def _colours(
    image: npt.NDArray[np.uint8],
    background: npt.NDArray[np.uint8],
    ink: FloatArray,
    inside: BoolArray,
    frame: Frame,
    words: list[Word],
    compressed: bool,
) -> tuple[list[InkColour], list[Swatch], IntArray, FloatArray]:
    """Curve colours, swatches, and the colour label and coverage of the panel's pixels."""
    strong = inside & (ink >= _STRONG)
    width = max(10.0, frame.right - frame.left)
    least = max(20, int(0.15 * width))
    colours = find_colours(image, strong, background, least, compressed=compressed)

    def own(rgb: tuple[int, int, int], found: list[InkColour]) -> int:
        return own_grey(image, strong, background, rgb, found, least)

    swatches, colours = find_swatches(words, image, ink, colours, own, compressed)
    faint = inside & (ink >= 0.06)
    box = _around(faint, _MARGIN)  # the steps below look at the panel's ink only
    washes = find_washes(image[box], faint[box], colours, background, least)
    drop = seen_through(colours, washes, {s.colour for s in swatches}, background)
    if drop:
        colours, swatches, washes = _without(colours, swatches, washes, drop)
    labels, coverage = assign_pixels(image[box], faint[box], colours, background, washes)
    labelled = {e.swatch.colour for e in legend_entries(swatches, words)}  # not band specks
    fill = _fills(labels, coverage, colours, background, labelled)
    labels[fill], coverage[fill] = -1, 0.0  # confidence bands: background to the curves
    keyed = {s.colour for s in swatches}
    pens = {k: float(_pen((labels == k) & (coverage >= _PALE_COVERAGE))) for k in keyed}
    labels, coverage = tints_along(labels, coverage, colours, pens, background)
    return colours, swatches, *_placed(labels, coverage, box, ink.shape)


def _around(mask: BoolArray, margin: int) -> tuple[slice, slice]:
    """The rows and columns of ``mask``'s pixels, with ``margin`` pixels more on each side.

    The pixels are labelled on this crop rather than the whole figure: the
    same labels, as every step is local (morphology whose reach is well
    within the margin) and the paper round the crop holds no ink to label.
    """
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return slice(0, mask.shape[0]), slice(0, mask.shape[1])
    return (
        slice(max(0, int(rows[0]) - margin), min(mask.shape[0], int(rows[-1]) + margin + 1)),
        slice(max(0, int(cols[0]) - margin), min(mask.shape[1], int(cols[-1]) + margin + 1)),
    )


def _placed(
    labels: IntArray, coverage: FloatArray, box: tuple[slice, slice], shape: tuple[int, ...]
) -> tuple[IntArray, FloatArray]:
    """Labels and coverage of a crop ``box`` placed in arrays of the whole figure's ``shape``."""
    whole_labels = np.full(shape[:2], -1, dtype=labels.dtype)
    whole_coverage = np.zeros(shape[:2], dtype=coverage.dtype)
    whole_labels[box], whole_coverage[box] = labels, coverage
    return whole_labels, whole_coverage


def _without(
    colours: list[InkColour],
    swatches: list[Swatch],
    washes: dict[int, FloatArray],
    drop: list[int],
) -> tuple[list[InkColour], list[Swatch], dict[int, FloatArray]]:
    """The colours but ``drop`` (which no swatch shows), swatches and washes renumbered."""
    keep = [k for k in range(len(colours)) if k not in drop]
    index = {k: i for i, k in enumerate(keep)}
    return (
        [colours[k] for k in keep],
        [replace(s, colour=index[s.colour]) for s in swatches],
        {index[k]: w for k, w in washes.items() if k in index},
    )


def _fills(
    labels: IntArray,
    coverage: FloatArray,
    colours: list[InkColour],
    background: npt.NDArray[np.uint8],
    keyed: set[int] | None = None,
) -> BoolArray:
    """Pixels of filled areas (shaded confidence bands), not of lines.

    A band is a pale wash: its own pale colour, or a curve's colour at low
    coverage. A curve is a line a pen wide, so almost none of its pixels lie
    in a solid square of twice the pen's width; a band is mostly such
    squares. Pale pixels in such squares, and the pale pixels touching them
    (the band's anti-aliased edge), are fill; so is every pixel of a pale
    colour that is mostly fill (a band's narrow slivers), unless a legend key
    shows the colour (``keyed``) and its fill is a paler shade of it: a light
    pen thinned by a small screenshot is pale too, and its band a paler wash
    of it. (A band's own edges, where its steps overlap, are a pale colour
    with a paler inside too, but no key shows them; nor does a speck of band
    that looks like a key but has no label beside it.) With no strong pen in
    the panel nothing is fill: the pale colours are the curves.
    """

    strengths = [strength(c, background) for c in colours]
    pens = np.flatnonzero(np.array(strengths) >= PALE_COLOUR)
    if not pens.size:  # every curve is pale: a wash cannot be told from a pen
        return np.zeros(labels.shape, dtype=bool)
    side = max(_FILL_SQUARE, 2 * _pen(np.isin(labels, pens) & (coverage >= _PALE_COVERAGE)) + 1)
    square = np.ones((side, side), dtype=np.uint8)
    edge = np.ones((3, 3), dtype=np.uint8)
    out = np.zeros(labels.shape, dtype=bool)
    for k in range(len(colours)):
        mine = labels == k
        weak = mine & (coverage < _PALE_COVERAGE)
        pale = mine if strengths[k] < PALE_COLOUR else weak
        if int(pale.sum()) < side * side:
            continue
        wash = _wash(pale, square, edge)
        shaded = wash.any() and float(np.median(coverage[wash])) < _PALE_COVERAGE
        if strengths[k] < PALE_COLOUR and shaded and k in (keyed or set()):
            wash = _wash(weak, square, edge)  # a pale pen, its band paler still
        elif strengths[k] < PALE_COLOUR and wash.sum() >= _FILL_SHARE * pale.sum():
            wash = pale  # a wash's own colour: its thin slivers are no curve either
        out |= wash
    return out


def _wash(pale: BoolArray, square: npt.NDArray[np.uint8], edge: npt.NDArray[np.uint8]) -> BoolArray:
    """Pixels of ``pale`` in solid squares, and those touching them (the edge)."""
    import cv2

    solid = cv2.morphologyEx(pale.astype(np.uint8), cv2.MORPH_OPEN, square)
    return cv2.dilate(solid, edge, iterations=2).astype(bool) & pale


def _pen(mask: BoolArray) -> int:
    """Typical pen width: the commonest length of the vertical runs of ink along
    flat stretches (ink at least ``_FLAT`` pixels wide).

    Flat stretches of curve are the most common runs; drops, text and censor
    marks are longer. Marks are left out first, as a curve crowded with '+'
    or '|' marks (lifelines draws them so) has more columns of mark than of
    flat curve; with too few flat pixels (a curve of short steps) all ink counts.
    """
    import cv2

    wide = np.ones((1, _FLAT), dtype=np.uint8)
    stretches = cv2.dilate(cv2.erode(mask.astype(np.uint8), wide), wide).astype(bool)
    if int(stretches.sum()) >= _FLAT_SHARE * int(mask.sum()):
        mask = stretches
    padded = np.zeros((mask.shape[0] + 2, mask.shape[1]), dtype=np.int8)
    padded[1:-1] = mask
    change = np.diff(padded.T.ravel())
    lengths = np.flatnonzero(change == -1) - np.flatnonzero(change == 1)
    return int(np.argmax(np.bincount(lengths))) if lengths.size else 1


def _is_bar(swatch: Swatch) -> bool:
    """Whether a key is a filled bar (risk-table rows), which shows no line style."""
    word = swatch.word
    return word.height >= 4 and word.height >= 0.25 * word.width and swatch.style == "solid"


def _keys_both_ways(swatches: list[Swatch], colour: int) -> bool:
    """Whether a solid and a dashed key of one colour stand as legend keys do.

    The two start in the same column and are as long as each other (pieces of
    a dashed line inside the plot are found as dashed keys too, but not so).
    """
    mine = [s for s in swatches if s.colour == colour and not _is_bar(s)]
    return any(
        abs(a.word.col0 - b.word.col0) <= _KEY_ALIGN
        and abs(a.word.width - b.word.width) <= _KEY_ALIGN
        for a in mine
        if a.style == "solid"
        for b in mine
        if b.style == "dashed"
    )


def _split_styles(
    labels: IntArray, colours: list[InkColour], swatches: list[Swatch], width: float
) -> tuple[list[InkColour], list[Swatch], list[str]]:
    """Give a broken (dashed, dotted) curve drawn in a solid curve's colour its own index.

    ``labels`` is changed in place; dashed legend keys of that colour move to
    the new index.
    """
    colours, styles = list(colours), ["solid"] * len(colours)
    moved: dict[int, int] = {}
    inked = labels >= 0
    for k in range(len(colours)):
        shown = {s.style for s in swatches if s.colour == k and not _is_bar(s)}
        if shown == {"dashed"}:
            continue  # the legend shows this colour only as a dashed line
        mine = labels == k
        split = split_by_style(mine, inked & ~mine, width, _keys_both_ways(swatches, k))
        if split is None:
            continue
        labels[split[1]] = len(colours)
        moved[k] = len(colours)
        colours.append(colours[k])
        styles.append("dashed")
    keys = [
        replace(s, colour=moved[s.colour]) if s.colour in moved and s.style == "dashed" else s
        for s in swatches
    ]
    return colours, keys, styles


def look(loaded: LoadedImage, measured: Measures | None = None, ahead: bool = False) -> Scene:
    """Measure a loaded figure: background, ink, panel, words, colours.

    Parameters
    ----------
    loaded : LoadedImage
    measured : Measures, optional
        ``measure(loaded.image)``, if already done.
    ahead : bool, optional
        Start reading the words likely to be numbers on the other core
        while the colours are sorted out (`Scene.ahead`); whoever reads the
        scene's text then closes it.

    Returns
    -------
    Scene
    """
    image = loaded.image
    background, ink, chroma = _measures(image, measured)
    frame = find_frame(ink, chroma, thin_axes=loaded.compressed)
    if frame.kind != "none" and is_filled(frame, ink, chroma):  # grey made white (grid too)
        image = whitened(image, fill_colour(image, frame, ink, chroma), panel_box(frame))
        background, ink, chroma = _measures(image, None)
        frame = with_grid_lines(frame, ink, chroma)
    words = _words(ink, chroma, frame)
    reading = read_ahead(ink, frame, words) if ahead else None
    try:
        inside = panel_mask(frame, ink)
        colours, swatches, labels, coverage = _colours(
            image, background, ink, inside, frame, words, loaded.compressed
        )
        colours, swatches, styles = _split_styles(
            labels, colours, swatches, max(10.0, frame.right - frame.left)
        )
    except BaseException:
        if reading is not None:
            reading.close(wait=True)
        raise
    return Scene(
        image,
        background,
        ink,
        chroma,
        frame,
        words,
        colours,
        swatches,
        labels,
        coverage,
        styles,
        reading,
    )


def _measures(
    image: npt.NDArray[np.uint8], measured: Measures | None
) -> tuple[npt.NDArray[np.uint8], FloatArray, FloatArray]:
    """The figure's background colour, and per pixel its ink and chroma (see ``Scene``)."""
    got = measure(image) if measured is None else measured
    return got.background, got.ink, got.chroma
