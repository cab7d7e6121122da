"""A Jira site: one webhook URL (token) and one webhook secret shared by every integration on it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class JiraSiteRecord(BaseModel):
    site_url: str
    webhook_token: str
    webhook_secret_set: bool = False
    integration_ids: list[str] = Field(default_factory=list)
