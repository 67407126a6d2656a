// Adding data: drop or choose figures (each read on the server) and CSV files (roles chosen here).
import { upload } from "./api.js";
import { $, h } from "./dom.js";

const FIGURE = /\.(png|jpe?g|tiff?|webp|bmp|pdf)$/i;
const TABLE = /\.(csv|tsv|txt)$/i;
const ROLES = [
  ["#csv-risk", /(risk|nar|at.?risk|nrisk|table)/i],
  ["#csv-marks", /(censor|marks?|ticks?)/i],
  ["#csv-ipd", /(ipd|patient|individual)/i],
];

export class Uploader {
  constructor(app) {
    this.app = app;
    this.tables = [];
    const zone = $("#dropzone");
    const input = $("#file-input");
    zone.addEventListener("click", () => input.click());
    zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      this.take([...e.dataTransfer.files]);
    });
    input.addEventListener("change", () => { this.take([...input.files]); input.value = ""; });
    $("#csv-form").addEventListener("submit", (e) => { e.preventDefault(); this.sendTables(); });
    $("#csv-cancel").addEventListener("click", () => this.resetTables());
  }

  /** Sort files: figures are sent at once, tables wait for their roles in the CSV form. */
  async take(files) {
    const figures = files.filter((f) => FIGURE.test(f.name) || f.type.startsWith("image/") || f.type === "application/pdf");
    const tables = files.filter((f) => !figures.includes(f) && (TABLE.test(f.name) || f.type.startsWith("text/")));
    const other = files.filter((f) => !figures.includes(f) && !tables.includes(f));
    if (other.length) this.app.say(`Not a figure or CSV: ${other.map((f) => f.name).join(", ")}`);
    if (tables.length) this.showTables(tables);
    for (const file of figures) await this.sendFigure(file);
  }

  meta(form) {
    form.append("trial", $("#up-trial").value.trim());
    form.append("endpoint", $("#up-endpoint").value.trim() || "OS");
    return form;
  }

  async send(form, label) {
    const bar = $("#upload-progress");
    bar.hidden = false;
    const show = (p) => { bar.querySelector("progress").value = p; bar.querySelector("span").textContent = `${label} — ${p}%`; };
    show(0);
    try {
      const doc = await upload(`/api/studies/${encodeURIComponent(this.app.studyId)}/figures`, form, show);
      await this.app.refreshList();
      await this.app.openFigure(doc.id);
      return doc;
    } catch (error) {
      this.app.say(error.message);
      return null;
    } finally {
      bar.hidden = true;
    }
  }

  sendFigure(file) {
    const form = this.meta(new FormData());
    form.append("figure", file, file.name);
    form.append("page", String(Math.max(1, parseInt($("#up-page").value, 10) || 1)));
    return this.send(form, `Uploading ${file.name}`);
  }

  showTables(files) {
    this.tables = [...this.tables, ...files].filter((f, i, all) => all.findIndex((g) => g.name === f.name) === i);
    const options = () => [h("option", { value: "" }, "—"), ...this.tables.map((f, i) => h("option", { value: String(i) }, f.name))];
    for (const id of ["#csv-curve", "#csv-risk", "#csv-marks", "#csv-ipd"]) $(id).replaceChildren(...options());
    const used = new Set();
    for (const [id, pattern] of ROLES) {
      const i = this.tables.findIndex((f, k) => !used.has(k) && pattern.test(f.name));
      if (i >= 0) { $(id).value = String(i); used.add(i); }
    }
    const curve = this.tables.findIndex((_, k) => !used.has(k));
    if (curve >= 0 && $("#csv-ipd").value === "") $("#csv-curve").value = String(curve);
    $("#csv-form").hidden = false;
    $("#csv-form button[type=submit]").focus();
  }

  resetTables() {
    this.tables = [];
    $("#csv-form").hidden = true;
  }

  async sendTables() {
    const pick = (id) => ($(id).value === "" ? null : this.tables[Number($(id).value)]);
    const curve = pick("#csv-curve");
    const ipd = pick("#csv-ipd");
    if (!curve === !ipd) { this.app.say("Choose either a digitized curve or patient-level data."); return; }
    const form = this.meta(new FormData());
    if (ipd) form.append("ipd", ipd, ipd.name);
    else {
      form.append("curve", curve, curve.name);
      const risk = pick("#csv-risk");
      const marks = pick("#csv-marks");
      if (risk) form.append("risk_table", risk, risk.name);
      if (marks) form.append("censor_marks", marks, marks.name);
    }
    const doc = await this.send(form, `Uploading ${(ipd || curve).name}`);
    if (doc) this.resetTables();
  }
}
