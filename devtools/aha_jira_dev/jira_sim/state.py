"""In-memory Jira data: the seed (users, projects, issue types, workflows, fields, link types, versions)
and the mutable store of issues, links, worklogs, attachments, comments and entity properties.

Everything here is plain data. Rendering to Jira's JSON shapes lives in ``render``, the rules for what a
write may contain live in ``validation`` and the writes themselves live in ``operations``.

Seeded accounts (see ``DEFAULT_CREDENTIALS``):

* the integration's bot: Cloud ``bot@acme.example`` + API token, Data Center ``aha-bot`` + password or PAT;
* an engineer (``engineer@acme.example`` / ``erin``) used by the control API's "engineer actions";
* a product manager (``pm@acme.example`` / ``pat``) who only exists to be found as an assignee;
* one Connect app user per registered Connect installation (created on registration).

Seeded projects: ``MOB`` (simple: Story, Task, Bug, Epic, Sub-task; To Do / In Progress / Done with a global
transition to each status), ``REQ`` (same types, a stricter workflow Backlog -> In Progress -> In Review -> Done,
and two required custom fields: the select "Team" and the number "Risk Score"), ``BIG`` (the call-budget
project: 8 issue types, 60 fields on every create screen, required custom selects with and without defaults,
a workflow per issue type), ``FLOW`` (a linear workflow To Do -> In Progress -> In Review -> Done without a
global transition, whose "Approve" transition screen requires "Review Outcome") and 58 filler projects
``P001``..``P058`` so that ``project/search`` pages (62 projects at 50 a page). Sprints (``seed_sprints``) of
MOB's and FLOW's boards fill the Jira Software Sprint field; every issue has a Rank.

Site settings (``SiteSettings``: sub-tasks, issue linking, time tracking, attachments...) and per-account
project permissions (``Store.revoked``) are part of the store, so ``reset`` restores them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = Any

DEFAULT_CREDENTIALS: dict[str, str] = {
    "cloud_email": "bot@acme.example",
    "cloud_api_token": "sim-cloud-api-token-bot",
    "dc_username": "aha-bot",
    "dc_password": "sim-dc-password-bot",
    "dc_pat": "sim-dc-pat-bot",
    "engineer_email": "engineer@acme.example",
    "engineer_api_token": "sim-cloud-api-token-engineer",
    "engineer_username": "erin",
    "engineer_password": "sim-dc-password-erin",
}


def now() -> datetime:
    return datetime.now(UTC)


def jira_time(value: datetime) -> str:
    """Jira's timestamp format, e.g. ``2019-08-07T22:36:47.428+0000``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}" + value.strftime("%z")


@dataclass
class User:
    account_id: str  # Cloud identity; also the internal key in both modes
    name: str  # Data Center username
    key: str  # Data Center user key
    email: str
    display_name: str
    account_type: str = "atlassian"
    active: bool = True
    time_zone: str = "Etc/UTC"


@dataclass(frozen=True)
class StatusCategory:
    id: int
    key: str
    name: str
    color: str


STATUS_CATEGORIES: dict[str, StatusCategory] = {
    "new": StatusCategory(2, "new", "To Do", "blue-gray"),
    "indeterminate": StatusCategory(4, "indeterminate", "In Progress", "yellow"),
    "done": StatusCategory(3, "done", "Done", "green"),
}


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str  # key of STATUS_CATEGORIES
    description: str = ""


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    description: str
    subtask: bool
    hierarchy_level: int
    avatar_id: int


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to_status: str
    from_statuses: tuple[str, ...] | None  # None = global (available from every other status)
    screen: tuple[ScreenField, ...] = ()  # the transition screen's fields (empty: no screen)


@dataclass(frozen=True)
class Workflow:
    name: str
    statuses: tuple[str, ...]  # first is the initial status
    transitions: tuple[Transition, ...]

    def available(self, current: str) -> list[Transition]:
        out = []
        for t in self.transitions:
            if t.from_statuses is None:
                if t.to_status != current:
                    out.append(t)
            elif current in t.from_statuses:
                out.append(t)
        return out


@dataclass(frozen=True)
class FieldDef:
    """A field as ``GET /field`` lists it, plus ``kind`` which drives validation and rendering."""

    id: str
    name: str
    kind: str
    schema: dict[str, Any] | None
    custom: bool = False
    orderable: bool = True
    navigable: bool = True
    searchable: bool = True
    operations: tuple[str, ...] = ("set",)
    options: tuple[tuple[str, str], ...] = ()  # select options: (id, value)

    @property
    def clause_names(self) -> list[str]:
        if self.custom:
            return [f"cf[{self.id.removeprefix('customfield_')}]", self.name]
        return [self.id]


@dataclass(frozen=True)
class ScreenField:
    field_id: str
    required: bool = False
    default: Any = None  # internal default value (e.g. priority id)


@dataclass(frozen=True)
class LinkType:
    id: str
    name: str
    inward: str
    outward: str


@dataclass
class Version:
    id: str
    project_id: str
    name: str
    description: str = ""
    released: bool = False
    archived: bool = False
    release_date: str | None = None
    start_date: str | None = None


@dataclass
class Project:
    id: str
    key: str
    name: str
    issue_type_ids: tuple[str, ...]
    workflow: Workflow
    screens: dict[str, tuple[ScreenField, ...]]  # issue type id -> create screen
    lead_account_id: str
    description: str = ""
    type_workflows: dict[str, Workflow] = field(default_factory=dict)  # issue type id -> its own workflow

    def screen(self, issue_type_id: str) -> dict[str, ScreenField]:
        return {f.field_id: f for f in self.screens.get(issue_type_id, ())}

    def workflow_for(self, issue_type_id: str) -> Workflow:
        return self.type_workflows.get(issue_type_id, self.workflow)

    def status_ids(self, issue_type_id: str) -> tuple[str, ...]:
        return self.workflow_for(issue_type_id).statuses


@dataclass
class SiteSettings:
    """The site's global options (``GET /configuration``); the control API changes them per test."""

    sub_tasks_enabled: bool = True
    issue_linking_enabled: bool = True
    time_tracking_enabled: bool = True
    attachments_enabled: bool = True
    voting_enabled: bool = True
    watching_enabled: bool = True
    unassigned_issues_allowed: bool = True

    def unavailable_fields(self) -> frozenset[str]:
        """Fields Jira takes off every screen while their feature is switched off."""
        out = set()
        if not self.issue_linking_enabled:
            out.add("issuelinks")
        if not self.time_tracking_enabled:
            out.add("timetracking")
        if not self.attachments_enabled:
            out.add("attachment")
        return frozenset(out)


@dataclass
class Worklog:
    id: str
    issue_id: str
    author: str  # account id
    update_author: str
    comment: Any  # ADF dict, wiki string or None
    started: str
    time_spent_seconds: int
    created: datetime
    updated: datetime


@dataclass
class Attachment:
    id: str
    issue_id: str
    filename: str
    mime_type: str
    size: int
    author: str
    created: datetime
    path: str  # the content, kept on disk (``uploads.UploadStore``) rather than in memory
    sha256: str = ""
    media_id: str = ""  # the Media Services file id Jira Cloud's editor puts in ADF ``media`` nodes


@dataclass
class Comment:
    id: str
    issue_id: str
    author: str  # account id
    update_author: str
    body: Any  # ADF dict (written through v3) or wiki string (v2, Data Center)
    created: datetime
    updated: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    visibility: dict[str, Any] | None = None


@dataclass
class Sprint:
    """A Jira Software sprint as the Sprint field (``customfield_10020``) shows it."""

    id: int
    name: str
    state: str  # closed | active | future
    board_id: int
    goal: str = ""
    start_date: str | None = None
    end_date: str | None = None
    complete_date: str | None = None


@dataclass
class IssueLink:
    id: str
    type_id: str
    inward_issue_id: str
    outward_issue_id: str


@dataclass
class ChangeItem:
    field: str
    field_id: str
    fieldtype: str
    from_: str | None
    from_string: str | None
    to: str | None
    to_string: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "fieldtype": self.fieldtype,
            "fieldId": self.field_id,
            "from": self.from_,
            "fromString": self.from_string,
            "to": self.to,
            "toString": self.to_string,
        }


@dataclass
class History:
    id: str
    author: str
    created: datetime
    items: list[ChangeItem]


@dataclass
class Issue:
    id: str
    key: str
    project_id: str
    issue_type_id: str
    status_id: str
    reporter: str
    creator: str
    created: datetime
    updated: datetime
    values: dict[str, Any] = field(default_factory=dict)  # field id -> internal value
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: list[dict[str, Any]] = field(default_factory=list)  # {"id", "globalId", "object"}
    original_estimate: int | None = None
    remaining_estimate: int | None = None
    resolution: str | None = None  # resolution id
    resolution_date: datetime | None = None
    status_category_changed: datetime | None = None
    histories: list[History] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


# ---------------------------------------------------------------------------------------------------------
# Seed data
# ---------------------------------------------------------------------------------------------------------

BOT_ACCOUNT_ID = "5f1e2d3c4b5a69788796a5b4"
ENGINEER_ACCOUNT_ID = "5f1e2d3c4b5a69788796a5c5"
PM_ACCOUNT_ID = "5f1e2d3c4b5a69788796a5d6"

PRIORITIES: tuple[tuple[str, str], ...] = (
    ("1", "Highest"),
    ("2", "High"),
    ("3", "Medium"),
    ("4", "Low"),
    ("5", "Lowest"),
)
DEFAULT_PRIORITY = "3"

RESOLUTION_DONE = ("10000", "Done")

ISSUE_TYPES: tuple[IssueType, ...] = (
    IssueType("10000", "Epic", "A big user story that needs to be broken down.", False, 1, 10307),
    IssueType("10001", "Story", "Functionality or a feature expressed as a user goal.", False, 0, 10315),
    IssueType("10002", "Task", "A small, distinct piece of work.", False, 0, 10318),
    IssueType("10003", "Sub-task", "A small piece of work that's part of a larger task.", True, -1, 10316),
    IssueType("10004", "Bug", "A problem or error.", False, 0, 10303),
    IssueType(
        "10005", "Improvement", "An improvement or enhancement to an existing feature.", False, 0, 10310
    ),
    IssueType(
        "10006",
        "New Feature",
        "A new feature of the product, which has yet to be developed.",
        False,
        0,
        10311,
    ),
    IssueType("10007", "Spike", "A time-boxed investigation.", False, 0, 10320),
)
CORE_TYPES = ("10000", "10001", "10002", "10003", "10004")  # the types of MOB, REQ (and P001..P058's subset)
BIG_TYPES = (*CORE_TYPES, "10005", "10006", "10007")

STATUSES: tuple[Status, ...] = (
    Status("10000", "To Do", "new", "Work that has not been started."),
    Status("3", "In Progress", "indeterminate", "This work item is being actively worked on at the moment."),
    Status("10001", "Done", "done", "Work that is complete."),
    Status("10002", "Backlog", "new", "Waiting to be picked up."),
    Status("10003", "In Review", "indeterminate", "Done by the engineer, waiting for review."),
    Status("10004", "Selected for Development", "new", "Ready to be picked up in this iteration."),
    Status("10005", "Triage", "new", "Reported, waiting to be assessed."),
    Status("10006", "Fixed", "indeterminate", "Fixed, waiting to be verified."),
    Status("10007", "Verified", "done", "The fix was verified."),
    Status("10008", "Won't Fix", "done", "Will not be fixed."),
    Status("10009", "Concluded", "done", "The investigation reached a conclusion."),
)

SIMPLE_WORKFLOW = Workflow(
    "Software Simplified Workflow",
    ("10000", "3", "10001"),
    (
        Transition("11", "To Do", "10000", None),
        Transition("21", "In Progress", "3", None),
        Transition("31", "Done", "10001", None),
    ),
)

REVIEW_WORKFLOW = Workflow(
    "Reviewed Workflow",
    ("10002", "3", "10003", "10001"),
    (
        Transition("41", "Start work", "3", ("10002",)),
        Transition("51", "Request review", "10003", ("3",)),
        Transition("61", "Back to backlog", "10002", ("3",)),
        Transition("71", "Approve", "10001", ("10003",)),
        Transition("81", "Rework", "3", ("10003",)),
        Transition("91", "Reopen", "3", ("10001",)),
    ),
)

# BIG: a workflow per issue type (statuses per type differ, as in a real company-managed project).
BIG_WORKFLOW = Workflow(
    "Delivery Workflow",
    ("10002", "10004", "3", "10003", "10001"),
    (
        Transition("101", "Backlog", "10002", None),
        Transition("111", "Select for development", "10004", None),
        Transition("121", "Start", "3", None),
        Transition("131", "Review", "10003", None),
        Transition("141", "Done", "10001", None),
    ),
)
BUG_WORKFLOW = Workflow(
    "Bug Workflow",
    ("10005", "3", "10006", "10007", "10008"),
    (
        Transition("201", "Accept", "3", ("10005",)),
        Transition("211", "Fix", "10006", ("3",)),
        Transition("221", "Verify", "10007", ("10006",)),
        Transition("231", "Reject fix", "3", ("10006",)),
        Transition("241", "Won't fix", "10008", ("10005", "3")),
        Transition("251", "Reopen", "10005", ("10007", "10008")),
    ),
)
SPIKE_WORKFLOW = Workflow(
    "Spike Workflow",
    ("10000", "3", "10009"),
    (
        Transition("301", "To Do", "10000", None),
        Transition("311", "In Progress", "3", None),
        Transition("321", "Conclude", "10009", None),
    ),
)

# FLOW: a linear workflow. "Done" is three transitions away from "To Do" and none is global; "Approve" has a
# transition screen with a required field, so a transition without it is refused like a create.
FLOW_WORKFLOW = Workflow(
    "Linear Delivery Workflow",
    ("10000", "3", "10003", "10001"),
    (
        Transition("401", "Start progress", "3", ("10000",)),
        Transition("411", "Submit for review", "10003", ("3",)),
        Transition(
            "421",
            "Approve",
            "10001",
            ("10003",),
            screen=(ScreenField("customfield_10303", required=True), ScreenField("customfield_10004")),
        ),
        Transition("431", "Request changes", "3", ("10003",)),
        Transition("441", "Reopen", "10000", ("10001",)),
    ),
)

LINK_TYPES: tuple[LinkType, ...] = (
    LinkType("10000", "Blocks", "is blocked by", "blocks"),
    LinkType("10001", "Cloners", "is cloned by", "clones"),
    LinkType("10002", "Duplicate", "is duplicated by", "duplicates"),
    LinkType("10003", "Relates", "relates to", "relates to"),
)


def _sys(field_id: str, name: str, kind: str, schema_type: str | None, **kw: Any) -> FieldDef:
    schema: dict[str, Any] | None = None
    if schema_type is not None:
        schema = {"type": schema_type, "system": field_id}
        if "items" in kw:
            schema = {"type": schema_type, "items": kw.pop("items"), "system": field_id}
    return FieldDef(field_id, name, kind, schema, **kw)


def _custom(num: int, name: str, kind: str, schema_type: str, custom_type: str, **kw: Any) -> FieldDef:
    schema: dict[str, Any] = {"type": schema_type}
    if "items" in kw:
        schema["items"] = kw.pop("items")
    schema["custom"] = custom_type
    schema["customId"] = num
    return FieldDef(f"customfield_{num}", name, kind, schema, custom=True, **kw)


CF = "com.atlassian.jira.plugin.system.customfieldtypes:"
GH = "com.pyxis.greenhopper.jira:"

FIELDS: tuple[FieldDef, ...] = (
    _sys("summary", "Summary", "summary", "string"),
    _sys("issuekey", "Key", "readonly", None, orderable=False),
    _sys("issuetype", "Issue Type", "issuetype", "issuetype", operations=()),
    _sys("project", "Project", "project", "project", orderable=False),
    _sys("description", "Description", "richtext", "string"),
    _sys("environment", "Environment", "richtext", "string"),
    _sys("labels", "Labels", "labels", "array", items="string", operations=("add", "set", "remove")),
    _sys(
        "fixVersions",
        "Fix versions",
        "versions",
        "array",
        items="version",
        operations=("set", "add", "remove"),
    ),
    _sys(
        "versions",
        "Affects versions",
        "versions",
        "array",
        items="version",
        operations=("set", "add", "remove"),
    ),
    _sys("assignee", "Assignee", "user", "user"),
    _sys("reporter", "Reporter", "user", "user"),
    _sys("creator", "Creator", "readonly", "user", orderable=False),
    _sys("priority", "Priority", "priority", "priority"),
    _sys("duedate", "Due date", "date", "date"),
    _sys("timetracking", "Time tracking", "timetracking", "timetracking", operations=("set", "edit")),
    _sys(
        "components",
        "Components",
        "components",
        "array",
        items="component",
        operations=("add", "set", "remove"),
    ),
    _sys("attachment", "Attachment", "attachment", "array", items="attachment", operations=()),
    _sys("issuelinks", "Linked Issues", "issuelinks", "array", items="issuelinks", operations=("add",)),
    _sys("parent", "Parent", "parent", "issuelink"),
    _sys("subtasks", "Sub-tasks", "readonly", "array", items="issuelinks", orderable=False),
    _sys("status", "Status", "readonly", "status", orderable=False),
    _sys("resolution", "Resolution", "readonly", "resolution"),
    _sys("resolutiondate", "Resolved", "readonly", "datetime", orderable=False),
    _sys("created", "Created", "readonly", "datetime", orderable=False),
    _sys("updated", "Updated", "readonly", "datetime", orderable=False),
    _sys("statuscategorychangedate", "Status Category Changed", "readonly", "datetime", orderable=False),
    _sys("timeoriginalestimate", "Original estimate", "readonly", "number", orderable=False),
    _sys("timeestimate", "Remaining Estimate", "readonly", "number", orderable=False),
    _sys("timespent", "Time Spent", "readonly", "number", orderable=False),
    _sys("aggregatetimeoriginalestimate", "Σ Original Estimate", "readonly", "number", orderable=False),
    _sys("aggregatetimeestimate", "Σ Remaining Estimate", "readonly", "number", orderable=False),
    _sys("aggregatetimespent", "Σ Time Spent", "readonly", "number", orderable=False),
    _sys("worklog", "Log Work", "readonly", "array", items="worklog", navigable=False),
    _sys("comment", "Comment", "readonly", "comments-page", navigable=False),
    _sys("watches", "Watchers", "readonly", "watches", orderable=False),
    _sys("votes", "Votes", "readonly", "votes", orderable=False),
    _sys("lastViewed", "Last Viewed", "readonly", "datetime", orderable=False, searchable=False),
    # Custom fields of the reference field list (jira-responses/ahaservices-jira_field.json).
    _custom(10004, "Story Points", "number", "number", CF + "float"),
    _custom(10005, "Business Value", "number", "number", CF + "float"),
    # Jira Software's fields with the ids Jira Cloud sites usually have; on every issue (``ISSUE_WIDE_FIELDS``).
    _custom(10019, "Rank", "rank", "any", GH + "gh-lexo-rank"),
    _custom(10020, "Sprint", "sprint", "array", GH + "gh-sprint", items="json"),
    _custom(10008, "Epic Link", "epiclink", "any", GH + "gh-epic-link"),
    _custom(10009, "Epic Name", "string", "string", GH + "gh-epic-label"),
    _custom(10010, "Epic Status", "readonly", "option", GH + "gh-epic-status"),
    _custom(10011, "Epic Colour", "readonly", "string", GH + "gh-epic-color"),
    _custom(10024, "Aha! Reference", "url", "string", CF + "url"),
    # The REQ project's required fields and an optional rich-text (textarea) field.
    _custom(
        10300,
        "Team",
        "select",
        "option",
        CF + "select",
        options=(("10400", "Platform"), ("10401", "Mobile"), ("10402", "Web")),
    ),
    _custom(10301, "Risk Score", "number", "number", CF + "float"),
    _custom(10302, "Acceptance Criteria", "richtext", "string", CF + "textarea"),
    # Required on the FLOW workflow's "Approve" transition screen.
    _custom(
        10303,
        "Review Outcome",
        "select",
        "option",
        CF + "select",
        options=(("10410", "Approved"), ("10411", "Approved with follow-ups")),
    ),
)


def _options(first_id: int, *values: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(first_id + n), value) for n, value in enumerate(values))


# The BIG project's custom fields: required selects (with and without defaults) and optional fillers of
# every kind the simulator validates, so that each create screen holds 60 fields.
BIG_REQUIRED_FIELDS: tuple[FieldDef, ...] = (
    _custom(
        10500,
        "Customer Tier",
        "select",
        "option",
        CF + "select",
        options=_options(10600, "Enterprise", "Business", "Free"),
    ),
    _custom(
        10501,
        "Product Area",
        "select",
        "option",
        CF + "select",
        options=_options(10610, "Platform", "Mobile", "Web", "Data", "Billing"),
    ),
    _custom(
        10502,
        "Target Quarter",
        "select",
        "option",
        CF + "select",
        options=_options(10620, "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"),
    ),
    _custom(
        10503,
        "Estimate Confidence",
        "select",
        "option",
        CF + "select",
        options=_options(10630, "Low", "Medium", "High"),
    ),
    _custom(
        10504,
        "Severity",
        "select",
        "option",
        CF + "select",
        options=_options(10640, "S1 - Critical", "S2 - Major", "S3 - Minor", "S4 - Trivial"),
    ),
)
_FILLER_KINDS: dict[str, tuple[str, str, str]] = {
    "string": ("string", "string", CF + "textfield"),
    "number": ("number", "number", CF + "float"),
    "date": ("date", "date", CF + "datepicker"),
    "url": ("url", "string", CF + "url"),
    "richtext": ("richtext", "string", CF + "textarea"),
}
_FILLERS: tuple[tuple[str, str], ...] = (
    ("Customer Name", "string"),
    ("Contract Id", "string"),
    ("Revenue Impact", "number"),
    ("Customer Count", "number"),
    ("Requested By", "string"),
    ("Design Link", "url"),
    ("Spec Link", "url"),
    ("Release Notes", "richtext"),
    ("Rollout Plan", "richtext"),
    ("Start Date", "date"),
    ("Target Date", "date"),
    ("Support Ticket", "string"),
    ("Sales Opportunity", "string"),
    ("Effort Days", "number"),
    ("Reach", "number"),
    ("Impact", "number"),
    ("Confidence Percent", "number"),
    ("RICE Score", "number"),
    ("Analytics Event", "string"),
    ("Feature Flag", "string"),
    ("Experiment Link", "url"),
    ("Dashboard Link", "url"),
    ("Security Review", "richtext"),
    ("Privacy Review", "richtext"),
    ("Legal Notes", "richtext"),
    ("Launch Date", "date"),
    ("Code Freeze", "date"),
    ("Owning Squad", "string"),
    ("Stakeholder", "string"),
    ("Market", "string"),
    ("Region", "string"),
    ("Platform Version", "string"),
    ("API Version", "string"),
    ("Test Plan", "richtext"),
    ("QA Estimate", "number"),
    ("Docs Link", "url"),
    ("Support Notes", "richtext"),
)
BIG_FILLER_FIELDS: tuple[FieldDef, ...] = tuple(
    _custom(10510 + n, name, *_FILLER_KINDS[kind]) for n, (name, kind) in enumerate(_FILLERS)
)
FIELDS = FIELDS + BIG_REQUIRED_FIELDS + BIG_FILLER_FIELDS

FIELDS_BY_ID: dict[str, FieldDef] = {f.id: f for f in FIELDS}

_BASE_SCREEN: tuple[ScreenField, ...] = (
    ScreenField("summary", required=True),
    ScreenField("issuetype", required=True),
    ScreenField("project", required=True),
    ScreenField("description"),
    ScreenField("environment"),
    ScreenField("labels"),
    ScreenField("fixVersions"),
    ScreenField("versions"),
    ScreenField("assignee"),
    ScreenField("reporter", default="__caller__"),
    ScreenField("priority", default=DEFAULT_PRIORITY),
    ScreenField("duedate"),
    ScreenField("timetracking"),
    ScreenField("components"),
    ScreenField("attachment"),
    ScreenField("issuelinks"),
    ScreenField("parent"),
    ScreenField("customfield_10004"),
    ScreenField("customfield_10024"),
)


def _screens(
    extra: tuple[ScreenField, ...], epic_extra: tuple[ScreenField, ...]
) -> dict[str, tuple[ScreenField, ...]]:
    subtask = (
        tuple(ScreenField("parent", required=True) if f.field_id == "parent" else f for f in _BASE_SCREEN)
        + extra
    )
    standard = (*_BASE_SCREEN, ScreenField("customfield_10008"), *extra)
    return {
        "10000": (*_BASE_SCREEN, *epic_extra, *extra),
        "10001": standard,
        "10002": standard,
        "10003": subtask,
        "10004": standard,
    }


MOB_SCREENS = _screens((), (ScreenField("customfield_10009"),))
REQ_SCREENS = _screens(
    (
        ScreenField("customfield_10300", required=True),
        ScreenField("customfield_10301", required=True),
        ScreenField("customfield_10302"),
    ),
    (ScreenField("customfield_10009"),),
)
ALL_TYPES = CORE_TYPES

BIG_SCREEN_SIZE = 60


def _big_screens() -> dict[str, tuple[ScreenField, ...]]:
    """Every BIG create screen holds exactly 60 fields: the usual ones, the required selects ("Customer Tier"
    and "Product Area" without a default, "Target Quarter" with one; Bugs also require "Severity", default
    S3), the optional "Estimate Confidence" (default Medium) and optional fillers."""
    required = (
        ScreenField("customfield_10500", required=True),
        ScreenField("customfield_10501", required=True),
        ScreenField("customfield_10502", required=True, default="10620"),
        ScreenField("customfield_10503", default="10631"),
    )
    bug_extra = (ScreenField("customfield_10504", required=True, default="10642"),)
    base = _screens((), (ScreenField("customfield_10009"),))
    base.update({"10005": base["10001"], "10006": base["10001"], "10007": base["10002"]})
    screens: dict[str, tuple[ScreenField, ...]] = {}
    for type_id in BIG_TYPES:
        fields = (*base[type_id], *required, *(bug_extra if type_id == "10004" else ()))
        fillers = tuple(ScreenField(f.id) for f in BIG_FILLER_FIELDS[: BIG_SCREEN_SIZE - len(fields)])
        screens[type_id] = fields + fillers
        assert len(screens[type_id]) == BIG_SCREEN_SIZE, (type_id, len(screens[type_id]))
    return screens


BIG_SCREENS = _big_screens()


def seed_users() -> list[User]:
    return [
        User(BOT_ACCOUNT_ID, "aha-bot", "JIRAUSER10100", "bot@acme.example", "Aha! Integration Bot"),
        User(ENGINEER_ACCOUNT_ID, "erin", "JIRAUSER10101", "engineer@acme.example", "Erin Engineer"),
        User(PM_ACCOUNT_ID, "pat", "JIRAUSER10102", "pm@acme.example", "Pat Product"),
    ]


def seed_projects() -> list[Project]:
    projects = [
        Project(
            "10000",
            "MOB",
            "Mobile App",
            ALL_TYPES,
            SIMPLE_WORKFLOW,
            MOB_SCREENS,
            BOT_ACCOUNT_ID,
            "The simple project: no required custom fields.",
        ),
        Project(
            "10001",
            "REQ",
            "Requirements Heavy",
            ALL_TYPES,
            REVIEW_WORKFLOW,
            REQ_SCREENS,
            BOT_ACCOUNT_ID,
            "Requires the Team and Risk Score custom fields on create.",
        ),
        Project(
            "10002",
            "BIG",
            "Big Configuration",
            BIG_TYPES,
            BIG_WORKFLOW,
            BIG_SCREENS,
            BOT_ACCOUNT_ID,
            "The call-budget project: 8 issue types, 60 fields on every create screen, a workflow per type.",
            type_workflows={"10003": SIMPLE_WORKFLOW, "10004": BUG_WORKFLOW, "10007": SPIKE_WORKFLOW},
        ),
        Project(
            "10003",
            "FLOW",
            "Delivery Flow",
            ALL_TYPES,
            FLOW_WORKFLOW,
            MOB_SCREENS,
            BOT_ACCOUNT_ID,
            "A linear workflow (To Do -> In Progress -> In Review -> Done, no global transition) whose "
            "Approve transition screen requires Review Outcome; sub-tasks follow the simple workflow.",
            type_workflows={"10003": SIMPLE_WORKFLOW},
        ),
    ]
    for n in range(1, 59):
        projects.append(
            Project(
                str(10100 + n),
                f"P{n:03d}",
                f"Filler Project {n:03d}",
                ("10001", "10002", "10003", "10004"),
                SIMPLE_WORKFLOW,
                MOB_SCREENS,
                ENGINEER_ACCOUNT_ID,
            )
        )
    return projects


def seed_versions() -> list[Version]:
    return [
        Version("10000", "10000", "1.0", "First release", released=True, release_date="2026-01-15"),
        Version("10001", "10000", "2.0", "Second release", release_date="2026-12-01"),
    ]


def seed_sprints() -> list[Sprint]:
    """Sprints of MOB's board (1) and FLOW's board (2): one closed, one active and one future each."""
    return [
        Sprint(1, "MOB Sprint 1", "closed", 1, "Ship the login screen", "2026-05-04T09:00:00.000Z",
               "2026-05-18T09:00:00.000Z", "2026-05-18T10:12:00.000Z"),
        Sprint(2, "MOB Sprint 2", "active", 1, "Checkout v2", "2026-05-18T09:00:00.000Z",
               "2026-06-01T09:00:00.000Z"),
        Sprint(3, "MOB Sprint 3", "future", 1),
        Sprint(4, "FLOW Sprint 1", "closed", 2, "", "2026-05-04T09:00:00.000Z", "2026-05-18T09:00:00.000Z",
               "2026-05-18T09:30:00.000Z"),
        Sprint(5, "FLOW Sprint 2", "active", 2, "", "2026-05-18T09:00:00.000Z", "2026-06-01T09:00:00.000Z"),
        Sprint(6, "FLOW Sprint 3", "future", 2),
    ]  # fmt: skip


@dataclass
class ConnectInstallation:
    client_key: str
    shared_secret: str
    user_account_id: str
    app_base_url: str | None = None  # when set, Connect webhooks are sent to this app
    webhook_path: str = "/connect/webhooks/{event}"
    # Installed from a descriptor (``install_app``): the app key (the ``iss`` of the app's JWTs), the
    # descriptor's webhooks (event -> URL relative to the app's base URL; only these events are sent).
    app_key: str | None = None
    webhook_urls: dict[str, str] | None = None
    descriptor: dict[str, Any] | None = None


class Store:
    """All mutable state, guarded by one re-entrant lock (``with store.lock:``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users: dict[str, User] = {u.account_id: u for u in seed_users()}
            self.projects: dict[str, Project] = {p.id: p for p in seed_projects()}
            self.issue_types: dict[str, IssueType] = {t.id: t for t in ISSUE_TYPES}
            self.statuses: dict[str, Status] = {s.id: s for s in STATUSES}
            self.fields: dict[str, FieldDef] = dict(FIELDS_BY_ID)
            self.link_types: dict[str, LinkType] = {lt.id: lt for lt in LINK_TYPES}
            self.versions: dict[str, Version] = {v.id: v for v in seed_versions()}
            self.issues: dict[str, Issue] = {}
            self.keys: dict[str, str] = {}  # issue key -> id
            self.links: dict[str, IssueLink] = {}
            self.worklogs: dict[str, Worklog] = {}
            self.attachments: dict[str, Attachment] = {}
            self.comments: dict[str, Comment] = {}
            self.sprints: dict[int, Sprint] = {s.id: s for s in seed_sprints()}
            self.installations: dict[str, ConnectInstallation] = {}
            self.project_counters: dict[str, int] = {}
            self.site = SiteSettings()
            # (account id, project id or "*") -> revoked project permission keys
            self.revoked: dict[tuple[str, str], frozenset[str]] = {}
            self._ids: dict[str, int] = {
                "issue": 10000,
                "version": 10100,
                "worklog": 10000,
                "link": 10000,
                "history": 10000,
                "attachment": 10000,
                "remote_link": 10000,
                "comment": 10000,
                "rank": 0,
            }

    def next_id(self, kind: str) -> str:
        with self.lock:
            self._ids[kind] += 1
            return str(self._ids[kind])

    # lookups -------------------------------------------------------------------------------------------
    def project(self, id_or_key: str) -> Project | None:
        if id_or_key in self.projects:
            return self.projects[id_or_key]
        upper = id_or_key.upper()
        for p in self.projects.values():
            if p.key == upper:
                return p
        return None

    def screen(self, project: Project, issue_type_id: str) -> tuple[ScreenField, ...]:
        """The create screen as Jira shows it now: without the fields of switched-off features."""
        hidden = self.site.unavailable_fields()
        return tuple(f for f in project.screens.get(issue_type_id, ()) if f.field_id not in hidden)

    def user_by_ref(self, ref: str) -> User | None:
        """An account by account id, e-mail or username."""
        return self.users.get(ref) or self.user_by_email(ref) or self.user_by_name(ref)

    def issue(self, id_or_key: str) -> Issue | None:
        if id_or_key in self.issues:
            return self.issues[id_or_key]
        issue_id = self.keys.get(id_or_key.upper())
        return self.issues.get(issue_id) if issue_id else None

    def user_by_email(self, email: str) -> User | None:
        for u in self.users.values():
            if u.email.lower() == email.lower():
                return u
        return None

    def user_by_name(self, name: str) -> User | None:
        for u in self.users.values():
            if name in (u.name, u.key):
                return u
        return None

    def link_type(self, name: str | None = None, id_: str | None = None) -> LinkType | None:
        for lt in self.link_types.values():
            if (id_ is not None and lt.id == str(id_)) or (
                name is not None and lt.name.lower() == name.lower()
            ):
                return lt
        return None

    def project_versions(self, project_id: str) -> list[Version]:
        return sorted(
            (v for v in self.versions.values() if v.project_id == project_id), key=lambda v: int(v.id)
        )

    def issue_worklogs(self, issue_id: str) -> list[Worklog]:
        return sorted((w for w in self.worklogs.values() if w.issue_id == issue_id), key=lambda w: int(w.id))

    def issue_links(self, issue_id: str) -> list[IssueLink]:
        return sorted(
            (lk for lk in self.links.values() if issue_id in (lk.inward_issue_id, lk.outward_issue_id)),
            key=lambda lk: int(lk.id),
        )

    def listed_issue_types(self, type_ids: Iterable[str]) -> list[IssueType]:
        """The issue types Jira lists (create metadata, a project's types, every type): sub-task types are
        left out while sub-tasks are disabled in the site, as Jira does; the types themselves remain."""
        types = [self.issue_types[type_id] for type_id in type_ids]
        return [it for it in types if self.site.sub_tasks_enabled or not it.subtask]

    def subtasks(self, issue_id: str) -> list[Issue]:
        return sorted(
            (
                i
                for i in self.issues.values()
                if i.values.get("parent") == issue_id and self.issue_types[i.issue_type_id].subtask
            ),
            key=lambda i: int(i.id),
        )

    def children(self, issue_id: str) -> list[Issue]:
        return sorted(
            (i for i in self.issues.values() if i.values.get("parent") == issue_id), key=lambda i: int(i.id)
        )

    def issue_comments(self, issue_id: str) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.issue_id == issue_id), key=lambda c: int(c.id))

    def time_spent(self, issue_id: str) -> int:
        return sum(w.time_spent_seconds for w in self.worklogs.values() if w.issue_id == issue_id)
