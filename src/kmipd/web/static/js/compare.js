// The comparison across figures: choose arms, build the joined figure, tables and report.
import { api, studyPath } from "./api.js";
import { $, debounce, h, num, pct, pvalue, withCI } from "./dom.js";

export class CompareView {
  constructor(app) {
    this.app = app;
    this.study = null;
    this.saveSettings = debounce(() => this.putSettings(), 300);
    for (const id of ["#st-unit", "#st-landmarks", "#st-tau", "#st-pvalue"]) $(id).addEventListener("change", () => this.saveSettings());
    $("#build-compare").addEventListener("click", () => this.build());
  }

  get path() { return studyPath(this.app.studyId); }

  async open() {
    this.study = await api("GET", this.path);
    this.render();
  }

  settings() {
    const text = $("#st-landmarks").value.trim();
    const landmarks = text ? text.split(/[,;\s]+/).filter(Boolean).map(Number) : [];
    if (landmarks.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error("Landmarks: numbers > 0 separated by commas, e.g. 2, 6, 12.");
    const tauText = $("#st-tau").value.trim();
    const tau = tauText ? Number(tauText) : null;
    if (tau !== null && !(tau > 0)) throw new Error("RMST τ: a number > 0, or empty for automatic.");
    return { time_unit: $("#st-unit").value, landmarks, tau, show_pvalue: $("#st-pvalue").checked };
  }

  async putSettings() {
    try {
      this.study = await api("PUT", this.path, this.settings());
      this.app.setSave("Settings saved");
      this.renderState();
    } catch (error) { this.app.say(error.message); }
  }

  putArms(arms) {
    this.pending = this.sendArms(arms);
    return this.pending;
  }

  async sendArms(arms) {
    try {
      this.study = await api("PUT", this.path, { arms });
      this.app.setSave("Arms saved");
      this.renderArms();
      this.renderState();
    } catch (error) { this.app.say(error.message); this.renderArms(); }
  }

  render() {
    const st = this.study;
    $("#st-unit").value = st.time_unit || "months";
    $("#st-landmarks").value = (st.landmarks || []).join(", ");
    $("#st-tau").value = st.tau ?? "";
    $("#st-pvalue").checked = !!st.show_pvalue;
    this.renderArms();
    this.renderState();
    this.renderResult();
  }

  /** Every arm of every ready figure; ticked ones first, in comparison order. */
  rows() {
    const refs = this.study.arms || [];
    const all = [];
    for (const fig of this.study.figures) {
      if (fig.status !== "ready") continue;
      for (const arm of fig.arms) all.push({ fig, arm, ref: refs.find((r) => r.figure === fig.id && r.key === arm.key) });
    }
    const ticked = refs.map((r) => all.find((x) => x.ref === r)).filter(Boolean);
    return [...ticked, ...all.filter((x) => !x.ref)];
  }

  renderArms() {
    const refs = this.study.arms || [];
    const rows = this.rows();
    const root = $("#compare-arms");
    if (!rows.length) { root.replaceChildren(h("p", { class: "muted" }, "No figures ready yet: add data on the left.")); return; }
    const firstOf = new Map();
    for (const r of refs) {
      const row = rows.find((x) => x.ref === r);
      if (row && !firstOf.has(row.fig.endpoint)) firstOf.set(row.fig.endpoint, r);
    }
    const body = rows.map(({ fig, arm, ref }) => {
      const tick = h("input", { type: "checkbox", checked: !!ref, "aria-label": `compare ${fig.trial || fig.name}: ${arm.name}`, "data-focus": `cmp:${fig.id}:${arm.key}` });
      tick.addEventListener("change", () => {
        const next = tick.checked ? [...refs, { figure: fig.id, key: arm.key, label: null }] : refs.filter((r) => r !== ref);
        this.putArms(next.map(clean));
      });
      const label = h("input", { type: "text", value: ref?.label || "", placeholder: arm.name, disabled: !ref, maxlength: 80, "aria-label": `label of ${arm.name}` });
      label.addEventListener("change", () => this.putArms(refs.map((r) => clean(r === ref ? { ...r, label: label.value.trim() || null } : r))));
      const up = h("button", { type: "button", class: "quiet", disabled: !ref || refs.indexOf(ref) === 0, title: "Move up (the first arm of an endpoint is the reference)", "aria-label": `move ${arm.name} up` }, "↑");
      up.addEventListener("click", () => {
        const i = refs.indexOf(ref);
        const next = [...refs];
        [next[i - 1], next[i]] = [next[i], next[i - 1]];
        this.putArms(next.map(clean));
      });
      const role = ref ? (firstOf.get(fig.endpoint) === ref ? "reference" : "vs reference") : "";
      return h("tr", {}, h("td", {}, tick), h("td", {}, fig.trial || h("span", { class: "muted" }, "—")), h("td", {}, arm.name),
        h("td", {}, fig.endpoint), h("td", {}, label), h("td", { class: "muted small" }, role), h("td", {}, up), h("td", { class: "muted small" }, fig.name));
    });
    root.replaceChildren(h("table", { class: "data text", id: "compare-table" },
      h("thead", {}, h("tr", {}, ...["", "Trial", "Arm", "Endpoint", "Label in the report", "Role", "", "Figure"].map((c) => h("th", {}, c)))),
      h("tbody", {}, ...body)));
  }

  renderState() {
    const c = this.study.comparison;
    $("#compare-state").textContent = c && c.stale ? "The arms or settings changed since the last build: build again." : "";
  }

  async build() {
    const button = $("#build-compare");
    button.disabled = true;
    $("#compare-progress").hidden = false;
    try {
      await this.pending;
      await this.saveSettings.flush();
      this.study = await api("POST", `${this.path}/compare`);
      this.renderState();
      this.renderResult();
      $("#compare-result").scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (error) {
      this.app.say(error.message);
    } finally {
      button.disabled = false;
      $("#compare-progress").hidden = true;
    }
  }

  renderResult() {
    const c = this.study.comparison;
    const panel = $("#compare-result");
    panel.hidden = !c;
    if (!c) return;
    const r = c.results;
    const base = this.path;
    const figures = c.figures.map((slug) => h("figure", {},
      h("figcaption", {}, slug.replaceAll("_", " ")),
      h("img", { src: `${base}/km/km_${slug}.png?b=${c.built}`, alt: `joined Kaplan–Meier figure, ${slug}`, class: "joined" })));
    const body = [h("div", { class: "figures-joined" }, ...figures), ...armsTable(r), ...comparisonsTable(r)];
    if (c.warnings.length) {
      body.push(h("details", { class: "notes" }, h("summary", {}, `${c.warnings.length} note(s)`), h("ul", {}, ...c.warnings.map((w) => h("li", {}, w)))));
    }
    const links = [
      [`${base}/report.html`, "Open the report", { target: "_blank", rel: "noopener" }],
      [`${base}/report.html?download=true`, "Report (HTML)", { download: "", "data-download": "report" }],
      [`${base}/study.toml`, "Study file (TOML)", { download: "", "data-download": "toml" }],
      [`${base}/study.zip`, "Study + data (ZIP)", { download: "", "data-download": "zip" }],
      [`${base}/ipd.csv`, "IPD of all arms (CSV)", { download: "", "data-download": "ipd" }],
      ...c.figures.flatMap((slug) => [
        [`${base}/km/km_${slug}.png?download=true`, `${slug} figure (PNG)`, { download: "", "data-download": `png-${slug}` }],
        [`${base}/km/km_${slug}.svg?download=true`, `${slug} figure (SVG)`, { download: "", "data-download": `svg-${slug}` }],
      ]),
    ];
    body.push(h("h3", {}, "Downloads"), h("div", { class: "downloads" }, ...links.map(([href, text, attrs]) => h("a", { href, ...attrs }, text))),
      h("p", { class: "muted small" }, "Reproduce everything with: kmipd run study.toml --out results (from the ZIP)."));
    $("#compare-body").replaceChildren(...body);
  }
}

function clean(ref) {
  return { figure: ref.figure, key: ref.key, label: ref.label || null };
}

function armsTable(r) {
  const labels = (r.study.landmarks || []).map((t) => String(t));
  const head = ["Arm", "Endpoint", "n", "Events", "Median (95% CI)", ...labels.flatMap((t) => [`S(${t})`, `Event by ${t}`])];
  const rows = Object.entries(r.arms).map(([, a]) => {
    const cells = [`${a.trial}: ${a.label}`, a.endpoint, a.n, a.events, withCI(a.median.estimate, a.median.ci)];
    for (const key of labels) {
      const m = a.landmarks[key] || Object.values(a.landmarks).find((x) => num(x.time, 6) === key);
      cells.push(m && m.estimable !== false ? withCI(m.survival, m.ci, pct, "—") : "—", m && m.estimable !== false ? withCI(m.event_proportion, m.event_proportion_ci, pct, "—") : "—");
    }
    return cells;
  });
  return [h("h3", {}, "Arms"), dataTable(head, rows, "compared arms")];
}

function comparisonsTable(r) {
  if (!r.comparisons.length) return [];
  const name = (id) => `${r.arms[id].trial}: ${r.arms[id].label}`;
  const rows = r.comparisons.map((c) => [c.label || `${name(c.arm)} vs ${name(c.reference)}`, c.endpoint,
    withCI(c.hazard_ratio.estimate, c.hazard_ratio.ci, (v) => v.toFixed(2), "—"), pvalue(c.logrank.pvalue), c.within_trial ? "within trial" : "across trials"]);
  return [h("h3", {}, "Comparisons"), dataTable(["Comparison", "Endpoint", "HR (95% CI)", "Log-rank p", ""], rows, "comparisons")];
}

function dataTable(head, rows, label) {
  return h("table", { class: "data", "aria-label": label },
    h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((c) => h("td", {}, c))))));
}
