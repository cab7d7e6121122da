// The webhook URL to register in Jira (with a copy button) and the Jira site's webhook secret.

import { ApiError, call, path } from "./api.js";
import { $ } from "./dom.js";
import { busy, clearErrors, notice, showError } from "./forms.js";
import { onIntegration, setIntegration, state, storedBody } from "./state.js";

const form = () => $("webhook-form");

function render(view) {
  if (!view) return;
  clearErrors(form());
  form().reset();
  $("webhook-url").value = view.webhook_url;
  $("copy-state").textContent = "";
  $("webhook-jql").textContent = `project = ${view.jira.project}`;
  $("webhook-secret-state").textContent = view.webhook.secret_set
    ? "A webhook secret is set for this Jira site: Jira must sign its deliveries with it."
    : "No webhook secret is set for this Jira site: deliveries are authenticated by the URL's token only.";
  $("remove-webhook-secret").hidden = !view.webhook.secret_set;
}

async function copy() {
  const text = $("webhook-url").value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard permission (an insecure origin): select the text so that Ctrl-C copies it.
    $("webhook-url").select();
    $("copy-state").textContent = "Selected: press Ctrl-C (⌘-C) to copy.";
    return;
  }
  $("copy-state").textContent = "Copied to the clipboard.";
}

async function saveSecret(secret, button) {
  const view = state.integration;
  clearErrors(form());
  const body = { ...storedBody(view), webhook: { secret } };
  await busy(button, secret ? "Saving the webhook secret…" : "Removing the webhook secret…", async () => {
    try {
      const answer = await call("PUT", path("integrations", view.id), { body });
      setIntegration(answer.data);
      notice(secret ? "Webhook secret saved for this Jira site." : "Webhook secret removed.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form(), error);
    }
  });
}

export function initWebhook({ onError }) {
  $("copy-webhook").addEventListener("click", () => copy().catch(onError));
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    const secret = $("webhook-secret").value;
    if (!secret) {
      showError(form(), new ApiError(400, { message: "Type the new secret first.", details: [{ path: "webhook.secret", message: "required" }] }));
      return;
    }
    saveSecret(secret, $("save-webhook-secret")).catch(onError);
  });
  $("remove-webhook-secret").addEventListener("click", (event) => saveSecret("", event.currentTarget).catch(onError));
  onIntegration(render);
}
