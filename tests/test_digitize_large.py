"""Reading figures drawn large (a 300-dpi export, an enlarged screenshot):
pens a dozen pixels thick, legend keys as tall as text, wide theme margins.

Each test builds the pixels it needs; the sizes are those of figures-dev's
greyscale style enlarged twice, where each of these went wrong before
session 18.
"""

from __future__ import annotations

import numpy as np

from kmipd.digitize._colours import InkColour, assign_pixels
from kmipd.digitize._frame import Frame
from kmipd.digitize._legend import find_swatches
from kmipd.digitize._styles import stroke_style
from kmipd.digitize._text import Word
from kmipd.digitize._ticktext import y_label_words
from kmipd.digitize._trace import Runs, _thickness


def _dashed_key(plus: bool) -> np.ndarray:
    """A 71 x 49 key: a 12-row dashed bar (two gaps), a censor mark's '+' on it."""
    key = np.zeros((49, 71), dtype=bool)
    key[18:30, 0:23] = key[18:30, 36:42] = key[18:30, 48:71] = True
    if plus:
        key[:, 36:40] = True  # its upright
        key[21:27, 23:48] = True  # its arm, across both gaps
    return key


def test_a_thick_dashed_key_with_a_mark_across_its_gaps_is_a_key() -> None:
    assert stroke_style(_dashed_key(plus=False)) == "dashed"
    assert stroke_style(_dashed_key(plus=True)) is not None
    glyphs = np.zeros((20, 40), dtype=bool)  # digits printed over each other: holes inside
    glyphs[4:16, :] = True
    for k, col in enumerate(range(2, 40, 5)):
        glyphs[6 + k % 3 : 9 + k % 3, col : col + 3] = False
    assert stroke_style(glyphs) is None


def test_a_legend_key_as_tall_as_large_text_is_found() -> None:
    image = np.full((200, 400, 3), 255, dtype=np.uint8)
    key = _dashed_key(plus=True)
    image[20:69, 20:91][key] = (119, 119, 119)
    ink = (255 - image.min(axis=2)) / 255.0
    text = [Word(24, 110, 60, 200), Word(120, 20, 156, 120), Word(120, 140, 156, 230)]
    grey = [InkColour((119, 119, 119), 5000)]  # the grey curve's colour
    swatches, _ = find_swatches([Word(20, 20, 69, 91), *text], image, ink, grey)
    assert [(s.word.row0, s.word.col0, s.colour, s.style) for s in swatches] == [
        (20, 20, 0, "dashed")
    ]


def test_tick_marks_a_theme_margin_away_from_the_panel_are_not_labels() -> None:
    ink = np.zeros((1700, 400))
    ink[250:1620, 246:400] = 0.07  # a grey grid panel whose left edge has no line
    frame = Frame(249.0, 245.5, 1620.0, 2769.0, None, None, (), "grid", ())
    marks, labels = [], []
    for k in range(5):
        row = 300 + 312 * k
        ink[row : row + 7, 227:243] = 1.0  # a 16-px mark, 4 px short of the panel
        marks.append(Word(row, 227, row + 7, 243))
        ink[row - 15 : row + 21, 107:210] = 0.8
        labels.append(Word(row - 15, 107, row + 21, 210, numeric="0.25"))
    assert y_label_words(marks + labels, frame, ink) == labels


def test_the_pen_is_measured_where_another_colour_fringes_every_plateau() -> None:
    """A 12-px black pen whose grey anti-aliased edges are taken for a grey arm's ink."""
    cols = np.arange(1000)
    drops = cols % 100 == 99  # a drop of 120 rows every 100 columns: the only clear runs
    height = np.where(drops, 120.0, 12.0)
    runs = Runs(
        col=cols,
        top=np.full(1000, 100.0),
        bottom=100.0 + height,
        covered_top=~drops,  # the fringe lies over and under every plateau run
        covered_bottom=~drops,
    )
    assert abs(_thickness(runs) - 12.0) <= 0.5
    clear = Runs(cols, runs.top, runs.bottom, np.zeros(1000, bool), np.zeros(1000, bool))
    assert abs(_thickness(clear) - 12.0) <= 0.5


def test_a_thick_black_pens_grey_edge_is_the_black_pens() -> None:
    """Two and three pixels of grey blur along an enlarged black pen are not the grey arm.

    The column profile is figures-dev's ACT2_2B greyscale figure enlarged
    twice (Lanczos, JPEG q95): a grey dash beside the black pen keeps its ink.
    """
    profile = [255, 229, 145, 65, 12, 0, 0, 3, 0, 2, 4, 0, 0, 31, 125, 205, 255]
    image = np.full((60, 80, 3), 255, dtype=np.uint8)
    image[10 : 10 + len(profile), :] = np.array(profile, dtype=np.uint8)[:, None, None]
    image[40:53, 20:60] = 119  # a 13-px grey dash, its own edges one pixel of blend
    image[39, 20:60] = image[53, 20:60] = 187
    colours = [InkColour((2, 2, 2), 900), InkColour((119, 119, 119), 500)]
    labels, _ = assign_pixels(
        image, image.min(axis=2) < 250, colours, np.array([255, 255, 255], np.uint8)
    )
    pen = labels[10 : 10 + len(profile), 40]
    assert set(pen[1:-1]) == {0}, pen  # every pixel of the blurred pen is black
    assert set(labels[39:54, 40]) == {1}  # the grey dash and its edge stay grey


def test_a_narrow_band_beside_a_pen_stays_a_band() -> None:
    """A confidence band's wash three pixels wide is not the pen's blurred edge.

    The band's colour is found darker than most of its pixels (as in the
    lifelines style, where bands overlap), so none of them is solid.
    """
    blue, band = (31, 119, 180), (172, 204, 227)
    image = np.full((40, 60, 3), 255, dtype=np.uint8)
    image[10:15] = blue
    image[15] = (115, 170, 208)  # the pen's edge over the band
    image[16:19] = (199, 221, 236)
    colours = [InkColour(blue, 900), InkColour(band, 400)]
    labels, _ = assign_pixels(
        image, image.min(axis=2) < 250, colours, np.array([255, 255, 255], np.uint8)
    )
    assert set(labels[16:19, 30]) == {1}


def test_a_thin_pens_blur_is_taken_one_pixel_deep_only() -> None:
    """A small JPEG's thin curve: a darker core two pixels wide and lighter blends round it.

    Only a thick pen blurs deeper than a pixel; here the lighter shade beyond
    the first ring stays its own (taking it made a thin blue curve two arms,
    figures-dev's NeoALTTO(a)_2A-jco at 60 %).
    """
    dark, light = (26, 97, 175), (89, 141, 197)
    image = np.full((40, 60, 3), 255, dtype=np.uint8)
    image[20:22] = dark
    image[17:20] = image[22:25] = (120, 165, 210)  # lighter blends, on the dark's blend line
    colours = [InkColour(dark, 120), InkColour(light, 360)]
    labels, _ = assign_pixels(
        image, image.min(axis=2) < 250, colours, np.array([255, 255, 255], np.uint8)
    )
    assert list(labels[17:25, 30]) == [1, 1, 0, 0, 0, 0, 1, 1]
