"""Request validation: Atlassian's OpenAPI description first, then the simulator's own create metadata.

The OpenAPI description (``../shared/reference/jira-platform-openapi-v3.json``, or ``JIRA_SIM_OPENAPI``) is
loaded once per process, with spec validation switched off (one enum default in it is not in its enum).
v2 paths are validated against the v3 operation of the same path: the only v2/v3 difference in the bodies
we accept is rich text (wiki string vs ADF), and the v3 schemas leave those values untyped
(``fields`` is a free map, worklog ``comment`` has no type), so the same schemas apply; the rich-text
representation itself is checked against the create metadata below.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import richtext
from .permissions import can_browse, has_permission
from .render import parse_duration
from .routing import INVALID_PAYLOAD, JiraError
from .state import FIELDS_BY_ID, PRIORITIES, FieldDef, Issue, IssueType, Project, Store, Transition, User

SPEC_HOST = "https://your-domain.atlassian.net"


def default_spec_path() -> Path:
    env = os.environ.get("JIRA_SIM_OPENAPI")
    if env:
        return Path(env)
    # devtools/aha_jira_dev/jira_sim/validation.py -> project root is parents[3]
    root = Path(__file__).resolve().parents[3]
    return root.parent / "shared" / "reference" / "jira-platform-openapi-v3.json"


@dataclass
class _Req:
    """The request protocol openapi-core expects."""

    path: str
    method: str
    body: bytes | None
    content_type: str
    host_url: str = SPEC_HOST
    parameters: Any = None

    def __post_init__(self) -> None:
        from openapi_core.datatypes import RequestParameters  # noqa: PLC0415

        self.parameters = RequestParameters()

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path


@dataclass
class _Resp:
    status_code: int
    data: bytes | None
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class OpenApiSpec:
    """The loaded description and validators (request bodies for the server, responses for tests)."""

    def __init__(self, path: Path) -> None:
        started = time.perf_counter()
        from openapi_core import Config, OpenAPI  # noqa: PLC0415
        from openapi_core.validation.request.validators import V30RequestBodyValidator  # noqa: PLC0415
        from openapi_core.validation.response.validators import V30ResponseDataValidator  # noqa: PLC0415

        with path.open("rb") as fh:
            self.document: dict[str, Any] = json.load(fh)
        self.api = OpenAPI.from_dict(self.document, config=Config(spec_validator_cls=None))
        formats: Any = {"date-time": jira_date_time}
        self._body = V30RequestBodyValidator(self.api.spec, extra_format_validators=formats)
        self._response = V30ResponseDataValidator(self.api.spec, extra_format_validators=formats)
        self.paths = set(self.document["paths"])
        self.load_seconds = time.perf_counter() - started

    def has_operation(self, spec_path: str, method: str) -> bool:
        return spec_path in self.paths and method.lower() in self.document["paths"][spec_path]

    def request_body_error(
        self, concrete_v3_path: str, method: str, body: bytes, content_type: str
    ) -> str | None:
        """None when the body matches the operation's request body schema, else a description."""
        from openapi_core.exceptions import OpenAPIError  # noqa: PLC0415
        from openapi_core.templating.paths.exceptions import PathError  # noqa: PLC0415

        try:
            self._body.validate(_Req(concrete_v3_path, method.lower(), body, content_type))
        except PathError:
            return None  # not an operation of the description: nothing to check against
        except OpenAPIError as exc:
            return describe(exc)
        return None

    def response_errors(
        self,
        concrete_v3_path: str,
        method: str,
        status: int,
        body: bytes,
        content_type: str = "application/json",
    ) -> list[str]:
        """Every schema violation of a response (used by the simulator's own tests)."""
        req = _Req(concrete_v3_path, method.lower(), None, "")
        resp = _Resp(status, body, content_type)
        return [describe(e) for e in self._response.iter_errors(req, resp)]


JIRA_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$")


def jira_date_time(value: Any) -> bool:
    """``date-time`` as Jira writes and reads it: RFC 3339 (``+00:00``) or Jira's own ``+0000`` offsets.

    Atlassian's description types timestamps as ``date-time``, yet Jira sends and expects
    ``2021-01-17T12:34:00.000+0000`` (the description's own examples use it), which strict RFC 3339 refuses.
    """
    if not isinstance(value, str):
        return True
    return JIRA_DATE_TIME.match(value) is not None


def describe(exc: BaseException) -> str:
    parts = [str(exc)]
    cause = exc.__cause__
    errors = getattr(cause, "schema_errors", None)
    if errors:
        parts = [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}" for e in errors]
    return "; ".join(parts)


_SPEC_LOCK = threading.Lock()
_SPECS: dict[Path, OpenApiSpec] = {}


def load_spec(path: Path | None = None) -> OpenApiSpec | None:
    """The cached description, or None when the file does not exist."""
    path = (path or default_spec_path()).resolve()
    with _SPEC_LOCK:
        if path not in _SPECS:
            if not path.exists():
                return None
            _SPECS[path] = OpenApiSpec(path)
        return _SPECS[path]


def validate_body_against_spec(
    spec: OpenApiSpec, method: str, path: str, body: bytes, content_type: str
) -> None:
    if "json" not in content_type:
        return
    concrete = path
    for prefix in ("/rest/api/2/", "/rest/api/latest/"):
        if concrete.startswith(prefix):
            concrete = "/rest/api/3/" + concrete[len(prefix) :]
    problem = spec.request_body_error(concrete, method, body, "application/json")
    if problem:
        raise JiraError(400, [INVALID_PAYLOAD, problem])


# -------------------------------------------------------------------------------------------------------
# Create metadata validation
# -------------------------------------------------------------------------------------------------------

NOT_ON_SCREEN = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
SUBTASK_NEEDS_PARENT = "Issue type is a sub-task but parent issue key or id not specified."
NO_CREATE_PERMISSION = "You do not have permission to create issues in this project."
NO_LINK_PERMISSION = "You do not have permission to link issues in this project."
SUBTASKS_DISABLED = "Sub-tasks are disabled in this Jira site: a sub-task cannot be created."


class FieldError(Exception):
    pass


@dataclass
class LinkRequest:
    type_id: str
    other_issue_id: str
    this_is_inward: bool  # True when the other issue is given as "outwardIssue"


@dataclass
class WritePlan:
    """A validated create or edit: internal field values to set plus side effects."""

    project: Project
    issue_type: IssueType
    values: dict[str, Any] = field(default_factory=dict)
    label_ops: list[tuple[str, Any]] = field(default_factory=list)
    version_ops: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    original_estimate: int | None = None
    remaining_estimate: int | None = None
    estimate_given: bool = False
    links: list[LinkRequest] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)


class MetaValidator:
    def __init__(self, store: Store, mode: str, version: int, caller: User | None) -> None:
        self.store = store
        self.mode = mode
        self.version = version
        self.caller = caller

    # entry points ------------------------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> WritePlan:
        fields = body.get("fields") or {}
        update = body.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise JiraError(400, INVALID_PAYLOAD)
        errors: dict[str, str] = {}
        project = self._project(fields.get("project"), errors)
        issue_type = self._issue_type(fields.get("issuetype"), project, errors)
        if project is None or issue_type is None:
            raise JiraError(400, errors=errors)
        self._check_may_create(project, issue_type)
        plan = WritePlan(project, issue_type)
        screen = {f.field_id: f for f in self.store.screen(project, issue_type.id)}
        self._apply(plan, fields, update, screen, errors, issue=None)
        # required fields and defaults
        for fid, sf in screen.items():
            if fid in ("project", "issuetype"):
                continue
            given = fid in fields or fid in update
            if not given and sf.default is not None and fid not in plan.values:
                plan.values[fid] = (
                    self.caller.account_id if sf.default == "__caller__" and self.caller else sf.default
                )
            if sf.required and fid not in errors:
                value = plan.values.get(fid)
                missing = (not given and fid not in plan.values) or value in (
                    None,
                    "",
                    [],
                )  # a default fills it
                if fid == "parent" and issue_type.subtask:
                    if missing:
                        errors["issuetype"] = SUBTASK_NEEDS_PARENT
                    continue
                if missing:
                    errors[fid] = (
                        "You must specify a summary of the issue."
                        if fid == "summary"
                        else f"{FIELDS_BY_ID[fid].name} is required."
                    )
        if issue_type.subtask and "parent" not in screen and not plan.values.get("parent"):
            errors["issuetype"] = SUBTASK_NEEDS_PARENT
        self._properties(body.get("properties"), plan, errors)
        if errors:
            raise JiraError(400, errors=errors)
        return plan

    def _check_may_create(self, project: Project, issue_type: IssueType) -> None:
        """Create Issues permission, and sub-tasks switched on for a sub-task type."""
        if self.caller is not None and not has_permission(self.store, self.caller, project, "CREATE_ISSUES"):
            raise JiraError(400, errors={"project": NO_CREATE_PERMISSION})
        if issue_type.subtask and not self.store.site.sub_tasks_enabled:
            raise JiraError(400, errors={"issuetype": SUBTASKS_DISABLED})

    def edit(self, issue: Issue, body: dict[str, Any]) -> WritePlan:
        fields = body.get("fields") or {}
        update = body.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise JiraError(400, INVALID_PAYLOAD)
        project = self.store.projects[issue.project_id]
        issue_type = self.store.issue_types[issue.issue_type_id]
        plan = WritePlan(project, issue_type)
        screen = {f.field_id: f for f in self.store.screen(project, issue_type.id) if f.field_id != "project"}
        errors: dict[str, str] = {}
        if "issuetype" in fields:
            wanted = self._issue_type(fields.get("issuetype"), project, errors)
            if wanted is not None and wanted.id != issue_type.id:
                errors["issuetype"] = "The issue type cannot be changed by an edit in this simulator."
            fields = {k: v for k, v in fields.items() if k != "issuetype"}
        self._apply(plan, fields, update, screen, errors, issue=issue)
        for fid in ("summary",):
            if fid in plan.values and not plan.values[fid]:
                errors[fid] = "You must specify a summary of the issue."
        for fid, sf in screen.items():
            if (
                sf.required
                and fid in plan.values
                and plan.values[fid] in (None, "", [])
                and fid not in errors
            ):
                errors[fid] = f"{FIELDS_BY_ID[fid].name} is required."
        self._properties(body.get("properties"), plan, errors)
        if errors:
            raise JiraError(400, errors=errors)
        return plan

    def transition_fields(
        self, issue: Issue, body: dict[str, Any], transition: Transition | None = None
    ) -> WritePlan | None:
        """Fields given with a transition. A transition with a screen takes only that screen's fields and
        refuses to go ahead while a required one has no value (given now or already on the issue), with
        create's messages (``errors.<field> = "<Name> is required."``). Without a screen the simulator is
        lenient and takes edit-screen fields, as it always has."""
        fields = body.get("fields") or {}
        update = body.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise JiraError(400, INVALID_PAYLOAD)
        if transition is None or not transition.screen:
            return self.edit(issue, {"fields": fields, "update": update}) if fields or update else None
        project = self.store.projects[issue.project_id]
        plan = WritePlan(project, self.store.issue_types[issue.issue_type_id])
        screen = {f.field_id: f for f in transition.screen}
        errors: dict[str, str] = {}
        self._apply(plan, fields, update, screen, errors, issue=issue)
        for fid, sf in screen.items():
            if not sf.required or fid in errors:
                continue
            value = plan.values[fid] if fid in plan.values else issue.values.get(fid)
            if value in (None, "", []):
                errors[fid] = f"{FIELDS_BY_ID[fid].name} is required."
        if errors:
            raise JiraError(400, errors=errors)
        return plan

    # helpers --------------------------------------------------------------------------------------------
    def _project(self, value: Any, errors: dict[str, str]) -> Project | None:
        if value is None:
            errors["project"] = "Specify a valid project ID or key"
            return None
        ref = None
        if isinstance(value, dict):
            ref = value.get("id") or value.get("key")
        elif isinstance(value, str):
            ref = value
        project = self.store.project(str(ref)) if ref else None
        if project is None or not can_browse(self.store, self.caller, project):
            errors["project"] = "Specify a valid project ID or key"
            return None
        return project

    def _issue_type(self, value: Any, project: Project | None, errors: dict[str, str]) -> IssueType | None:
        if value is None:
            errors["issuetype"] = "Specify an issue type"
            return None
        found = None
        if isinstance(value, dict):
            if "id" in value:
                found = self.store.issue_types.get(str(value["id"]))
            elif "name" in value:
                found = next((t for t in self.store.issue_types.values() if t.name == value["name"]), None)
        if found is None or (project is not None and found.id not in project.issue_type_ids):
            errors["issuetype"] = "Specify a valid issue type"
            return None
        return found

    def _apply(  # noqa: PLR0917
        self,
        plan: WritePlan,
        fields: dict[str, Any],
        update: dict[str, Any],
        screen: dict[str, Any],
        errors: dict[str, str],
        issue: Issue | None,
    ) -> None:
        for fid, value in fields.items():
            if fid in ("project", "issuetype") and issue is None:
                continue
            if fid in update:
                errors[fid] = f"Field '{fid}' cannot be set in both 'fields' and 'update'."
                continue
            if fid not in screen or fid not in FIELDS_BY_ID:
                errors[fid] = NOT_ON_SCREEN.format(fid)
                continue
            f = FIELDS_BY_ID[fid]
            try:
                self._set(plan, f, value, issue)
            except FieldError as exc:
                errors[fid] = str(exc)
        for fid, ops in update.items():
            if fid not in screen or fid not in FIELDS_BY_ID:
                errors[fid] = NOT_ON_SCREEN.format(fid)
                continue
            f = FIELDS_BY_ID[fid]
            if not isinstance(ops, list):
                errors[fid] = INVALID_PAYLOAD
                continue
            try:
                for op in ops:
                    if not isinstance(op, dict) or len(op) != 1:
                        raise FieldError(INVALID_PAYLOAD)
                    ((verb, value),) = op.items()
                    self._update(plan, f, verb, value, issue)
            except FieldError as exc:
                errors[fid] = str(exc)

    def _update(self, plan: WritePlan, f: FieldDef, verb: str, value: Any, issue: Issue | None) -> None:
        if verb not in f.operations:
            raise FieldError(f"Field '{f.id}' does not support the operation '{verb}'.")
        if f.kind == "labels" and verb in ("add", "remove"):
            if not isinstance(value, str):
                raise FieldError("Labels must be strings.")
            self._label(value)
            plan.label_ops.append((verb, value))
            return
        if f.kind == "versions" and verb in ("add", "remove"):
            vid = self._version_id(value, plan.project)
            plan.version_ops.setdefault(f.id, []).append((verb, vid))
            return
        if f.kind == "issuelinks" and verb == "add":
            plan.links.append(self._link(plan, value, issue))
            return
        if f.kind == "timetracking" and verb == "edit":
            self._set(plan, f, value, issue)
            return
        if verb == "set":
            self._set(plan, f, value, issue)
            return
        raise FieldError(f"Field '{f.id}' does not support the operation '{verb}'.")

    def _label(self, label: str) -> None:
        if " " in label or label == "":
            raise FieldError(f"The label '{label}' contains spaces which is invalid.")
        if len(label) > 255:
            raise FieldError("The label exceeds the maximum length of 255 characters.")

    def _version_id(self, value: Any, project: Project) -> str:
        if not isinstance(value, dict):
            raise FieldError("Version id or name is required.")
        versions = self.store.project_versions(project.id)
        if "id" in value:
            vid = str(value["id"])
            if not any(v.id == vid for v in versions):
                raise FieldError(f"Version id '{vid}' is not valid")
            return vid
        if "name" in value:
            name = str(value["name"])
            for v in versions:
                if v.name == name:
                    return v.id
            raise FieldError(f"Version name '{name}' is not valid")
        raise FieldError("Version id or name is required.")

    def _issue_ref(self, value: Any) -> Issue | None:
        """The issue a reference names, if it exists and the caller may see it."""
        if isinstance(value, dict):
            ref = value.get("key") or value.get("id")
            found = self.store.issue(str(ref)) if ref else None
            if found is not None and can_browse(
                self.store, self.caller, self.store.projects[found.project_id]
            ):
                return found
        return None

    def _link(self, plan: WritePlan, value: Any, issue: Issue | None) -> LinkRequest:
        if not isinstance(value, dict):
            raise FieldError(INVALID_PAYLOAD)
        if self.caller is not None and not has_permission(
            self.store, self.caller, plan.project, "LINK_ISSUES"
        ):
            raise FieldError(NO_LINK_PERMISSION)
        type_ref = value.get("type") or {}
        if not isinstance(type_ref, dict):
            raise FieldError(INVALID_PAYLOAD)
        lt = self.store.link_type(name=type_ref.get("name"), id_=type_ref.get("id"))
        if lt is None:
            name = type_ref.get("name") or type_ref.get("id")
            raise FieldError(f"No issue link type with name '{name}' found.")
        if "outwardIssue" in value:
            other, this_is_inward = self._issue_ref(value["outwardIssue"]), True
        elif "inwardIssue" in value:
            other, this_is_inward = self._issue_ref(value["inwardIssue"]), False
        else:
            raise FieldError("An issue link needs an 'inwardIssue' or an 'outwardIssue'.")
        if other is None:
            raise FieldError("The issue to link to does not exist or you do not have permission to see it.")
        return LinkRequest(lt.id, other.id, this_is_inward)

    def _set(self, plan: WritePlan, f: FieldDef, value: Any, issue: Issue | None) -> None:  # noqa: PLR0912, PLR0915
        kind = f.kind
        if kind == "summary":
            if not isinstance(value, str):
                raise FieldError(richtext.NOT_STRING)
            if "\n" in value or "\r" in value:
                raise FieldError("The summary is invalid because it contains newline characters.")
            if len(value) > 255:
                raise FieldError("Summary must be less than 255 characters.")
            plan.values["summary"] = value
        elif kind == "richtext":
            if value is None:
                plan.values[f.id] = None
            elif self.version == 3:
                problem = richtext.adf_problem(value)
                if problem:
                    raise FieldError(problem)
                plan.values[f.id] = value
            else:
                if not isinstance(value, str):
                    raise FieldError(richtext.NOT_STRING)
                plan.values[f.id] = value
        elif kind == "labels":
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise FieldError("Labels must be an array of strings.")
            for label in value:
                self._label(label)
            plan.values["labels"] = list(dict.fromkeys(value))
        elif kind == "versions":
            if value is None:
                value = []
            if not isinstance(value, list):
                raise FieldError("Operation value must be an array.")
            plan.values[f.id] = [self._version_id(v, plan.project) for v in value]
        elif kind == "user":
            plan.values[f.id] = self._user(value, f)
        elif kind == "priority":
            plan.values["priority"] = self._priority(value)
        elif kind == "date":
            if value is not None and not _is_date(value):
                raise FieldError(f"Error parsing date string: {value}")
            plan.values[f.id] = value
        elif kind == "timetracking":
            if not isinstance(value, dict):
                raise FieldError("Time tracking must be an object.")
            for key, attr in (
                ("originalEstimate", "original_estimate"),
                ("remainingEstimate", "remaining_estimate"),
            ):
                raw = value.get(key)
                if raw is None:
                    continue
                seconds = parse_duration(str(raw))
                if seconds is None:
                    label = "original" if key == "originalEstimate" else "remaining"
                    raise FieldError(f"The {label} estimate specified is not valid.")
                setattr(plan, attr, seconds)
                plan.estimate_given = True
        elif kind == "components":
            if value in (None, []):
                plan.values["components"] = []
                return
            ref = value[0] if isinstance(value, list) and value else value
            name = ref.get("name") or ref.get("id") if isinstance(ref, dict) else ref
            raise FieldError(f"Component name '{name}' is not valid")
        elif kind == "parent":
            self._parent(plan, value, issue)
        elif kind == "number":
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise FieldError("Operation value must be a number")
            plan.values[f.id] = value
        elif kind == "select":
            plan.values[f.id] = self._option(f, value)
        elif kind in ("url", "string"):
            if value is not None and not isinstance(value, str):
                raise FieldError(richtext.NOT_STRING)
            if kind == "url" and value and not value.startswith(("http://", "https://")):
                raise FieldError(f"Not a valid URL: {value}")
            plan.values[f.id] = value
        elif kind == "epiclink":
            if value is None:
                plan.values[f.id] = None
                return
            epic = self.store.issue(str(value)) if isinstance(value, str) else None
            if epic is None or self.store.issue_types[epic.issue_type_id].name != "Epic":
                raise FieldError(f"Epic '{value}' does not exist or is not an epic.")
            plan.values[f.id] = epic.id
        elif kind == "issuelinks":
            raise FieldError("Issue links must be added with 'update': {'issuelinks': [{'add': ...}]}.")
        else:
            raise FieldError(NOT_ON_SCREEN.format(f.id))

    def _user(self, value: Any, f: FieldDef) -> str | None:
        if value is None:
            if f.id == "reporter":
                raise FieldError("Reporter is required.")
            return None
        if not isinstance(value, dict):
            raise FieldError(f"Specify a valid value for {f.id}")
        user: User | None = None
        if self.mode == "cloud":
            account = value.get("accountId") or value.get("id")
            if account == "-1":
                return None
            user = self.store.users.get(str(account)) if account else None
        else:
            name = value.get("name") or value.get("key")
            user = self.store.user_by_name(str(name)) if name else None
        if user is None:
            raise FieldError(f"Specify a valid value for {f.id}")
        return user.account_id

    def _priority(self, value: Any) -> str:
        if isinstance(value, dict):
            for pid, name in PRIORITIES:
                if str(value.get("id")) == pid or value.get("name") == name:
                    return pid
        raise FieldError("Specify a valid value for priority")

    def _option(self, f: FieldDef, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise FieldError(f"Specify a valid value for {f.name}")
        if "id" in value:
            oid = str(value["id"])
            if any(o == oid for o, _ in f.options):
                return oid
            raise FieldError(f"Option id '{oid}' is not valid")
        if "value" in value:
            for oid, text in f.options:
                if text == value["value"]:
                    return oid
            raise FieldError(f"Option value '{value['value']}' is not valid")
        raise FieldError(f"Specify a valid value for {f.name}")

    def _parent(self, plan: WritePlan, value: Any, issue: Issue | None) -> None:
        if value is None:
            if plan.issue_type.subtask:
                raise FieldError(SUBTASK_NEEDS_PARENT)
            plan.values["parent"] = None
            return
        parent = self._issue_ref(value)
        if parent is None:
            raise FieldError("Could not find issue by id or key.")
        if issue is not None and parent.id == issue.id:
            raise FieldError("An issue cannot be its own parent.")
        parent_type = self.store.issue_types[parent.issue_type_id]
        if plan.issue_type.subtask:
            if parent_type.subtask:
                raise FieldError("Given parent work item does not belong to appropriate hierarchy.")
            if parent.project_id != plan.project.id:
                raise FieldError("A sub-task must be in the same project as its parent.")
        elif parent_type.hierarchy_level != plan.issue_type.hierarchy_level + 1:
            raise FieldError("Given parent work item does not belong to appropriate hierarchy.")
        plan.values["parent"] = parent.id

    def _properties(self, props: Any, plan: WritePlan, errors: dict[str, str]) -> None:
        if props is None:
            return
        if not isinstance(props, list):
            errors["properties"] = INVALID_PAYLOAD
            return
        for prop in props:
            if not isinstance(prop, dict) or not isinstance(prop.get("key"), str) or "value" not in prop:
                errors["properties"] = "Each property needs a 'key' and a 'value'."
                return
            key = prop["key"]
            if not key or len(key) > 255:
                errors["properties"] = "The property key must be between 1 and 255 characters long."
                return
            if len(json.dumps(prop["value"])) > 32768:
                errors["properties"] = "The property value is too long (32768 bytes at most)."
                return
            plan.properties[key] = prop["value"]


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        time.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def property_value_error(value: Any) -> str | None:
    if len(json.dumps(value)) > 32768:
        return "The property value is too long (32768 bytes at most)."
    return None
