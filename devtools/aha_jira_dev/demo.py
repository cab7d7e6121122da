"""The demo integration `make run` configures: the Jira simulator's Cloud site, project MOB.

It goes through the public API like any client would (PUT /integrations/demo over HTTP with the API
key), then points the simulator's admin webhook at the integration's webhook URL with its secret.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from aha_jira_dev.jira_sim import JiraSimulator

DEMO_INTEGRATION_ID = "demo"


def demo_body(jira_base_url: str, email: str, api_token: str, webhook_secret: str) -> dict[str, Any]:
    return {
        "name": "Demo: Mobile app",
        "product": "MOB",
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
            "statuses": {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"},
            "fields": {},
            "send_tags": True,
            "send_release": True,
        },
        "import": {"enabled": True, "issue_types": ["Story", "Bug"]},
        "webhook": {"secret": webhook_secret},
    }


def configure_demo(
    gateway_url: str, api_key: str, simulator: JiraSimulator, *, shown_api_key: str | None = None
) -> list[str]:
    """Configure the demo; answers the banner's lines about it. They show `shown_api_key` for the key
    (`$API_KEY` for a key of one's own) and no webhook URL: its token is a credential."""
    credentials = simulator.credentials
    webhook_secret = secrets.token_urlsafe(24)
    answer = requests.put(
        f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}",
        json=demo_body(
            simulator.base_url, credentials["cloud_email"], credentials["cloud_api_token"], webhook_secret
        ),
        headers={"x-api-key": api_key},
        timeout=30,
    )
    if answer.status_code not in (200, 201):
        return [f"Demo integration could not be configured: {answer.status_code} {answer.text}"]
    key = shown_api_key or api_key
    webhook_url = answer.json()["webhook_url"]
    simulator.configure_webhook(webhook_url, webhook_secret)
    tested = requests.post(
        f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}/test-connection",
        headers={"x-api-key": api_key},
        timeout=30,
    )
    report = tested.json() if tested.status_code == 200 else {}
    outcome = "passed" if report.get("ok") else f"did not pass: {tested.text}"
    base = f"{gateway_url}/integrations/{DEMO_INTEGRATION_ID}"
    return [
        f"Demo integration '{DEMO_INTEGRATION_ID}' configured against the Jira simulator (project MOB); test connection {outcome}.",
        f'  read it:        curl -s -H "x-api-key: {key}" {base}',
        f'  send a feature: curl -s -X POST -H "x-api-key: {key}" -H "content-type: application/json" '
        f"{base}/features/PROD-2/send -d @examples/demo_feature.json",
        f'  read it back:   curl -s -H "x-api-key: {key}" {base}/features/PROD-2',
        "  Jira simulator webhooks go to the demo's webhook_url (in the answer of 'read it').",
    ]
