// A readable list of the API from its OpenAPI schema (works offline: no external viewer).
import { api } from "./api.js";
import { h } from "./dom.js";

function paragraphs(text) {
  return (text || "").split(/\n\s*\n/).map((p) => h("p", {}, p.replace(/\n/g, " ")));
}

function refName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return `${refName(schema.items)}[]`;
  return schema.type || "";
}

function operation(path, method, op) {
  const params = (op.parameters || []).map((p) => `${p.name} (${p.in})`);
  const content = op.requestBody?.content || {};
  const bodies = Object.entries(content).map(([type, c]) => `${type}: ${refName(c.schema)}`);
  return h("section", { class: "panel" },
    h("h2", {}, h("code", {}, `${method.toUpperCase()} ${path}`), " — ", op.summary || ""),
    ...paragraphs(op.description),
    params.length ? h("p", { class: "muted" }, `Parameters: ${params.join(", ")}`) : null,
    bodies.length ? h("p", { class: "muted" }, `Body: ${bodies.join("; ")}`) : null);
}

async function main() {
  const spec = await api("GET", "/openapi.json");
  document.getElementById("api-intro").append(h("h1", {}, `${spec.info.title} ${spec.info.version}`), ...paragraphs(spec.info.description));
  const list = document.getElementById("api-list");
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) list.append(operation(path, method, op));
  }
}

main().catch((error) => { document.getElementById("api-list").textContent = error.message; });
