"""Whether Jira's webhook reaches us (DESIGN.md "Release sends and Jira's rate limits", "Self-healing"): what
the API shows as `webhook.health`, what is stored per Jira site and per integration, and the reconcile's
sweep mark of a site."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class WebhookHealth(BaseModel):
    """`webhook.health` of `GET /integrations/{id}`."""

    last_delivery_at: str | None = Field(
        default=None,
        description="When the Jira site's webhook last reached this API (ISO 8601; recorded at most once a "
        "minute per function container, so up to a minute early). Null: no delivery recorded.",
    )
    missed_last_24h: int = Field(
        default=0,
        description="Changes of this integration's linked issues the webhook never delivered, repaired by the "
        "scheduled reconcile in the last 24 hours (by the hour).",
    )


@dataclass(frozen=True)
class SiteHealth:
    """What is stored for one Jira site (epoch seconds): the last webhook delivery, and the newest change of a
    linked issue the reconcile saw in Jira."""

    last_delivery_at: float | None = None
    last_linked_change_at: float | None = None


@dataclass(frozen=True)
class SweepMark:
    """The reconcile's progress on one Jira site: changes up to `swept_to` (epoch ms, our clock) were looked at;
    `audit_after` is where the rotating existence check of the site's linked issues resumes."""

    site_url: str
    swept_to: int | None = None
    audit_after: str | None = None
    lease: str | None = None  # this sweep's hold on the site (the mark is stored only while it holds)
