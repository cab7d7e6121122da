// Building the page from data, safely: every string from the API (roadmap names, Jira names, log messages)
// becomes a text node; no HTML is ever parsed from data. Links only to http(s) addresses.

/** An element with attributes and children; strings and numbers become text nodes. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "className") node.className = value;
    else if (name.startsWith("on")) throw new Error(`listeners are added with addEventListener: ${name}`);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`no element #${id}`);
  return node;
}

/** A link to an http(s) address opened in a new tab; any other address is shown as text only. */
export function link(url, text) {
  let safe = null;
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === "https:" || parsed.protocol === "http:") safe = parsed.href;
  } catch {
    safe = null;
  }
  if (!safe) return el("span", { text: text ?? url ?? "" });
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer", text: text ?? safe });
}

/** A <time> showing an ISO timestamp in the reader's locale ("" when there is none). */
export function time(iso) {
  if (!iso) return el("span", { className: "muted", text: "—" });
  const date = new Date(iso);
  const shown = Number.isNaN(date.getTime())
    ? String(iso)
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  return el("time", { datetime: String(iso), title: String(iso), text: shown });
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const minutes = Math.round(Number(seconds) / 60);
  const hours = Math.floor(minutes / 60);
  return hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

export function badge(kind, text) {
  return el("span", { className: `badge ${kind}`, text });
}

/** Fill a <select> with [value, label] options, keeping `selected` (added when missing). */
export function fillSelect(select, options, selected) {
  clear(select);
  const values = new Set();
  for (const [value, label] of options) {
    values.add(value);
    select.append(el("option", { value, text: label }));
  }
  if (selected && !values.has(selected)) {
    select.append(el("option", { value: selected, text: `${selected} (not found in Jira)` }));
  }
  if (selected) select.value = selected;
}
