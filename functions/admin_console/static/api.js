// The public API, called from the page: URLs relative to where the page is served (/v1/admin calls
// /v1/integrations), the API key from this tab's sessionStorage in the x-api-key header, never in a URL.

const KEY_NAME = "aha-jira.admin.api-key";
const apiBase = new URL(".", window.location.href);

export const apiKey = {
  get: () => window.sessionStorage.getItem(KEY_NAME),
  set: (value) => window.sessionStorage.setItem(KEY_NAME, value),
  forget: () => window.sessionStorage.removeItem(KEY_NAME),
};

/** An API answer that is not a success: the service's {"error": {code, message, hint, details}}. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `The API answered ${status}.`);
    this.status = status;
    this.code = error?.code || (status ? `http_${status}` : "unreachable");
    this.hint = error?.hint || "";
    this.details = Array.isArray(error?.details) ? error.details : [];
  }
}

/** A path of encoded segments: path("integrations", id, "log") → "integrations/<id>/log". */
export function path(...segments) {
  return segments.map((segment) => encodeURIComponent(String(segment))).join("/");
}

/** Call the API; answers {status, data} for 2xx, throws ApiError otherwise. */
export async function call(method, relativePath, { body, query } = {}) {
  const url = new URL(relativePath, apiBase);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  const headers = { accept: "application/json", "x-api-key": apiKey.get() || "" };
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, {
      message: "The API could not be reached.",
      hint: "Check the network connection and that the service is running, then try again.",
    });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data?.error || { message: text.slice(0, 300) || undefined });
    window.dispatchEvent(new CustomEvent("api-error", { detail: error }));
    throw error;
  }
  return { status: response.status, data };
}
