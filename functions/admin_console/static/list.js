// The integrations with their state: enabled, tested, the last test's problems, the last delivery.

import { ApiError, call, path } from "./api.js";
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

function deliveryCell(id) {
  return el("span", { id: `delivery-${id}`, className: "help", text: "…" });
}

/** The last delivery: the Jira webhook's (when the API reports its health), else the newest send. */
async function fillDelivery(view) {
  const cell = document.getElementById(`delivery-${view.id}`);
  if (!cell) return;
  const webhook = view.webhook?.health?.last_delivery_at;
  try {
    const answer = await call("GET", path("integrations", view.id, "features"), { query: { limit: 1 } });
    const newest = answer.data.features[0];
    clear(cell);
    if (webhook) append(cell, el("span", { text: "Jira webhook " }), time(webhook), el("br"));
    if (newest) append(cell, el("span", { text: `Sent ${newest.reference} ` }), time(newest.last_sent_at || newest.jira?.synced_at));
    if (!webhook && !newest) cell.textContent = "Nothing sent yet";
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    cell.textContent = "—";
  }
}

function row(view) {
  const openButton = el("button", { type: "button", className: "link-button", "aria-label": `Open ${view.name}`, text: view.name });
  openButton.addEventListener("click", () => open(view.id));
  return el("tr", { "data-integration": view.id },
    el("td", { "data-label": "Integration" }, openButton, el("p", { className: "help" }, el("span", { className: "code", text: view.id }), ` · product ${view.product}`)),
    el("td", { "data-label": "Jira", text: `${view.jira.base_url} · ${view.jira.project}` }),
    el("td", { "data-label": "State" }, view.enabled ? badge("on", "enabled") : badge("off", "disabled")),
    el("td", { "data-label": "Last test" }, testCell(view.last_test)),
    el("td", { "data-label": "Last delivery" }, deliveryCell(view.id)));
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
      // A few at a time: a long list must not burst past the API's rate limit.
      for (let start = 0; start < views.length; start += 4) {
        await Promise.all(views.slice(start, start + 4).map((view) => fillDelivery(view)));
      }
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
