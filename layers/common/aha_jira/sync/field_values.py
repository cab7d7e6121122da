"""Roadmap values converted into what a Jira field takes, driven by the field's schema in create metadata.

`convert` answers the value to put into an issue's `fields`, None when there is no value to send, or
raises `ValueNotAccepted` with a reason in the user's words when the value cannot fit the field (a select
option Jira does not offer, text where a number is needed, ...). The caller names the field and the
mapping key; this module only knows values and schemas.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from aha_jira.jira.rich_text import RichTextFormat, render
from aha_jira.models.jira_payloads import CreateMetaField

CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
TEXTAREA = CUSTOM + "textarea"
TEXTFIELD = CUSTOM + "textfield"
URL_FIELD = CUSTOM + "url"
LABELS_FIELD = CUSTOM + "labels"

# Jira's limits, counted as Java counts them: UTF-16 code units.
LABEL_MAX = 255
TEXTFIELD_MAX = 255

# Fields holding references to named Jira objects, sent as {"id": ...} once matched in allowedValues.
_NAMED_TYPES = frozenset({"priority", "version", "component", "resolution", "issuetype", "securitylevel"})
_RICH_SYSTEM_FIELDS = frozenset({"description", "environment"})
_WHITESPACE = re.compile(r"\s+")

UserLookup = Callable[[str], dict[str, str] | None]


class ValueNotAccepted(Exception):
    """The value cannot be given to the field; `reason` completes "... because <reason>"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConversionContext:
    rich_text: RichTextFormat
    cloud: bool
    find_user: UserLookup


def convert(value: Any, meta: CreateMetaField, context: ConversionContext) -> Any:
    """The Jira representation of `value` for the field `meta` describes; None when there is none."""
    if _is_empty(value):
        return None
    schema = meta.schema_
    kind = schema.type or "any"
    if kind == "array":
        return _array(value, meta, context)
    converter = _SCALARS.get(kind)
    if converter is not None:
        return converter(value, meta, context)
    if kind in _NAMED_TYPES:
        return _allowed(value, meta.allowed_values, fallback_key="name")
    if kind == "string":
        return _string(value, meta, context)
    # "any", "json", "team" and types we do not know: Jira checks them; a constant is taken as given.
    return value


def cleared(meta: CreateMetaField) -> Any:
    """The value that empties the field on an edit: [] for arrays (Jira refuses null for some), else null."""
    return [] if meta.schema_.type == "array" else None


def labels(values: Iterable[Any]) -> list[str]:
    """Jira labels from roadmap tags: whitespace runs become "-", empty ones dropped, order kept, no
    duplicates, each at most 255 characters."""
    out: dict[str, None] = {}
    for raw in values:
        if raw is None or isinstance(raw, bool | dict | list):
            continue
        label = fit_text(_WHITESPACE.sub("-", str(raw).strip()), LABEL_MAX)
        if label:
            out.setdefault(label, None)
    return list(out)


def fit_text(text: str, limit: int, marker: str = "") -> str:
    """`text` cut to `limit` UTF-16 code units (Jira's unit), ending with `marker` when cut; never
    splits a surrogate pair."""
    if _utf16_length(text) <= limit:
        return text
    budget = limit - _utf16_length(marker)
    kept: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > budget:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + marker


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


# --- scalars ------------------------------------------------------------------------------------------


def _number(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> int | float:
    if isinstance(value, bool):
        raise ValueNotAccepted(f"the field takes a number and {value!r} is a yes/no value")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueNotAccepted(f"the field takes a number and {value!r} is not a finite number")
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    raise ValueNotAccepted(f"the field takes a number and {_show(value)} is not one")


def _date(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        head = text[:10]
        if len(text) == 10 or (len(text) > 10 and text[10] in "T "):
            try:
                return date.fromisoformat(head).isoformat()
            except ValueError:
                pass
    raise ValueNotAccepted(f"the field takes a date (YYYY-MM-DD) and {_show(value)} is not one")


def _datetime(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> str:
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise ValueNotAccepted(f"the field takes a date and time (ISO 8601) and {_show(value)} is not one")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Jira's own timestamp form: milliseconds and a +hhmm offset.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")


def _option(value: Any, meta: CreateMetaField, _context: ConversionContext) -> dict[str, Any]:
    return _allowed(value, meta.allowed_values, fallback_key="value")


def _cascading(value: Any, meta: CreateMetaField, _context: ConversionContext) -> dict[str, Any]:
    """A cascading select: the parent option and, optionally, one of its children."""
    child: Any = None
    parent: Any = value
    if isinstance(value, dict) and "child" in value:
        child = value["child"]
        parent = {key: item for key, item in value.items() if key != "child"}
    elif isinstance(value, list | tuple):
        if not 1 <= len(value) <= 2:
            raise ValueNotAccepted("a cascading select takes a parent option and at most one child option")
        parent, child = value[0], (value[1] if len(value) == 2 else None)
    chosen = _allowed(parent, meta.allowed_values, fallback_key="value")
    if _is_empty(child):
        return chosen
    children: list[dict[str, Any]] | None = None
    if meta.allowed_values is not None:
        match = next(
            (item for item in meta.allowed_values if str(item.get("id")) == str(chosen.get("id"))), {}
        )
        children = list(match.get("children") or [])
    return {**chosen, "child": _allowed(child, children, fallback_key="value")}


def _user(value: Any, _meta: CreateMetaField, context: ConversionContext) -> dict[str, str] | None:
    if isinstance(value, dict):
        if isinstance(value.get("email"), str):
            return context.find_user(value["email"])
        identity = {key: str(value[key]) for key in ("accountId", "name", "key") if value.get(key)}
        if identity:
            return identity
    elif isinstance(value, str):
        text = value.strip()
        if "@" in text:
            # Someone not (or no longer) in Jira leaves the field empty, like an unknown assignee.
            return context.find_user(text)
        return {"accountId": text} if context.cloud else {"name": text}
    raise ValueNotAccepted(
        f"the field takes a user (an e-mail address, an account id or a user name) and {_show(value)} is not one"
    )


def _group(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> dict[str, str]:
    if isinstance(value, dict) and (value.get("name") or value.get("groupId")):
        return {key: str(value[key]) for key in ("name", "groupId") if value.get(key)}
    if isinstance(value, str):
        return {"name": value.strip()}
    raise ValueNotAccepted(f"the field takes a group name and {_show(value)} is not one")


def _project(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> dict[str, str]:
    if isinstance(value, dict) and (value.get("id") or value.get("key")):
        return {key: str(value[key]) for key in ("id", "key") if value.get(key)}
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
        return {"id": text} if text.isdigit() else {"key": text}
    raise ValueNotAccepted(f"the field takes a project key or id and {_show(value)} is not one")


def _timetracking(value: Any, _meta: CreateMetaField, _context: ConversionContext) -> dict[str, str]:
    keys = {"originalEstimate", "remainingEstimate"}
    if (
        isinstance(value, dict)
        and value
        and set(value) <= keys
        and all(isinstance(v, str) for v in value.values())
    ):
        return dict(value)
    raise ValueNotAccepted('time tracking takes {"originalEstimate": "2h", "remainingEstimate": "1h"}')


_SCALARS: dict[str, Callable[[Any, CreateMetaField, ConversionContext], Any]] = {
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "option": _option,
    "option-with-child": _cascading,
    "user": _user,
    "group": _group,
    "project": _project,
    "timetracking": _timetracking,
}


def _string(value: Any, meta: CreateMetaField, context: ConversionContext) -> Any:
    schema = meta.schema_
    if schema.system in _RICH_SYSTEM_FIELDS or schema.custom == TEXTAREA:
        return _rich(value, context)
    text = _text(value)
    if schema.custom == URL_FIELD:
        parts = urlsplit(text.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueNotAccepted(
                f"the field takes a web address (http or https) and {_show(value)} is not one"
            )
        return text.strip()
    if schema.custom == TEXTFIELD and _utf16_length(text) > TEXTFIELD_MAX:
        raise ValueNotAccepted(f"a single-line text field holds at most {TEXTFIELD_MAX} characters")
    return text


def _rich(value: Any, context: ConversionContext) -> Any:
    if context.rich_text is RichTextFormat.ADF and isinstance(value, dict) and value.get("type") == "doc":
        return value  # already an Atlassian document
    # Roadmap rich text is HTML; plain text is valid HTML too.
    return render(_text(value), context.rich_text)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueNotAccepted(f"the field takes text and {_show(value)} is not text")


# --- arrays -------------------------------------------------------------------------------------------


def _array(value: Any, meta: CreateMetaField, context: ConversionContext) -> list[Any] | None:
    items = value if isinstance(value, list | tuple) else [value]
    item_type = meta.schema_.items or "any"
    out: list[Any]
    if item_type == "string" and (meta.schema_.system == "labels" or meta.schema_.custom == LABELS_FIELD):
        for item in items:
            if isinstance(item, dict | list | bool):
                raise ValueNotAccepted(f"labels are text and {_show(item)} is not")
        out = labels(items)
    elif item_type == "string":
        out = [_text(item) for item in items if not _is_empty(item)]
    elif item_type == "option":
        out = [
            _allowed(item, meta.allowed_values, fallback_key="value") for item in items if not _is_empty(item)
        ]
    elif item_type in _NAMED_TYPES:
        out = [
            _allowed(item, meta.allowed_values, fallback_key="name") for item in items if not _is_empty(item)
        ]
    elif item_type == "user":
        found = [_user(item, meta, context) for item in items if not _is_empty(item)]
        out = [user for user in found if user is not None]
    elif item_type == "group":
        out = [_group(item, meta, context) for item in items if not _is_empty(item)]
    else:
        out = [item for item in items if not _is_empty(item)]
    deduplicated: list[Any] = []
    for item in out:
        if item not in deduplicated:
            deduplicated.append(item)
    return deduplicated or None


# --- allowed values -----------------------------------------------------------------------------------


def _allowed(value: Any, allowed: list[dict[str, Any]] | None, *, fallback_key: str) -> dict[str, Any]:
    """Match `value` (a label, an id, or Jira's own {"id"}/{"value"}/{"name"} shape) in allowedValues:
    labels case-insensitively, ids exactly; answer {"id": ...}. Without allowedValues (Jira did not list
    them) the value is passed on in Jira's shape and Jira decides."""
    wanted_id, wanted_label = _wanted(value)
    if allowed is None:
        if wanted_id is not None:
            return {"id": wanted_id}
        return {fallback_key: wanted_label}
    if wanted_label is not None:
        folded = wanted_label.strip().casefold()
        for item in allowed:
            if any(str(item.get(key, "")).strip().casefold() == folded for key in ("value", "name")):
                return _reference(item)
    candidate = wanted_id if wanted_id is not None else wanted_label
    if candidate is not None:
        for item in allowed:
            if item.get("id") is not None and str(item["id"]) == candidate.strip():
                return _reference(item)
    offered = ", ".join(_label(item) for item in allowed) or "none"
    raise ValueNotAccepted(f"{_show(value)} is not one of the values Jira allows ({offered})")


def _wanted(value: Any) -> tuple[str | None, str | None]:
    """(id, label) named by a value."""
    if isinstance(value, dict):
        if value.get("id") is not None:
            return str(value["id"]), None
        for key in ("value", "name"):
            if isinstance(value.get(key), str | int | float) and not isinstance(value.get(key), bool):
                return None, str(value[key])
        raise ValueNotAccepted(f"{_show(value)} names no option: give a value, a name or an id")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return None, str(value)
    raise ValueNotAccepted(f"{_show(value)} is not an option: give a value, a name or an id")


def _reference(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("id") is not None:
        return {"id": str(item["id"])}
    if item.get("value") is not None:
        return {"value": item["value"]}
    return {"name": item.get("name")}


def _label(item: dict[str, Any]) -> str:
    return str(item.get("value") or item.get("name") or item.get("id"))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
