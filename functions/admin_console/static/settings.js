// Settings: create and edit an integration (name, product, Jira site, sign-in, project, roadmap connector).
// Secrets are write-only: the page says that one is stored, never shows it, and sends one only when typed.

import { ApiError, call, path } from "./api.js";
import { $ } from "./dom.js";
import { busy, clearErrors, fieldError, notice, showError } from "./forms.js";
import { DEFAULT_MAPPING, onIntegration, setIntegration, state, storedBody } from "./state.js";

const form = () => $("settings-form");
let afterCreate = () => {};

function authKind(auth) {
  if (!auth) return "basic-email";
  if (auth.type === "basic") return auth.username ? "basic-username" : "basic-email";
  return auth.type;
}

function showAuthFields() {
  const kind = $("auth-type").value;
  for (const node of form().querySelectorAll("[data-auth]")) node.hidden = node.dataset.auth !== kind;
}

function showRoadmapFields() {
  const kind = $("roadmap-type").value;
  for (const node of form().querySelectorAll("[data-roadmap]")) node.hidden = node.dataset.roadmap !== kind;
}

function secretState(id, stored, what) {
  $(id).textContent = stored ? `${what} is stored. Leave the field empty to keep it, or type a new one to replace it.` : "";
}

function render(view) {
  const isNew = view === null;
  clearErrors(form());
  form().reset();
  $("integration-id-field").hidden = !isNew;
  $("integration-id").required = isNew;
  if (isNew) {
    $("auth-type").value = "basic-email";
    $("roadmap-type").value = "none";
  } else {
    $("name").value = view.name;
    $("product").value = view.product;
    $("base-url").value = view.jira.base_url;
    $("project").value = view.jira.project;
    const auth = view.jira.auth;
    $("auth-type").value = authKind(auth);
    $("auth-email").value = auth.email || "";
    $("auth-username").value = auth.username || "";
    $("auth-client-key").value = auth.client_key || "";
    const roadmap = view.roadmap || { type: "none" };
    $("roadmap-type").value = roadmap.type || "none";
    $("roadmap-base-url").value = roadmap.base_url || "";
    $("roadmap-integration-ref").value = roadmap.integration_ref || "";
    $("roadmap-auto-update").checked = Boolean(roadmap.auto_update);
    $("roadmap-url").value = roadmap.url || "";
  }
  const stored = Boolean(view?.jira.auth.credentials_stored);
  const kind = authKind(view?.jira.auth);
  secretState("auth-api-token-stored", stored && kind === "basic-email", "An API token");
  secretState("auth-password-stored", stored && kind === "basic-username", "A password");
  secretState("auth-token-stored", stored && kind === "bearer", "A personal access token");
  const roadmap = view?.roadmap || {};
  secretState("roadmap-api-key-stored", Boolean(roadmap.api_key_stored || roadmap.credentials_stored), "An Aha! API key");
  secretState("roadmap-secret-stored", Boolean(roadmap.secret_set || roadmap.secret_stored), "A signing secret");
  $("save-settings").textContent = isNew ? "Create the integration" : "Save";
  showAuthFields();
  showRoadmapFields();
}

function value(id) {
  return $(id).value.trim();
}

function authFromForm() {
  const kind = $("auth-type").value;
  if (kind === "connect") return { type: "connect", client_key: value("auth-client-key") };
  if (kind === "bearer") {
    const auth = { type: "bearer" };
    if ($("auth-token").value) auth.token = $("auth-token").value;
    return auth;
  }
  if (kind === "basic-username") {
    const auth = { type: "basic", username: value("auth-username") };
    if ($("auth-password").value) auth.password = $("auth-password").value;
    return auth;
  }
  const auth = { type: "basic", email: value("auth-email") };
  if ($("auth-api-token").value) auth.api_token = $("auth-api-token").value;
  return auth;
}

/** The roadmap connector from the form; undefined for "none" (the API's default, and the only type an
 * API without the connector accepts). */
function roadmapFromForm() {
  const kind = $("roadmap-type").value;
  if (kind === "aha") {
    const roadmap = { type: "aha", base_url: value("roadmap-base-url"), auto_update: $("roadmap-auto-update").checked };
    if (value("roadmap-integration-ref")) roadmap.integration_ref = value("roadmap-integration-ref");
    if ($("roadmap-api-key").value) roadmap.api_key = $("roadmap-api-key").value;
    return roadmap;
  }
  if (kind === "webhook") {
    const roadmap = { type: "webhook", url: value("roadmap-url") };
    if ($("roadmap-secret").value) roadmap.secret = $("roadmap-secret").value;
    return roadmap;
  }
  return undefined;
}

/** Checks the browser can make before asking the API (the API checks everything again). */
function required(ids) {
  let ok = true;
  for (const [id, pathName] of ids) {
    if (!$(id).closest("[hidden]") && !value(id)) {
      fieldError(form(), pathName, `${pathName}: required`);
      ok = false;
    }
  }
  return ok;
}

async function save(event) {
  event.preventDefault();
  const view = state.integration;
  const isNew = view === null;
  clearErrors(form());
  const checks = [
    ["name", "name"],
    ["product", "product"],
    ["base-url", "jira.base_url"],
    ["project", "jira.project"],
  ];
  if (isNew) checks.unshift(["integration-id", "integration_id"]);
  if (!required(checks)) {
    form().querySelector("[aria-invalid=true]")?.focus();
    return;
  }
  const id = isNew ? value("integration-id") : view.id;
  const base = isNew ? { enabled: false, mapping: { ...DEFAULT_MAPPING } } : storedBody(view);
  const body = {
    ...base,
    name: value("name"),
    product: value("product"),
    jira: { base_url: value("base-url"), auth: authFromForm(), project: value("project") },
  };
  delete body.roadmap;
  const roadmap = roadmapFromForm();
  if (roadmap) body.roadmap = roadmap;
  await busy($("save-settings"), isNew ? "Creating the integration…" : "Saving…", async () => {
    try {
      if (isNew && (await exists(id))) {
        fieldError(form(), "integration_id", "An integration with this id exists: open it from the list to edit it.");
        $("integration-id").focus();
        return;
      }
      const answer = await call("PUT", path("integrations", id), { body });
      setIntegration(answer.data);
      notice(isNew ? `Integration ${id} created (disabled until you enable it).` : "Settings saved.");
      if (isNew) afterCreate(answer.data);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form(), error);
    }
  });
}

async function exists(id) {
  try {
    await call("GET", path("integrations", id));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

export function initSettings({ onCreated }) {
  afterCreate = onCreated;
  $("auth-type").addEventListener("change", showAuthFields);
  $("roadmap-type").addEventListener("change", showRoadmapFields);
  form().addEventListener("submit", (event) => {
    save(event).catch(reportUnexpected);
  });
  onIntegration(render);
}

export function renderSettings(view) {
  render(view);
}

export function reportUnexpected(error) {
  const box = $("detail-error");
  box.textContent = error instanceof ApiError ? `${error.message} ${error.hint}` : String(error);
  box.hidden = false;
}
