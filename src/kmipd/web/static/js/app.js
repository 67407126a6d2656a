// The page: the study (kept across reloads), the list of figures, the views and their switching.
import { api, studyPath, upload } from "./api.js";
import { $, debounce, h, toast, typing } from "./dom.js";
import { CompareView } from "./compare.js";
import { FigureView } from "./figure.js";
import { Uploader } from "./upload.js";

const KEY = "kmipd.study";

class App {
  constructor() {
    this.studyId = null;
    this.study = null;
    this.figures = [];
    this.view = "welcome";
    this.turn = 0;
    this.ready = false;
    this.figureView = new FigureView(this);
    this.compareView = new CompareView(this);
    this.uploader = new Uploader(this);
    this.wire();
  }

  wire() {
    $("#new-study").addEventListener("click", () => this.newStudy());
    $("#study-switch").addEventListener("change", (e) => this.openStudy(e.target.value));
    const title = $("#study-title");
    const later = debounce(() => this.saveTitle(), 500);
    title.addEventListener("input", () => { this.titleDirty = true; later(); });
    title.addEventListener("change", () => later.flush());
    $("#export-study").addEventListener("click", () => { window.location.href = `${studyPath(this.studyId)}/export`; });
    $("#import-file").addEventListener("change", (e) => this.importStudy(e.target.files[0], e.target));
    $("#show-compare").addEventListener("click", () => this.openCompare());
    window.addEventListener("hashchange", () => this.route());
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && this.view === "figure") { e.preventDefault(); this.figureView.reconstruct(); return; }
      if (e.key === "?" && !typing(e)) this.say("Figure tools: M move axes · A add point · C censor mark · D delete · X crop · arrows + Enter on the figure · Ctrl+Z undo · Ctrl+Enter reconstruct", "ok");
    });
  }

  say(message, kind = "error") { toast(message, kind); }

  setSave(text) {
    $("#save-state").textContent = text;
  }

  async boot() {
    try {
      const health = await api("GET", "/api/health");
      const note = $("#reader-status");
      if (!health.reader.available) {
        note.hidden = false;
        note.textContent = `Automatic figure reading is not available here (${health.reader.reason}). ` +
          "Upload curve CSVs (digitized curve + numbers at risk) or patient-level data — or a figure to digitize by hand.";
      }
      const studies = await api("GET", "/api/studies");
      const remembered = localStorage.getItem(KEY);
      const known = studies.find((st) => st.id === remembered) || studies[0];
      if (known) await this.openStudy(known.id, studies);
      else await this.newStudy();
      await this.route();
    } catch (error) {
      this.say(error.message);
    }
    this.ready = true;
  }

  async newStudy() {
    const study = await api("POST", "/api/studies", { title: "Untitled study" });
    await this.openStudy(study.id);
    this.show("welcome");
    $("#study-title").select();
  }

  async openStudy(id, studies) {
    const turn = ++this.turn; // a later switch wins over one still loading
    await this.figureView.flush();
    if (turn !== this.turn) return;
    this.figureView.close();
    this.studyId = id;
    localStorage.setItem(KEY, id);
    await this.refreshList(studies);
    if (this.view !== "welcome" && window.location.hash) window.location.hash = "";
    this.show("welcome");
  }

  async saveTitle() {
    const title = $("#study-title").value.trim();
    if (!title || !this.titleDirty) return;
    try {
      await api("PUT", studyPath(this.studyId), { title });
      this.titleDirty = false;
      this.setSave("Title saved");
      await this.refreshList();
    } catch (error) { this.say(error.message); }
  }

  async importStudy(file, input) {
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const study = await upload("/api/studies/import", form, () => {});
      await this.openStudy(study.id);
      this.say(`Imported “${study.title}” with ${study.figures.length} figure(s).`, "ok");
    } catch (error) { this.say(error.message); }
    input.value = "";
  }

  async refreshList(studies) {
    const id = this.studyId;
    const list = studies || (await api("GET", "/api/studies"));
    const study = await api("GET", studyPath(id));
    if (id !== this.studyId) return; // another study was opened meanwhile
    $("#study-switch").replaceChildren(...list.map((st) =>
      h("option", { value: st.id, selected: st.id === id }, `${st.title} (${st.figures} fig.)`)));
    this.study = study;
    this.figures = this.study.figures;
    if (!this.titleDirty && document.activeElement !== $("#study-title")) $("#study-title").value = this.study.title;
    const current = this.view === "figure" ? this.figureView.fig?.id : null;
    $("#figure-list").replaceChildren(...this.figures.map((fig) => {
      const status = fig.status === "pending" ? "reading…" : fig.status === "failed" ? "failed" : fig.reconstructed ? "reconstructed" : fig.kind === "ipd" ? "IPD" : "to check";
      const cls = fig.status === "ready" ? (fig.reconstructed ? "done" : "ready") : fig.status;
      const button = h("button", { type: "button", "aria-current": String(fig.id === current), "data-figure": fig.id },
        h("span", { class: "fname", title: fig.name }, fig.name), h("span", { class: `badge ${cls}` }, status),
        h("span", { class: "fmeta" }, [fig.trial, fig.endpoint, `${fig.arms.length} arm(s)`].filter(Boolean).join(" · ")));
      button.addEventListener("click", () => { window.location.hash = `figure=${fig.id}`; });
      return h("li", {}, button);
    }));
    $("#show-compare").setAttribute("aria-current", String(this.view === "compare"));
  }

  async route() {
    const hash = window.location.hash.slice(1);
    if (hash.startsWith("figure=")) await this.openFigure(hash.slice(7), false);
    else if (hash === "compare") await this.openCompare(false);
    else this.show("welcome");
  }

  async openFigure(id, push = true) {
    if (push && window.location.hash !== `#figure=${id}`) { window.location.hash = `figure=${id}`; return; }
    try {
      await this.figureView.open(id);
      this.show("figure");
      await this.refreshList();
    } catch (error) {
      this.say(error.message);
      this.show("welcome");
    }
  }

  async openCompare(push = true) {
    if (push && window.location.hash !== "#compare") { window.location.hash = "compare"; return; }
    await this.figureView.flush();
    this.figureView.close();
    try {
      await this.compareView.open();
      this.show("compare");
      await this.refreshList();
    } catch (error) { this.say(error.message); }
  }

  show(view) {
    this.view = view;
    $("#welcome").hidden = view !== "welcome";
    $("#figure-view").hidden = view !== "figure";
    $("#compare-view").hidden = view !== "compare";
    if (view === "figure") this.figureView.editor.render();
  }
}

const app = new App();
window.kmipdApp = app;
app.boot();
