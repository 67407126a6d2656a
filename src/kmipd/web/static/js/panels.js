// Side panels of the figure view: the axis calibration and the arms.
import { h, confClass, confText } from "./dom.js";
import { fmtTick } from "./editor.js";

const CONF_NAMES = { curve: "curve", label: "name", risk_table: "at risk", censor_marks: "marks" };

/** The Axes panel: values of the two calibration points of each axis, percent, confidence. */
export function renderCalibration(root, fig, hooks) {
  root.replaceChildren();
  const cal = fig.calibration;
  if (fig.kind === "ipd" || !cal) {
    root.append(h("p", { class: "muted" }, "Patient-level data: nothing to calibrate."));
    return;
  }
  if (!cal.editable) {
    root.append(h("p", { class: "muted" },
      `Drawn from the CSV data: time 0–${fmtTick(cal.x.v1)}${fig.time_unit ? ` ${fig.time_unit}` : ""}, survival 0–1.`));
    return;
  }
  const field = (axis, which) => h("input", {
    type: "number", step: "any", value: cal[axis][`v${which}`], id: `cal-${axis}${which}`,
    "aria-label": `${axis === "x" ? "Time" : "Survival"} at calibration point ${which + 1}`,
  });
  const percent = h("input", { type: "checkbox", id: "cal-percent", checked: !!cal.percent });
  const apply = h("button", { type: "button", class: "primary", id: "cal-apply" }, "Apply");
  const grid = h("div", { class: "calib-grid" },
    h("span"), h("span", { class: "muted small" }, "point 1"), h("span", { class: "muted small" }, "point 2"),
    h("span", { class: "axis-name" }, "Time (x)"), field("x", 0), field("x", 1),
    h("span", { class: "axis-name" }, cal.percent ? "Survival % (y)" : "Survival (y)"), field("y", 0), field("y", 1));
  apply.addEventListener("click", () => {
    const next = structuredClone(cal);
    for (const axis of ["x", "y"]) {
      for (const which of [0, 1]) {
        const value = parseFloat(root.querySelector(`#cal-${axis}${which}`).value);
        if (!Number.isFinite(value)) { hooks.say(`Type a number for ${axis} point ${which + 1}.`); return; }
        next[axis][`v${which}`] = value;
      }
    }
    next.percent = percent.checked;
    hooks.calibrate(next);
  });
  grid.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); apply.click(); } });
  const conf = cal.confidence || {};
  const chips = ["x", "y"].filter((k) => conf[k] !== undefined).map((k) =>
    h("span", { class: `chip ${confClass(conf[k])}`, title: confText(conf[k]) }, `${k} ${Math.round(conf[k] * 100)}%`));
  const source = { labels: "read from the tick labels", user: "set by you", manual: "not read: set it by hand" }[cal.source] || cal.source;
  root.append(grid, h("div", { class: "calib-foot" },
    h("label", { class: "check" }, percent, "y axis in percent"), apply),
    h("div", { class: "arm-meta" }, `Calibration ${source}. `, ...chips));
}

/** The Arms panel: select the arm to edit, rename, n and events, merge, add, delete. */
export function renderArms(root, fig, view, hooks) {
  root.replaceChildren();
  const ipd = fig.kind === "ipd";
  for (const arm of fig.arms) {
    root.append(armBox(arm, fig, view, hooks, ipd));
  }
  if (ipd) return;
  const merge = h("button", { type: "button", id: "merge-arms", title: "Merge the ticked arms into the first ticked" }, "Merge ticked");
  merge.addEventListener("click", () => {
    const keys = [...root.querySelectorAll("input.merge:checked")].map((el) => el.value);
    if (keys.length < 2) { hooks.say("Tick two or more arms to merge."); return; }
    hooks.merge(keys);
  });
  const add = h("button", { type: "button", id: "add-arm", title: "An arm the reader missed: add it, then click its points" }, "Add arm");
  add.addEventListener("click", () => hooks.addArm());
  root.append(h("div", { class: "arms-actions" }, add, merge),
    h("div", { class: "legend-conf", "aria-label": "confidence colours" },
      h("span", { class: "conf-high" }, "high"), h("span", { class: "conf-mid" }, "medium"),
      h("span", { class: "conf-low" }, "low"), h("span", { class: "conf-user" }, "yours")));
}

function armBox(arm, fig, view, hooks, ipd) {
  const selected = arm.key === view.selected;
  const radio = h("input", { type: "radio", name: "arm-select", value: arm.key, checked: selected,
    "aria-label": `edit arm ${arm.name}`, title: "Edit this arm on the figure" });
  radio.addEventListener("change", () => hooks.select(arm.key));
  const name = h("input", { type: "text", value: arm.name, maxlength: 80, class: "arm-name",
    "aria-label": "arm name", "data-key": arm.key, "data-focus": `name:${arm.key}` });
  name.addEventListener("change", () => {
    const text = name.value.trim();
    if (!text) { name.value = arm.name; hooks.say("An arm needs a name."); return; }
    if (fig.arms.some((a) => a.key !== arm.key && a.name === text)) {
      name.value = arm.name;
      hooks.say(`Another arm is named “${text}”; merge the arms instead, or choose another name.`);
      return;
    }
    hooks.edit((f) => { f.arms.find((a) => a.key === arm.key).name = text; });
  });
  const top = h("div", { class: "arm-top" }, radio,
    h("span", { class: "swatch", title: arm.colour }), name);
  top.querySelector(".swatch").style.background = arm.colour;
  if (!ipd) {
    const del = h("button", { type: "button", class: "quiet danger", title: `Delete arm ${arm.name}`, "aria-label": `delete arm ${arm.name}` }, "×");
    del.addEventListener("click", () => hooks.deleteArm(arm.key));
    top.append(del);
  }
  const box = h("div", { class: `arm${selected ? " selected" : ""}`, "data-key": arm.key }, top);
  const conf = arm.confidence || {};
  const chips = Object.entries(CONF_NAMES).filter(([k]) => conf[k] !== undefined).map(([k, label]) =>
    h("span", { class: `chip ${confClass(conf[k])}`, title: `${label} ${confText(conf[k])}` }, `${label} ${Math.round(conf[k] * 100)}%`));
  if (chips.length) box.append(h("div", {}, ...chips));
  if (ipd) {
    box.append(h("div", { class: "arm-meta" }, `${arm.ipd.time.length} patients, ${arm.ipd.event.reduce((a, b) => a + b, 0)} events`));
    return box;
  }
  box.append(h("div", { class: "arm-counts" }, count(arm, "n", "n at time 0", hooks), count(arm, "events", "events (total)", hooks),
    h("label", { class: "check" }, h("input", { type: "checkbox", class: "merge", value: arm.key, "aria-label": `merge arm ${arm.name}` }), "merge")));
  const read = arm.label_read && arm.label_read !== arm.name ? ` · legend read “${arm.label_read}”` : "";
  box.append(h("div", { class: "arm-meta" }, `${arm.points.length} points · ${arm.censor.length} censor marks${read}`));
  return box;
}

function count(arm, key, label, hooks) {
  const read = key === "events" && arm.events_read != null && arm.events === arm.events_read;
  const input = h("input", { type: "number", min: key === "n" ? 1 : 0, step: 1, value: arm[key] ?? "", placeholder: "—",
    "aria-label": `${label} of ${arm.name}`, "data-count": key, "data-key": arm.key, "data-focus": `${key}:${arm.key}`,
    title: read ? "read from the figure; left out (with a note) if the curve and numbers at risk cannot hold it" : undefined });
  input.addEventListener("change", () => {
    const text = input.value.trim();
    const value = text === "" ? null : Number(text);
    if (value !== null && (!Number.isInteger(value) || value < (key === "n" ? 1 : 0))) {
      hooks.say(`${label}: type a whole number${key === "n" ? " of at least 1" : ""}, or leave it empty.`);
      input.value = arm[key] ?? "";
      return;
    }
    hooks.edit((f) => { f.arms.find((a) => a.key === arm.key)[key] = value; });
  });
  return h("label", {}, label, input);
}
