"""Words read on the other core before they are asked for.

What the recogniser reads in a word depends on the word's image alone
(each word is padded as it would be alone: `_ocr.batches_of`), so a word can
be read before anyone knows it is needed. While `look` sorts out the
figure's colours on one core, :func:`read_ahead` reads on the other the
words likely to be numbers (the tick labels, and the lines under them where
a risk table stands); the text reading (`_reading.read_figure_text`) then
takes the readings of the words it asks for and drops the rest.

A batch the thread has not started when the reading is asked for is read
by the caller (on all cores); one it is reading is waited for. Should the
thread fail, the caller reads what it left.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kmipd.digitize import _ocr
from kmipd.digitize._frame import Frame
from kmipd.digitize._image import ink_grey
from kmipd.digitize._text import Word
from kmipd.digitize._ticktext import x_label_words, y_label_words

__all__ = ["Ahead", "read_ahead"]

FloatArray = npt.NDArray[np.float64]
Key = tuple[int, int, bytes]  # (rows, columns, pixels) of a prepared word image
LONGEST = 120  # words wider than this many times their height are runs of text, not read


def usable(word: Word) -> bool:
    """Whether a word is worth the recogniser's time: not a long merged run of text."""
    return word.width <= LONGEST * max(word.height, 4)


def _key(image: npt.NDArray[np.float32]) -> Key:
    """What identifies a prepared word image: its shape and pixels."""
    return image.shape[0], image.shape[1], image.tobytes()


@dataclass(eq=False)
class _Batch:
    """Word images of one padded width, read together once."""

    images: list[npt.NDArray[np.float32]]
    state: str = "waiting"  # "waiting", "reading" (by the thread or a caller), "done"
    read: threading.Event = field(default_factory=threading.Event)
    probabilities: list[FloatArray] = field(default_factory=list)


class Ahead:
    """Word images being read in a thread of their own (see the module's docstring).

    Parameters
    ----------
    ink : ndarray of float
        The figure's ink (`Scene.ink`); its grey image is what the words are cut from.
    boxes : list of list of (row0, col0, row1, col1)
        The words to read, at the recogniser's default height: the first
        list first (those asked for first), then the next.
    """

    def __init__(self, ink: FloatArray, boxes: list[list[tuple[int, int, int, int]]]) -> None:
        self._lock = threading.Lock()
        self._planned = threading.Event()
        self._batches: list[_Batch] = []
        self._where: dict[Key, tuple[_Batch, int]] = {}
        self._closed = False
        self._thread = threading.Thread(
            target=self._work, args=(ink, boxes), name="kmipd-read-ahead", daemon=True
        )
        self._thread.start()

    def _work(self, ink: FloatArray, boxes: list[list[tuple[int, int, int, int]]]) -> None:
        """In the thread: cut and prepare the words, then read batch after batch on one core.

        A failure ends the thread quietly: the words it did not read are
        read by the caller, which meets the same failure if it is real.
        """
        try:
            grey = ink_grey(ink)
            for part in boxes:
                self._plan([_ocr.prepare(grey[r0:r1, c0:c1]) for r0, c0, r1, c1 in part])
        except Exception:  # the caller reads what is not planned
            pass
        finally:
            self._planned.set()
        for batch in self._batches:
            if not self._claim(batch, thread=True):
                continue
            try:
                self._read([batch], alone=True)
            except Exception:  # the batch is marked done, unread
                return

    def _plan(self, images: list[npt.NDArray[np.float32]]) -> None:
        """Batches of the word images not planned yet (each image once)."""
        unique = {_key(x): x for x in images if _key(x) not in self._where}
        images = list(unique.values())
        for group in _ocr.batches_of([x.shape[1] for x in images]):
            batch = _Batch([images[i] for i in group])
            self._batches.append(batch)
            for k, image in enumerate(batch.images):
                self._where[_key(image)] = (batch, k)

    def _claim(self, batch: _Batch, thread: bool = False) -> bool:
        """Take a batch no one reads yet (the thread takes none once closed)."""
        with self._lock:
            if (thread and self._closed) or batch.state != "waiting":
                return False
            batch.state = "reading"
            return True

    @staticmethod
    def _read(batches: list[_Batch], alone: bool) -> None:
        """Read claimed batches: on one core (``alone``, the thread) or on all (a caller)."""
        try:
            found = _ocr.read_batches([b.images for b in batches], alone=alone)
            for batch, probabilities in zip(batches, found, strict=True):
                batch.probabilities = probabilities
        finally:
            for batch in batches:
                batch.state = "done"
                batch.read.set()

    def take(self, images: list[npt.NDArray[np.float32]]) -> list[FloatArray | None]:
        """The probabilities of each prepared word image read ahead (None: not among them).

        Batches holding one of ``images`` that the thread has not started are
        read here; those it is reading are waited for.
        """
        self._planned.wait()
        found = [self._where.get(_key(x)) for x in images]
        needed = list({id(f[0]): f[0] for f in found if f is not None}.values())
        self._read([b for b in needed if self._claim(b)], alone=False)
        for batch in needed:
            batch.read.wait()
        return [
            f[0].probabilities[f[1]] if f is not None and f[0].probabilities else None
            for f in found
        ]

    def close(self, wait: bool = False) -> None:
        """Have the thread read no more batches (one it is reading is finished); words
        asked for later are read by the caller. With ``wait``, return once the thread
        has ended, so that no reading outlives its figure."""
        with self._lock:
            self._closed = True
        if wait:
            self._thread.join()


def read_ahead(ink: FloatArray, frame: Frame, words: list[Word]) -> Ahead | None:
    """Start reading the words likely to be numbers: tick labels and the lines under them.

    None on a single core, or in a child process (a helper or a worker of a
    folder run), where no core is spare.
    """
    if _ocr.cores() < 2:
        return None
    x_words = x_label_words(words, frame, ink)
    ticks = [w for w in x_words + y_label_words(words, frame, ink) if usable(w)]
    below = max((w.row1 for w in x_words), default=int(frame.bottom))
    under = [w for w in words if w.row0 > below and usable(w)]
    if not ticks and not under:
        return None
    return Ahead(ink, [[(w.row0, w.col0, w.row1, w.col1) for w in part] for part in (ticks, under)])
