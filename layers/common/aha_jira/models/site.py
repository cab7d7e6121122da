"""A Jira site: one webhook URL (token), one webhook secret and one request cap shared by every integration on
it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class JiraSiteRecord(BaseModel):
    site_url: str
    webhook_token: str
    webhook_secret_set: bool = False
    integration_ids: list[str] = Field(default_factory=list)
    # jira.rate_limit.requests_per_second of each integration of the site that sets one.
    rate_caps: dict[str, float] = Field(default_factory=dict)

    @property
    def rate_cap(self) -> float | None:
        """The site's cap on requests a second: the lowest its integrations ask for (None: no cap)."""
        return min(self.rate_caps.values()) if self.rate_caps else None
