// Send a feature: by reference (an integration whose roadmap connector is Aha!) or as pasted Aha! JSON;
// the answer with links to the Jira issues.

import { ApiError, call, path } from "./api.js";
import { $, append, badge, clear, el, link } from "./dom.js";
import { busy, clearErrors, fieldError, formError, notice, showError } from "./forms.js";
import { onIntegration, state } from "./state.js";

const EXAMPLE = {
  feature: {
    reference_num: "MOB-101",
    name: "Offline mode for the mobile app",
    description: { body: "<p>Read the last synced data without a network.</p>" },
    workflow_status: { name: "Ready to develop" },
    tags: ["offline", "mobile app"],
    custom_fields: [{ key: "risk", name: "Risk", value: 3 }],
    requirements: [
      { reference_num: "MOB-101-1", name: "Cache the last 50 records", description: { body: "<p>On the device.</p>" } },
      { reference_num: "MOB-101-2", name: "Show an offline banner", description: { body: "" } },
    ],
  },
};

function render(view) {
  if (!view) return;
  $("send-ref-form").hidden = view.roadmap?.type !== "aha";
  clearErrors($("send-json-form"));
  clearErrors($("send-ref-form"));
  clear($("send-result"));
}

function issueLink(jira) {
  if (!jira?.key) return el("span", { text: "—" });
  return link(jira.url, jira.key);
}

function renderResult(answer) {
  const box = clear($("send-result"));
  if (answer.status === "queued") {
    append(box,
      el("p", { className: "outcome warn", id: "send-outcome" }, `${answer.reference} is queued: `, answer.reason || "Jira is busy", "."),
      el("p", { className: "hint", text: "The retry worker sends it shortly; follow it under Features and Log." }));
    return;
  }
  append(box, el("p", { className: "outcome ok", id: "send-outcome" }, `${answer.reference} is in Jira as `, issueLink(answer.jira), "."));
  const requirements = answer.requirements || [];
  if (requirements.length) {
    const rows = requirements.map((item) =>
      el("tr", {}, el("td", { "data-label": "Requirement", text: item.reference }), el("td", { "data-label": "Jira issue" }, issueLink(item.jira))));
    append(box, el("table", { className: "cards" },
      el("caption", { className: "visually-hidden", text: "Requirements and their Jira issues" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Requirement" }), el("th", { scope: "col", text: "Jira issue" }))),
      el("tbody", {}, rows)));
  }
  const changes = ["created", "updated", "unchanged", "removed"]
    .filter((kind) => (answer[kind] || []).length)
    .map((kind) => el("li", {}, el("strong", { text: `${kind}: ` }), answer[kind].join(", ")));
  if (changes.length) append(box, el("ul", { "aria-label": "What the send changed" }, changes));
  if ((answer.warnings || []).length) {
    append(box, el("h3", { text: "Warnings" }), el("ul", { className: "problems" }, answer.warnings.map((warning) =>
      el("li", { className: "warning" },
        el("p", {}, badge("warning", "warning"), el("span", { className: "code", text: warning.code })),
        el("p", { text: warning.message }),
        warning.hint ? el("p", { className: "hint", text: `Hint: ${warning.hint}` }) : null))));
  }
}

function renderFailure(error) {
  const box = clear($("send-result"));
  append(box, el("p", { className: "outcome bad", id: "send-outcome", text: error.message }));
  if (error.hint) append(box, el("p", { className: "hint", text: `Hint: ${error.hint}` }));
}

async function send(form, button, reference, body) {
  const view = state.integration;
  await busy(button, `Sending ${reference} to Jira…`, async () => {
    try {
      const answer = await call("POST", path("integrations", view.id, "features", reference, "send"), body === undefined ? {} : { body });
      renderResult(answer.data);
      notice(answer.data.status === "queued" ? `${reference} queued for a retry.` : `${reference} sent.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form, error);
      renderFailure(error);
    }
  });
}

function sendJson(event) {
  event.preventDefault();
  const form = $("send-json-form");
  clearErrors(form);
  let parsed;
  try {
    parsed = JSON.parse($("feature-json").value);
  } catch (error) {
    fieldError(form, "feature", `This is not JSON: ${error.message}`);
    formError(form, "The feature could not be read.", "Paste the feature as Aha!'s API returns it.");
    $("feature-json").focus();
    return Promise.resolve();
  }
  const body = parsed && typeof parsed === "object" && "feature" in parsed ? parsed : { feature: parsed };
  const reference = body.feature?.reference_num;
  if (typeof reference !== "string" || !reference.trim()) {
    fieldError(form, "feature", "feature.reference_num: the feature needs its reference");
    $("feature-json").focus();
    return Promise.resolve();
  }
  return send(form, $("send-json"), reference.trim(), body);
}

function sendReference(event) {
  event.preventDefault();
  const form = $("send-ref-form");
  clearErrors(form);
  const reference = $("send-reference").value.trim();
  if (!reference) {
    fieldError(form, "reference", "reference: required");
    $("send-reference").focus();
    return Promise.resolve();
  }
  return send(form, $("send-by-reference"), reference, undefined);
}

export function initSend({ onError }) {
  $("send-json-form").addEventListener("submit", (event) => sendJson(event).catch(onError));
  $("send-ref-form").addEventListener("submit", (event) => sendReference(event).catch(onError));
  $("example-feature").addEventListener("click", () => {
    $("feature-json").value = JSON.stringify(EXAMPLE, null, 2);
    $("feature-json").focus();
  });
  onIntegration(render);
}
