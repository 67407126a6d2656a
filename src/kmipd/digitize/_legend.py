"""Legend and risk-table swatches: short strokes in a curve's colour with text beside them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import InkColour, is_grey, to_lab
from kmipd.digitize._styles import stroke_style
from kmipd.digitize._text import DOT_GAP, Word

__all__ = [
    "LegendEntry",
    "Swatch",
    "find_swatches",
    "key_box",
    "legend_entries",
    "size_notes",
    "stated_size",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
_WORD_ROWS = 5  # a label's first word is at least this tall (smaller: a speck)
_SIZE = re.compile(r"(?:^|[\s(\[,;])[Nn]\s*[=:]\s*(\d{1,3}(?:,\d{3})+|\d+)(?!\d|[.,]\d|\s*%)")
_SPACE = 0.6  # gap, in heights of the word before, up to which a box continues its text
_TEXT_TALL = 3.0  # a word before a key-like box is at most this many times as tall as it
_SQUARE = 1.3  # a key-like box narrower than this many heights is a sign if near a word
_KEY_TALL = 40  # px: a legend key is at most this tall, or ...
_KEY_TEXT = 2.0  # ... this many times as tall as the text right beside it (x-height only)
_KEY_WIDE = 1.25  # a key is this many times as wide as it is tall, at least (a "+": about 1)
_LETTER_ROWS = 3  # a lower-case letter after it at least this tall (smaller: an underscore)
_OFF_LINE = 0.4  # text heights a key stands off its label's middle, towards a second line
_GREYISH = 30  # a key whose RGB channels span less than this may be a JPEG-washed pen
_TINT = 1.0  # Lab chroma of the tint around such a key that names a hue (JPEG greys: 0.0x)
_HUED = 15.0  # Lab chroma of a found colour that has a hue to match
_HUE_NEAR = np.radians(35.0)  # hue angles within which a washed key matches a colour


@dataclass(frozen=True)
class Swatch:
    """A short stroke or bar in one curve colour.

    Attributes
    ----------
    word : Word
        Its box (found as a glyph group).
    colour : int
        Index of the curve colour it matches.
    style : str
        ``"solid"``, ``"dashed"`` or ``"dotted"``.
    """

    word: Word
    colour: int
    style: str = "solid"


@dataclass(frozen=True)
class LegendEntry:
    """A swatch and the words of its label (unread until OCR).

    ``line`` holds the words on the swatch's line right of it, up to the next
    swatch on that line: the label and any columns beside it (a legend
    printed as a table, "No. of Patients", "No. of Events").
    """

    swatch: Swatch
    words: tuple[Word, ...]
    line: tuple[Word, ...] = ()


def key_box(entry: LegendEntry) -> tuple[int, int, int, int]:
    """Where a legend entry's key is: the same for an entry given another colour."""
    word = entry.swatch.word
    return word.row0, word.col0, word.row1, word.col1


def _swatch_colour(
    word: Word,
    image: npt.NDArray[np.uint8],
    ink: npt.NDArray[np.float64],
    tallest: float = _KEY_TALL,
) -> tuple[tuple[int, int, int], str] | None:
    """RGB of a word box's strongest ink and its line style, if the box is a key stroke
    (at most ``tallest`` pixels high, with any censor mark drawn through it; a text "+",
    as wide as it is tall, is not one, even in a black curve's colour)."""
    if word.width < max(8, _KEY_WIDE * word.height) or word.height > tallest:
        return None
    box = (slice(word.row0, word.row1), slice(word.col0, word.col1))
    strong = ink[box] >= 0.3
    style = stroke_style(strong)
    if style is None:
        return None
    weights = ink[box][strong]
    core = image[box][strong][weights >= np.percentile(weights, 60)]
    return tuple(int(v) for v in np.median(core, axis=0)), style  # type: ignore[return-value]


def _key_height(word: Word, words: list[Word]) -> float:
    """Tallest a key box may be: 40 px, or as tall as the text just right of it allows.

    A key with a censor mark drawn through it stands about as tall as its
    label's text: 40 px at most in a figure of ordinary size, more in a
    figure drawn large.
    """
    beside = [
        w.height
        for w in words
        if w is not word
        and 0 <= w.col0 - word.col1 <= 2 * word.height
        and min(w.row1, word.row1) - max(w.row0, word.row0) >= 0.5 * w.height
    ]
    return max(_KEY_TALL, _KEY_TEXT * max(beside, default=0))


def _match(rgb: tuple[int, int, int], colours: list[InkColour]) -> int | None:
    """Index of the curve colour within 20 Lab units of ``rgb``."""
    if not colours:
        return None
    lab = to_lab(np.array(rgb, dtype=np.uint8))
    dist = [float(np.linalg.norm(lab - to_lab(np.array(c.rgb, dtype=np.uint8)))) for c in colours]
    best = int(np.argmin(dist))
    return best if dist[best] <= 20.0 else None


def _washed_match(
    word: Word,
    rgb: tuple[int, int, int],
    nearest: int | None,
    image: npt.NDArray[np.uint8],
    ink: npt.NDArray[np.float64],
    colours: list[InkColour],
) -> int | None:
    """The chromatic curve colour a greyed key in a JPEG figure is a washed pen of.

    JPEG keeps colour at half the resolution of lightness, so a pen a pixel
    or two wide comes out grey or nearly, its colour smeared into the paper
    around it (a faint tint above and below the stroke). A key that looks
    grey, or is nearest a grey found colour, is taken for the chromatic
    found colour nearest its hue, within ``_HUE_NEAR``: the hue of its own
    colour if it keeps some, else of the tint around it, measured against
    the paper near the key. None if the key has no clear hue or no found
    colour has that hue (``nearest``: the colour :func:`_match` gives the key).
    """
    if max(rgb) - min(rgb) >= _GREYISH and (nearest is None or not is_grey(colours[nearest].rgb)):
        return None
    own = to_lab(np.array(rgb, dtype=np.uint8))[1:]
    tint = own if float(np.hypot(*own)) >= _HUED / 2 else _tint(word, image, ink)
    if tint is None or float(np.hypot(*tint)) < _TINT:
        return None
    hue = float(np.arctan2(tint[1], tint[0]))
    best: tuple[float, int] | None = None
    for k, colour in enumerate(colours):
        found = to_lab(np.array(colour.rgb, dtype=np.uint8))
        if float(np.hypot(found[1], found[2])) < _HUED:
            continue
        gap = abs(float(np.angle(np.exp(1j * (np.arctan2(found[2], found[1]) - hue)))))
        if gap <= _HUE_NEAR and (best is None or gap < best[0]):
            best = (gap, k)
    return None if best is None else best[1]


def _tint(
    word: Word, image: npt.NDArray[np.uint8], ink: npt.NDArray[np.float64]
) -> FloatArray | None:
    """Mean Lab (a, b) of a key and the rows around it, less the paper's near it (the
    faintest pixels there: a legend box may be filled grey)."""
    pad = max(2, word.height)
    r0, r1 = max(0, word.row0 - 2 * pad), min(image.shape[0], word.row1 + 2 * pad)
    box = (slice(r0, r1), slice(word.col0, word.col1))
    lab = to_lab(image[box].reshape(-1, 3))
    level = ink[box].reshape(-1)
    paper = level <= float(level.min()) + 0.05  # the legend's own background, grey or white
    near = np.zeros(ink[box].shape, dtype=bool)
    near[max(0, word.row0 - pad - r0) : word.row1 + pad - r0] = True
    if paper.sum() < 4:
        return None
    out: FloatArray = lab[near.reshape(-1), 1:].mean(axis=0) - np.median(lab[paper, 1:], axis=0)
    return out


def _isolated(
    word: Word,
    rgb: tuple[int, int, int],
    image: npt.NDArray[np.uint8],
    ink: npt.NDArray[np.float64],
) -> bool:
    """Whether no ink of the key's colour lies just above, below or left of it.

    A piece of a dashed curve has more pieces of its colour next to it; a
    legend key has only its label (to the right). A rule running right across
    the ring (the side of a box framing the legend, close to its keys) is no
    such piece.
    """
    margin = int(max(4, 0.6 * word.height))
    r0, r1 = max(0, word.row0 - margin), min(ink.shape[0], word.row1 + margin)
    c0 = max(0, word.col0 - margin)
    ring = np.zeros((r1 - r0, word.col1 - c0), dtype=bool)
    ring[:, :] = True
    ring[word.row0 - r0 : word.row1 - r0, word.col0 - c0 :] = False
    patch = image[r0:r1, c0 : word.col1].astype(float)
    same = (np.abs(patch - np.asarray(rgb, float)).max(axis=2) <= 60) & (
        ink[r0:r1, c0 : word.col1] >= 0.3
    )
    rules = same.all(axis=0)[None, :] | same.all(axis=1)[:, None]
    return int((same & ring & ~rules).sum()) < 4


def _in_text(word: Word, words: list[Word]) -> bool:
    """Whether a key-like box follows a word on its line as closely as a space: a sign in
    a label ("Drug + chemotherapy", "(n = 292)"), not a key, which stands apart from the
    label before it. A box about as wide as tall (a "+") counts from further away.
    """
    square = word.width < _SQUARE * word.height
    centre = (word.row0 + word.row1) / 2.0
    tallest = max(_TEXT_TALL * word.height, 20)  # a word, not the curves' ink
    for w in words:
        if w is word or not w.row0 <= centre <= w.row1 or w.height > tallest:
            continue
        gap = word.col0 - w.col1
        if -1 <= gap <= (word.height if square else _SPACE * w.height):
            return True
    return False


def _between(left: Word, right: Word, words: list[Word]) -> bool:
    """Whether a glyph stands in the gap between two flat pieces (a label between two keys)."""
    return any(
        w.col0 >= left.col1 - 1
        and w.col1 <= right.col0 + 1
        and w.row0 < max(left.row1, right.row1) + 3
        and w.row1 > min(left.row0, right.row0) - 3
        for w in words
    )


def _ink_colour(word: Word, image: npt.NDArray[np.uint8] | None) -> FloatArray | None:
    """Lab colour of a word box's darkest quarter of pixels (None without an image)."""
    if image is None:
        return None
    box = image[word.row0 : word.row1, word.col0 : word.col1].reshape(-1, 3)
    if not len(box):
        return None
    darkness = 765 - box.astype(np.int64).sum(axis=1)
    core = box[darkness >= np.percentile(darkness, 75)]
    return to_lab(np.median(core, axis=0).astype(np.uint8))


def join_dashes(words: list[Word], image: npt.NDArray[np.uint8] | None = None) -> list[Word]:
    """Words with runs of flat pieces on the same rows (a dashed key) joined into one box.

    With ``image``, pieces of clearly different colours (a key and the small
    letter of the label after it) are not joined.
    """
    flat = sorted(
        (w for w in words if w.height <= 6 and w.width >= w.height), key=lambda w: (w.row0, w.col0)
    )
    others = [w for w in words if not (w.height <= 6 and w.width >= w.height)]
    groups: list[list[Word]] = []
    for word in flat:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and abs(word.row0 - last.row0) <= 1
            and abs(word.row1 - last.row1) <= 1
            and 0 <= word.col0 - last.col1 <= _gap_allowed(word, last)
            and not _between(last, word, others)
            and _same_colour(last, word, image)
        ):
            groups[-1].append(word)
        else:
            groups.append([word])
    joined = [
        g[0]
        if len(g) == 1
        else Word(min(w.row0 for w in g), g[0].col0, max(w.row1 for w in g), g[-1].col1)
        for g in groups
    ]
    return others + joined


def _gap_allowed(word: Word, last: Word) -> float:
    """Widest gap between two pieces of a broken key: 1.5 dash widths, or 2.5 for dots
    (pieces about as wide as tall)."""
    narrow = min(word.width, last.width)
    dots = max(word.width, last.width) <= 1.5 * max(word.height, last.height)
    return (DOT_GAP if dots else 1.5) * narrow


def _same_colour(a: Word, b: Word, image: npt.NDArray[np.uint8] | None) -> bool:
    """Whether two pieces are inked in one colour (within 25 Lab units), or no image is given."""
    first, second = _ink_colour(a, image), _ink_colour(b, image)
    return first is None or second is None or float(np.linalg.norm(first - second)) <= 25.0


def find_swatches(
    words: list[Word],
    image: npt.NDArray[np.uint8],
    ink: npt.NDArray[np.float64],
    colours: list[InkColour],
    own_grey: Callable[[tuple[int, int, int], list[InkColour]], int] | None = None,
    compressed: bool = False,
) -> tuple[list[Swatch], list[InkColour]]:
    """Word boxes that are strokes in a curve colour (legend keys, risk-table row keys).

    A chromatic swatch whose colour no curve colour matches adds that colour
    (its curve is hidden under others, or too short to be noticed); so does a
    grey swatch that ``own_grey`` finds to be a curve colour of its own.

    Parameters
    ----------
    words : list of Word
        Unread glyph groups of the figure.
    image : ndarray of uint8, shape (rows, cols, 3)
    ink : ndarray of float, shape (rows, cols)
    colours : list of InkColour
        The curve colours found in the panel.
    own_grey : callable, optional
        ``own_grey(rgb, colours)``: the panel pixels of a key's grey, not quite
        a found colour, if it is a curve colour of its own, else 0
        (``_colours.own_grey`` on the panel).
    compressed : bool, optional
        Whether the figure was JPEG-compressed: a grey-looking thin key
        tinted with a found colour's hue is that colour (:func:`_washed_match`).

    Returns
    -------
    swatches : list of Swatch
    colours : list of InkColour
        ``colours`` with the added ones at the end.
    """
    found, colours = [], list(colours)
    unmatched: list[tuple[Word, tuple[int, int, int], str]] = []
    pieces = join_dashes(words, image)
    for word in pieces:
        tallest = _key_height(word, pieces) if word.height > _KEY_TALL else _KEY_TALL
        seen = _swatch_colour(word, image, ink, tallest)
        if seen is None:
            continue
        rgb, style = seen
        if not _isolated(word, rgb, image, ink) or _in_text(word, pieces):
            continue
        index = _match(rgb, colours)
        washed = _washed_match(word, rgb, index, image, ink, colours) if compressed else None
        if washed is not None:
            found.append(Swatch(word, washed, style))
            continue
        added = own_grey(rgb, colours) if own_grey is not None else 0
        if (index is None and max(rgb) - min(rgb) >= 60) or added:
            colours.append(InkColour(rgb, added))
            index = len(colours) - 1
        if index is not None:
            found.append(Swatch(word, index, style))
        else:
            unmatched.append((word, rgb, style))
    for word, rgb, style in unmatched:  # a small, paler key of a colour added by a later one
        index = _match(rgb, colours)
        if index is not None:
            found.append(Swatch(word, index, style))
    return found, colours


def _inside(word: Word, boxes: list[Word]) -> bool:
    """Whether ``word`` lies within one of ``boxes``."""
    return any(
        b.row0 <= word.row0 and word.row1 <= b.row1 and b.col0 <= word.col0 and word.col1 <= b.col1
        for b in boxes
    )


def _on_line(word: Word, swatch: Word) -> bool:
    """Whether a word's middle is level with a swatch's."""
    shift = (word.row0 + word.row1 - swatch.row0 - swatch.row1) / 2.0
    return abs(shift) <= 0.6 * max(word.height, swatch.height)


def _line_words(swatch: Swatch, words: list[Word], keys: list[Word]) -> list[Word]:
    """Words on the swatch's line right of it, left to right."""
    sw = swatch.word
    return sorted(
        (
            w
            for w in words
            if not _inside(w, keys)
            and w.height >= _LETTER_ROWS
            and w.col0 >= sw.col1 - 2
            and _on_line(w, sw)
        ),
        key=lambda w: w.col0,
    )


def _until_next_key(line: list[Word], label: tuple[Word, ...], keys: list[Word]) -> list[Word]:
    """The words of a swatch's line up to the first key after its label."""
    end, ref = label[-1].col1, label[0]
    stop = min((k.col0 for k in keys if k.col0 >= end and _on_line(k, ref)), default=np.inf)
    return [w for w in line if w.col0 < stop]


def _label_words(swatch: Swatch, line: list[Word]) -> tuple[Word, ...]:
    """The label among the words right of a swatch: up to a wide gap.

    Words under 5 px tall only continue a label (a lower-case letter of a small
    figure, cut off by a faint underscore), or start one when at least as wide
    as tall and a full-height word follows close behind ("no" of "no_chemo");
    strokes under 3 px tall (an underscore) are left to ``join_words``.
    """
    chosen: list[Word] = []
    edge = swatch.word.col1
    for k, word in enumerate(line):
        if word.height < _WORD_ROWS and not chosen and not _leads_in(word, line[k + 1 : k + 2]):
            continue  # a speck before the label; a small last letter may follow it
        limit = 2.5 * word.height if not chosen else 1.2 * max(word.height, chosen[-1].height)
        if word.col0 - edge > limit:
            break
        chosen.append(word)
        edge = word.col1
    return tuple(chosen)


def _stacked(words: list[Word]) -> list[Word]:
    """Words with the thin strokes of one glyph stacked over each other joined: the bars
    of "=" or the dots of ":" are each too thin to be a word of a label."""
    thin = sorted((w for w in words if w.height < _LETTER_ROWS), key=lambda w: (w.col0, w.row0))
    out = [w for w in words if w.height >= _LETTER_ROWS]
    while thin:
        first = thin.pop(0)
        group = [first]
        for w in list(thin):
            overlap = min(w.col1, first.col1) - max(w.col0, first.col0)
            if overlap >= 0.5 * min(w.width, first.width) and abs(w.row0 - first.row1) <= 3:
                group.append(w)
                thin.remove(w)
        if len(group) == 1:
            out.append(first)
            continue
        out.append(
            Word(
                min(w.row0 for w in group),
                min(w.col0 for w in group),
                max(w.row1 for w in group),
                max(w.col1 for w in group),
            )
        )
    return out


def _leads_in(word: Word, following: list[Word]) -> bool:
    """Whether a small word is lower-case letters starting a label (a tall word close after)."""
    if not following or word.width < word.height:
        return False
    after = following[0]
    return after.height >= _WORD_ROWS and after.col0 - word.col1 <= 1.2 * after.height


def legend_entries(swatches: list[Swatch], words: list[Word]) -> list[LegendEntry]:
    """Each swatch with the words of its label, for swatches that have a label.

    Parameters
    ----------
    swatches : list of Swatch
    words : list of Word
        All glyph groups (swatches among them are skipped as label words).

    Returns
    -------
    list of LegendEntry
        Left to right, top to bottom.
    """
    keys = [s.word for s in swatches]
    stacked = _stacked(words)
    entries = []
    for swatch in sorted(swatches, key=lambda s: (s.word.row0 // 8, s.word.col0)):
        line = _line_words(swatch, stacked, keys)
        label = _label_words(swatch, line)
        if not label:  # a key centred on a label of two lines
            label, line = _centred_label(swatch, stacked, keys)
        else:  # a key centred on two lines, nearer one, or on the middle one of three
            label, line = _with_wrapped_line(swatch, label, line, stacked, keys)
        if label:
            entries.append(LegendEntry(swatch, label, tuple(_until_next_key(line, label, keys))))
    return entries


def _text_line_at(
    swatch: Swatch, word: Word, words: list[Word], keys: list[Word]
) -> tuple[Word, ...]:
    """The label words of the text line of ``word``, read as if the key stood level with it."""
    level = Swatch(
        Word(word.row0, swatch.word.col0, word.row1, swatch.word.col1),
        swatch.colour,
        swatch.style,
    )
    return _label_words(level, _line_words(level, words, keys))


def _opens_line(word: Word, swatch: Swatch, words: list[Word]) -> bool:
    """Whether ``word`` starts a line of text just right of the key, with nothing (another
    entry's key) in the key's columns beside it."""
    key = swatch.word
    if not 0 <= word.col0 - key.col1 <= 2.5 * word.height or word.height < _WORD_ROWS:
        return False
    return not any(
        w is not key
        and w.col1 > key.col0
        and w.col0 < key.col1
        and min(w.row1, word.row1) - max(w.row0, word.row0) > 0
        for w in words
    )


def _centred_label(
    swatch: Swatch, words: list[Word], keys: list[Word]
) -> tuple[tuple[Word, ...], list[Word]]:
    """A label of two lines with the key level with the gap between them (matplotlib and
    ggplot2 centre a key on a label that wraps): each line left-aligned with the other,
    one above the key's middle and one below, a line's spacing apart."""
    middle = (swatch.word.row0 + swatch.word.row1) / 2.0
    near = [
        w
        for w in words
        if abs(w.centre[0] - middle) <= 1.2 * w.height and _opens_line(w, swatch, words)
    ]
    above = [w for w in near if w.centre[0] < middle]
    below = [w for w in near if w.centre[0] > middle]
    if not above or not below:
        return (), []
    top = min(above, key=lambda w: (middle - w.centre[0], w.col0))
    bottom = min(below, key=lambda w: (w.centre[0] - middle, w.col0))
    first = _text_line_at(swatch, top, words, keys)
    second = _text_line_at(swatch, bottom, words, keys)
    if not first or not second:
        return (), []
    height = max(w.height for w in (*first, *second))  # a line's "+" is shorter than its text
    gap = min(w.row0 for w in second) - max(w.row1 for w in first)
    if abs(first[0].col0 - second[0].col0) > 0.5 * height or gap > 0.8 * height:
        return (), []
    return first + second, [*first, *second]


def _with_wrapped_line(
    swatch: Swatch,
    label: tuple[Word, ...],
    line: list[Word],
    words: list[Word],
    keys: list[Word],
) -> tuple[tuple[Word, ...], list[Word]]:
    """The label with the other lines of a label wrapped onto two or three lines.

    Where the key stands off the middle of its line (``_OFF_LINE`` text
    heights), it is centred on two lines: the line it leans to is added.
    Where it stands level with its line and lines left-aligned with it lie
    both above and below, it is centred on three: both are added. A line
    added is a line's spacing away and has no key of its own. The lines are
    read level with themselves, not with the key: a small "+" that ends or
    starts one is kept ("Placebo +", "+ chemotherapy").
    """
    own = _text_line_at(swatch, label[0], words, keys) or label
    middle = (swatch.word.row0 + swatch.word.row1) / 2.0
    offset = middle - (min(w.row0 for w in own) + max(w.row1 for w in own)) / 2.0
    tall = max(w.height for w in own)
    leans = abs(offset) > _OFF_LINE * tall  # to one of two lines; else on one of three
    above = _next_line(swatch, own, words, keys, False) if not leans or offset < 0 else None
    below = _next_line(swatch, own, words, keys, True) if not leans or offset > 0 else None
    if (above is None and below is None) or (not leans and (above is None or below is None)):
        return label, line
    first, last = above or (), below or ()
    return first + own + last, [*first, *line, *last]


def _next_line(
    swatch: Swatch, label: tuple[Word, ...], words: list[Word], keys: list[Word], below: bool
) -> tuple[Word, ...] | None:
    """The label words of the line just under (``below``) or over the label's line, left-aligned
    with it, a line's spacing away, with no key of its own; None if there is none."""
    lead = label[0]
    tall = max(w.height for w in label)  # the line's text, not a small "+" leading it
    top, bottom = min(w.row0 for w in label), max(w.row1 for w in label)
    middle = (top + bottom) / 2.0
    near = [
        w
        for w in words
        if abs(w.col0 - lead.col0) <= 0.5 * tall
        and 0.45 * tall <= w.height <= 2.2 * tall  # "ace" beside "Thy"
        and (0 <= w.row0 - bottom <= 0.8 * tall if below else 0 <= top - w.row1 <= 0.8 * tall)
        and _opens_line(w, swatch, words)
        and not any(_on_line(w, k) for k in keys if k is not swatch.word)
    ]
    if not near:
        return None
    return (
        _text_line_at(swatch, min(near, key=lambda w: abs(w.centre[0] - middle)), words, keys)
        or None
    )


def stated_size(label: str | None) -> int | None:
    """The number of patients a legend label states ("Drug (N=410)", "Placebo, n = 1,024").

    Parameters
    ----------
    label : str or None
        Legend text as read.

    Returns
    -------
    int or None
        None when the label states no size (or states two).
    """
    if not label:
        return None
    found = {int(m.group(1).replace(",", "")) for m in _SIZE.finditer(label)}
    return found.pop() if len(found) == 1 and min(found) > 0 else None


def size_notes(arms: Sequence[Any]) -> list[str]:
    """Warnings for arms whose legend states a size that their risk table's count at time 0
    does not match (one of the two is misread).

    Parameters
    ----------
    arms : sequence of ArmResult

    Returns
    -------
    list of str
    """
    notes = []
    for arm in arms:
        table = arm.risk_table
        if arm.n is None or table is None or table.time[0] > 0 or table.n_at_risk[0] == arm.n:
            continue
        notes.append(
            f"arm {arm.name!r}: its legend states N={arm.n} but its risk table reads "
            f"{int(table.n_at_risk[0])} at time 0; check the overlay (or give --risk-table)"
        )
    return notes
