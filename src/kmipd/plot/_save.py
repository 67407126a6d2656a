"""Save a figure in several formats, atomically and byte-for-byte reproducibly."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmipd.plot._overlay import figure_format

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

__all__ = ["save_figures"]

_PRODUCER = "kmipd"
_SVG_HASH_SALT = "kmipd"  # fixed, so SVG element ids are the same on every save
# Per format: leave out timestamps and fix the software stamp (it may change between versions).
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": _PRODUCER},
    "svg": {"Date": None},
}


def save_figures(
    fig: Figure,
    stem: str | os.PathLike[str],
    formats: Sequence[str] = ("png", "svg", "pdf"),
    *,
    dpi: float = 300.0,
) -> list[Path]:
    """Save ``fig`` as ``stem.png``, ``stem.svg``, ``stem.pdf`` (...), each atomically.

    Each file is written to a temporary file in the same directory, which
    then replaces the target: a failed save leaves no file behind (and an
    older file untouched). PNG, SVG and PDF files carry no timestamp and no
    random id, so saving the same figure again gives identical bytes.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure, e.g. from :func:`plot_km`.
    stem : str or path-like
        Output path without suffix; ``".<format>"`` is appended.
    formats : sequence of str
        Formats matplotlib can write (``png``, ``svg``, ``pdf``, ``eps``, ...).
    dpi : float
        Resolution of raster formats (default 300, for print).

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ValueError
        If a format is unknown (checked before anything is written).

    Examples
    --------
    >>> save_figures(plot_km(curves), "out/figure2")  # doctest: +SKIP
    [PosixPath('out/figure2.png'), PosixPath('out/figure2.svg'), PosixPath('out/figure2.pdf')]
    """
    from matplotlib import rc_context

    from kmipd.io import atomic_write

    targets = _targets(stem, formats)
    layout = _axes_positions(fig)
    try:
        for fmt, path in targets:
            options: dict[str, Any] = {"format": fmt, "dpi": dpi, "bbox_inches": "tight"}
            if fmt in _METADATA:
                options["metadata"] = _METADATA[fmt]
            _restore(layout)  # every save starts from the same layout, not the last one's
            with rc_context({"svg.hashsalt": _SVG_HASH_SALT}), atomic_write(path, "wb") as handle:
                fig.savefig(handle, pad_inches=0.1, **options)
    finally:
        _restore(layout)
    return [path for _, path in targets]


_Position = tuple["Axes", "Bbox", "Bbox", bool]


def _axes_positions(fig: Figure) -> list[_Position]:
    """Each axes' original and active position (a layout engine moves them on every draw)."""
    return [
        (ax, ax.get_position(original=True), ax.get_position(), ax.get_in_layout())
        for ax in fig.get_axes()
    ]


def _restore(positions: list[_Position]) -> None:
    """Put the axes back where :func:`_axes_positions` found them.

    A layout engine computes positions from the current ones, so without this
    the last digits depend on what was saved before (at which resolution), and
    SVG clip-path ids, which hash the clip rectangles, change.
    """
    for ax, original, active, in_layout in positions:
        ax.set_position(original, which="original")
        ax.set_position(active, which="active")
        ax.set_in_layout(in_layout)  # set_position takes an axes out of the layout


def _targets(stem: str | os.PathLike[str], formats: Sequence[str]) -> list[tuple[str, Path]]:
    """(format, path) per distinct format, all checked before any is written."""
    if isinstance(formats, str):
        formats = (formats,)
    targets: list[tuple[str, Path]] = []
    for name in formats:
        path = Path(f"{os.fspath(stem)}.{name.strip().lstrip('.').lower()}")
        target = (figure_format(path), path)
        if target not in targets:
            targets.append(target)
    if not targets:
        raise ValueError("formats: give at least one format, such as 'png'")
    return targets
