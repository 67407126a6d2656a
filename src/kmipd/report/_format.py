"""Numbers and small HTML pieces as they appear in the report (all text escaped)."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "DASH",
    "ci_text",
    "difference",
    "esc",
    "event_phrase",
    "hr_text",
    "number",
    "percent",
    "percent_number",
    "pvalue",
    "table",
    "time_text",
]

DASH = "\u2013"  # en dash between confidence limits


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def number(value: Any) -> float | None:
    """``value`` as a finite float, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def time_text(value: Any, *, missing: str = "NR") -> str:
    """A time: one decimal from 1 on, two below; ``missing`` (not reached) when absent."""
    x = number(value)
    if x is None:
        return missing
    if x == 0:
        return "0"
    return f"{x:.1f}" if abs(x) >= 1 else f"{x:.2f}"


def percent(value: Any) -> str:
    """A probability as a percentage with one decimal."""
    x = number(value)
    return "NA" if x is None else f"{100 * x:.1f}%"


def percent_number(value: Any) -> str:
    """A probability as a percentage with one decimal, without the ``%`` sign."""
    x = number(value)
    return "NA" if x is None else f"{100 * x:.1f}"


def difference(value: Any) -> str:
    """A difference with two decimals (``-0.24``)."""
    x = number(value)
    return "NA" if x is None else f"{x:.2f}"


def pvalue(value: Any) -> str:
    """A p-value: ``<0.001`` or three decimals."""
    x = number(value)
    if x is None:
        return "NA"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def hr_text(value: Any) -> str:
    """A hazard ratio with two decimals."""
    x = number(value)
    return "NA" if x is None else f"{x:.2f}"


def ci_text(ci: Any, form: Any = time_text, *, dash: str = DASH) -> str:
    """A confidence interval ``(low–high)`` formatted with ``form``; empty when absent."""
    if not isinstance(ci, Sequence) or isinstance(ci, str) or len(ci) != 2:
        return ""
    if ci[0] is None and ci[1] is None:
        return ""
    return f"({form(ci[0])}{dash}{form(ci[1])})"


_EVENTS = {
    "OS": "died",
    "PFS": "progressed or died",
    "TTP": "progressed",
    "DFS": "recurred or died",
    "RFS": "recurred or died",
    "EFS": "had an event",
}


def event_phrase(endpoint: str) -> str:
    """What an event is for ``endpoint``, as a verb phrase (``"progressed or died"``)."""
    return _EVENTS.get(endpoint.strip().upper(), "had an event")


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caption: str = "",
    attrs: Mapping[str, str] | None = None,
) -> str:
    """An HTML table; ``header`` and ``caption`` are escaped, ``rows`` are HTML already."""
    extra = "".join(f' {key}="{esc(value)}"' for key, value in (attrs or {}).items())
    head = "".join(f"<th>{esc(cell)}</th>" for cell in header)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="wrap"><table{extra}>{cap}<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )
