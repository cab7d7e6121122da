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

Values from Jira are bounded (DESIGN.md "Bad input never reaches a 5xx"): ids that become storage keys, the
names and texts a record stores, time-tracking seconds, and the event time. An event time is a whole number
of epoch milliseconds within `MAX_EPOCH_MS`; one in the future is clamped to the receipt time (`clamped`), so
no delivery can claim a place after every event still to come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

# 9999-12-31T23:59:59.999Z: any later "time" is not one.
MAX_EPOCH_MS = 253_402_300_799_999
# Seconds of logged or estimated work: a thousand years is not a real figure, and storage holds 38 digits.
MAX_WORK_SECONDS = 1000 * 365 * 24 * 3600
# DESIGN.md limits: ids 64, names 255, descriptions 256 KiB.
MAX_DESCRIPTION_CHARS = 256 * 1024
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

EpochMillis = Annotated[int, Strict(), Field(ge=0, le=MAX_EPOCH_MS)]
# An id Jira allocated (issue, worklog, status...): a storage key or a part of one.
JiraId = Annotated[str, Field(min_length=1, max_length=64, pattern=_NO_CONTROL)]
JiraName = Annotated[str, Field(max_length=255)]
JiraText = Annotated[str, Field(max_length=MAX_DESCRIPTION_CHARS)]
WorkSeconds = Annotated[int, Field(ge=0, le=MAX_WORK_SECONDS)]


@dataclass(frozen=True)
class UsedEvent:
    """What an event the integration acts on carries (the whole issue, or one worklog), and whether Jira
    Cloud sends it (the Connect app subscribes to those: `connect/descriptor.py`)."""

    carries: Literal["issue", "worklog", "comment"]
    cloud: bool = True


# The one list of the Jira webhook events the integration acts on; any other is answered "ignored".
# `jira:worklog_updated` is Jira Server/Data Center's issue event for work logged, edited or deleted: it carries
# the whole issue (with its time tracking), like `jira:issue_updated`.
USED_EVENTS: dict[str, UsedEvent] = {
    "jira:issue_created": UsedEvent("issue"),
    "jira:issue_updated": UsedEvent("issue"),
    "jira:issue_deleted": UsedEvent("issue"),
    "jira:worklog_updated": UsedEvent("issue", cloud=False),
    "worklog_created": UsedEvent("worklog"),
    "worklog_updated": UsedEvent("worklog"),
    "worklog_deleted": UsedEvent("worklog"),
    # Comments (issue 17): one comment and a reduced issue (`webhooks/comment_changes.py`).
    "comment_created": UsedEvent("comment"),
    "comment_updated": UsedEvent("comment"),
    "comment_deleted": UsedEvent("comment"),
}
ISSUE_EVENTS = frozenset(name for name, used in USED_EVENTS.items() if used.carries == "issue")
WORKLOG_EVENTS = frozenset(name for name, used in USED_EVENTS.items() if used.carries == "worklog")
COMMENT_EVENTS = frozenset(name for name, used in USED_EVENTS.items() if used.carries == "comment")
CLOUD_EVENTS: tuple[str, ...] = tuple(name for name, used in USED_EVENTS.items() if used.cloud)


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


# Changelog items whose new value a record stores as a name (the description's is bounded as a text).
_NAMED_FIELDS = frozenset({"status", "resolution", "summary"})


class ChangelogItem(JiraWebhookPayload):
    field: JiraName = ""
    field_id: JiraName | None = Field(default=None, alias="fieldId")
    fieldtype: JiraName | None = None
    from_: JiraText | None = Field(default=None, alias="from")
    from_string: JiraText | None = Field(default=None, alias="fromString")
    to: JiraText | None = None
    to_string: JiraText | None = Field(default=None, alias="toString")

    @model_validator(mode="after")
    def _names_are_names(self) -> ChangelogItem:
        if self.field_key in _NAMED_FIELDS and max(len(self.to or ""), len(self.to_string or "")) > 255:
            raise ValueError(f"the new {self.field_key} is longer than 255 characters")
        return self

    @property
    def field_key(self) -> str:
        """The field's id when Jira gives it (Cloud), else its name lower-cased (Data Center, old Server)."""
        return (self.field_id or self.field).strip().lower()


# Changelog ids are 64-bit numbers in Jira.
_MAX_SEQUENCE_DIGITS = 18


class Changelog(JiraWebhookPayload):
    id: str | None = None
    items: list[ChangelogItem] = Field(default_factory=list)

    @property
    def sequence(self) -> int:
        """The changelog id as a number: Jira allocates them in increasing order, so it breaks ties between
        events of the same millisecond. 0 when absent or not a number of ASCII digits Jira could allocate
        (`"²".isdigit()` is true; a 5,000-digit id is no id)."""
        value = self.id or ""
        if value.isascii() and value.isdigit() and len(value) <= _MAX_SEQUENCE_DIGITS:
            return int(value)
        return 0

    def item(self, field_key: str) -> ChangelogItem | None:
        return next((item for item in self.items if item.field_key == field_key), None)


class NamedRef(JiraWebhookPayload):
    id: JiraId | None = None
    name: JiraName | None = None
    key: JiraName | None = None


class IssueTypeRef(NamedRef):
    subtask: bool = False


class LinkTypeRef(JiraWebhookPayload):
    name: JiraName | None = None
    inward: JiraName | None = None
    outward: JiraName | None = None


class WebhookIssueLink(JiraWebhookPayload):
    """One entry of `fields.issuelinks`: the other issue is `inwardIssue` or `outwardIssue`."""

    type: LinkTypeRef | None = None
    inward_issue: NamedRef | None = Field(default=None, alias="inwardIssue")
    outward_issue: NamedRef | None = Field(default=None, alias="outwardIssue")

    @property
    def other_issue_id(self) -> str | None:
        other = self.inward_issue or self.outward_issue
        return other.id if other else None


# Jira Software's fields have site-specific ids (`customfield_NNNNN`): they are recognised by their shape.
_CUSTOM_FIELD = re.compile(r"customfield_[0-9]{1,18}")
_RANK = re.compile(r"[0-9]\|[0-9a-z]{1,64}:[0-9a-z]{0,64}")
_MAX_SPRINTS = 50


class SprintValue(JiraWebhookPayload):
    """One sprint of an issue's Sprint field (Cloud's shape: `{id, name, state, boardId, goal, ...}`)."""

    id: JiraId
    name: JiraName | None = None
    state: JiraName | None = None


class WebhookIssueFields(JiraWebhookPayload):
    summary: JiraName | None = None
    # v2 representation: a wiki-markup string; ADF (a dict) is accepted should a delivery carry it.
    description: JiraText | dict[str, Any] | None = None
    status: NamedRef | None = None
    resolution: NamedRef | None = None
    issuetype: IssueTypeRef | None = None
    project: NamedRef | None = None
    parent: NamedRef | None = None
    issuelinks: list[WebhookIssueLink] = Field(default_factory=list)
    timespent: WorkSeconds | None = None
    timeestimate: WorkSeconds | None = None
    timeoriginalestimate: WorkSeconds | None = None
    # Jira Software, by field id: a Rank's LexoRank string, a Sprint field's sprints (`_software` below).
    ranks: dict[str, str] = Field(default_factory=dict)
    sprints: dict[str, list[SprintValue]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _software(cls, value: Any) -> Any:
        """Custom fields shaped like Jira Software's Rank (`0|i00100:`) and Sprint (a list of sprints) are
        kept by id; every other custom field is ignored, as before."""
        if not isinstance(value, dict):
            return value
        ranks: dict[str, str] = {}
        sprints: dict[str, list[Any]] = {}
        for key, item in value.items():
            if not (isinstance(key, str) and _CUSTOM_FIELD.fullmatch(key)):
                continue
            if isinstance(item, str) and _RANK.fullmatch(item):
                ranks[key] = item
            elif (
                isinstance(item, list)
                and 0 < len(item) <= _MAX_SPRINTS
                and all(isinstance(sprint, dict) and "id" in sprint and "state" in sprint for sprint in item)
            ):
                sprints[key] = item
        return {**value, "ranks": ranks, "sprints": sprints}

    def has(self, name: str) -> bool:
        """Whether the delivery carried the field at all (a null value is still information)."""
        return name in self.model_fields_set


class WebhookIssue(JiraWebhookPayload):
    id: JiraId
    key: JiraName | None = None
    fields: WebhookIssueFields = Field(default_factory=WebhookIssueFields)


class WebhookWorklog(JiraWebhookPayload):
    id: JiraId
    issue_id: JiraId = Field(alias="issueId")
    time_spent_seconds: WorkSeconds = Field(default=0, alias="timeSpentSeconds")
    updated: str | None = None
    author: WebhookUser | None = None
    update_author: WebhookUser | None = Field(default=None, alias="updateAuthor")


class WebhookComment(JiraWebhookPayload):
    """The comment of a `comment_*` event: its body in the v2 representation (wiki markup; ADF accepted),
    who wrote it and who changed it last, and Jira's times (`2019-02-15T19:11:18.321-0800`)."""

    id: JiraId
    body: JiraText | dict[str, Any] | None = None
    author: WebhookUser | None = None
    update_author: WebhookUser | None = Field(default=None, alias="updateAuthor")
    created: JiraName | None = None
    updated: JiraName | None = None

    def identities(self) -> set[str]:
        """Every identifier of the users who wrote or last changed the comment."""
        found: set[str] = set()
        for user in (self.author, self.update_author):
            if user is not None:
                found |= user.identities()
        return found


class JiraWebhookEvent(JiraWebhookPayload):
    """One delivery. `timestamp` is Jira's event time in epoch milliseconds."""

    timestamp: EpochMillis
    webhook_event: JiraName = Field(alias="webhookEvent", min_length=1)
    issue_event_type_name: JiraName | None = None
    user: WebhookUser | None = None
    issue: WebhookIssue | None = None
    changelog: Changelog | None = None
    worklog: WebhookWorklog | None = None
    comment: WebhookComment | None = None

    @model_validator(mode="after")
    def _carries_its_subject(self) -> JiraWebhookEvent:
        if self.webhook_event in COMMENT_EVENTS and (self.issue is None or self.comment is None):
            raise ValueError(f"a {self.webhook_event} event carries the issue and the comment")
        if self.webhook_event in ISSUE_EVENTS and self.issue is None:
            raise ValueError(f"a {self.webhook_event} event carries the issue")
        if self.webhook_event in WORKLOG_EVENTS and self.worklog is None:
            raise ValueError(f"a {self.webhook_event} event carries the worklog")
        return self

    def clamped(self, received_ms: int) -> JiraWebhookEvent:
        """This event with a time in the future moved back to `received_ms` (when it was received)."""
        if self.timestamp <= received_ms:
            return self
        return self.model_copy(update={"timestamp": max(received_ms, 0)})

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
