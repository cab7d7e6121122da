"""The attributes of features and requirements the simulator accepts, checked before anything is applied
(so a refused request writes nothing): each check turns the value given into the value stored, or raises a
422 naming it. Attributes Aha! does not know are not refused but ignored, as Rails' strong parameters drop
them; ``Plan.ignored`` lists them for the call log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .durations import parse_duration
from .routing import unprocessable
from .state import FEATURE_WORKFLOW_ID, REQUIREMENT_WORKFLOW_ID, RecordKind, Store

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RECORD_ATTRIBUTES = frozenset(
    {
        "name",
        "description",
        "workflow_status",
        "assigned_to_user",
        "tags",
        "start_date",
        "original_estimate",
        "remaining_estimate",
        "original_estimate_text",
        "remaining_estimate_text",
        "custom_fields",
    }
)
FEATURE_ONLY = frozenset({"workflow_kind", "release", "epic", "initiative", "due_date", "score"})
REQUIREMENT_ONLY = frozenset({"end_date"})


@dataclass
class Plan:
    """Validated attribute values, ready to apply."""

    values: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def plan(store: Store, kind: RecordKind, attrs: dict[str, Any], *, creating: bool) -> Plan:
    """Check ``attrs`` (a feature's or requirement's attributes) and turn them into stored values."""
    allowed = RECORD_ATTRIBUTES | (FEATURE_ONLY if kind == "Feature" else REQUIREMENT_ONLY)
    plan = Plan()
    for key, value in attrs.items():
        if key not in allowed:
            plan.ignored.append(key)
            continue
        plan.values[key] = _value(store, kind, key, value)
    if creating and not str(plan.values.get("name") or "").strip():
        raise unprocessable("Name can't be blank")
    if "name" in plan.values and not plan.values["name"].strip():
        raise unprocessable("Name can't be blank")
    for text_key, key in (
        ("original_estimate_text", "original_estimate"),
        ("remaining_estimate_text", "remaining_estimate"),
    ):
        if text_key in plan.values:
            plan.values[key] = plan.values.pop(text_key)
    if "end_date" in plan.values:
        plan.values["due_date"] = plan.values.pop("end_date")
    return plan


def _value(store: Store, kind: RecordKind, key: str, value: Any) -> Any:
    if key in _DATES:
        return _date(key, value)
    if key in _ESTIMATES:
        return _estimate(key, value)
    return _CHECKS[key](store, kind, value)


# attribute checks: (store, record kind, value given) -> the value to store, or 422 --------------------------
def _name(store: Store, kind: RecordKind, value: Any) -> str:
    if not isinstance(value, str):
        raise unprocessable("Name must be a string")
    return value


def _description(store: Store, kind: RecordKind, value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise unprocessable("Description must be a string of HTML")
    return value or ""


def _workflow_status(store: Store, kind: RecordKind, value: Any) -> str:
    name = value.get("name") if isinstance(value, dict) else value
    status_id = value.get("id") if isinstance(value, dict) else None
    workflow_id = FEATURE_WORKFLOW_ID if kind == "Feature" else REQUIREMENT_WORKFLOW_ID
    workflow = store.workflows[workflow_id]
    if status_id is not None and str(status_id) in workflow.status_ids:
        return str(status_id)
    found = store.workflow_status_named(workflow_id, name) if isinstance(name, str) else None
    if found is None:
        names = ", ".join(store.statuses[s].name for s in workflow.status_ids)
        raise unprocessable(
            f"Workflow status {value!r} is not a status of the {kind.lower()} workflow ({names})"
        )
    return found.id


def _workflow_kind(store: Store, kind: RecordKind, value: Any) -> str:
    kinds = store.workflows[FEATURE_WORKFLOW_ID].kinds
    wanted = value.strip().lower() if isinstance(value, str) else None
    found = next((k[1] for k in kinds if k[1].lower() == wanted), None)
    if found is None:
        raise unprocessable(f"Workflow kind {value!r} is not valid")
    return found


def _assignee(store: Store, kind: RecordKind, value: Any) -> str | None:
    if value is None:
        return None
    email = value.get("email") if isinstance(value, dict) else value
    user_id = value.get("id") if isinstance(value, dict) else None
    user = store.users.get(str(user_id)) if user_id else None
    if user is None and isinstance(email, str):
        user = store.user_by_email(email)
    if user is None:
        raise unprocessable(f"Assigned to user {value!r} is not a user of this account")
    return str(user.id)


def _tags(store: Store, kind: RecordKind, value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise unprocessable("Tags must be a comma-separated string or a list of strings")
    return list(dict.fromkeys(t.strip() for t in items if t.strip()))


def _reference(attribute: str) -> Any:
    def check(store: Store, kind: RecordKind, value: Any) -> str | None:
        if attribute != "release" and value is None:
            return None
        ref = (value.get("id") or value.get("reference_num")) if isinstance(value, dict) else value
        lookup = {"release": store.release, "epic": store.epic, "initiative": store.initiative}[attribute]
        found = lookup(str(ref)) if isinstance(ref, (str, int)) else None
        if found is None:
            raise unprocessable(f"{attribute.capitalize()} {value!r} not found")
        return str(found.id)

    return check


def _custom_fields(store: Store, kind: RecordKind, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(v, (str, int, float, bool)) or v is None for v in value.values()
    ):
        raise unprocessable("custom_fields must map field keys to values")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _score(store: Store, kind: RecordKind, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise unprocessable("score must be an integer")
    return value


def _date(key: str, value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and DATE.match(value)):
        raise unprocessable(f"{key} must be a date (YYYY-MM-DD)")
    return value if isinstance(value, str) else None


def _estimate(key: str, value: Any) -> int | None:
    if key.endswith("_text"):
        minutes = parse_duration(value) if isinstance(value, str) else None
        if minutes is None:
            raise unprocessable(f"{key} {value!r} is not a duration (write e.g. 1d 2h 30min)")
        return minutes
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise unprocessable(f"{key} must be a number of minutes, 0 or more")
    return round(value)


_DATES = frozenset({"start_date", "due_date", "end_date"})
_ESTIMATES = frozenset(
    {"original_estimate", "remaining_estimate", "original_estimate_text", "remaining_estimate_text"}
)
_CHECKS: dict[str, Any] = {
    "name": _name,
    "description": _description,
    "workflow_status": _workflow_status,
    "workflow_kind": _workflow_kind,
    "assigned_to_user": _assignee,
    "tags": _tags,
    "release": _reference("release"),
    "epic": _reference("epic"),
    "initiative": _reference("initiative"),
    "custom_fields": _custom_fields,
    "score": _score,
}
