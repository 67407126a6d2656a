// The reconstruction of one figure: clean KM plot, diagnostics, statistics and downloads.
import { h, num, pct, pvalue, withCI } from "./dom.js";

function table(head, rows, label) {
  return h("table", { class: "data", "aria-label": label },
    h("thead", {}, h("tr", {}, ...head.map((cell) => h("th", { scope: "col" }, cell)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => (cell instanceof Node ? h("td", {}, cell) : h("td", {}, cell)))))));
}

/** Fit of each arm to its curve and counts. */
function fitTable(result) {
  const rows = result.arms.map((arm) => {
    const d = arm.diagnostics;
    if (!d) return [arm.name, arm.n, arm.events, "—", "—", "—"];
    const given = d.events_given === null ? "" : ` (given ${d.events_given})`;
    return [arm.name, d.n, `${d.n_events}${given}`, d.n_censored, num(d.curve_fit.max_abs_error, 2), num(d.curve_fit.rmse, 2)];
  });
  return table(["Arm", "n", "Events", "Censored", "max |ΔS|", "RMSE"], rows, "fit to the curve");
}

/** Given against rebuilt numbers at risk, one row per arm, a column per risk-table time. */
function riskFit(result) {
  const arms = result.arms.filter((arm) => arm.diagnostics && arm.diagnostics.risk_table_fit.length);
  if (!arms.length) return null;
  const times = [...new Set(arms.flatMap((arm) => arm.diagnostics.risk_table_fit.map((i) => i.start)))].sort((a, b) => a - b);
  const rows = [];
  for (const arm of arms) {
    const byTime = new Map(arm.diagnostics.risk_table_fit.map((i) => [i.start, i]));
    rows.push([`${arm.name} given`, ...times.map((t) => byTime.get(t)?.n_at_risk_given ?? "")]);
    rows.push([`${arm.name} rebuilt`, ...times.map((t) => {
      const i = byTime.get(t);
      if (!i) return "";
      const cell = h("span", { class: i.n_at_risk_reconstructed !== i.n_at_risk_given ? "bad" : "" }, String(i.n_at_risk_reconstructed));
      return cell;
    })]);
  }
  return table(["At risk", ...times.map((t) => num(t))], rows, "fit to the numbers at risk");
}

/** Medians, landmarks and RMST per arm; HR and log-rank against the first arm. */
function statsTables(result, unit) {
  const a = result.analysis;
  const marks = result.landmarks || [];
  const head = ["Arm", "Median (95% CI)", ...marks.flatMap((t) => [`S(${num(t)})`, `Event by ${num(t)}`]), "RMST"];
  const rows = result.arms.map((arm) => {
    const s = a.arms[arm.name];
    const cells = [arm.name, withCI(s.median.estimate, s.median.ci)];
    for (const t of marks) {
      const key = num(t, 6);
      const m = Object.values(s.landmarks).find((x) => Math.abs(x.time - t) < 1e-9) || s.landmarks[key];
      cells.push(m ? withCI(m.survival, m.ci, pct, "—") : "—", m ? withCI(m.event_proportion, m.event_proportion_ci, pct, "—") : "—");
    }
    cells.push(s.rmst ? `${num(s.rmst.estimate)} (τ ${num(s.rmst.tau)})` : "—");
    return cells;
  });
  const out = [h("h3", {}, `Statistics${unit ? ` (times in ${unit})` : ""}`), table(head, rows, "statistics per arm")];
  if (a.comparisons.length) {
    const crows = a.comparisons.map((c) => [`${c.arm} vs ${c.reference}`, withCI(c.hazard_ratio.estimate, c.hazard_ratio.ci, (v) => v.toFixed(2), "—"),
      pvalue(c.logrank.pvalue), pvalue(c.proportional_hazards.pvalue)]);
    out.push(table(["Comparison", "HR (95% CI)", "Log-rank p", "PH test p"], crows, "comparisons"));
  }
  return out;
}

/** Links to every download of the figure. */
export function downloads(base, items) {
  return h("div", { class: "downloads" }, ...items.map(([file, label]) =>
    h("a", { href: `${base}/download/${file}`, download: "", "data-download": file }, label)));
}

/** Render the result panel of a figure (hidden when there is no result). */
export function renderResult(panel, body, fig, base) {
  const result = fig.result;
  panel.hidden = !result;
  body.replaceChildren();
  if (!result) return;
  const img = h("img", { src: `${base}/download/km.svg?r=${fig.revision}`, alt: "Kaplan–Meier plot of the reconstructed arms", id: "km-img" });
  const right = [];
  if (fig.kind !== "ipd") {
    right.push(h("h3", {}, "Fit to the curve"), fitTable(result));
    const risk = riskFit(result);
    if (risk) right.push(h("h3", {}, "Fit to the numbers at risk"), risk);
  }
  const stats = statsTables(result, fig.time_unit);
  if (fig.kind === "ipd") right.push(...stats);
  body.append(h("div", { class: "result-grid" }, h("figure", { class: "km" }, img), h("div", {}, ...right)));
  if (fig.kind !== "ipd") body.append(...stats);
  if (result.warnings.length) {
    body.append(h("details", { class: "notes" }, h("summary", {}, `${result.warnings.length} note(s) on the reconstruction`),
      h("ul", {}, ...result.warnings.map((w) => h("li", {}, w)))));
  }
  const items = [["ipd.csv", "IPD (CSV)"]];
  if (fig.kind !== "ipd") items.push(["curves.csv", "Digitized curves (CSV)"], ["risk.csv", "Numbers at risk (CSV)"]);
  items.push(["km.png", "KM figure (PNG)"], ["km.svg", "KM figure (SVG)"]);
  body.append(h("h3", {}, "Downloads"), downloads(base, items));
}
