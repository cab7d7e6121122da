"""The demo integration `make run` configures: the Jira simulator's Cloud site (project MOB) and, when the Aha!
simulator runs, its account as the roadmap (`roadmap.type: aha`, product PROD, the bot's API key, the
simulator's Jira integration, `auto_update`).

It goes through the public API like any client would (PUT /integrations/demo over HTTP with the API
key), then points the Jira simulator's admin webhook at the integration's webhook URL with its secret, and
the Aha! simulator's webhooks (both formats) at the integration's `roadmap.webhook_url`.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from aha_jira_dev.aha_sim import AhaSimulator
    from aha_jira_dev.jira_sim import JiraSimulator

DEMO_INTEGRATION_ID = "demo"
# Jira status -> roadmap status: each roadmap status is one of the Aha! simulator's feature workflow.
DEMO_STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}


def demo_body(
    jira_base_url: str,
    email: str,
    api_token: str,
    webhook_secret: str,
    *,
    aha: AhaSimulator | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Demo: Mobile app",
        # The roadmap product's reference prefix: Aha!'s (the simulator's PROD) once Aha! is the roadmap.
        "product": "PROD" if aha is not None else "MOB",
        "enabled": True,
        "jira": {
            "base_url": jira_base_url,
            "auth": {"type": "basic", "email": email, "api_token": api_token},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "link_type": "Relates",
            "statuses": dict(DEMO_STATUSES),
            "fields": {},
            "send_tags": True,
            "send_release": True,
        },
        "import": {"enabled": True, "issue_types": ["Story", "Bug"]},
        "webhook": {"secret": webhook_secret},
    }
    if aha is not None:
        body["roadmap"] = {
            "type": "aha",
            "base_url": aha.base_url,
            "api_key": aha.bot_key,
            "integration_ref": aha.integration_id,
            "auto_update": True,
        }
    return body


def configure_demo(
    gateway_url: str,
    api_key: str,
    simulator: JiraSimulator,
    *,
    aha_simulator: AhaSimulator | None = None,
    shown_api_key: str | None = None,
) -> list[str]:
    """Configure the demo; answers the banner's lines about it. They show `shown_api_key` for the key
    (`$API_KEY` for a key of one's own) and no webhook URL: its token is a credential."""
    credentials = simulator.credentials
    webhook_secret = secrets.token_urlsafe(24)
    answer = requests.put(
        f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}",
        json=demo_body(
            simulator.base_url,
            credentials["cloud_email"],
            credentials["cloud_api_token"],
            webhook_secret,
            aha=aha_simulator,
        ),
        headers={"x-api-key": api_key},
        timeout=30,
    )
    if answer.status_code not in (200, 201):
        return [f"Demo integration could not be configured: {answer.status_code} {answer.text}"]
    key = shown_api_key or api_key
    configured = answer.json()
    simulator.configure_webhook(configured["webhook_url"], webhook_secret)
    if aha_simulator is not None:
        aha_simulator.configure_webhook(configured["roadmap"]["webhook_url"])
    tested = requests.post(
        f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}/test-connection",
        headers={"x-api-key": api_key},
        timeout=30,
    )
    report = tested.json() if tested.status_code == 200 else {}
    outcome = "passed" if report.get("ok") else f"did not pass: {tested.text}"
    base = f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}"
    roadmap = "the Aha! simulator (product PROD)" if aha_simulator is not None else "no roadmap"
    lines = [
        f"Demo integration '{DEMO_INTEGRATION_ID}' configured against the Jira simulator (project MOB) and "
        f"{roadmap}; test connection {outcome}.",
        f'  read it:        curl -s -H "x-api-key: {key}" {base}',
    ]
    if aha_simulator is not None:
        lines += [
            f'  send from Aha!: curl -s -X POST -H "x-api-key: {key}" {base}/features/PROD-1/send',
            f'  edit in Aha!:   curl -s -X PUT -H "content-type: application/json" '
            f'{aha_simulator.base_url}/_sim/pm/features/PROD-1 -d \'{{"name": "Mobile sign-in"}}\'',
            f"  in Aha!:        curl -s {aha_simulator.base_url}/_sim/features/PROD-1",
        ]
    lines += [
        f'  send a feature: curl -s -X POST -H "x-api-key: {key}" -H "content-type: application/json" '
        f"{base}/features/PROD-2/send -d @examples/demo_feature.json",
        f'  read it back:   curl -s -H "x-api-key: {key}" {base}/features/PROD-2',
        "  Jira simulator webhooks go to the demo's webhook_url, the Aha! simulator's to its "
        "roadmap.webhook_url (both in the answer of 'read it').",
    ]
    return lines
