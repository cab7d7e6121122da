"""What test connection learns about a Jira site and project, stored so sends need no metadata calls."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from aha_jira.models.jira_payloads import CreateMetaField, FieldRef, IssueLinkTypeRef, StatusRef, VersionRef

Deployment = Literal["cloud", "datacenter"]
RichText = Literal["adf", "wiki"]
RequirementMode = Literal["subtask", "epic_child", "link"]


class ProjectSnapshot(BaseModel):
    id: str
    key: str
    name: str


class IssueTypeSnapshot(BaseModel):
    id: str
    name: str
    subtask: bool = False
    hierarchy_level: int | None = None
    # Create metadata, keyed by field id; loaded for the mapped types only.
    create_fields: dict[str, CreateMetaField] = Field(default_factory=dict)
    statuses: list[StatusRef] = Field(default_factory=list)


class JiraSnapshot(BaseModel):
    loaded_at: str
    base_url: str
    deployment: Deployment
    api_version: Literal[2, 3]
    rich_text: RichText
    server_version: str | None = None
    account_id: str
    display_name: str | None = None
    project: ProjectSnapshot
    issue_types: list[IssueTypeSnapshot]
    feature_issue_type_id: str | None = None
    requirement_issue_type_id: str | None = None
    # `mapping.epics`: the Jira epic type the roadmap's epics (or initiatives) are sent as.
    epic_issue_type_id: str | None = None
    requirement_mode: RequirementMode | None = None
    link_type: IssueLinkTypeRef | None = None
    fields: list[FieldRef] = Field(default_factory=list)
    versions: list[VersionRef] = Field(default_factory=list)
    sub_tasks_enabled: bool = True
    issue_linking_enabled: bool = True
    permissions: dict[str, bool] = Field(default_factory=dict)

    def issue_type(self, type_id: str | None) -> IssueTypeSnapshot | None:
        return next((item for item in self.issue_types if item.id == type_id), None)
