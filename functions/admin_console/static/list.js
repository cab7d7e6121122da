// The integrations with their state: enabled, tested, the last test's problems, the Jira webhook's last
// delivery (webhook.health).

import { ApiError, call } from "./api.js";
import { $, append, badge, clear, el, time } from "./dom.js";
import { busy } from "./forms.js";

let next = null;
let open = () => {};

function testCell(report) {
  if (!report) return [badge("untested", "not tested")];
  const errors = report.problems.filter((problem) => problem.severity === "error");
  const warnings = report.problems.filter((problem) => problem.severity !== "error");
  const cell = [report.ok ? badge("ok", "passed") : badge("failed", "problems"), time(report.tested_at)];
  const codes = [...errors, ...warnings].map((problem) => problem.code);
  if (codes.length) cell.push(el("p", { className: "help code", text: codes.join(", ") }));
  return cell;
}

/** The Jira webhook's health: its site's last delivery, and the changes it missed that the reconcile repaired. */
function deliveryCell(view) {
  const health = view.webhook?.health;
  if (!health) return [el("span", { className: "help", text: "—" })];
  const cell = health.last_delivery_at
    ? [el("span", { text: "Jira webhook " }), time(health.last_delivery_at)]
    : [el("span", { className: "help", text: "No Jira webhook delivery yet" })];
  if (health.missed_last_24h > 0) {
    const missed = health.missed_last_24h;
    cell.push(el("p", { className: "help", text: `${missed} missed change${missed === 1 ? "" : "s"} repaired in 24 h` }));
  }
  return cell;
}

function row(view) {
  const openButton = el("button", { type: "button", className: "link-button", "aria-label": `Open ${view.name}`, text: view.name });
  openButton.addEventListener("click", () => open(view.id));
  return el("tr", { "data-integration": view.id },
    el("td", { "data-label": "Integration" }, openButton, el("p", { className: "help" }, el("span", { className: "code", text: view.id }), ` · product ${view.product}`)),
    el("td", { "data-label": "Jira", text: `${view.jira.base_url} · ${view.jira.project}` }),
    el("td", { "data-label": "State" }, view.enabled ? badge("on", "enabled") : badge("off", "disabled")),
    el("td", { "data-label": "Last test" }, testCell(view.last_test)),
    el("td", { "data-label": "Last delivery" }, deliveryCell(view)));
}

export async function loadList({ more = false, button = null } = {}) {
  const body = $("integration-table").tBodies[0];
  const errorBox = $("list-error");
  errorBox.hidden = true;
  await busy(button, "Loading the integrations…", async () => {
    try {
      const answer = await call("GET", "integrations", { query: { limit: 50, next: more ? next : undefined } });
      if (!more) clear(body);
      const views = answer.data.integrations;
      for (const view of views) append(body, row(view));
      next = answer.data.next;
      $("list-more").hidden = !next;
      const empty = body.rows.length === 0;
      $("integration-table").hidden = empty;
      $("list-empty").hidden = !empty;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(errorBox);
      append(errorBox, el("p", {}, el("strong", { text: error.message })), error.hint ? el("p", { className: "hint", text: `Hint: ${error.hint}` }) : null);
      errorBox.hidden = false;
    }
  });
}

export function initList({ onOpen, onNew, onError }) {
  open = onOpen;
  $("new-integration").addEventListener("click", onNew);
  $("refresh-list").addEventListener("click", (event) => loadList({ button: event.currentTarget }).catch(onError));
  $("list-more").addEventListener("click", (event) => loadList({ more: true, button: event.currentTarget }).catch(onError));
}
