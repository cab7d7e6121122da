// The integration on screen, shared by the tabs, and the body of PUT /integrations/{id} built from it.

export const state = {
  /** The integration as GET /integrations/{id} answers it (no secret), or null for a new one. */
  integration: null,
  listeners: new Set(),
};

export function setIntegration(view) {
  state.integration = view;
  for (const listener of state.listeners) listener(view);
}

export function onIntegration(listener) {
  state.listeners.add(listener);
}

/** Jira's report of the last test connection, or null. */
export function lastTest() {
  return state.integration?.last_test || null;
}

/** `jira.auth` of the stored integration without its secret: a replace keeps the stored credential. */
function storedAuth(auth) {
  if (auth.type === "connect") return { type: "connect", client_key: auth.client_key };
  if (auth.type === "bearer") return { type: "bearer" };
  return auth.username ? { type: "basic", username: auth.username } : { type: "basic", email: auth.email };
}

/** The stored roadmap connector (when the API has one) without its secrets. */
function storedRoadmap(roadmap) {
  if (!roadmap || !roadmap.type || roadmap.type === "none") return undefined;
  const kept = {};
  for (const [key, value] of Object.entries(roadmap)) {
    if (["api_key", "secret", "api_key_stored", "secret_stored", "secret_set", "webhook_url"].includes(key)) continue;
    kept[key] = value;
  }
  return kept;
}

/** PUT's body for the integration as stored: everything the configuration holds, no secret. */
export function storedBody(view) {
  const body = {
    name: view.name,
    product: view.product,
    enabled: view.enabled,
    jira: { base_url: view.jira.base_url, auth: storedAuth(view.jira.auth), project: view.jira.project },
    mapping: structuredClone(view.mapping),
    import: structuredClone(view.import),
  };
  const roadmap = storedRoadmap(view.roadmap);
  if (roadmap) body.roadmap = roadmap;
  return body;
}

/** Issue types a new integration starts with (Jira's defaults); after a test they are chosen from lists. */
export const DEFAULT_MAPPING = { feature_issue_type: "Story", requirement_issue_type: "Sub-task" };
