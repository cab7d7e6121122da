"""The parts of Jira's answers we read, as pydantic models (unknown keys ignored: Jira adds fields).

Cloud (v3) and Data Center (v2) differ in identity (`accountId` vs `name`/`key`) and in the page keys of
create metadata (`issueTypes`/`fields` vs `values`); both are accepted here.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator


class JiraPayload(BaseModel):
    # defer_build: a model's validator is built when first used, not at import (cold start: a request
    # reads a few of Jira's answers, never all of them).
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class ServerInfo(JiraPayload):
    base_url: str | None = Field(default=None, alias="baseUrl")
    version: str | None = None
    deployment_type: str | None = Field(default=None, alias="deploymentType")
    server_title: str | None = Field(default=None, alias="serverTitle")


class Myself(JiraPayload):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    key: str | None = None
    email_address: str | None = Field(default=None, alias="emailAddress")
    display_name: str | None = Field(default=None, alias="displayName")


class IssueTypeRef(JiraPayload):
    id: str
    name: str
    subtask: bool = False
    hierarchy_level: int | None = Field(default=None, alias="hierarchyLevel")


class ProjectRef(JiraPayload):
    id: str
    key: str
    name: str
    issue_types: list[IssueTypeRef] = Field(default_factory=list, alias="issueTypes")


class FieldSchema(JiraPayload):
    type: str | None = None
    items: str | None = None
    system: str | None = None
    custom: str | None = None
    custom_id: int | None = Field(default=None, alias="customId")


class CreateMetaField(JiraPayload):
    field_id: str = Field(validation_alias=AliasChoices("fieldId", "key", "field_id"))
    name: str
    required: bool = False
    schema_: FieldSchema = Field(default_factory=FieldSchema, alias="schema")
    allowed_values: list[dict[str, Any]] | None = Field(default=None, alias="allowedValues")
    has_default_value: bool = Field(default=False, alias="hasDefaultValue")
    default_value: Any = Field(default=None, alias="defaultValue")
    operations: list[str] = Field(default_factory=list)


class StatusCategory(JiraPayload):
    key: str | None = None
    name: str | None = None


class StatusRef(JiraPayload):
    id: str
    name: str
    status_category: StatusCategory | None = Field(default=None, alias="statusCategory")


class IssueTypeStatuses(JiraPayload):
    id: str
    name: str
    subtask: bool = False
    statuses: list[StatusRef] = Field(default_factory=list)


class IssueLinkTypeRef(JiraPayload):
    id: str
    name: str
    inward: str | None = None
    outward: str | None = None


class FieldRef(JiraPayload):
    id: str
    name: str
    custom: bool = False
    schema_: FieldSchema | None = Field(default=None, alias="schema")


class VersionRef(JiraPayload):
    id: str
    name: str
    released: bool = False
    archived: bool = False
    release_date: str | None = Field(default=None, alias="releaseDate")


class Configuration(JiraPayload):
    """`GET /configuration`: whether sub-tasks and issue linking are switched on for the site."""

    sub_tasks_enabled: bool = Field(default=True, alias="subTasksEnabled")
    issue_linking_enabled: bool = Field(default=True, alias="issueLinkingEnabled")
    time_tracking_enabled: bool = Field(default=True, alias="timeTrackingEnabled")


class UserPermission(JiraPayload):
    key: str | None = None
    name: str | None = None
    have_permission: bool = Field(default=False, alias="havePermission")


class UserRef(JiraPayload):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    key: str | None = None
    email_address: str | None = Field(default=None, alias="emailAddress")
    display_name: str | None = Field(default=None, alias="displayName")
    active: bool = True


class CreatedIssue(JiraPayload):
    id: str
    key: str


class BulkElementError(JiraPayload):
    status: int | None = None
    element_errors: dict[str, Any] = Field(default_factory=dict, alias="elementErrors")
    failed_element_number: int = Field(alias="failedElementNumber")


class BulkCreateResult(JiraPayload):
    issues: list[CreatedIssue] = Field(default_factory=list)
    errors: list[BulkElementError] = Field(default_factory=list)


class JiraIssue(JiraPayload):
    id: str
    key: str
    fields: dict[str, Any] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)


class TransitionRef(JiraPayload):
    """A transition the issue offers now (`GET issue?expand=transitions`, `GET issue/{key}/transitions`)."""

    id: str
    name: str = ""
    to: StatusRef
    has_screen: bool = Field(default=False, alias="hasScreen")
    # With `expand=transitions.fields`: the transition screen's fields, keyed by id.
    fields: dict[str, CreateMetaField] = Field(default_factory=dict)

    @field_validator("fields", mode="before")
    @classmethod
    def _keyed(cls, value: Any) -> Any:
        # The field metadata carries no id of its own here: the key is the id.
        if isinstance(value, dict):
            return {
                key: {"fieldId": key, **item} if isinstance(item, dict) else item
                for key, item in value.items()
            }
        return value


class IssueStatus(JiraPayload):
    """An issue's status and issue type, with the transitions it offers from there."""

    id: str
    key: str
    status: StatusRef
    issue_type_id: str | None = None
    transitions: list[TransitionRef] = Field(default_factory=list)


class AttachmentSettings(JiraPayload):
    enabled: bool = True
    upload_limit: int | None = Field(default=None, alias="uploadLimit")


class AttachmentRef(JiraPayload):
    id: str
    filename: str = ""
    size: int | None = None
    content: str | None = None  # where Jira serves the file


class CommentProperty(JiraPayload):
    key: str
    value: Any = None


class CommentRef(JiraPayload):
    """A Jira comment: its id and, read with `expand=properties`, its entity properties (our stamp)."""

    id: str
    properties: list[CommentProperty] = Field(default_factory=list)

    def property(self, key: str) -> Any:
        return next((item.value for item in self.properties if item.key == key), None)
