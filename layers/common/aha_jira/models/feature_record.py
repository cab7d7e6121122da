"""A feature as the integration stores it: what was last sent, and the order of its requirements."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aha_jira.models.roadmap_content import RoadmapFingerprint


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
    # What the last complete send carried (`models.roadmap_content`): an Aha! change is sent again only when
    # it differs (None: not sent since fingerprints were kept, or only imported from Jira).
    roadmap_fingerprint: RoadmapFingerprint | None = None
