"""Session 30's shortcuts for speed give what the plain computations give.

A figure's ink is measured once, with OpenCV's absolute difference, and its
OCR image computed in place (``_image``); the panel's pixels are labelled on
a crop round its ink (``_scene._colours``); the curves' rise is judged and
their style told on crops (``_curves.is_rising``, ``_styles.line_style``).
Each is checked against the plain computation on seeded random inputs, and
the crop labelling against the whole figure's on a drawn figure.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from kmipd.digitize._colours import assign_pixels, find_colours
from kmipd.digitize._curves import is_rising
from kmipd.digitize._image import ink_grey, ink_strength, measure
from kmipd.digitize._scene import _around, _placed
from kmipd.digitize._styles import line_style


def test_ink_strength_is_the_largest_channel_difference() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    background = np.array([250, 3, 128], dtype=np.uint8)
    plain = np.abs(image.astype(np.int16) - background.astype(np.int16)).max(axis=2) / 255.0
    assert np.array_equal(ink_strength(image, background), plain)
    got = measure(image)
    assert np.array_equal(got.ink, ink_strength(image, got.background))
    chroma = (image.max(axis=2).astype(float) - image.min(axis=2)) / 255.0
    assert np.array_equal(got.chroma, chroma)


def test_the_ocr_image_computed_in_place_is_the_plain_one() -> None:
    rng = np.random.default_rng(2)
    ink = np.concatenate([rng.integers(0, 256, 5000) / 255.0, rng.random(5000), [-0.1, 1.2]])
    plain = np.clip(255.0 - 255.0 * ink, 0, 255).astype(np.uint8)
    assert np.array_equal(ink_grey(ink), plain)


def test_rising_on_a_crop_is_judged_as_on_the_whole() -> None:
    rng = np.random.default_rng(3)
    whole = np.zeros((300, 200))
    cols = np.arange(20, 180)
    rows = (250 - 0.8 * (cols - 20) + rng.normal(0, 2, cols.size)).astype(int)  # climbing
    whole[rows, cols] = 1.0
    assert is_rising(whole)
    assert is_rising(whole[90:270], first_row=90) == is_rising(whole)
    falling = whole[::-1].copy()
    assert not is_rising(falling)
    assert is_rising(falling[30:220], first_row=30) == is_rising(falling)


def test_line_style_on_the_inks_box_is_the_whole_figures() -> None:
    mask = np.zeros((120, 300), dtype=bool)
    for start in range(20, 260, 14):  # dashes
        mask[60:62, start : start + 8] = True
    others = np.zeros_like(mask)
    others[30:32, 10:290] = True
    others[55:70, 100:102] = True  # another curve crossing two dashes
    assert line_style(mask, others, 280.0, 2.0) == "dashed"
    mask[60:62, 20:270] = True
    assert line_style(mask, others, 280.0, 2.0) == "solid"
    assert line_style(np.zeros_like(mask), others, 280.0, 2.0) == "solid"


def test_labelling_a_crop_round_the_ink_equals_labelling_the_whole() -> None:
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(60, 40), (200, 40), (200, 120), (380, 120)], fill=(200, 30, 30), width=3)
    draw.line([(60, 60), (150, 60), (150, 200), (380, 200)], fill=(30, 30, 200), width=2)
    draw.rectangle([(90, 150), (160, 190)], fill=(170, 170, 240))  # a pale patch
    pixels = np.asarray(image).copy()
    got = measure(pixels)
    mask = got.ink >= 0.06
    colours = find_colours(pixels, got.ink >= 0.3, got.background, 20)
    labels, coverage = assign_pixels(pixels, mask, colours, got.background)
    box = _around(mask, 16)
    assert box[0].start > 0 and box[1].stop < 400  # a true crop
    part = assign_pixels(pixels[box], mask[box], colours, got.background)
    placed = _placed(*part, box, mask.shape)
    assert np.array_equal(placed[0], labels)
    assert np.array_equal(placed[1], coverage)
