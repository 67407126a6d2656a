// The figure view: check and correct what was read, save as you go, reconstruct.
import { api, figurePath } from "./api.js";
import { $, $$, debounce, h } from "./dom.js";
import { Editor } from "./editor.js";
import { renderArms, renderCalibration } from "./panels.js";
import { renderResult } from "./results.js";
import { renderRisk } from "./risk.js";

const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
const STATUS = { ready: "ready", pending: "reading…", failed: "failed" };

export class FigureView {
  constructor(app) {
    this.app = app;
    this.fig = null;
    this.selected = null;
    this.undoStack = [];
    this.dirty = 0;
    this.savedAt = 0;
    this.saving = null;
    this.poll = null;
    this.focusKey = null;
    this.editor = new Editor($("#editor"), {
      edit: (fn) => this.edit(fn),
      calibrate: (cal, opts) => this.calibrate(cal, opts),
      crop: (rect) => { $("#crop-bar").hidden = !rect; this.cropRect = rect; },
      undo: () => this.undo(),
      say: (msg) => app.say(msg),
      pickTool: (tool) => this.pickTool(tool),
      tool: (_tool, hint) => { $("#tool-hint").textContent = hint; },
    });
    this.saveSoon = debounce(() => this.save(), 400);
    this.wire();
  }

  wire() {
    $$(".toolbar [data-tool]").forEach((b) => b.addEventListener("click", () => this.pickTool(b.dataset.tool)));
    $("#undo").addEventListener("click", () => this.undo());
    $("#show-rebuilt").addEventListener("change", () => this.render());
    $("#dim-figure").addEventListener("change", () => this.render());
    $("#reconstruct").addEventListener("click", () => this.reconstruct());
    $("#fig-delete").addEventListener("click", () => this.remove());
    $("#crop-read").addEventListener("click", () => this.readAgain({ crop: this.cropRect }));
    $("#crop-cancel").addEventListener("click", () => { this.editor.crop = null; $("#crop-bar").hidden = true; this.editor.render(); });
    for (const [id, key] of [["#fig-trial", "trial"], ["#fig-endpoint", "endpoint"], ["#fig-unit", "time_unit"]]) {
      $(id).addEventListener("change", (e) => {
        const value = e.target.value.trim();
        if (key === "endpoint" && !value) { e.target.value = this.fig.endpoint; this.app.say("An endpoint needs a name, e.g. OS or PFS."); return; }
        this.edit((f) => { f[key] = value || (key === "time_unit" ? null : ""); });
      });
    }
    window.addEventListener("resize", debounce(() => this.editor.render(), 150));
    window.addEventListener("pagehide", () => {  // leaving with an edit not yet sent: send it now
      if (this.fig && this.dirty !== this.savedAt) {
        fetch(this.path, { method: "PUT", keepalive: true, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body(this.fig)) });
      }
    });
  }

  get path() { return figurePath(this.app.studyId, this.fig.id); }

  async open(id) {
    await this.flush();
    this.stopPolling();
    const doc = await api("GET", figurePath(this.app.studyId, id));
    this.undoStack = [];
    this.adopt(doc);
    this.pickTool(doc.kind === "image" ? "move" : "add");
    if (doc.status === "pending") this.startPolling();
  }

  close() { this.stopPolling(); this.fig = null; }

  adopt(doc) {
    this.fig = doc;
    if (!doc.arms?.some((a) => a.key === this.selected)) this.selected = doc.arms?.[0]?.key ?? null;
    this.render();
  }

  pickTool(tool) {
    $$(".toolbar [data-tool]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === tool)));
    this.editor.setTool(tool);
  }

  /** Change the figure locally (undoable), redraw, and save shortly after. */
  edit(fn) {
    this.undoStack.push(snapshot(this.fig));
    if (this.undoStack.length > 60) this.undoStack.shift();
    fn(this.fig);
    this.fig.result = null;
    this.dirty += 1;
    this.app.setSave("Unsaved changes…");
    this.renderSoon();
    this.saveSoon();
  }

  undo() {
    const last = this.undoStack.pop();
    if (!last) { this.app.say("Nothing to undo.", "ok"); return; }
    Object.assign(this.fig, last);
    this.fig.result = null;
    this.dirty += 1;
    this.renderSoon();
    this.saveSoon();
  }

  async save() {
    if (!this.fig || this.dirty === this.savedAt) return;
    if (this.saving) { await this.saving; return this.save(); }
    const seq = this.dirty;
    this.app.setSave("Saving…");
    this.saving = api("PUT", this.path, body(this.fig)).then((doc) => {
      this.savedAt = seq;
      if (seq === this.dirty && this.fig?.id === doc.id) this.adoptQuietly(doc);
      this.app.setSave("All changes saved");
      this.app.refreshList();
    }).catch((error) => {
      this.savedAt = seq;
      this.app.setSave("Not saved");
      this.app.say(`Not saved: ${error.message}`);
    }).finally(() => { this.saving = null; });
    await this.saving;
  }

  /** Take the server's copy (confidences updated) without losing the focus or selection. */
  adoptQuietly(doc) {
    this.fig = doc;
    this.editor.setFigure(doc, { selected: this.selected });
    const badge = $("#fig-status");
    badge.textContent = STATUS[doc.status] || doc.status;
    badge.className = `badge ${doc.status}`;
  }

  async flush() {
    if (!this.fig) return;
    this.saveSoon.flush();
    while (this.saving || this.dirty !== this.savedAt) {
      if (this.saving) await this.saving; else await this.save();
    }
  }

  async calibrate(cal, opts = {}) {
    await this.flush();
    const edit = { x: pick(cal.x), y: pick(cal.y), percent: !!cal.percent };
    try {
      const doc = await api("PUT", `${this.path}/calibration`, edit);
      this.undoStack = [];
      this.adopt(doc);
      this.app.setSave("Axes saved");
      if (opts.focus) this.editor.focusHandle(...opts.focus);
    } catch (error) {
      this.app.say(error.message);
      this.render();
    }
  }

  async merge(keys) {
    await this.flush();
    const before = snapshot(this.fig);
    try {
      this.adopt(await api("POST", `${this.path}/merge`, { keys }));
      this.undoStack.push(before); // undo sends the arms as they were
      this.app.refreshList();
    } catch (error) { this.app.say(error.message); }
  }

  addArm() {
    const used = new Set(this.fig.arms.map((a) => a.key));
    let i = 1;
    while (used.has(`a${i}`)) i += 1;
    const names = new Set(this.fig.arms.map((a) => a.name));
    let name = `arm ${i}`;
    while (names.has(name)) name += "′";
    const times = [...new Set(this.fig.arms.flatMap((a) => a.risk.map((e) => e.time)))];
    this.edit((f) => f.arms.push({ key: `a${i}`, name, colour: PALETTE[(i - 1) % PALETTE.length], confidence: {}, label_read: null,
      points: [], censor: [], risk: times.map((time) => ({ time, n: null, confidence: null })), n: null, events: null }));
    this.selected = `a${i}`;
    this.pickTool("add");
  }

  deleteArm(key) {
    if (this.fig.arms.length < 2) { this.app.say("A figure keeps at least one arm; delete the figure instead."); return; }
    this.edit((f) => { f.arms = f.arms.filter((a) => a.key !== key); });
  }

  async readAgain(options) {
    await this.flush();
    try {
      $("#crop-bar").hidden = true;
      this.editor.crop = null;
      this.adopt(await api("POST", `${this.path}/read`, options));
      this.startPolling();
    } catch (error) { this.app.say(error.message); }
  }

  async reconstruct() {
    const button = $("#reconstruct");
    button.disabled = true;
    $("#reconstruct-state").textContent = "Reconstructing…";
    try {
      await this.flush();
      const doc = await api("POST", `${this.path}/reconstruct`);
      this.adopt(doc);
      $("#reconstruct-state").textContent = "Done.";
      this.app.refreshList();
      $("#result-panel").scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (error) {
      $("#reconstruct-state").textContent = "";
      this.app.say(error.message);
    } finally {
      button.disabled = false;
    }
  }

  async remove() {
    if (!window.confirm(`Delete the figure “${this.fig.name}” and its corrections?`)) return;
    try {
      await api("DELETE", this.path);
      this.close();
      await this.app.refreshList();
      this.app.show("welcome");
    } catch (error) { this.app.say(error.message); }
  }

  startPolling() {
    this.stopPolling();
    const started = Date.now();
    const tick = async () => {
      $("#fig-progress .elapsed").textContent = `${Math.round((Date.now() - started) / 1000)} s`;
      try {
        const doc = await api("GET", this.path);
        if (doc.status !== "pending") { this.stopPolling(); this.adopt(doc); this.app.refreshList(); return; }
        $("#fig-progress .stage").textContent = doc.stage || "waiting";
      } catch (error) { this.app.say(error.message); this.stopPolling(); return; }
      this.poll = setTimeout(tick, 400);
    };
    this.poll = setTimeout(tick, 200);
  }

  stopPolling() { clearTimeout(this.poll); this.poll = null; }

  renderSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = null; this.render(); });
  }

  render() {
    const fig = this.fig;
    if (!fig) return;
    const active = document.activeElement;
    const focus = active?.dataset?.focus || (active?.id && active !== document.body ? active.id : null);
    $("#fig-name").textContent = fig.name;
    const badge = $("#fig-status");
    badge.textContent = fig.result ? "reconstructed" : STATUS[fig.status] || fig.status;
    badge.className = `badge ${fig.result ? "done" : fig.status}`;
    setValue("#fig-trial", fig.trial || "");
    setValue("#fig-endpoint", fig.endpoint || "");
    setValue("#fig-unit", fig.time_unit || "");
    const pending = fig.status === "pending";
    $("#fig-progress").hidden = !pending;
    if (pending) $("#fig-progress .stage").textContent = fig.stage || "waiting to be read";
    this.renderWarnings(fig);
    const ready = fig.status === "ready";
    const ipd = fig.kind === "ipd";
    $("#editor-area").hidden = !ready;
    $("#editor-area").classList.toggle("ipd", ipd);
    $(".canvas-col").hidden = ipd;
    for (const el of [$('[data-tool="move"]'), $('[data-tool="crop"]'), $("#dim-figure").parentElement]) el.hidden = fig.kind !== "image";
    $("#fig-actions").hidden = !ready;
    $("#calib-panel").hidden = ipd;
    $("#risk-panel").hidden = !ready || ipd;
    $("#reconstruct").textContent = fig.kind === "ipd" ? "Analyse" : "Reconstruct";
    $("#reconstruct").disabled = !ready;
    if (ready && fig.kind !== "ipd") {
      this.editor.setFigure(fig, { selected: this.selected, rebuilt: $("#show-rebuilt").checked,
        dim: $("#dim-figure").checked, imageUrl: `${this.path}/image` });
      renderCalibration($("#calib-body"), fig, this);
      renderArms($("#arms-body"), fig, { selected: this.selected }, this);
      renderRisk($("#risk-body"), fig, this);
    }
    if (fig.kind === "ipd" && ready) renderArms($("#arms-body"), fig, { selected: this.selected }, this);
    renderResult($("#result-panel"), $("#result-body"), fig, this.path);
    const target = this.nextFocus || focus;
    this.nextFocus = null;
    if (target && document.activeElement !== active) {
      const el = document.querySelector(`[data-focus="${CSS.escape(target)}"], #${CSS.escape(target)}`);
      el?.focus();
      if (el instanceof HTMLInputElement && el.type !== "checkbox" && el.type !== "radio") el.select();
    }
  }

  renderWarnings(fig) {
    const list = $("#fig-warnings");
    list.replaceChildren(...(fig.notes || []).map((n) => h("li", { class: "info" }, n)),
      ...(fig.warnings || []).map((w) => h("li", {}, w)));
    if ((fig.panels || 1) > 1) list.append(this.panelChoice(fig));
    if (fig.status === "failed") list.append(h("li", {}, fig.error || "reading failed"));
  }

  panelChoice(fig) {
    // a figure of several plot panels (A, B, ...): read another one
    const buttons = Array.from({ length: fig.panels }, (_, i) => i + 1).map((k) => {
      const button = h("button", { type: "button", class: "panel-choice", "data-panel": String(k) },
        `Panel ${k}`);
      button.disabled = k === fig.panel || fig.status === "pending";
      button.addEventListener("click", () => this.readAgain({ panel: k }));
      return button;
    });
    return h("li", { class: "info panels" }, `Plot panel ${fig.panel} of ${fig.panels} read; read `,
      ...buttons);
  }

  select(key) { this.selected = key; this.render(); }
  focusNext(key) { this.nextFocus = key; }
  say(message) { this.app.say(message); }
}

function setValue(selector, value) {
  const el = $(selector);
  if (document.activeElement !== el) el.value = value;
}

function pick(handles) {
  return { p0: handles.p0, v0: handles.v0, p1: handles.p1, v1: handles.v1 };
}

function snapshot(fig) {
  return structuredClone({ arms: fig.arms, trial: fig.trial, endpoint: fig.endpoint, time_unit: fig.time_unit });
}

/** The PUT body of a figure: what the user can correct. */
export function body(fig) {
  return {
    name: fig.name,
    trial: fig.trial || "",
    endpoint: fig.endpoint || "OS",
    time_unit: fig.time_unit || null,
    arms: fig.arms.map((a) => ({
      key: a.key, name: a.name, colour: a.colour || null,
      points: fig.kind === "ipd" ? [] : a.points, censor: fig.kind === "ipd" ? [] : a.censor,
      risk: (a.risk || []).map((e) => ({ time: e.time, n: e.n })), n: a.n ?? null, events: a.events ?? null,
    })),
  };
}
