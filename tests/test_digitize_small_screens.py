"""Reading small JPEG screenshots (a figure shrunk to 60 % and saved at quality 60).

Most tests build the pixels they need; three read a lifelines figure of
`tests/data/figures` shrunk on the fly. The cases are those of the styles
benchmark at 60 % (`benchmarks/styles_dev.py --degrade 0.6,60`) that went
wrong before session 29: the y axis's bottom label taken for the x tick
labels, "At risk" read as "A risk", a thin legend key washed grey by JPEG
matched to a grey instead of its pen, a grey with too little ink for a
curve, and a band kept by specks that look like keys, kept as unnamed
arms, the x axis's title "Time (months)" taken for a legend entry, and,
read at twice the size, a grey panel taken to start at the tick labels
beside it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from conftest import as_jpeg
from kmipd.digitize import digitize
from kmipd.digitize._arms import choose_arms
from kmipd.digitize._colours import InkColour
from kmipd.digitize._frame import Frame, _fill_frame
from kmipd.digitize._legend import LegendEntry, Swatch, find_swatches
from kmipd.digitize._reading import _name_like
from kmipd.digitize._tables import count_kind
from kmipd.digitize._text import Word
from kmipd.digitize._ticktext import x_label_words
from kmipd.digitize._trace import Trace


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


def _jpeg_key(pen: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A legend key 20 px long and 1 px thick in a light grey legend box (ggplot2's),
    through JPEG at 60, and its ink (against the figure's white paper)."""
    image = Image.new("RGB", (60, 40), (229, 229, 229))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 20), (29, 20)], fill=pen, width=1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=60, subsampling=2)  # 4:2:0, as a screenshot's
    pixels = np.asarray(Image.open(buffer).convert("RGB"))
    return pixels, (255.0 - pixels.min(axis=2).astype(float)) / 255.0


@pytest.mark.parametrize("pen", [(30, 119, 180), (50, 80, 120)])
def test_a_thin_key_washed_grey_by_jpeg_matches_its_pen(pen: tuple[int, int, int]) -> None:
    grey = (122, 122, 122)
    image, ink = _jpeg_key(pen)
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
    image, ink = _jpeg_key(grey)
    swatches, _ = find_swatches([key], image, ink, colours, compressed=True)
    assert [s.colour for s in swatches] == [2]


@pytest.mark.parametrize(
    ("label", "name_like"),
    [
        ("(months)", False),  # "Time" before it taken for a dashed key
        ("Time", False),
        ("Years since randomisation", False),
        ("Placebo", True),
        ("12 months of trastuzumab", True),
        ("Arm B", True),
        ("--", False),
    ],
)
def test_an_axis_title_is_no_arm_name(label: str, name_like: bool) -> None:
    assert _name_like(label) is name_like


def _flat(level: float) -> Trace:
    """A trace at one level from column 10 to 290."""
    return Trace(
        np.array([10.0, 290.0]), np.array([level, level]), 2.0, 10, 290, 0.0, np.full(281, level)
    )


def test_an_unlisted_colour_with_too_little_ink_for_a_curve_is_no_arm() -> None:
    # a legend names the blue arm and the red; a grey of 120 strong pixels over 280
    # columns (a legend's text, grey overlaps of two bands in a small JPEG) traced
    # a path too, with no key: it is left out, and said so
    entries = [
        LegendEntry(Swatch(Word(5, 200, 7, 230), 0), (Word(1, 235, 11, 280),)),
        LegendEntry(Swatch(Word(15, 200, 17, 230), 1), (Word(11, 235, 21, 280),)),
    ]
    traces = {0: _flat(20.0), 1: _flat(40.0), 2: _flat(30.0)}
    colours = [
        InkColour((30, 90, 200), 900),
        InkColour((220, 60, 40), 800),
        InkColour((96, 96, 96), 120),
    ]
    warnings: list[str] = []
    assert [a.colour for a in choose_arms(traces, entries, colours, 280.0, warnings)] == [0, 1]
    assert any("too little ink" in w and "#606060" in w for w in warnings)
    # with a curve's ink (two pixels a column and more) it is an arm the legend left out
    colours[2] = InkColour((96, 96, 96), 600)
    assert [a.colour for a in choose_arms(traces, entries, colours, 280.0, [])] == [0, 1, 2]


def test_a_filled_panel_ends_where_its_fill_does_not_at_labels_beside_it() -> None:
    # a grey panel (ggplot2's theme) over columns 100-380; left of it, 3 px away, tick
    # labels and a JPEG's haze around them cover a fifth of each column: within the gap
    # a grid line may leave, but not the panel
    ink = np.zeros((300, 400))
    chroma = np.zeros((300, 400))
    ink[20:251, 100:381] = 0.1
    ink[20:90, 85:97] = 0.1
    frame = _fill_frame(ink, chroma)
    assert frame is not None and frame.kind == "fill"
    assert (frame.top, frame.left, frame.bottom, frame.right) == (20.0, 100.0, 250.0, 380.0)


FIGURES = Path(__file__).parent / "data" / "figures"


@pytest.mark.filterwarnings("ignore")
def test_a_lifelines_figure_at_60_percent_reads_two_named_arms_and_their_tables() -> None:
    # session 28's code read a third arm (the legend's grey text, and the grey JPEG
    # makes of the two bands' overlap) and matched no table row ("A risk")
    result = digitize(as_jpeg(FIGURES / "radiant4_2a-lifelines.png", 0.6, 60))
    assert [arm.name for arm in result.arms] == ["everolimus", "placebo"]
    truth = pd.read_csv(FIGURES / "radiant4_2a-truth.csv")
    for arm in result.arms:
        table = arm.risk_table
        assert table is not None and len(table.time) >= 6
        times = truth.time[truth.arm == arm.name].to_numpy()
        true = [int(np.sum(times > t)) for t in table.time]  # lifelines: at risk just after
        assert sum(int(n) == m for n, m in zip(table.n_at_risk, true, strict=True)) >= 5


@pytest.mark.filterwarnings("ignore")
def test_the_x_axis_title_of_a_small_screenshot_is_no_legend_entry() -> None:
    # "Time" before "(months)" looks like a dashed key at 60 %: session 28's code named
    # an arm "(months)" and read two more
    result = digitize(as_jpeg(FIGURES / "nct00938652_2c-lifelines.png", 0.6, 60))
    assert len(result.arms) == 2
    assert all(arm.name is None or "month" not in arm.name for arm in result.arms)


@pytest.mark.filterwarnings("ignore")
def test_a_band_is_fill_though_a_speck_of_it_looks_like_a_key() -> None:
    # at 60 % two specks of IMPRESS_2's pale orange band look like legend keys, with
    # no label beside them: session 29's code before this rule kept the band's line
    # as a third arm
    result = digitize(as_jpeg(FIGURES / "impress_2-lifelines.png", 0.6, 60))
    assert [arm.name for arm in result.arms] == ["gefitinib", "placebo"]
