"""Text recognition of many small word boxes in one pass of RapidOCR's recogniser.

Running RapidOCR's detector on a whole figure takes about a second. The
digitizer finds the words itself (connected components), so only the
recogniser is needed: the word crops are scaled to one height and recognised
in batches of similar width (each word on its own, so neighbours cannot
change a reading). Decoding is greedy CTC restricted to a character set
(Latin text, or digits and number punctuation), so a '3' cannot come back as
a Chinese character; each character keeps its position, so numbers printed
so close that they touch can be split again by the caller.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._lexicon import PRIOR, is_listed, near_words

if TYPE_CHECKING:  # the reading ahead uses this module
    from kmipd.digitize._ocr_ahead import Ahead

__all__ = ["NUMERIC_CHARS", "Reading", "recognise", "recognise_text"]

FloatArray = npt.NDArray[np.float64]
HEIGHT = (
    32  # input height of the recogniser (trained at 48; 32 reads digits as well, twice as fast)
)
STEP = 8  # input columns per output time step
MARGIN = 16  # white columns after a word, before the model's padding
BATCH = 16  # words per batch
NUMERIC_CHARS = "0123456789.,%()-+ "
_TEXT_EXTRA = "±≤≥–—·μαβγ°'’"
_LOOKALIKE = {"0": "oOD", "1": "lI|i", "2": "Zz", "5": "Ss", "8": "B", "9": "g", "6": "b"}

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class Reading:
    """What the recogniser read in one word box.

    Attributes
    ----------
    text : str
        Best reading over Latin characters.
    confidence : float
        Mean character probability of ``text`` (0 if empty); a word mended from
        the word list keeps the lowest of the greedy readings' confidences.
    numeric : str
        Best reading over digits and number punctuation.
    numeric_confidence : float
        Mean character probability of ``numeric``.
    numeric_cols : tuple of float
        Image column of each character of ``numeric`` (spaces removed).
    """

    text: str
    confidence: float
    numeric: str
    numeric_confidence: float
    numeric_cols: tuple[float, ...] = ()


def _engine() -> tuple[Any, list[str], dict[str, Any]]:
    """The recogniser session, its character list and each charset's columns (built once)."""
    with _LOCK:
        if not _STATE:
            alone = True
            try:
                session, chars = _recogniser()
            except (ImportError, KeyError, AttributeError, OSError, TypeError, ValueError):
                # another RapidOCR layout: its whole engine, the recogniser taken from it
                from rapidocr_onnxruntime import RapidOCR

                rec, alone = RapidOCR().text_rec, False
                session, chars = rec.session, list(rec.postprocess_op.character)
            text_ok = np.array(
                [
                    i == 0
                    or (
                        len(c) == 1
                        and (32 <= ord(c) < 127 or c in _TEXT_EXTRA or 0xC0 <= ord(c) <= 0x17F)
                    )
                    for i, c in enumerate(chars)
                ]
            )
            num_ok = np.array([i == 0 or c in NUMERIC_CHARS for i, c in enumerate(chars)])
            where = {c: i for i, c in enumerate(chars)}
            numeric = np.flatnonzero(num_ok)
            at = {int(col): k for k, col in enumerate(numeric)}
            fold = [  # (column among the numeric ones, look-alike letter's column)
                (at[where[d]], where[a])
                for d, alike in _LOOKALIKE.items()
                for a in alike
                if d in where and a in where
            ]
            _STATE.update(
                alone=alone,
                session=session,
                chars=chars,
                index=where,
                masks={"text": np.flatnonzero(text_ok), "numeric": numeric},
                fold=fold,
            )
    return _STATE["session"], _STATE["chars"], _STATE["masks"]


def _recogniser(threads: int = 0) -> tuple[Any, list[str]]:
    """RapidOCR's recogniser model in an ONNX Runtime session, and its CTC character list.

    Only the recogniser is loaded (RapidOCR's detector and angle classifier
    are not used), with the model and settings of RapidOCR's own
    configuration; unlike RapidOCR, the session keeps a memory arena, which
    saves allocating anew for each batch of words. ``threads``: threads a
    run may use (0: ONNX Runtime's default, one per core).
    """
    from pathlib import Path

    import onnxruntime as ort
    import rapidocr_onnxruntime
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode
    from rapidocr_onnxruntime.utils import read_yaml

    root = Path(rapidocr_onnxruntime.__file__).parent
    model = root / read_yaml(str(root / "config.yaml"))["Rec"]["model_path"]
    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0].name
    listed = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    chars = list(CTCLabelDecode(character=listed).character)

    def run(batch: npt.NDArray[np.float32]) -> list[Any]:
        return session.run(None, {feed: batch})

    return run, chars


def _folded(probs: FloatArray) -> FloatArray:
    """The numeric columns of ``probs``, look-alike letters counted for their digit ('o': '0')."""
    out = probs[:, _STATE["masks"]["numeric"]]
    for at, alike in _STATE["fold"]:
        out[:, at] += probs[:, alike]
    return out


def _pads(rows: int, cols: int) -> tuple[int, int]:
    """Blank rows and columns added around a word crop (narrow ones padded to 0.8 x rows)."""
    return max(2, round(0.2 * rows)), max(
        3, round(0.3 * rows), int(np.ceil((0.8 * rows - cols) / 2))
    )


def prepare(crop: npt.NDArray[np.uint8], height: int = HEIGHT) -> npt.NDArray[np.float32]:
    """A word crop (grey, dark text on white) padded and scaled to ``height`` rows."""
    import cv2

    rows, cols = crop.shape
    pad_r, pad_c = _pads(rows, cols)
    padded = np.full((rows + 2 * pad_r, cols + 2 * pad_c), 255, dtype=np.uint8)
    padded[pad_r : pad_r + rows, pad_c : pad_c + cols] = crop
    width = max(STEP, round(padded.shape[1] * height / padded.shape[0]))
    scaled = cv2.resize(padded, (width, height), interpolation=cv2.INTER_CUBIC)
    return (scaled.astype(np.float32) / 127.5) - 1.0


def _padded(width: int) -> int:
    """Columns a word image ``width`` wide is read in: the word, a white margin, then
    blank input up to a whole time step."""
    return int(np.ceil((width + MARGIN) / STEP) * STEP)


def batches_of(widths: list[int]) -> list[list[int]]:
    """Word indices in batches of one padded width (`_padded`), at most ``BATCH`` each.

    Padding a narrow word out to a wide one's width changed what the
    recogniser read in it (a lone '0' read as nothing), so each word is read
    with the padding it would have alone: what it reads does not depend on
    the words read with it.
    """
    order = [int(i) for i in np.argsort(widths, kind="stable")]
    out: list[list[int]] = []
    for index in order:
        if out and len(out[-1]) < BATCH and _padded(widths[index]) == _padded(widths[out[-1][0]]):
            out[-1].append(index)
        else:
            out.append([index])
    return out


def _decode(
    probs: FloatArray, cols: npt.NDArray[np.intp], chars: list[str]
) -> list[tuple[int, str, float]]:
    """Greedy CTC decoding over the allowed columns ``cols``: (time step, character, probability).

    ``probs`` holds only the allowed columns, in the order of ``cols``.
    """
    pick = probs.argmax(axis=1)
    best = cols[pick]
    chance = probs[np.arange(len(pick)), pick]
    emit = (best != 0) & (best != np.concatenate(([0], best[:-1])))
    return [(int(s), chars[best[s]], float(chance[s])) for s in np.flatnonzero(emit)]


def _word(
    decoded: list[tuple[int, str, float]], width: int
) -> tuple[str, float, tuple[float, ...]]:
    """Text, mean probability and per-character position (fraction of the word image width)."""
    text = "".join(ch for _, ch, _ in decoded).strip()
    conf = float(np.mean([p for _, _, p in decoded])) if decoded else 0.0
    where = tuple(
        float(np.clip((step * STEP + STEP / 2) / width, 0.0, 1.0))
        for step, ch, _ in decoded
        if ch != " "
    )
    return text, conf, where


def _stacked(images: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
    """Word images of one padded width as one batch: each word, a white margin after it,
    then blank input (0) up to the padded width."""
    full = _padded(images[0].shape[1])
    batch = np.zeros((len(images), 3, images[0].shape[0], full), dtype=np.float32)
    for k, image in enumerate(images):
        batch[k, :, :, : image.shape[1] + MARGIN] = 1.0
        batch[k, :, :, : image.shape[1]] = image[None]
    return batch


def read_batches(
    batches: list[list[npt.NDArray[np.float32]]], alone: bool = False
) -> list[list[FloatArray]]:
    """The recogniser's character probabilities per time step for each word of each batch.

    Parameters
    ----------
    batches : list of list of ndarray
        Prepared word images (`prepare`), each batch of one padded width (`batches_of`).
    alone : bool, optional
        Run on one core (for a thread reading beside the caller's work); by
        default on all. A word reads the same, to the bit, either way.
    """
    run = (_single() if alone else None) or _engine()[0]
    out = []
    for images in batches:
        probs = run(_stacked(images))[0]
        out.append([np.asarray(p, dtype=np.float64) for p in probs])
    return out


def _probabilities(
    inputs: list[npt.NDArray[np.float32]], ahead: Ahead | None = None
) -> list[FloatArray]:
    """Per prepared word image, the recogniser's character probabilities per time step.

    Images alike to the pixel (a table's repeated counts) are run once;
    those read ahead (``ahead``, an `_ocr_ahead.Ahead`) are taken from it.
    """
    got = ahead.take(inputs) if ahead is not None else [None] * len(inputs)
    first: dict[tuple[tuple[int, ...], bytes], int] = {}
    for i, (image, probs) in enumerate(zip(inputs, got, strict=True)):
        if probs is None:
            first.setdefault((image.shape, image.tobytes()), i)
    unique = list(first.values())
    groups = batches_of([inputs[i].shape[1] for i in unique])
    batches = [[inputs[unique[k]] for k in group] for group in groups]
    read: dict[int, FloatArray] = {}
    for group, found in zip(groups, read_batches(batches), strict=True):
        read.update({unique[k]: probs for k, probs in zip(group, found, strict=True)})
    return [
        probs if probs is not None else read[first[(image.shape, image.tobytes())]]
        for image, probs in zip(inputs, got, strict=True)
    ]


def _single() -> Any:
    """The recogniser in a session that runs on one core (made once), or None where the
    recogniser came with RapidOCR's whole engine."""
    _engine()
    with _LOCK:
        if "single" not in _STATE:
            _STATE["single"] = _recogniser(1)[0] if _STATE["alone"] else None
    return _STATE["single"]


def cores() -> int:
    """Cores to read on: one inside a child process (a helper, or a worker of a folder
    run, each of which has a core to itself)."""
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:
        return 1
    return os.cpu_count() or 1


def _run(
    inputs: list[npt.NDArray[np.float32]], probabilities: list[FloatArray] | None = None
) -> list[dict[str, tuple[str, float, tuple[float, ...]]]]:
    """Recognise prepared word images, each on its own; per word and charset its reading.

    ``probabilities``: the recogniser's output for ``inputs``, if already run.
    """
    _, chars, masks = _engine()
    if probabilities is None:
        probabilities = _probabilities(inputs)
    return [
        {
            name: _word(
                _decode(_folded(probs) if name == "numeric" else probs[:, cols], cols, chars),
                image.shape[1],
            )
            for name, cols in masks.items()
        }
        for image, probs in zip(inputs, probabilities, strict=True)
    ]


def _ctc_log_likelihood(probs: FloatArray, labels: list[int]) -> float:
    """Log probability that CTC output ``probs`` (steps x classes, blank 0) spells ``labels``."""
    logp = np.log(np.maximum(probs, 1e-30))
    ext = [0]
    for label in labels:
        ext += [label, 0]
    ext_arr = np.asarray(ext)
    skip = np.zeros(len(ext), dtype=bool)  # a label may follow the label two back
    skip[3::2] = ext_arr[3::2] != ext_arr[1:-2:2]
    alpha = np.full(len(ext), -np.inf)
    alpha[0] = logp[0, 0]
    if len(ext) > 1:
        alpha[1] = logp[0, ext[1]]
    for step in range(1, logp.shape[0]):
        prev = alpha
        alpha = prev.copy()
        alpha[1:] = np.logaddexp(alpha[1:], prev[:-1])
        alpha[2:] = np.where(skip[2:], np.logaddexp(alpha[2:], prev[:-2]), alpha[2:])
        alpha += logp[step, ext_arr]
    tail = alpha[-2:] if len(ext) > 1 else alpha[-1:]
    return float(np.logaddexp.reduce(tail))


def recognise(
    grey: npt.NDArray[np.uint8],
    boxes: list[tuple[int, int, int, int]],
    height: int = HEIGHT,
    ahead: Ahead | None = None,
) -> list[Reading]:
    """Read the text in each box of a grey image (dark text on a light background).

    Parameters
    ----------
    grey : ndarray of uint8, shape (rows, cols)
        The figure as ink darkness (0 = full ink, 255 = background).
    boxes : list of (row0, col0, row1, col1)
        Word boxes, half-open pixel ranges.
    height : int, optional
        Rows the crops are scaled to (32 reads digits well and fast; the
        recogniser was trained at 48, better for small text).
    ahead : Ahead, optional
        Words being read ahead (`kmipd.digitize._ocr_ahead`): the readings
        of those among ``boxes`` are taken from it.

    Returns
    -------
    list of Reading
        One reading per box, in order.
    """
    if not boxes:
        return []
    inputs = [prepare(grey[r0:r1, c0:c1], height) for r0, c0, r1, c1 in boxes]
    return _readings(boxes, inputs, _probabilities(inputs, ahead))


def _readings(
    boxes: list[tuple[int, int, int, int]],
    inputs: list[npt.NDArray[np.float32]],
    probabilities: list[FloatArray] | None = None,
) -> list[Reading]:
    """Readings of the prepared crops ``inputs`` of ``boxes`` (see :func:`_run`)."""
    readings = []
    for (r0, c0, r1, c1), result in zip(boxes, _run(inputs, probabilities), strict=True):
        text, conf, _ = result["text"]
        numeric, num_conf, where = result["numeric"]
        pad = _pads(r1 - r0, c1 - c0)[1]
        cols = tuple(c0 - pad - 0.5 + f * (c1 - c0 + 2 * pad) for f in where)
        readings.append(Reading(text, conf, numeric.replace(" ", ""), num_conf, cols))
    return readings


_WORDS_IN = re.compile(r"[^\s_+\-/(),:;=.\[\]%*']+")  # split at spaces, underscores, signs


def _listed_spellings(text: str) -> list[str]:
    """``text`` with one of its words replaced by a listed word a letter or two away
    (`kmipd.digitize._lexicon`); words are split at spaces, underscores and the signs
    between words, not at a letter misread as a digit or a mark ("contro!")."""
    out = []
    for match in _WORDS_IN.finditer(text):
        for word in near_words(match.group()):
            out.append(text[: match.start()] + word + text[match.end() :])
    return out


def _likeliest(candidates: dict[str, float], levels: list[FloatArray]) -> tuple[str, float]:
    """The candidate reading most likely under the recogniser's output at every scale.

    Parameters
    ----------
    candidates : dict of str to float
        Greedy readings with their confidence (at least one).
    levels : list of ndarray
        The recogniser's character probabilities for the word, one per scale.

    Returns
    -------
    text : str
    confidence : float
        The reading's greedy confidence; a listed spelling that none of them
        read takes the lowest (the letters it mends were unsure).

    Each word of a candidate found in the list of arm words and drug names
    adds ``PRIOR`` nats per scale, and spellings of the candidates with one
    word replaced by a listed word a letter or two away are candidates too.
    """
    _engine()
    index: dict[str, int] = _STATE["index"]
    options = dict(candidates)
    for text in candidates:
        options.update({w: 0.0 for w in _listed_spellings(text) if w not in options})
    scored = []
    for text, conf in options.items():
        if any(c not in index for c in text):  # not a string the recogniser could spell
            continue
        labels = [index[c] for c in text]
        total = sum(_ctc_log_likelihood(probs, labels) for probs in levels)
        total += PRIOR * len(levels) * sum(map(is_listed, _WORDS_IN.findall(text)))
        scored.append((total, conf, text))
    if not scored:  # every greedy reading has a character outside the recogniser's set
        text = max(candidates, key=lambda k: candidates[k])
        return text, candidates[text]
    _, conf, text = max(scored)
    return text, conf if text in candidates else min(candidates.values())


def recognise_text(
    grey: npt.NDArray[np.uint8], boxes: list[tuple[int, int, int, int]], heights: tuple[int, ...]
) -> list[Reading]:
    """Read Latin text in each box at several scales and keep the reading all scales favour.

    Each scale's greedy reading is a candidate; the candidate with the
    highest summed CTC log-likelihood over all scales wins. A letter one
    scale drops (its blank narrowly beats it) is kept when the other scales
    see it clearly, which a pick by mean character probability cannot do.
    Arm words and drug names (`kmipd.digitize._lexicon`) are favoured over
    unlisted spellings a letter away, where the letter is unsure
    (`_likeliest`).

    Parameters
    ----------
    grey : ndarray of uint8, shape (rows, cols)
        The figure as ink darkness (0 = full ink, 255 = background).
    boxes : list of (row0, col0, row1, col1)
        Word boxes, half-open pixel ranges.
    heights : tuple of int
        Recogniser input heights to read at (multiples of 16).

    Returns
    -------
    list of Reading
        One reading per box; the numeric fields come from the first height.
    """
    if not boxes:
        return []
    _, chars, masks = _engine()
    per_height = []
    first: list[Reading] = []
    for height in heights:
        inputs = [prepare(grey[r0:r1, c0:c1], height) for r0, c0, r1, c1 in boxes]
        probabilities = _probabilities(inputs)
        per_height.append([(x.shape[1], p) for x, p in zip(inputs, probabilities, strict=True)])
        if height == heights[0]:  # the first height's readings, numeric fields included
            first = _readings(boxes, inputs, probabilities)
    out = []
    for k, reading in enumerate(first):
        candidates: dict[str, float] = {}
        for level in per_height:
            width, probs = level[k]
            text, conf, _ = _word(_decode(probs[:, masks["text"]], masks["text"], chars), width)
            candidates[text] = max(conf, candidates.get(text, 0.0))
        if len(candidates) > 1:
            candidates.pop("", None)  # a scale that saw nothing does not veto one that read text
        text, conf = _likeliest(candidates, [level[k][1] for level in per_height])
        out.append(
            Reading(text, conf, reading.numeric, reading.numeric_confidence, reading.numeric_cols)
        )
    return out
