// Small DOM helpers shared by the page modules.

const SVG_NS = "http://www.w3.org/2000/svg";

/** Element with attributes (on* are listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

/** SVG element, like h(). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  return fill(el, attrs, children);
}

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key in el && !(el instanceof SVGElement) && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

let toastTimer = null;
/** Show a message at the bottom right (errors stay longer). */
export function toast(message, kind = "error") {
  const box = $("#toast");
  box.textContent = message;
  box.className = `toast ${kind === "ok" ? "ok" : ""}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, kind === "ok" ? 2500 : 9000);
}

/** Confidence class of a value read with confidence c (null: entered by the user). */
export function confClass(c) {
  if (c === null || c === undefined) return "conf-user";
  if (c >= 0.85) return "conf-high";
  if (c >= 0.6) return "conf-mid";
  return "conf-low";
}

/** Words for a confidence, for tooltips and screen readers. */
export function confText(c) {
  if (c === null || c === undefined) return "entered or corrected by you";
  const level = c >= 0.85 ? "high" : c >= 0.6 ? "medium" : "low";
  return `read with ${level} confidence (${Math.round(c * 100)}%)`;
}

/** Number with a few significant digits, or a dash. */
export function num(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  return String(Number(value.toPrecision(digits)));
}

/** "est (lo–hi)" with NR for a missing estimate. */
export function withCI(est, ci, format = (v) => num(v, 3), missing = "NR") {
  const text = (v) => (v === null || v === undefined ? missing : format(v));
  if (est === null || est === undefined) return missing;
  if (!ci) return text(est);
  return `${text(est)} (${text(ci[0])}–${text(ci[1])})`;
}

export const pct = (v) => (v === null || v === undefined ? "—" : `${(100 * v).toFixed(1)}%`);

export function pvalue(p) {
  if (p === null || p === undefined) return "—";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** A debounced function: runs `wait` ms after the last call. */
export function debounce(fn, wait) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
  wrapped.flush = () => { clearTimeout(timer); return fn(); };
  return wrapped;
}

/** Whether a key event comes from a text field (shortcuts stay out of typing). */
export function typing(event) {
  const t = event.target;
  return t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement || t?.isContentEditable;
}
