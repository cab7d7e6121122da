// Browse the integration's features (newest first, paged) with Jira key, Jira status, roadmap status and time.

import { ApiError, call, path } from "./api.js";
import { $, append, clear, duration, el, link, time } from "./dom.js";
import { busy, clearErrors, showError } from "./forms.js";
import { onIntegration, state } from "./state.js";

let next = null;

function row(record, requirement) {
  const jira = record.jira || {};
  const spent = record.time_tracking?.spent_seconds;
  const remaining = record.time_tracking?.remaining_seconds;
  const notes = [record.detached ? "detached" : null, record.imported ? "imported from Jira" : null].filter(Boolean);
  return el("tr", { className: requirement ? "requirement" : "feature" },
    el("td", { "data-label": requirement ? "Requirement" : "Reference" }, requirement ? "↳ " : "", record.reference,
      notes.length ? el("span", { className: "help", text: ` (${notes.join(", ")})` }) : null),
    el("td", { "data-label": "Name", text: record.name || "—" }),
    el("td", { "data-label": "Roadmap status", text: record.status || "—" }),
    el("td", { "data-label": "Jira issue" }, jira.key ? link(jira.url, jira.key) : "—"),
    el("td", { "data-label": "Jira status", text: jira.status || "—" }),
    el("td", { "data-label": "Time", text: spent === null && remaining === null ? "—" : `${duration(spent)} / ${duration(remaining)}` }),
    el("td", { "data-label": "Last synced" }, time(jira.updated_at && jira.updated_at > (jira.synced_at || "") ? jira.updated_at : jira.synced_at)));
}

async function load({ more = false, button = null } = {}) {
  const view = state.integration;
  const form = $("features-form");
  clearErrors(form);
  const body = $("features-table").tBodies[0];
  await busy(button, "Loading the features…", async () => {
    try {
      const answer = await call("GET", path("integrations", view.id, "features"), {
        query: { limit: 25, next: more ? next : undefined, jira_key: $("features-jira-key").value.trim() },
      });
      if (!more) clear(body);
      for (const feature of answer.data.features) {
        append(body, row(feature, false));
        for (const requirement of feature.requirements || []) append(body, row(requirement, true));
      }
      next = answer.data.next;
      $("features-more").hidden = !next;
      const empty = body.rows.length === 0;
      $("features-table").hidden = empty;
      $("features-empty").hidden = !empty;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form, error);
    }
  });
}

export function showFeatures() {
  return load();
}

export function initFeatures({ onError }) {
  $("features-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load({ button: event.submitter }).catch(onError);
  });
  $("refresh-features").addEventListener("click", (event) => load({ button: event.currentTarget }).catch(onError));
  $("features-more").addEventListener("click", (event) => load({ more: true, button: event.currentTarget }).catch(onError));
  onIntegration(() => {
    next = null;
  });
}
