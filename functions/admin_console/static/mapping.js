// Test connection and the Jira mapping. The report's `jira` lists what was loaded from Jira: the project,
// issue types, link types, statuses and required fields are chosen from those lists, never typed.

import { ApiError, call, path } from "./api.js";
import { $, append, badge, clear, el, fillSelect, time } from "./dom.js";
import { busy, clearErrors, fieldError, notice, showError } from "./forms.js";
import { lastTest, onIntegration, setIntegration, state, storedBody } from "./state.js";

const form = () => $("mapping-form");
// Aha!'s default feature workflow: suggestions only, any roadmap status name may be typed.
const ROADMAP_STATUSES = [
  "Under consideration",
  "Ready to develop",
  "In development",
  "Ready to ship",
  "Shipped",
  "Will not implement",
];
const FEATURE_ATTRIBUTES = [
  "name",
  "reference_num",
  "workflow_status.name",
  "tags",
  "release.name",
  "release.release_date",
  "assigned_to_user.email",
  "original_estimate",
  "url",
];

// --- the test report ------------------------------------------------------------------------------------

function renderReport(report) {
  const box = $("test-result");
  clear(box);
  if (!report) {
    append(box, el("p", { className: "empty", text: "Not tested yet." }));
    return;
  }
  const errors = report.problems.filter((problem) => problem.severity === "error").length;
  const warnings = report.problems.length - errors;
  const headline = report.ok
    ? warnings
      ? `Connection test passed with ${warnings} warning${warnings === 1 ? "" : "s"}.`
      : "Connection test passed."
    : `Connection test found ${errors} problem${errors === 1 ? "" : "s"}.`;
  append(
    box,
    el("p", { className: `outcome ${report.ok ? (warnings ? "warn" : "ok") : "bad"}`, id: "test-outcome" }, headline, " ",
      el("span", { className: "help" }, "Tested ", time(report.tested_at), ` · ${report.jira_calls} Jira calls`)),
  );
  if (report.problems.length) {
    const list = el("ul", { className: "problems", "aria-label": "Problems found" });
    // Errors first, then warnings: the order in which they need fixing.
    const ordered = [...report.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
    for (const problem of ordered) {
      append(
        list,
        el("li", { className: problem.severity },
          el("p", {}, badge(problem.severity, problem.severity), el("span", { className: "code", text: problem.code })),
          el("p", { className: "message", text: problem.message }),
          el("p", { className: "hint", text: `Hint: ${problem.hint}` })),
      );
    }
    append(box, list);
  }
  const jira = report.jira || {};
  const loaded = [
    ["Deployment", jira.deployment && `${jira.deployment === "cloud" ? "Jira Cloud" : "Jira Data Center"}${jira.server_version ? ` ${jira.server_version}` : ""}`],
    ["API", jira.api_version && `REST API v${jira.api_version}, rich text as ${jira.rich_text === "adf" ? "ADF" : "wiki markup"}`],
    ["Account", jira.account_id],
    ["Project", jira.project && `${jira.project.key} — ${jira.project.name}`],
    ["Issue types", (jira.issue_types || []).join(", ")],
    ["Requirements", jira.requirement_mode && { subtask: "sub-tasks of the feature issue", epic_child: "children of the epic", link: "linked issues" }[jira.requirement_mode]],
    ["Statuses", (jira.statuses || []).join(", ")],
    ["Link types", (jira.link_types || []).join(", ")],
    ["Projects visible", jira.projects && `${jira.projects.length}${jira.projects_truncated ? "+" : ""}`],
    ["Fields, versions", jira.fields !== undefined && `${jira.fields} fields, ${jira.versions} versions`],
  ].filter(([, value]) => value);
  if (loaded.length) {
    const list = el("dl", { className: "loaded", "aria-label": "What was loaded from Jira" });
    for (const [name, value] of loaded) append(list, el("dt", { text: name }), el("dd", { text: value }));
    append(box, el("h3", { text: "What was loaded" }), list);
  }
}

// --- the mapping form -----------------------------------------------------------------------------------

function isSubtask(jira, name) {
  return (jira.subtask_issue_types || []).includes(name);
}

function explainRequirements(jira) {
  const feature = $("map-feature-type").value;
  const requirement = $("map-requirement-type").value;
  const subtask = isSubtask(jira, requirement);
  const epic = feature.toLowerCase() === "epic";
  $("map-requirement-help").textContent = subtask
    ? "A sub-task type: requirements become sub-tasks of the feature's issue."
    : epic
      ? "Features are epics: requirements become their child issues."
      : "A standard type: requirements become issues linked to the feature's issue with the link type below.";
  const linked = !subtask && !epic;
  $("map-link-type").disabled = !linked;
  $("map-link-help").textContent = linked ? "" : "Not used: requirements are not joined by a link.";
  renderStatuses(jira);
}

function statusRow(jiraStatus, roadmapStatus, known) {
  const id = `status-${slug(jiraStatus)}`;
  const input = el("input", {
    id,
    value: roadmapStatus || "",
    list: "roadmap-statuses",
    autocomplete: "off",
    "data-path": `mapping.statuses.${jiraStatus}`,
    "data-jira-status": jiraStatus,
  });
  return el("tr", {},
    el("td", { "data-label": "Jira status" }, el("label", { for: id, text: jiraStatus }),
      known ? null : el("span", { className: "help", text: " (not in the mapped issue types' workflows)" })),
    el("td", { "data-label": "Roadmap status" }, input, el("p", { className: "field-error", id: `${id}-error`, hidden: true })));
}

let slugs = new Map();
function slug(text) {
  if (!slugs.has(text)) slugs.set(text, `${slugs.size}`);
  return slugs.get(text);
}

/** The current values of the status inputs, so that switching issue types keeps what was typed. */
function typedStatuses() {
  const typed = {};
  for (const input of $("status-rows").querySelectorAll("input[data-jira-status]")) {
    typed[input.dataset.jiraStatus] = input.value.trim();
  }
  return typed;
}

function renderStatuses(jira, fromMapping) {
  const current = fromMapping || { ...(state.integration?.mapping.statuses || {}), ...typedStatuses() };
  const byType = jira.statuses_by_issue_type || {};
  const shown = [];
  for (const type of [$("map-feature-type").value, $("map-requirement-type").value]) {
    for (const name of byType[type] || []) if (!shown.includes(name)) shown.push(name);
  }
  const known = new Set(shown.map((name) => name.toLowerCase()));
  const rows = $("status-rows");
  clear(rows);
  for (const name of shown) {
    const mapped = Object.entries(current).find(([jiraName]) => jiraName.toLowerCase() === name.toLowerCase());
    append(rows, statusRow(name, mapped ? mapped[1] : "", true));
  }
  for (const [name, roadmap] of Object.entries(current)) {
    if (!known.has(name.toLowerCase()) && roadmap) append(rows, statusRow(name, roadmap, false));
  }
  const suggestions = new Set([...ROADMAP_STATUSES, ...Object.values(current).filter(Boolean)]);
  fillDatalist($("roadmap-statuses"), suggestions);
}

function fillDatalist(list, values) {
  clear(list);
  for (const value of values) append(list, el("option", { value }));
}

function fieldRow(field, index, mapped) {
  const id = `field-${index}`;
  const mode = mapped ? ("from" in mapped ? "from" : "value") : "none";
  const modeSelect = el("select", { id: `${id}-mode`, "data-field-id": field.id, "aria-describedby": `${id}-about` });
  for (const [value, label] of [["none", "Not mapped"], ["value", "A constant"], ["from", "A feature attribute"]]) {
    append(modeSelect, el("option", { value, text: label }));
  }
  modeSelect.value = mode;

  let constant;
  const constantValue = mode === "value" ? mapped.value : undefined;
  if (Array.isArray(field.allowed_values)) {
    constant = el("select", { id: `${id}-value`, "data-path": `mapping.fields.${field.id}.value mapping.fields.${field.id}` });
    append(constant, el("option", { value: "", text: "Choose a value" }));
    for (const option of field.allowed_values) append(constant, el("option", { value: String(option.value ?? option.id), text: String(option.value ?? option.id) }));
    const shown = constantValue && typeof constantValue === "object" ? constantValue.value ?? constantValue.name ?? constantValue.id : constantValue;
    if (shown !== undefined && shown !== null) constant.value = String(shown);
  } else {
    constant = el("input", {
      id: `${id}-value`,
      type: field.type === "number" ? "number" : "text",
      step: field.type === "number" ? "any" : undefined,
      autocomplete: "off",
      value: constantValue === undefined ? "" : typeof constantValue === "object" ? JSON.stringify(constantValue) : String(constantValue),
      "data-path": `mapping.fields.${field.id}.value mapping.fields.${field.id}`,
    });
  }
  const attribute = el("input", {
    id: `${id}-from`,
    list: "feature-attributes",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "custom_fields.risk",
    value: mode === "from" ? mapped.from : "",
    "data-path": `mapping.fields.${field.id}.from`,
  });
  const constantField = el("div", { className: "field" },
    el("label", { for: `${id}-value`, text: `Constant for ${field.name}` }), constant,
    el("p", { className: "field-error", id: `${id}-value-error`, hidden: true }));
  const attributeField = el("div", { className: "field" },
    el("label", { for: `${id}-from`, text: `Feature attribute for ${field.name}` }), attribute,
    el("p", { className: "help", text: "A feature attribute, or custom_fields.<key> for an Aha! custom field." }),
    el("p", { className: "field-error", id: `${id}-from-error`, hidden: true }));
  const sync = () => {
    constantField.hidden = modeSelect.value !== "value";
    attributeField.hidden = modeSelect.value !== "from";
  };
  modeSelect.addEventListener("change", sync);
  sync();
  return el("div", { className: "field-row", "data-field-row": field.id, "data-field-type": field.type || "" },
    el("p", { className: "row-title", id: `${id}-about` }, `${field.name} `, el("span", { className: "code", text: field.id }),
      el("span", { className: "help", text: ` · required by ${field.issue_types.join(", ")}${field.type ? ` · ${field.type}` : ""}` })),
    el("div", { className: "field" }, el("label", { for: `${id}-mode`, text: `How to fill ${field.name}` }), modeSelect),
    constantField,
    attributeField);
}

function renderFields(jira, mapping) {
  const rows = $("field-rows");
  clear(rows);
  const fields = jira.required_fields || [];
  fields.forEach((field, index) => append(rows, fieldRow(field, index, mapping.fields?.[field.id])));
  const others = Object.keys(mapping.fields || {}).filter((id) => !fields.some((field) => field.id === id));
  $("map-fields-help").textContent = fields.length
    ? "Jira requires these fields to create the mapped issue types: give each a constant or a feature attribute."
    : "The mapped issue types require no field beyond those a send fills itself.";
  if (others.length) append(rows, el("p", { className: "help", text: `Also mapped (kept as they are): ${others.join(", ")}` }));
  fillDatalist($("feature-attributes"), FEATURE_ATTRIBUTES);
}

function renderMapping(view) {
  const report = lastTest();
  const jira = report?.jira || {};
  const hasLists = Array.isArray(jira.projects) || Array.isArray(jira.issue_types);
  $("mapping-empty").hidden = hasLists;
  form().hidden = !hasLists;
  clearErrors(form());
  if (!hasLists || !view) return;
  slugs = new Map();
  const mapping = view.mapping;
  const projects = (jira.projects || []).map((project) => [project.key, `${project.key} — ${project.name}`]);
  fillSelect($("map-project"), projects, view.jira.project);
  const loadedProject = jira.project?.key;
  projectChanged(loadedProject);
  const types = jira.issue_types || [];
  fillSelect($("map-feature-type"), types.filter((name) => !isSubtask(jira, name)).map((name) => [name, name]), mapping.feature_issue_type);
  fillSelect($("map-requirement-type"), types.map((name) => [name, isSubtask(jira, name) ? `${name} (sub-task)` : name]), mapping.requirement_issue_type);
  fillSelect($("map-link-type"), (jira.link_types || []).map((name) => [name, name]), mapping.link_type);
  $("map-send-tags").checked = mapping.send_tags !== false;
  $("map-send-release").checked = mapping.send_release !== false;
  $("map-two-way-name").checked = (mapping.two_way || []).includes("name");
  $("map-two-way-description").checked = (mapping.two_way || []).includes("description");
  const typesLoaded = types.length > 0;
  for (const id of ["map-types", "map-statuses", "map-fields"]) $(id).hidden = !typesLoaded;
  renderStatuses(jira, mapping.statuses || {});
  explainRequirements(jira);
  renderFields(jira, mapping);
}

/** A project other than the loaded one must be loaded (saved and tested) before its lists exist. */
function projectChanged(loadedProject) {
  const loaded = loadedProject ?? lastTest()?.jira?.project?.key;
  const other = $("map-project").value !== loaded;
  $("map-project-help").hidden = !other;
  $("load-project").hidden = !other && Boolean(loaded);
  $("save-mapping").disabled = other;
}

// --- actions --------------------------------------------------------------------------------------------

async function testConnection(button) {
  const view = state.integration;
  await busy(button, "Testing the connection to Jira…", async () => {
    try {
      const answer = await call("POST", path("integrations", view.id, "test-connection"));
      setIntegration({ ...state.integration, last_test: answer.data });
      notice(answer.data.ok ? "Connection test passed." : "The connection test found problems.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form(), error);
      renderError(error);
    }
  });
}

function renderError(error) {
  const box = $("test-result");
  clear(box);
  append(box, el("p", { className: "outcome bad", text: error.message }), error.hint ? el("p", { className: "hint", text: `Hint: ${error.hint}` }) : null);
}

function collectFields(view) {
  const fields = { ...(view.mapping.fields || {}) };
  let ok = true;
  for (const row of $("field-rows").querySelectorAll("[data-field-row]")) {
    const id = row.dataset.fieldRow;
    const mode = row.querySelector("select[data-field-id]").value;
    const constant = row.querySelector('[id$="-value"]');
    const attribute = row.querySelector('[id$="-from"]');
    delete fields[id];
    if (mode === "value") {
      const raw = constant.value.trim();
      if (!raw) {
        fieldError(form(), `mapping.fields.${id}.value`, `mapping.fields.${id}: choose or type a value`);
        ok = false;
        continue;
      }
      fields[id] = { value: constantValue(raw, row.dataset.fieldType, constant.tagName === "SELECT") };
      if (row.dataset.fieldType === "number" && !Number.isFinite(fields[id].value)) {
        fieldError(form(), `mapping.fields.${id}.value`, `mapping.fields.${id}: a number is needed`);
        ok = false;
      }
    } else if (mode === "from") {
      const from = attribute.value.trim();
      if (!from) {
        fieldError(form(), `mapping.fields.${id}.from`, `mapping.fields.${id}: name a feature attribute`);
        ok = false;
        continue;
      }
      fields[id] = { from };
    }
  }
  return ok ? fields : null;
}

function constantValue(raw, type, chosen) {
  if (chosen) return raw; // an allowed value's name: the send turns it into Jira's option
  if (type === "number") return Number(raw);
  if (type === "string" || type === "option") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function saveAndTest(event, { projectOnly = false } = {}) {
  event?.preventDefault();
  const view = state.integration;
  clearErrors(form());
  const body = storedBody(view);
  body.jira.project = $("map-project").value;
  if (!projectOnly) {
    const fields = collectFields(view);
    if (fields === null) {
      form().querySelector("[aria-invalid=true]")?.focus();
      return;
    }
    const statuses = {};
    for (const [jiraName, roadmapName] of Object.entries(typedStatuses())) if (roadmapName) statuses[jiraName] = roadmapName;
    body.mapping = {
      ...body.mapping,
      feature_issue_type: $("map-feature-type").value,
      requirement_issue_type: $("map-requirement-type").value,
      link_type: $("map-link-type").value || body.mapping.link_type,
      statuses,
      fields,
      send_tags: $("map-send-tags").checked,
      send_release: $("map-send-release").checked,
      two_way: ["name", "description"].filter((part) => $(`map-two-way-${part}`).checked),
    };
  }
  const button = projectOnly ? $("load-project") : $("save-mapping");
  await busy(button, projectOnly ? "Loading the project…" : "Saving the mapping and testing…", async () => {
    try {
      const saved = await call("PUT", path("integrations", view.id), { body });
      setIntegration(saved.data);
      const tested = await call("POST", path("integrations", view.id, "test-connection"));
      setIntegration({ ...state.integration, last_test: tested.data });
      notice(tested.data.ok ? "Mapping saved; the connection test passed." : "Mapping saved; the connection test found problems.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form(), error);
    }
  });
}

export function initMapping({ onError }) {
  $("test-connection").addEventListener("click", (event) => testConnection(event.currentTarget).catch(onError));
  form().addEventListener("submit", (event) => saveAndTest(event).catch(onError));
  $("load-project").addEventListener("click", () => saveAndTest(null, { projectOnly: true }).catch(onError));
  $("map-project").addEventListener("change", () => projectChanged());
  for (const id of ["map-feature-type", "map-requirement-type"]) {
    $(id).addEventListener("change", () => explainRequirements(lastTest()?.jira || {}));
  }
  onIntegration((view) => {
    renderReport(lastTest());
    renderMapping(view);
  });
}
