// The numbers-at-risk table as an editable grid: one row per arm, one column per time.
import { h, confClass, confText } from "./dom.js";

function times(fig) {
  const all = new Set();
  for (const arm of fig.arms) for (const e of arm.risk || []) all.add(e.time);
  return [...all].sort((a, b) => a - b);
}

/** Render the grid; every change goes through hooks.edit(fn) and is saved by the page. */
export function renderRisk(root, fig, hooks) {
  root.replaceChildren();
  if (fig.kind === "ipd") {
    root.append(h("p", { class: "muted" }, "Patient-level data: the numbers at risk follow from the data."));
    return;
  }
  const cols = times(fig);
  const head = h("tr", {}, h("th", { class: "arm-name", scope: "col" }, "Time"));
  cols.forEach((t, c) => head.append(h("th", { scope: "col" }, timeCell(t, c, fig, hooks))));
  const addTime = h("button", { type: "button", id: "risk-add-time", title: "Add a time column" }, "+ time");
  addTime.addEventListener("click", () => {
    const last = cols.length ? cols[cols.length - 1] : -1;
    const step = cols.length > 1 ? cols[cols.length - 1] - cols[cols.length - 2] : 1;
    const next = Math.max(0, last + step);
    hooks.edit((f) => { for (const arm of f.arms) (arm.risk ||= []).push({ time: next, n: null, confidence: null }); });
    hooks.focusNext(`risk:0:${cols.length}`);
  });
  head.append(h("th", {}, addTime));
  const body = h("tbody");
  fig.arms.forEach((arm, r) => {
    const row = h("tr", {}, h("th", { class: "arm-name", scope: "row" }, arm.name));
    cols.forEach((t, c) => row.append(valueCell(arm, t, r, c, hooks)));
    body.append(row);
  });
  const table = h("table", { class: "grid", id: "risk-grid", "aria-label": "numbers at risk" }, h("thead", {}, head), body);
  table.addEventListener("keydown", (e) => move(e, table));
  root.append(table);
  if (!cols.length) {
    root.append(h("p", { class: "muted small" }, "No numbers at risk were read. Add the times under the figure with “+ time” and type the numbers, or enter n per arm."));
  }
}

function timeCell(t, c, fig, hooks) {
  const input = h("input", { type: "number", min: 0, step: "any", value: t, "data-row": -1, "data-col": c, "data-focus": `risk:-1:${c}`,
    "aria-label": `time of column ${c + 1}` });
  input.addEventListener("change", () => {
    const value = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(value) || value < 0) { input.value = t; hooks.say("A time must be a number ≥ 0."); return; }
    if (value !== t && fig.arms.some((a) => (a.risk || []).some((e) => e.time === value))) {
      input.value = t; hooks.say(`There is a column at time ${value} already.`); return;
    }
    hooks.edit((f) => { for (const arm of f.arms) for (const e of arm.risk || []) if (e.time === t) { e.time = value; e.confidence = null; } });
  });
  const del = h("button", { type: "button", class: "quiet del", title: `Remove time ${t}`, "aria-label": `remove time ${t}` }, "×");
  del.addEventListener("click", () => hooks.edit((f) => { for (const arm of f.arms) arm.risk = (arm.risk || []).filter((e) => e.time !== t); }));
  return h("span", { class: "row" }, input, del);
}

function valueCell(arm, t, r, c, hooks) {
  const entry = (arm.risk || []).find((e) => e.time === t);
  const cls = entry && entry.n !== null && entry.source !== "file" ? confClass(entry.confidence) : "";
  const input = h("input", { type: "number", min: 0, step: 1, value: entry?.n ?? "", placeholder: "?",
    "data-row": r, "data-col": c, "data-focus": `risk:${r}:${c}`, "aria-label": `${arm.name} at risk at ${t}`,
    title: !entry || entry.n === null ? "not read: type it in" : entry.source === "file" ? "from the uploaded file" : confText(entry.confidence) });
  input.addEventListener("change", () => {
    const text = input.value.trim();
    const value = text === "" ? null : Number(text);
    if (value !== null && (!Number.isInteger(value) || value < 0)) {
      input.value = entry?.n ?? ""; hooks.say("A number at risk is a whole number ≥ 0."); return;
    }
    hooks.edit((f) => {
      const target = f.arms.find((a) => a.key === arm.key);
      target.risk ||= [];
      const found = target.risk.find((e) => e.time === t);
      if (found) { found.n = value; found.confidence = null; } else target.risk.push({ time: t, n: value, confidence: null });
      target.risk.sort((a, b) => a.time - b.time);
    });
  });
  return h("td", { class: cls ? `conf ${cls}` : "" }, input);
}

function move(e, table) {
  if (!(e.target instanceof HTMLInputElement) || !["Enter", "ArrowUp", "ArrowDown"].includes(e.key)) return;
  const row = Number(e.target.dataset.row) + (e.key === "ArrowUp" ? -1 : 1);
  const next = table.querySelector(`input[data-row="${row}"][data-col="${e.target.dataset.col}"]`);
  if (next) { e.preventDefault(); next.focus(); next.select(); }
}
