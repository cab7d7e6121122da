"""Request bodies the tests build again and again."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator

DEFAULT_STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}


def integration_body(sim: JiraSimulator, *, project: str = "MOB", **mapping: Any) -> dict[str, Any]:
    """An integration on the simulator's Cloud site with the bot's API token; `mapping` overrides keys."""
    credentials = sim.credentials
    return {
        "name": "Mobile app",
        "product": "MOB",
        "jira": {
            "base_url": sim.base_url,
            "auth": {
                "type": "basic",
                "email": credentials["cloud_email"],
                "api_token": credentials["cloud_api_token"],
            },
            "project": project,
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": dict(DEFAULT_STATUSES),
            **mapping,
        },
    }
