// The admin console: asks for the API key once (kept in this tab's sessionStorage), then lists the
// integrations and opens one in tabs: settings, test and map, webhook, send, features, log.

import { ApiError, apiKey, call, path } from "./api.js";
import { $, append, badge, el, time } from "./dom.js";
import { busy, clearErrors, fieldError, formError, notice } from "./forms.js";
import { initFeatures, showFeatures } from "./features.js";
import { initList, loadList } from "./list.js";
import { initLog, showLog } from "./log.js";
import { initMapping } from "./mapping.js";
import { initSend } from "./send.js";
import { initSettings, reportUnexpected } from "./settings.js";
import { onIntegration, setIntegration, state, storedBody } from "./state.js";
import { initWebhook } from "./webhook.js";

const SCREENS = ["key-screen", "list-screen", "detail-screen"];
const TABS = ["settings", "mapping", "webhook", "send", "features", "log"];
const ON_SHOW = { features: showFeatures, log: showLog };

function showScreen(name) {
  for (const screen of SCREENS) $(screen).hidden = screen !== name;
  const signedIn = name !== "key-screen";
  $("nav-integrations").hidden = !signedIn || name === "list-screen";
  $("forget-key").hidden = !signedIn;
  $("main").focus();
}

// --- the API key ----------------------------------------------------------------------------------------

function askForKey(message) {
  showScreen("key-screen");
  const form = $("key-form");
  clearErrors(form);
  if (message) fieldError(form, "api_key", message);
  $("api-key").value = "";
  $("api-key").focus();
}

async function submitKey(event) {
  event.preventDefault();
  const form = $("key-form");
  clearErrors(form);
  const key = $("api-key").value.trim();
  if (!key) {
    fieldError(form, "api_key", "Type the API key.");
    $("api-key").focus();
    return;
  }
  apiKey.set(key);
  $("api-key").value = "";
  await busy(form.querySelector("button"), "Checking the API key…", async () => {
    try {
      await call("GET", "integrations", { query: { limit: 1 } });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 403) formError(form, error.message, error.hint, error.code);
      return;
    }
    await showList();
  });
}

// --- screens --------------------------------------------------------------------------------------------

async function showList() {
  showScreen("list-screen");
  await loadList();
}

function renderHeader(view) {
  $("detail-title").textContent = view ? view.name : "New integration";
  const line = $("detail-state");
  line.replaceChildren();
  const toggle = $("toggle-enabled");
  toggle.hidden = !view;
  if (!view) {
    append(line, "Fill in the settings and create the integration; then test the connection.");
    return;
  }
  toggle.textContent = view.enabled ? "Disable" : "Enable";
  toggle.className = view.enabled ? "secondary" : "";
  const report = view.last_test;
  append(line,
    el("span", { className: "code", text: view.id }), " · ",
    view.enabled ? badge("on", "enabled") : badge("off", "disabled"), " ",
    report ? (report.ok ? badge("ok", "test passed") : badge("failed", "test found problems")) : badge("untested", "not tested"),
    report ? el("span", {}, " ", time(report.tested_at)) : null);
}

function selectTab(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  const loader = ON_SHOW[name];
  if (loader && state.integration) loader().catch(reportUnexpected);
}

async function openIntegration(id) {
  $("detail-error").hidden = true;
  await busy(null, "Loading the integration…", async () => {
    try {
      const answer = await call("GET", path("integrations", id));
      showScreen("detail-screen");
      setIntegration(answer.data);
      selectTab(answer.data.last_test?.ok ? "send" : "mapping");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reportUnexpected(error);
    }
  });
}

function newIntegration() {
  $("detail-error").hidden = true;
  showScreen("detail-screen");
  setIntegration(null);
  selectTab("settings");
  $("integration-id").focus();
}

async function toggleEnabled(button) {
  const view = state.integration;
  const body = { ...storedBody(view), enabled: !view.enabled };
  await busy(button, body.enabled ? "Enabling…" : "Disabling…", async () => {
    try {
      const answer = await call("PUT", path("integrations", view.id), { body });
      setIntegration(answer.data);
      notice(body.enabled ? "Integration enabled." : "Integration disabled: sends are refused until you enable it.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reportUnexpected(error);
    }
  });
}

// --- wiring ---------------------------------------------------------------------------------------------

function init() {
  const onError = reportUnexpected;
  initList({ onOpen: (id) => openIntegration(id).catch(onError), onNew: newIntegration, onError });
  initSettings({ onCreated: () => selectTab("mapping") });
  initMapping({ onError });
  initWebhook({ onError });
  initSend({ onError });
  initFeatures({ onError });
  initLog({ onError });
  onIntegration((view) => {
    renderHeader(view);
    for (const tab of TABS) if (tab !== "settings") $(`tab-${tab}`).disabled = !view;
  });

  $("key-form").addEventListener("submit", (event) => submitKey(event).catch(onError));
  $("forget-key").addEventListener("click", () => {
    apiKey.forget();
    askForKey();
    notice("The API key is forgotten in this tab.");
  });
  $("nav-integrations").addEventListener("click", () => showList().catch(onError));
  $("toggle-enabled").addEventListener("click", (event) => toggleEnabled(event.currentTarget).catch(onError));
  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab goes on into the panel.
  document.querySelector("[role=tablist]").addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const enabled = TABS.filter((tab) => !$(`tab-${tab}`).disabled);
    const current = enabled.indexOf(TABS.find((tab) => $(`tab-${tab}`).getAttribute("aria-selected") === "true"));
    const index = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: enabled.length - 1 }[event.key];
    const target = enabled[(index + enabled.length) % enabled.length];
    selectTab(target);
    $(`tab-${target}`).focus();
    event.preventDefault();
  });
  // A 403 anywhere means the key is wrong (or was revoked): ask for it again.
  window.addEventListener("api-error", (event) => {
    if (event.detail.status === 403) {
      apiKey.forget();
      askForKey("The API refused this key (403). Type this deployment's API key.");
    }
  });

  if (apiKey.get()) showList().catch(onError);
  else askForKey();
}

init();
