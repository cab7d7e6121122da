"""The app descriptor (`GET /atlassian-connect.json`): what Jira installs."""

from __future__ import annotations

from typing import Any

from aha_jira.models.jira_webhook import CLOUD_EVENTS

LIFECYCLE_INSTALLED = "/connect/installed"
LIFECYCLE_UNINSTALLED = "/connect/uninstalled"
CONFIGURE_PATH = "/connect/configure"
WEBHOOK_PATH = "/connect/webhooks/{event}"


def descriptor(base_url: str, app_key: str) -> dict[str, Any]:
    return {
        "key": app_key,
        "name": "Aha! Roadmaps integration",
        "description": "Sends roadmap features to Jira and brings the status of their issues back.",
        "vendor": {"name": "aha-jira", "url": base_url},
        "baseUrl": base_url,
        "links": {"self": f"{base_url}/atlassian-connect.json"},
        "authentication": {"type": "jwt"},
        "apiVersion": 1,
        "apiMigrations": {"signed-install": True, "context-qsh": True, "gdpr": True},
        "lifecycle": {"installed": LIFECYCLE_INSTALLED, "uninstalled": LIFECYCLE_UNINSTALLED},
        # PROJECT_ADMIN: a send creates the release's fix version when Jira does not have it yet.
        "scopes": ["READ", "WRITE", "PROJECT_ADMIN"],
        "enableLicensing": False,
        "modules": {
            "webhooks": [
                {"event": event, "url": WEBHOOK_PATH.replace("{event}", event), "excludeBody": False}
                # The Cloud events the webhook handling uses (anything else would only be "ignored").
                for event in CLOUD_EVENTS
            ],
            "configurePage": {
                "key": "aha-jira-configure",
                "name": {"value": "Configure the roadmap integration"},
                "url": CONFIGURE_PATH,
            },
        },
    }
