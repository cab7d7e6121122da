"""A feature as the integration stores it: what was last sent, and the order of its requirements."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FeatureRecord(BaseModel):
    integration_id: str
    reference: str
    name: str
    roadmap_status: str | None = None
    url: str | None = None
    requirement_references: list[str] = Field(default_factory=list)
    removed_requirements: list[str] = Field(default_factory=list)
    created_at: str
    updated_at: str
    last_sent_at: str | None = None
    imported: bool = False
    # Requirements created in Jira under the feature's issue and imported by the webhook. Stored apart from
    # the document (a set the import adds to atomically), so a send rewriting the record keeps them.
    imported_requirements: list[str] = Field(default_factory=list)
