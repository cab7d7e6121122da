// The integration log, newest first: failed-only and reference filters, paging, hints.

import { ApiError, call, path } from "./api.js";
import { $, append, badge, clear, el, time } from "./dom.js";
import { busy, clearErrors, showError } from "./forms.js";
import { onIntegration, state } from "./state.js";

let next = null;

function entry(item) {
  const outcome = item.outcome || "ok";
  const subject = [item.reference, item.jira_key].filter(Boolean).join(" · ");
  return el("li", { className: `entry ${outcome}` },
    el("p", { className: "when" }, time(item.timestamp)),
    el("div", {},
      el("p", {}, badge(outcome, outcome), el("span", { className: "code", text: item.action || "" }),
        subject ? el("span", { className: "help", text: ` · ${subject}` }) : null,
        item.error_code ? el("span", { className: "help code", text: ` · ${item.error_code}` }) : null),
      item.message ? el("p", { className: "message", text: item.message }) : null,
      item.hint ? el("p", { className: "hint", text: `Hint: ${item.hint}` }) : null));
}

async function load({ more = false, button = null } = {}) {
  const view = state.integration;
  const form = $("log-form");
  clearErrors(form);
  const list = $("log-entries");
  await busy(button, "Reading the integration log…", async () => {
    try {
      const answer = await call("GET", path("integrations", view.id, "log"), {
        query: {
          limit: 25,
          outcome: $("log-failed").checked ? "failed" : undefined,
          reference: $("log-reference").value.trim(),
          next: more ? next : undefined,
        },
      });
      if (!more) clear(list);
      for (const item of answer.data.entries) append(list, entry(item));
      next = answer.data.next;
      $("log-more").hidden = !next;
      $("log-empty").hidden = list.children.length > 0;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form, error);
    }
  });
}

export function showLog() {
  return load();
}

export function initLog({ onError }) {
  $("log-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load({ button: event.submitter }).catch(onError);
  });
  $("log-failed").addEventListener("change", () => load().catch(onError));
  $("log-more").addEventListener("click", (event) => load({ more: true, button: event.currentTarget }).catch(onError));
  onIntegration(() => {
    next = null;
  });
}
