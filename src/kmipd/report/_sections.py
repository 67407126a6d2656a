"""The sections of the HTML report, each built from the JSON-safe results of a study run."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from kmipd.report._format import (
    DASH,
    ci_text,
    difference,
    esc,
    event_phrase,
    hr_text,
    number,
    percent,
    percent_number,
    pvalue,
    table,
    time_text,
)

__all__ = [
    "comparisons_section",
    "diagnostics_section",
    "endpoint_section",
    "warnings_section",
]

_PH_DOUBTFUL = 0.05  # PH test p below this shows the piecewise hazard ratios


def _arm_name(results: Mapping[str, Any], arm_id: str) -> str:
    arm = results.get("arms", {}).get(arm_id, {})
    trial, label = arm.get("trial"), arm.get("label") or arm_id
    return f"{trial}: {label}" if trial else str(label)


def _unit(results: Mapping[str, Any]) -> str:
    unit = results.get("study", {}).get("time_unit")
    return f" {unit}" if unit else ""


def _figure(endpoint: str, image: bytes | None, caption: str) -> str:
    if not image:
        return ""
    mime = "image/png" if image.startswith(b"\x89PNG") else "image/svg+xml"
    data = base64.b64encode(image).decode("ascii")
    alt = f"Kaplan-Meier curves of {endpoint}"
    return (
        f'<figure><img src="data:{mime};base64,{data}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def endpoint_section(
    endpoint: str, analysis: Mapping[str, Any], results: Mapping[str, Any], image: bytes | None
) -> str:
    """Figure, arm summary and landmark table of one endpoint."""
    arms: Mapping[str, Any] = analysis.get("arms", {})
    level = number(analysis.get("confidence_level")) or 0.95
    ci_name = f"{100 * level:g}% CI"
    unit = _unit(results)
    tau_value = number(analysis.get("tau"))
    tau = "tau" if tau_value is None else f"{tau_value:g}{unit}"
    caption = f"Kaplan-Meier estimates of {endpoint}."
    if results.get("study", {}).get("show_pvalue"):
        caption += " The p-value is the log-rank test across all arms shown (descriptive)."
    rows = []
    for arm_id, arm in arms.items():
        median = arm.get("median") or {}
        rmst = arm.get("rmst") or {}
        rows.append(
            (
                esc(_arm_name(results, arm_id)),
                esc(_source_name(results, arm_id)),
                esc(arm.get("n")),
                esc(arm.get("events")),
                esc(f"{time_text(median.get('estimate'))} {ci_text(median.get('ci'))}"),
                esc(f"{time_text(rmst.get('estimate'))} {ci_text(rmst.get('ci'))}"),
            )
        )
    header = ("Arm", "Data", "n", "Events", f"Median ({ci_name})", f"RMST to {tau} ({ci_name})")
    parts = [
        f'<section class="endpoint"><h2>{esc(endpoint)}</h2>',
        _figure(endpoint, image, caption),
        table(header, rows, caption=f"{endpoint}: arms (times in{unit or ' the study unit'})"),
        _landmark_table(endpoint, arms, results, ci_name),
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _source_name(results: Mapping[str, Any], arm_id: str) -> str:
    source = results.get("arms", {}).get(arm_id, {}).get("source", {})
    return "reconstructed" if source.get("type") == "curve" else "IPD"


def _landmark_table(
    endpoint: str, arms: Mapping[str, Any], results: Mapping[str, Any], ci_name: str
) -> str:
    labels: list[str] = []
    for arm in arms.values():
        labels.extend(key for key in (arm.get("landmarks") or {}) if key not in labels)
    if not labels:
        return ""
    unit = _unit(results)
    phrase = event_phrase(endpoint)
    rows = []
    for arm_id, arm in arms.items():
        cells = [esc(_arm_name(results, arm_id))]
        for label in labels:
            entry = (arm.get("landmarks") or {}).get(label) or {}
            cells.append(_landmark_cell(entry, label, unit, phrase))
        rows.append(cells)
    header = ["Arm", *(f"{label}{unit}" for label in labels)]
    note = (
        f'<p class="note">Survival and proportion who {esc(phrase)} by each time, '
        f"with {esc(ci_name)}. Not estimable: the arm's follow-up ends before that time "
        "(no extrapolation).</p>"
    )
    return table(header, rows, caption=f"{endpoint}: landmarks") + "\n" + note


def _landmark_cell(entry: Mapping[str, Any], label: str, unit: str, phrase: str) -> str:
    if not entry or entry.get("estimable") is False or number(entry.get("survival")) is None:
        return '<span class="na">not estimable</span>'
    survival = (
        f"survival {percent(entry.get('survival'))} {ci_text(entry.get('ci'), percent_number)}"
    )
    events = (
        f"{phrase} within {label}{unit}: {percent(entry.get('event_proportion'))} "
        f"{ci_text(entry.get('event_proportion_ci'), percent_number)}"
    )
    return f'{esc(survival)}<br><span class="ev">{esc(events)}</span>'


# --------------------------------------------------------------------------- comparisons


def comparisons_section(results: Mapping[str, Any]) -> str:
    """Table of the study's comparisons (the reference is the first arm listed)."""
    comparisons = results.get("comparisons") or []
    if not comparisons:
        return (
            "<section><h2>Comparisons</h2><p>The study declares no comparisons "
            "(<code>[[comparison]]</code>).</p></section>"
        )
    level = number(results.get("study", {}).get("confidence_level")) or 0.95
    ci_name = f"{100 * level:g}% CI"
    cuts = bool(results.get("study", {}).get("cuts"))
    rows = [_comparison_row(results, item, cuts) for item in comparisons]
    header = (
        "Comparison",
        "Kind",
        f"HR ({ci_name})",
        "Log-rank p",
        f"RMST difference ({ci_name})",
        "PH test p",
        "Piecewise HR",
    )
    note = (
        '<p class="note">HR &lt; 1 favours the second arm over the reference (the first arm '
        "listed). Piecewise hazard ratios are shown when the study gives cuts or when the "
        f"proportional-hazards test has p &lt; {_PH_DOUBTFUL}; then they are cut at the "
        "landmarks within follow-up (else at the median event time). Cross-trial rows are "
        "descriptive.</p>"
    )
    return (
        "<section><h2>Comparisons</h2>\n"
        + table(header, rows, caption="Each arm against its reference")
        + "\n"
        + note
        + "</section>"
    )


def _comparison_row(results: Mapping[str, Any], item: Mapping[str, Any], cuts: bool) -> list[str]:
    name = esc(f"{_arm_name(results, item['arm'])} vs {_arm_name(results, item['reference'])}")
    if item.get("label"):
        name = f"<strong>{esc(item['label'])}</strong><br>{name}"
    hr = item.get("hazard_ratio") or {}
    rmst = item.get("rmst_difference") or {}
    ph_p = number((item.get("proportional_hazards") or {}).get("pvalue"))
    piecewise = ""
    if cuts or (ph_p is not None and ph_p < _PH_DOUBTFUL):
        piecewise = _piecewise(item.get("piecewise_hazard_ratios") or [])
    kind = "within trial" if item.get("within_trial") else "cross-trial"
    return [
        name,
        f'<span class="tag">{esc(kind)}</span>',
        esc(f"{hr_text(hr.get('estimate'))} {ci_text(hr.get('ci'), hr_text)}"),
        esc(pvalue((item.get("logrank") or {}).get("pvalue"))),
        esc(f"{_signed(rmst.get('estimate'))} {ci_text(rmst.get('ci'), difference, dash=' to ')}"),
        esc(pvalue(ph_p)),
        piecewise,
    ]


def _signed(value: Any) -> str:
    x = number(value)
    return "NA" if x is None else f"{x:+.2f}"


def _piecewise(pieces: list[Any]) -> str:
    lines = []
    for piece in pieces:
        if not isinstance(piece, Mapping):
            continue
        start, end = piece.get("start"), piece.get("stop", piece.get("end"))
        if start is None and isinstance(piece.get("interval"), list | tuple):
            start, end = piece["interval"][0], piece["interval"][1]
        estimate: Any = piece.get("estimate", piece.get("hazard_ratio"))
        ci = piece.get("ci")
        if isinstance(estimate, Mapping):
            estimate, ci = estimate.get("estimate"), estimate.get("ci")
        span = f"{time_text(start, missing='0')}{DASH}{time_text(end, missing='end')}"
        lines.append(esc(f"{span}: {hr_text(estimate)} {ci_text(ci, hr_text)}".strip()))
    return "<br>".join(lines) or "NA"


# --------------------------------------------------------------------------- diagnostics


def diagnostics_section(results: Mapping[str, Any]) -> str:
    """Reconstruction diagnostics of every arm rebuilt from a digitized curve."""
    rebuilt = {k: v for k, v in results.get("arms", {}).items() if v.get("reconstruction")}
    if not rebuilt:
        return ""
    parts = ["<section><h2>Reconstruction diagnostics</h2>"]
    for arm_id, arm in rebuilt.items():
        parts.append(_arm_diagnostics(results, arm_id, arm["reconstruction"]))
    parts.append("</section>")
    return "\n".join(parts)


def _arm_diagnostics(results: Mapping[str, Any], arm_id: str, diag: Mapping[str, Any]) -> str:
    fit = diag.get("curve_fit") or {}
    given = diag.get("events_given")
    events = f"{diag.get('n_events')} (given: {'not reported' if given is None else given})"
    summary = table(
        ("n", "Events (rebuilt vs given)", "Censored", "max |ΔS|", "RMSE", "mean |ΔS|"),
        [
            (
                esc(diag.get("n")),
                esc(events),
                esc(diag.get("n_censored")),
                esc(_fixed(fit.get("max_abs_error"))),
                esc(_fixed(fit.get("rmse"))),
                esc(_fixed(fit.get("mean_abs_error"))),
            )
        ],
    )
    intervals = diag.get("risk_table_fit") or []
    risk = ""
    if intervals:
        rows = [
            (
                esc(f"{time_text(i.get('start'))}{DASH}{time_text(i.get('end'), missing='end')}"),
                esc(i.get("n_at_risk_given")),
                esc(i.get("n_at_risk_reconstructed")),
                esc(i.get("n_events")),
                esc(i.get("n_censored")),
            )
            for i in intervals
        ]
        header = ("Interval", "At risk, given", "At risk, rebuilt", "Events", "Censored")
        risk = table(header, rows, caption="Risk-table fit", attrs={"class": "small"})
    warns = diag.get("warnings") or []
    notes = (
        '<ul class="warn">' + "".join(f"<li>{esc(w)}</li>" for w in warns) + "</ul>"
        if warns
        else '<p class="note">No warnings.</p>'
    )
    method = f" — {diag['method']}" if diag.get("method") else ""
    title = f"{_arm_name(results, arm_id)} [{arm_id}]{method}"
    return f"<h3>{esc(title)}</h3>\n{summary}\n{risk}\n{notes}"


def _fixed(value: Any) -> str:
    x = number(value)
    return "NA" if x is None else f"{x:.4f}"


def warnings_section(results: Mapping[str, Any]) -> str:
    """The run's warnings (landmarks or tau beyond follow-up, ...)."""
    warns = results.get("warnings") or []
    if not warns:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warns)
    return f'<section><h2>Warnings</h2><ul class="warn">{items}</ul></section>'
