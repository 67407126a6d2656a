"""Shared fixtures of the engine tests: simulated patient-level data and its KM curve."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SEED = 20240611
RISK_TIMES = np.array([0.0, 5.0, 10.0, 15.0, 20.0, 25.0])


def km_steps(time: FloatArray, event: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Exact Kaplan-Meier of ``(time, event)``, computed from scratch.

    Returns the distinct event times, the survival just after each of them and
    the number at risk just before each of them.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    death_times = np.unique(time[event == 1])
    deaths = np.array([np.sum((time == t) & (event == 1)) for t in death_times])
    at_risk = np.array([np.sum(time >= t) for t in death_times])
    survival = np.cumprod(1.0 - deaths / at_risk)
    return death_times, survival, at_risk


def km_corners(time: FloatArray, event: IntArray) -> tuple[FloatArray, FloatArray]:
    """The step corners of the exact KM curve, as a perfect digitizer would click them.

    Starts at (0, 1), has both corners of every drop and ends flat at the
    largest observed time.
    """
    steps, survival, _ = km_steps(time, event)
    if steps.size == 0:  # no events: flat at 1
        return np.array([0.0, float(np.max(time))]), np.array([1.0, 1.0])
    before = np.concatenate(([1.0], survival[:-1]))
    corner_t = np.concatenate(([0.0], np.repeat(steps, 2)))
    corner_s = np.concatenate(([1.0], np.column_stack((before, survival)).ravel()))
    last = float(np.max(time))
    if last > corner_t[-1]:
        corner_t = np.append(corner_t, last)
        corner_s = np.append(corner_s, corner_s[-1])
    return corner_t, corner_s


def at_risk(time: FloatArray, at: FloatArray) -> IntArray:
    """Numbers at risk (time >= t) of patient-level data at each of ``at``."""
    time = np.asarray(time, dtype=float)
    return np.array([int(np.sum(time >= t)) for t in np.atleast_1d(at)], dtype=np.int64)


def km_median(time: FloatArray, event: IntArray) -> float:
    """Smallest time at which the exact KM survival is at or below 0.5 (inf if never)."""
    steps, survival, _ = km_steps(time, event)
    below = np.flatnonzero(survival <= 0.5)
    return float(steps[below[0]]) if below.size else float("inf")


@dataclass(frozen=True)
class TrueData:
    """Simulated patient-level data with its KM corners and risk table."""

    time: FloatArray
    event: IntArray
    curve_time: FloatArray
    curve_survival: FloatArray
    risk_time: FloatArray
    n_at_risk: IntArray


def simulate(seed: int = SEED, n: int = 300) -> TrueData:
    """Exponential event times (mean 12), uniform censoring on (0, 40), times to 0.01."""
    rng = np.random.default_rng(seed)
    t_event = rng.exponential(12.0, n)
    t_censor = rng.uniform(0.0, 40.0, n)
    time = np.round(np.minimum(t_event, t_censor), 2)
    time = np.maximum(time, 0.01)
    event = (t_event <= t_censor).astype(np.int64)
    curve_t, curve_s = km_corners(time, event)
    return TrueData(
        time=time,
        event=event,
        curve_time=curve_t,
        curve_survival=curve_s,
        risk_time=RISK_TIMES.copy(),
        n_at_risk=at_risk(time, RISK_TIMES),
    )


@pytest.fixture(scope="session")
def truth() -> TrueData:
    """n = 300 simulated patients (fixed seed) with censoring."""
    return simulate()


class Hang(Exception):
    """Raised by :func:`time_limit` when a call runs too long."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail with :class:`Hang` when the body runs longer than ``seconds`` (Unix main thread)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise Hang(f"call ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def limit() -> Callable[[int], contextlib.AbstractContextManager[None]]:
    """The :func:`time_limit` context manager, as a fixture."""
    return time_limit


def as_jpeg(path: Path, scale: float, quality: int) -> bytes:
    """The figure at ``path`` shrunk by ``scale`` and saved as JPEG (a screenshot's damage)."""
    import io

    from PIL import Image

    image = Image.open(path).convert("RGB")
    size = (round(image.width * scale), round(image.height * scale))
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
