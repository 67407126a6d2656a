// The figure editor: the figure with what was read drawn over it, and the tools to correct it.
import { s, confClass, confText } from "./dom.js";

/** Linear map pixel <-> axis value through two points, as the server's Axis. */
export class Axis {
  constructor(h) {
    this.p0 = h.p0; this.v0 = h.v0;
    this.slope = (h.v1 - h.v0) / (h.p1 - h.p0);
  }
  value(p) { return this.v0 + (p - this.p0) * this.slope; }
  pixel(v) { return this.p0 + (v - this.v0) / this.slope; }
}

export function toSurvival(v, cal) {
  const x = v / (cal.percent ? 100 : 1);
  return cal.failure ? 1 - x : x;
}
export function toAxisValue(surv, cal) {
  const v = cal.failure ? 1 - surv : surv;
  return v * (cal.percent ? 100 : 1);
}

/** Survival of a curve given by its corner points at time t (step reading). */
export function stepAt(points, t) {
  let value = 1;
  for (const [time, surv] of points) {
    if (time > t) break;
    value = surv;
  }
  return value;
}

const HINTS = {
  move: "Drag the green handles onto two labelled ticks of each axis, then type their values under Axes.",
  add: "Click on the curve of the selected arm to add a missed point (the arm is chosen under Arms).",
  censor: "Click on a censoring tick of the selected arm to add a censor mark.",
  delete: "Click on a stray point or censor mark to delete it.",
  crop: "Drag a rectangle around the plot (with its numbers at risk), then read it again.",
};

export class Editor {
  constructor(svg, hooks) {
    this.svg = svg;
    this.hooks = hooks; // {edit(fn), calibrate(cal), crop(rect), undo()}
    this.tool = "move";
    this.fig = null;
    this.view = { selected: null, rebuilt: true, dim: false, imageUrl: "" };
    this.drag = null;
    this.cursor = null;
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("keydown", (e) => this.key(e));
    svg.addEventListener("blur", () => { this.cursor = null; this.render(); });
  }

  setFigure(fig, view) {
    this.fig = fig;
    Object.assign(this.view, view);
    this.render();
  }

  setTool(tool) {
    this.tool = tool;
    this.crop = null;
    this.hooks.tool?.(tool, HINTS[tool]);
    this.render();
  }

  get cal() { return this.fig?.calibration; }
  get unit() { return this.fig.canvas.width / Math.max(this.svg.clientWidth, 1); }

  xy(t, surv) {
    const cal = this.cal;
    return [new Axis(cal.x).pixel(t), new Axis(cal.y).pixel(toAxisValue(surv, cal))];
  }

  data(col, row) {
    const cal = this.cal;
    return [new Axis(cal.x).value(col), toSurvival(new Axis(cal.y).value(row), cal)];
  }

  area() {
    const a = this.cal.plot_area;
    if (a) return a;
    const { x, y } = this.cal; // no panel found: the box the calibration points span
    return { top: Math.min(y.p0, y.p1), bottom: Math.max(y.p0, y.p1), left: Math.min(x.p0, x.p1), right: Math.max(x.p0, x.p1) };
  }

  render() {
    const svg = this.svg;
    svg.replaceChildren();
    if (!this.fig || !this.fig.canvas || !this.cal) return;
    const { width, height } = this.fig.canvas;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("class", `tool-${this.tool}`);
    svg.append(this.base(width, height), this.curves(), this.rebuilt(), this.riskRead(), this.handles());
    if (this.cursor) svg.append(this.cursorMark());
    if (this.crop) svg.append(this.cropRect());
  }

  base(width, height) {
    const g = s("g");
    if (this.fig.kind === "image") {
      g.append(s("image", { href: this.view.imageUrl, x: 0, y: 0, width, height,
        preserveAspectRatio: "none", class: this.view.dim ? "dimmed" : null }));
      const a = this.cal.plot_area;
      if (a) g.append(s("rect", { class: "plot-area", x: a.left, y: a.top, width: a.right - a.left, height: a.bottom - a.top }));
      g.append(this.ticksRead());
    } else {
      g.append(this.drawnAxes());
    }
    return g;
  }

  drawnAxes() {
    const g = s("g");
    const a = this.area();
    const x = this.cal.x;
    const step = niceStep(x.v1 - x.v0);
    for (let v = 0; v <= x.v1 + 1e-9; v += step) {
      const [col] = this.xy(v, 1);
      g.append(s("line", { class: "grid-line", x1: col, x2: col, y1: a.top, y2: a.bottom }),
        s("text", { class: "axis-text", x: col, y: a.bottom + 18, "text-anchor": "middle", text: fmtTick(v) }));
    }
    for (let v = 0; v <= 1.0001; v += 0.2) {
      const [, row] = this.xy(0, v);
      g.append(s("line", { class: "grid-line", x1: a.left, x2: a.right, y1: row, y2: row }),
        s("text", { class: "axis-text", x: a.left - 8, y: row + 4, "text-anchor": "end", text: v.toFixed(1) }));
    }
    g.append(s("path", { class: "axis-line", d: `M${a.left} ${a.top}V${a.bottom}H${a.right}`, fill: "none" }));
    const unit = this.fig.time_unit ? ` (${this.fig.time_unit})` : "";
    g.append(s("text", { class: "axis-text", x: (a.left + a.right) / 2, y: a.bottom + 40, "text-anchor": "middle", text: `Time${unit}` }));
    return g;
  }

  ticksRead() {
    const g = s("g");
    const a = this.area();
    for (const t of this.cal.ticks || []) {
      const cls = t.used ? confClass(t.confidence) : "conf-low";
      const fill = `var(--${cls.slice(5)})`;
      const [x, y] = t.axis === "x" ? [t.pixel, a.bottom + 4] : [a.left - 4, t.pixel];
      const mark = s("g", { class: "tick-read" },
        s("circle", { cx: x, cy: y, r: 2.5 * this.unit, fill }),
        s("title", { text: `tick label "${t.text}" ${confText(t.confidence)}${t.used ? "" : " — not used by the fit"}` }));
      g.append(mark);
    }
    return g;
  }

  curves() {
    const g = s("g");
    const u = this.unit;
    for (const arm of this.fig.arms) {
      if (!arm.points || !arm.points.length) continue;
      const pts = arm.points.map(([t, v]) => this.xy(t, v).map((c) => c.toFixed(1)).join(",")).join(" ");
      const selected = arm.key === this.view.selected;
      g.append(s("polyline", { class: "curve-halo", points: pts, "stroke-width": selected ? 6 : 4.5 }),
        s("polyline", { class: "curve-line", points: pts, stroke: arm.colour, "stroke-width": selected ? 2.4 : 1.8 }));
      if (selected) {
        for (const [t, v] of arm.points) {
          const [cx, cy] = this.xy(t, v);
          g.append(s("circle", { class: "curve-point", cx, cy, r: 2.6 * u, fill: arm.colour }));
        }
      }
      for (const t of arm.censor || []) {
        const [cx, cy] = this.xy(t, stepAt(arm.points, t));
        g.append(s("circle", { class: "curve-halo", cx, cy, r: 4.5 * u, "stroke-width": 4 }),
          s("circle", { class: "censor-mark", cx, cy, r: 4.5 * u, stroke: arm.colour }));
      }
    }
    return g;
  }

  rebuilt() {
    const g = s("g");
    const result = this.fig.result;
    if (!result || !this.view.rebuilt || this.fig.kind === "ipd") return g;
    for (const arm of result.arms) {
      const [x0, y0] = this.xy(0, 1);
      let d = `M${x0.toFixed(1)} ${y0.toFixed(1)}`;
      arm.km.time.forEach((t, i) => {
        const [x, y] = this.xy(t, arm.km.survival[i]);
        d += `H${x.toFixed(1)}V${y.toFixed(1)}`;
      });
      g.append(s("path", { class: "rebuilt", d }, s("title", { text: `${arm.name}: reconstructed` })));
    }
    return g;
  }

  riskRead() {
    const g = s("g");
    if (this.fig.kind !== "image") return g;
    const u = this.unit;
    for (const arm of this.fig.arms) {
      for (const e of arm.risk || []) {
        if (!e.at) continue;
        const cls = confClass(e.confidence);
        const colour = `var(--${cls.slice(5)})`;
        const [x, y] = e.at;
        g.append(s("g", { class: "risk-read" },
          s("rect", { x: x - 16 * u, y: y - 10 * u, width: 32 * u, height: 20 * u, rx: 3 * u, stroke: colour }),
          s("title", { text: `${arm.name} at ${e.time}: ${e.n ?? "not read"} — ${confText(e.confidence)}` })));
      }
    }
    return g;
  }

  handles() {
    const g = s("g");
    const cal = this.cal;
    if (!cal.editable) return g;
    const a = this.area();
    const u = this.unit;
    const live = this.drag?.kind === "handle" ? this.drag.cal : cal;
    for (const [axis, which] of [["x", 0], ["x", 1], ["y", 0], ["y", 1]]) {
      const p = live[axis][`p${which}`];
      const v = live[axis][`v${which}`];
      const [cx, cy] = axis === "x" ? [p, a.bottom + 14 * u] : [a.left - 14 * u, p];
      const line = axis === "x" ? { x1: p, x2: p, y1: a.top, y2: a.bottom + 8 * u } : { x1: a.left - 8 * u, x2: a.right, y1: p, y2: p };
      const r = 7 * u;
      const handle = s("path", {
        class: "calib-handle", tabindex: 0, role: "slider", "data-axis": axis, "data-which": which,
        "aria-valuenow": Math.round(p), "aria-valuemin": 0, "aria-valuemax": axis === "x" ? this.fig.canvas.width : this.fig.canvas.height,
        "aria-label": `${axis === "x" ? "time" : "survival"} axis point ${which + 1}, value ${v}; arrow keys move it`,
        d: `M${cx} ${cy - r}L${cx + r} ${cy}L${cx} ${cy + r}L${cx - r} ${cy}Z`,
      });
      handle.addEventListener("keydown", (e) => this.handleKey(e, axis, which));
      const label = axis === "x"
        ? s("text", { class: "calib-label", x: cx, y: cy + r + 12 * u, "text-anchor": "middle", "font-size": 12 * u, text: fmtTick(v) })
        : s("text", { class: "calib-label", x: a.left + 6 * u, y: p - 5 * u, "font-size": 12 * u, text: fmtTick(v) });
      g.append(s("line", { class: "calib-line", ...line }), handle, label);
    }
    return g;
  }

  cursorMark() {
    const [x, y] = this.cursor;
    const r = 9 * this.unit;
    return s("g", { class: "cursor" }, s("line", { x1: x - r, x2: x + r, y1: y, y2: y }), s("line", { x1: x, x2: x, y1: y - r, y2: y + r }));
  }

  cropRect() {
    const [top, left, bottom, right] = this.crop;
    return s("rect", { class: "crop-rect", x: left, y: top, width: right - left, height: bottom - top });
  }

  point(e) {
    const m = this.svg.getScreenCTM();
    if (!m) return [0, 0];
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return [p.x, p.y];
  }

  down(e) {
    if (!this.fig || !this.cal || e.button !== 0) return;
    const target = e.target;
    if (target.classList?.contains("calib-handle")) {
      this.drag = { kind: "handle", axis: target.dataset.axis, which: target.dataset.which, cal: structuredClone(this.cal) };
      this.svg.setPointerCapture(e.pointerId);
      e.preventDefault();
      return;
    }
    const [x, y] = this.point(e);
    if (this.tool === "crop") {
      this.drag = { kind: "crop", from: [x, y] };
      this.svg.setPointerCapture(e.pointerId);
      return;
    }
    this.apply(x, y);
  }

  move(e) {
    if (!this.drag) return;
    const [x, y] = this.point(e);
    if (this.drag.kind === "handle") {
      const { axis, which, cal } = this.drag;
      cal[axis][`p${which}`] = Math.round((axis === "x" ? x : y) * 10) / 10;
    } else {
      const [x0, y0] = this.drag.from;
      const { width, height } = this.fig.canvas;
      const clamp = (v, hi) => Math.round(Math.min(Math.max(v, 0), hi));
      this.crop = [clamp(Math.min(y0, y), height), clamp(Math.min(x0, x), width), clamp(Math.max(y0, y), height), clamp(Math.max(x0, x), width)];
    }
    this.render();
  }

  up() {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    if (drag.kind === "handle") this.hooks.calibrate(drag.cal);
    else if (this.crop) this.hooks.crop(this.crop);
    this.render();
  }

  /** Apply the current tool at pixel (x, y). */
  apply(x, y) {
    const key = this.view.selected;
    if (this.tool === "add" || this.tool === "censor") {
      if (!key) { this.hooks.say("Select an arm under Arms first."); return; }
      const [t, v] = this.data(x, y);
      const time = Math.max(0, round6(t));
      const surv = Math.min(1, Math.max(0, round6(v)));
      this.hooks.edit((fig) => {
        const arm = fig.arms.find((a) => a.key === key);
        if (this.tool === "add") { arm.points.push([time, surv]); arm.points.sort((p, q) => p[0] - q[0] || q[1] - p[1]); }
        else { arm.censor.push(time); arm.censor.sort((p, q) => p - q); }
      });
    } else if (this.tool === "delete") {
      this.remove(x, y);
    }
  }

  remove(x, y) {
    const limit = 10 * this.unit;
    let best = null;
    for (const arm of this.fig.arms) {
      const bonus = arm.key === this.view.selected ? 0.7 : 1;
      (arm.points || []).forEach(([t, v], i) => {
        const [px, py] = this.xy(t, v);
        const d = Math.hypot(px - x, py - y) * bonus;
        if (d <= limit && (!best || d < best.d)) best = { d, key: arm.key, kind: "points", i };
      });
      (arm.censor || []).forEach((t, i) => {
        const [px, py] = this.xy(t, stepAt(arm.points, t));
        const d = Math.hypot(px - x, py - y) * bonus * 0.9;
        if (d <= limit && (!best || d < best.d)) best = { d, key: arm.key, kind: "censor", i };
      });
    }
    if (!best) { this.hooks.say("Nothing close enough to delete here."); return; }
    this.hooks.edit((fig) => { fig.arms.find((a) => a.key === best.key)[best.kind].splice(best.i, 1); });
  }

  key(e) {
    if (e.target !== this.svg) return;
    const tools = { m: "move", a: "add", c: "censor", d: "delete", x: "crop" };
    const k = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && k === "z") { e.preventDefault(); this.hooks.undo(); return; }
    if (tools[k] && !e.ctrlKey && !e.metaKey && !e.altKey) { this.hooks.pickTool(tools[k]); e.preventDefault(); return; }
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) {
      const a = this.area();
      const step = (e.shiftKey ? 10 : 1) * this.unit;
      const [x, y] = this.cursor || [(a.left + a.right) / 2, (a.top + a.bottom) / 2];
      this.cursor = [x + moves[e.key][0] * step, y + moves[e.key][1] * step];
      this.render();
      e.preventDefault();
    } else if ((e.key === "Enter" || e.key === " ") && this.cursor) {
      this.apply(...this.cursor);
      e.preventDefault();
    } else if (e.key === "Escape" && this.crop) {
      this.crop = null; this.hooks.crop(null); this.render();
    }
  }

  handleKey(e, axis, which) {
    const along = axis === "x" ? { ArrowLeft: -1, ArrowRight: 1 } : { ArrowUp: -1, ArrowDown: 1 };
    if (!(e.key in along)) return;
    e.preventDefault();
    e.stopPropagation();
    const cal = structuredClone(this.cal);
    cal[axis][`p${which}`] = Math.round((cal[axis][`p${which}`] + along[e.key] * (e.shiftKey ? 10 : 1)) * 10) / 10;
    this.hooks.calibrate(cal, { focus: [axis, which] });
  }

  focusHandle(axis, which) {
    this.svg.querySelector(`.calib-handle[data-axis="${axis}"][data-which="${which}"]`)?.focus();
  }
}

function round6(v) { return Math.round(v * 1e6) / 1e6; }

function niceStep(span) {
  const raw = span / 8;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 3, 5, 6, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

export function fmtTick(v) {
  return String(Number(Number(v).toPrecision(4)));
}
