"""Reading small JPEG screenshots (a figure shrunk to 60 % and saved at quality 60).

Each test builds the pixels it needs. The cases are those of the styles
benchmark at 60 % (`benchmarks/styles_dev.py --degrade 0.6,60`) that went
wrong before session 29: the y axis's bottom label taken for the x tick
labels, "At risk" read as "A risk", and a thin legend key washed grey by
JPEG matched to a grey instead of its pen.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from kmipd.digitize._colours import InkColour
from kmipd.digitize._frame import Frame
from kmipd.digitize._legend import find_swatches
from kmipd.digitize._tables import count_kind
from kmipd.digitize._text import Word
from kmipd.digitize._ticktext import x_label_words


def test_the_y_axis_bottom_label_is_not_the_x_tick_labels() -> None:
    # a grey panel from row 11 to row 176 and column 83 on; its "0.0" y label is
    # centred on the bottom edge, starting above it, and the x labels stand 8 px below
    frame = Frame(11.0, 83.0, 176.0, 445.0, None, None, (), "fill", ())
    bottom_y = Word(174, 64, 181, 78, numeric="0.0")
    x_labels = [Word(184, 83 + 45 * k, 191, 88 + 45 * k, numeric=str(2 * k)) for k in range(8)]
    assert x_label_words([bottom_y, *x_labels], frame) == x_labels
    # an x label under the panel's left end (centred on it) is still one
    origin = Word(184, 80, 191, 86, numeric="0")
    assert x_label_words([bottom_y, origin, *x_labels[1:]], frame) == [origin, *x_labels[1:]]


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("A risk", "at risk"),  # the 't' lost
        ("AK risk", "at risk"),
        ("Al risk", "at risk"),
        ("Censorcd", "censored"),
        ("Evnts", "events"),
        ("Risk", None),
        ("Everolimus", None),
        ("Tamoxifen", None),
        ("Control", None),
        ("Arm A", None),
        ("Deaths", "events"),
    ],
)
def test_a_row_label_a_letter_from_a_count_names_the_count(label: str, kind: str | None) -> None:
    assert count_kind(label) == kind


def _jpeg_key(pen: tuple[int, int, int]) -> np.ndarray:
    """A legend key 20 px long and 1 px thick on a light grey legend, through JPEG at 60."""
    image = Image.new("RGB", (60, 40), (229, 229, 229))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 20), (29, 20)], fill=pen, width=1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=60, subsampling=2)  # 4:2:0, as a screenshot's
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_a_thin_key_washed_grey_by_jpeg_matches_its_pen() -> None:
    blue, grey = (30, 119, 180), (122, 122, 122)
    image = _jpeg_key(blue)
    ink = (229.0 - image.min(axis=2).astype(float)).clip(0) / 229.0
    rows, cols = np.nonzero(ink >= 0.3)
    key = Word(int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)
    colours = [
        InkColour((103, 171, 213), 900),
        InkColour((217, 117, 108), 640),
        InkColour(grey, 55),
    ]
    washed, _ = find_swatches([key], image, ink, colours, compressed=True)
    assert [s.colour for s in washed] == [0]  # the blue pen, not the grey
    plain, _ = find_swatches([key], image, ink, colours)
    assert [s.colour for s in plain] != [0]  # read by its own colour alone it is not blue
    # a key truly grey (a grey arm's) keeps its grey, JPEG or not
    image = _jpeg_key(grey)
    ink = (229.0 - image.min(axis=2).astype(float)).clip(0) / 229.0
    swatches, _ = find_swatches([key], image, ink, colours, compressed=True)
    assert [s.colour for s in swatches] == [2]
