"""The body of `PUT /integrations/{id}` for an integration on the Jira simulator's Cloud site, with the bot's
API token: one builder for the demo, the tests and the benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aha_jira_dev.jira_sim import JiraSimulator

DEFAULT_STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}


def integration_body(
    sim: JiraSimulator,
    *,
    name: str = "Mobile app",
    product: str | None = None,
    project: str = "MOB",
    **mapping: Any,
) -> dict[str, Any]:
    """`mapping` overrides or adds keys of the mapping (Story features, Sub-task requirements by default)."""
    credentials = sim.credentials
    return {
        "name": name,
        "product": product or project,
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
