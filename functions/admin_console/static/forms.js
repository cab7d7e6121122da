// Errors shown where they belong: a 400's `error.details[].path` (e.g. jira.auth.api_token) beside the
// control that edits that key, the message and hint at the top of the form; and the busy indicator.

import { $, append, clear, el } from "./dom.js";

/** The element that edits `path` in `form`: an exact data-path, else the nearest parent path's. */
function controlFor(form, path) {
  const parts = String(path || "").split(".");
  while (parts.length) {
    const wanted = parts.join(".");
    for (const node of form.querySelectorAll("[data-path]")) {
      if (node.closest("[hidden]") && !node.classList.contains("field-error")) continue;
      if (node.dataset.path.split(" ").includes(wanted)) return node;
    }
    parts.pop();
  }
  return null;
}

function errorSlot(control) {
  if (control.classList.contains("field-error")) return control;
  return document.getElementById(`${control.id}-error`);
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
    const described = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.endsWith("-error"));
    if (described.length) node.setAttribute("aria-describedby", described.join(" "));
    else node.removeAttribute("aria-describedby");
  }
  for (const node of form.querySelectorAll(".field-error")) {
    clear(node).hidden = true;
  }
  const top = form.querySelector(".form-error");
  if (top) clear(top).hidden = true;
}

/** Show one message beside the control for `path`; answers whether a control was found. */
export function fieldError(form, path, message) {
  const control = controlFor(form, path);
  const slot = control && errorSlot(control);
  if (!control || !slot) return false;
  slot.textContent = message;
  slot.hidden = false;
  if (!control.classList.contains("field-error")) {
    control.setAttribute("aria-invalid", "true");
    const described = new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    described.add(slot.id);
    control.setAttribute("aria-describedby", [...described].join(" "));
  }
  return true;
}

/** Show an API error on a form: each detail beside its field, then the message and hint on top. */
export function showError(form, error) {
  clearErrors(form);
  let first = null;
  for (const detail of error.details || []) {
    if (fieldError(form, detail.path, `${detail.path}: ${detail.message}`) && !first) first = controlFor(form, detail.path);
  }
  formError(form, error.message, error.hint, error.code);
  if (first && typeof first.focus === "function" && !first.classList.contains("field-error")) first.focus();
}

export function formError(form, message, hint, code) {
  const top = form.querySelector(".form-error");
  if (!top) return;
  clear(top);
  append(top, el("p", {}, el("strong", { text: message })));
  if (hint) append(top, el("p", { className: "hint", text: `Hint: ${hint}` }));
  if (code) append(top, el("p", { className: "code", text: code }));
  top.hidden = false;
}

let busyCount = 0;

/** Run `work` with `button` disabled and the busy indicator saying `label`; answers work's result. */
export async function busy(button, label, work) {
  const region = button?.closest("[role=tabpanel], section, form") || document.body;
  busyCount += 1;
  $("busy-text").textContent = label;
  $("busy").hidden = false;
  region.setAttribute("aria-busy", "true");
  if (button) {
    button.disabled = true;
    button.classList.add("is-busy");
  }
  try {
    return await work();
  } finally {
    busyCount -= 1;
    if (button) {
      button.disabled = false;
      button.classList.remove("is-busy");
    }
    region.removeAttribute("aria-busy");
    if (busyCount === 0) $("busy").hidden = true;
  }
}

let noticeTimer = null;

export function notice(message) {
  const node = $("notice");
  node.textContent = message;
  node.hidden = false;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => {
    node.hidden = true;
  }, 5000);
}
