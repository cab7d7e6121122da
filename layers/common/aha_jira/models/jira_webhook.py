"""Jira admin webhook deliveries (Cloud and Data Center, old and new formats), and our answer to them.

Only what the integration reads is modelled; every other key is ignored (Jira adds fields over time and
each site has its own custom fields). Ids arrive as strings or numbers depending on the Jira version, so
numbers are accepted where Jira's documentation says string.

What differs between the formats we receive:
- `issue_event_type_name` is missing in old Server payloads;
- Data Center users carry `name` and `key`, Cloud users `accountId` (and, in older Cloud payloads, both);
- Data Center changelog items have no `fieldId` (only `field`, and `"Status"` may be capitalised);
- `worklog_*` events carry `worklog` (with `issueId`) and no `issue`;
- `comment_*` events carry a reduced `issue` and no `user`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# `jira:worklog_updated` is Jira Server/Data Center's issue event for work logged, edited or deleted: it carries
# the whole issue (with its time tracking), like `jira:issue_updated`.
ISSUE_EVENTS = frozenset(
    {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "jira:worklog_updated"}
)
WORKLOG_EVENTS = frozenset({"worklog_created", "worklog_updated", "worklog_deleted"})


class JiraWebhookPayload(BaseModel):
    """Lenient: unknown keys are ignored, numbers are accepted where Jira's schema says string."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, coerce_numbers_to_str=True)


class WebhookUser(JiraWebhookPayload):
    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    key: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")

    def identities(self) -> set[str]:
        """Every identifier Jira uses for this user: Cloud account id, Data Center user key and name."""
        return {value for value in (self.account_id, self.key, self.name) if value}


class ChangelogItem(JiraWebhookPayload):
    field: str = ""
    field_id: str | None = Field(default=None, alias="fieldId")
    fieldtype: str | None = None
    from_: str | None = Field(default=None, alias="from")
    from_string: str | None = Field(default=None, alias="fromString")
    to: str | None = None
    to_string: str | None = Field(default=None, alias="toString")

    @property
    def field_key(self) -> str:
        """The field's id when Jira gives it (Cloud), else its name lower-cased (Data Center, old Server)."""
        return (self.field_id or self.field).strip().lower()


class Changelog(JiraWebhookPayload):
    id: str | None = None
    items: list[ChangelogItem] = Field(default_factory=list)

    @property
    def sequence(self) -> int:
        """The changelog id as a number: Jira allocates them in increasing order, so it breaks ties between
        events of the same millisecond. 0 when absent or not numeric."""
        return int(self.id) if self.id and self.id.isdigit() else 0

    def item(self, field_key: str) -> ChangelogItem | None:
        return next((item for item in self.items if item.field_key == field_key), None)


class NamedRef(JiraWebhookPayload):
    id: str | None = None
    name: str | None = None
    key: str | None = None


class IssueTypeRef(NamedRef):
    subtask: bool = False


class LinkTypeRef(JiraWebhookPayload):
    name: str | None = None
    inward: str | None = None
    outward: str | None = None


class WebhookIssueLink(JiraWebhookPayload):
    """One entry of `fields.issuelinks`: the other issue is `inwardIssue` or `outwardIssue`."""

    type: LinkTypeRef | None = None
    inward_issue: NamedRef | None = Field(default=None, alias="inwardIssue")
    outward_issue: NamedRef | None = Field(default=None, alias="outwardIssue")

    @property
    def other_issue_id(self) -> str | None:
        other = self.inward_issue or self.outward_issue
        return other.id if other else None


class WebhookIssueFields(JiraWebhookPayload):
    summary: str | None = None
    # v2 representation: a wiki-markup string; ADF (a dict) is accepted should a delivery carry it.
    description: str | dict[str, Any] | None = None
    status: NamedRef | None = None
    resolution: NamedRef | None = None
    issuetype: IssueTypeRef | None = None
    project: NamedRef | None = None
    parent: NamedRef | None = None
    issuelinks: list[WebhookIssueLink] = Field(default_factory=list)
    timespent: int | None = None
    timeestimate: int | None = None
    timeoriginalestimate: int | None = None

    def has(self, name: str) -> bool:
        """Whether the delivery carried the field at all (a null value is still information)."""
        return name in self.model_fields_set


class WebhookIssue(JiraWebhookPayload):
    id: str
    key: str | None = None
    fields: WebhookIssueFields = Field(default_factory=WebhookIssueFields)


class WebhookWorklog(JiraWebhookPayload):
    id: str
    issue_id: str = Field(alias="issueId")
    time_spent_seconds: int = Field(default=0, alias="timeSpentSeconds")
    updated: str | None = None
    author: WebhookUser | None = None
    update_author: WebhookUser | None = Field(default=None, alias="updateAuthor")


class JiraWebhookEvent(JiraWebhookPayload):
    """One delivery. `timestamp` is Jira's event time in epoch milliseconds."""

    timestamp: int
    webhook_event: str = Field(alias="webhookEvent", min_length=1)
    issue_event_type_name: str | None = None
    user: WebhookUser | None = None
    issue: WebhookIssue | None = None
    changelog: Changelog | None = None
    worklog: WebhookWorklog | None = None

    @model_validator(mode="after")
    def _carries_its_subject(self) -> JiraWebhookEvent:
        if self.webhook_event in ISSUE_EVENTS and self.issue is None:
            raise ValueError(f"a {self.webhook_event} event carries the issue")
        if self.webhook_event in WORKLOG_EVENTS and self.worklog is None:
            raise ValueError(f"a {self.webhook_event} event carries the worklog")
        return self

    @property
    def sequence(self) -> int:
        return self.changelog.sequence if self.changelog else 0

    @property
    def order(self) -> tuple[int, int]:
        """Where the event sits in its issue's history: (timestamp, changelog id)."""
        return (self.timestamp, self.sequence)

    @property
    def actor_identities(self) -> set[str]:
        return self.user.identities() if self.user else set()

    @property
    def issue_id(self) -> str | None:
        if self.issue is not None:
            return self.issue.id
        if self.worklog is not None:
            return self.worklog.issue_id
        return None


Outcome = Literal["applied", "imported", "duplicate", "stale", "echo", "ignored"]


class RecordOutcome(BaseModel):
    integration_id: str
    reference: str
    outcome: Outcome
    reason: str


class WebhookAnswer(BaseModel):
    """Our answer to a delivery: what happened to it, in one word and one sentence, and per record."""

    outcome: Outcome
    reason: str
    records: list[RecordOutcome] = Field(default_factory=list)
