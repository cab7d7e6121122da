"""An issue link: which Jira issue one roadmap record (feature or requirement) is linked to.

The link is also the exactly-once guard of a create: it is reserved with a conditional write before
Jira is called (state `reserved`, a token and a lease), and becomes `linked` once Jira answered with
the issue. A reservation whose outcome is unknown (Jira may have created the issue and the answer was
lost) is `uncertain`; whoever takes it over reconciles through the issue's stamp before creating.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

RecordKind = Literal["feature", "requirement"]
LinkState = Literal["reserved", "linked"]


class IssueLink(BaseModel):
    integration_id: str
    reference: str
    kind: RecordKind
    feature_reference: str  # the record's own reference for a feature
    state: LinkState
    token: str
    lease_until: float = 0.0  # epoch seconds; a reservation past its lease may be taken over
    reserved_at: float = 0.0
    uncertain: bool = False
    site_url: str = ""
    issue_id: str | None = None
    issue_key: str | None = None
    content_hash: str | None = None
    synced_at: str | None = None
    jira_status: str | None = None
    roadmap_status: str | None = None
    name: str | None = None
    detached: bool = False
    imported: bool = False
    spent_seconds: int | None = None
    remaining_seconds: int | None = None
