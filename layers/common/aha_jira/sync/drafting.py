"""What Jira issue a roadmap feature or requirement becomes: the create body, the edit body, and a hash.

Drafting is deterministic and makes no HTTP call itself: everything comes from the record, the
integration's mapping and the Jira snapshot test connection stored. The two answers it cannot know
(a release's version id, a user's Jira identity) come through `DraftLookups`.

Rules (the create screen of the issue type decides, as in Aha!'s original createmeta-driven integration):
- a field is sent only when it is on the type's create screen, except project, issue type and summary;
  the edit body holds the same managed fields (the create screen stands in for the edit screen);
- labels and fix versions are only ever added on edit, so what someone added in Jira stays;
- `mapping.fields` wins over what the integration fills itself for the same field id;
- a mapping that cannot produce a value Jira takes is refused here (`DraftRefused`), before any write.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, Protocol

from pydantic import BaseModel

from aha_jira.errors import AhaJiraError
from aha_jira.jira.payloads import CreateMetaField
from aha_jira.jira.rich_text import RichTextFormat, render
from aha_jira.models.feature import (
    WORK_UNITS_MINUTES,
    WORK_UNITS_POINTS,
    AhaFeature,
    AhaRecord,
    AhaRelease,
    AhaRequirement,
)
from aha_jira.models.integration import AttributeField, StoredIntegration
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot
from aha_jira.sync.field_values import (
    ConversionContext,
    ValueNotAccepted,
    cleared,
    convert,
    fit_text,
    labels,
)

STAMP_PROPERTY = "aha-jira"
SUMMARY_MAX = 255

_GREENHOPPER = "com.pyxis.greenhopper.jira:"
_CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
STORY_POINTS_TYPES = (_GREENHOPPER + "jsw-story-points",)
STORY_POINTS_FLOAT = _CUSTOM + "float"
STORY_POINTS_NAMES = frozenset({"story points", "story point estimate"})
URL_TYPE = _CUSTOM + "url"
EPIC_NAME_TYPE = _GREENHOPPER + "gh-epic-label"

# Set by Jira or by the send engine, never by a mapping.
_NOT_MAPPABLE = frozenset({"project", "issuetype", "summary", "parent", "issuelinks"})
# Required fields the draft need not fill: the engine adds parent and links; Jira defaults the reporter.
_FILLED_ELSEWHERE = frozenset({"project", "issuetype", "summary", "parent", "issuelinks", "reporter"})

RecordKind = Literal["feature", "requirement"]


class DraftRefused(AhaJiraError):
    """The mapping cannot produce a value Jira will take for a field; nothing was written to Jira."""

    status = 422
    code = "field_not_accepted"

    def __init__(self, message: str, *, hint: str, field_id: str, field_name: str, issue_type: str) -> None:
        super().__init__(
            message,
            hint=hint,
            details=[{"field_id": field_id, "field_name": field_name, "issue_type": issue_type}],
        )
        self.field_id = field_id
        self.field_name = field_name
        self.issue_type = issue_type


@dataclass(frozen=True)
class IssueDraft:
    reference: str
    kind: RecordKind
    create_fields: dict[str, Any]
    edit: dict[str, Any]
    content_hash: str


class DraftLookups(Protocol):
    def version_id(self, release: AhaRelease) -> str | None:
        """The id of the project's version named like the release (case-insensitive), created if missing."""
        ...

    def assignee(self, email: str) -> dict[str, str] | None:
        """{"accountId": ...} on Cloud, {"name": ...} on Data Center; None when no Jira user has the e-mail."""
        ...


def draft_feature(
    feature: AhaFeature, integration: StoredIntegration, snapshot: JiraSnapshot, lookups: DraftLookups
) -> IssueDraft:
    return _Drafter(
        record=feature,
        feature=feature,
        kind="feature",
        integration=integration,
        snapshot=snapshot,
        lookups=lookups,
    ).draft()


def draft_requirement(
    requirement: AhaRequirement,
    feature: AhaFeature,
    integration: StoredIntegration,
    snapshot: JiraSnapshot,
    lookups: DraftLookups,
) -> IssueDraft:
    return _Drafter(
        record=requirement,
        feature=feature,
        kind="requirement",
        integration=integration,
        snapshot=snapshot,
        lookups=lookups,
    ).draft()


def stamp_property(reference: str, token: str, integration_id: str) -> dict[str, Any]:
    """The entity property stamped on every created issue: how a lost create is found again."""
    return {
        "key": STAMP_PROPERTY,
        "value": {"reference": reference, "token": token, "integration_id": integration_id},
    }


def content_hash(reference: str, edit: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of what a send manages on the issue; equal hashes, nothing to write."""
    canonical = json.dumps(
        {"reference": reference, "edit": edit},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def story_points_field(snapshot: JiraSnapshot, screen: dict[str, CreateMetaField]) -> str | None:
    """The story-points field on this create screen: Jira Software's own type first, then a number field
    named like it (team-managed and older company-managed projects)."""
    candidates: dict[str, tuple[str, str | None]] = {
        item.id: (item.name, item.schema_.custom if item.schema_ else None) for item in snapshot.fields
    }
    for field_id, meta in screen.items():
        candidates.setdefault(field_id, (meta.name, meta.schema_.custom))
    ranked: list[tuple[int, str]] = []
    for field_id, (name, custom) in candidates.items():
        if field_id not in screen:
            continue
        if custom in STORY_POINTS_TYPES:
            ranked.append((0, field_id))
        elif custom == STORY_POINTS_FLOAT and name.strip().casefold() in STORY_POINTS_NAMES:
            ranked.append((1, field_id))
    return min(ranked)[1] if ranked else None


def roadmap_link_field(snapshot: JiraSnapshot, screen: dict[str, CreateMetaField]) -> str | None:
    """A URL custom field named like "Aha! Reference" on this create screen, for the link back."""
    candidates: dict[str, tuple[str, str | None]] = {
        item.id: (item.name, item.schema_.custom if item.schema_ else None) for item in snapshot.fields
    }
    for field_id, meta in screen.items():
        candidates.setdefault(field_id, (meta.name, meta.schema_.custom))
    found = sorted(
        field_id
        for field_id, (name, custom) in candidates.items()
        if field_id in screen and custom == URL_TYPE and "aha" in name.casefold()
    )
    return found[0] if found else None


@dataclass
class _Drafter:
    record: AhaRecord
    feature: AhaFeature
    kind: RecordKind
    integration: StoredIntegration
    snapshot: JiraSnapshot
    lookups: DraftLookups
    create: dict[str, Any] = field(default_factory=dict)
    edit_fields: dict[str, Any] = field(default_factory=dict)
    edit_update: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.issue_type = self._issue_type()
        self.type_name = self.issue_type.name
        self.screen = self.issue_type.create_fields
        self.mapped = self.integration.mapping.fields

    def draft(self) -> IssueDraft:
        summary = self._summary()
        self.create.update(
            {
                "project": {"id": self.snapshot.project.id},
                "issuetype": {"id": self.issue_type.id},
                "summary": summary,
            }
        )
        self.edit_fields["summary"] = summary
        self._description()
        self._labels()
        self._estimate()
        self._assignee()
        self._roadmap_link()
        self._epic_name(summary)
        self._mapped_fields()
        release = self._release_to_send()
        self._check_required(version_pending=release is not None)
        if release is not None:
            self._fix_version(release)
        # The two bodies share values while drafting; the engine gets them apart, so changing one
        # (adding a parent to the create) can never change the other.
        edit = copy.deepcopy({"fields": self.edit_fields, "update": self.edit_update})
        return IssueDraft(
            reference=self.record.reference_num,
            kind=self.kind,
            create_fields=self.create,
            edit=edit,
            content_hash=content_hash(self.record.reference_num, edit),
        )

    # --- what every issue has --------------------------------------------------------------------

    def _issue_type(self) -> IssueTypeSnapshot:
        type_id = (
            self.snapshot.feature_issue_type_id
            if self.kind == "feature"
            else self.snapshot.requirement_issue_type_id
        )
        issue_type = self.snapshot.issue_type(type_id)
        if issue_type is None:
            key = f"mapping.{self.kind}_issue_type"
            wanted = getattr(self.integration.mapping, f"{self.kind}_issue_type")
            raise DraftRefused(
                f"The issue type '{wanted}' for {self.kind}s is not in project {self.snapshot.project.key} as test connection found it, so field 'Issue Type' (issuetype) has no value.",
                hint=f"Set {key} to an issue type of the project, then test the connection again.",
                field_id="issuetype",
                field_name="Issue Type",
                issue_type=wanted,
            )
        return issue_type

    def _summary(self) -> str:
        # Jira refuses line breaks in a summary; a blank name still needs a summary.
        text = " ".join(self.record.name.split()) or self.record.reference_num
        return fit_text(text, SUMMARY_MAX, "…")

    def _on_screen(self, field_id: str) -> bool:
        # A mapped field replaces what the integration would fill itself.
        return field_id in self.screen and field_id not in self.mapped

    def _managed(self, field_id: str, value: Any) -> None:
        self.create[field_id] = value
        self.edit_fields[field_id] = value

    def _description(self) -> None:
        if not self._on_screen("description"):
            return
        fmt = RichTextFormat(self.snapshot.rich_text)
        body = render(self.record.description.body, fmt)
        back = _link_back(self.record, fmt)
        if isinstance(body, dict):
            content = list(body.get("content", []))
            if isinstance(back, dict):
                content.extend(back.get("content", []))
            description: Any = {**body, "content": content}
        else:
            description = "\n\n".join(part for part in (body, back) if isinstance(part, str) and part)
        self._managed("description", description)

    def _labels(self) -> None:
        if not (self.integration.mapping.send_tags and self._on_screen("labels")):
            return
        found = labels(self.record.tags)
        if found:
            self.create["labels"] = found
            self.edit_update["labels"] = [{"add": label} for label in found]

    def _estimate(self) -> None:
        estimate = self.record.original_estimate
        if estimate is None or estimate < 0:
            return
        if self.record.work_units == WORK_UNITS_MINUTES and self._on_screen("timetracking"):
            original = f"{round(estimate)}m"
            remaining_raw = self.record.remaining_estimate
            remaining = (
                f"{round(remaining_raw)}m" if remaining_raw is not None and remaining_raw >= 0 else original
            )
            self.create["timetracking"] = {"originalEstimate": original, "remainingEstimate": remaining}
            # Jira owns the remaining estimate once work is logged there: an edit sets the original only.
            self.edit_fields["timetracking"] = {"originalEstimate": original}
        elif self.record.work_units == WORK_UNITS_POINTS:
            points_field = story_points_field(self.snapshot, self.screen)
            if points_field is not None and points_field not in self.mapped:
                points: int | float = int(estimate) if float(estimate).is_integer() else estimate
                self._managed(points_field, points)

    def _assignee(self) -> None:
        user = self.record.assigned_to_user
        email = (user.email or "").strip() if user else ""
        if not email or not self._on_screen("assignee"):
            return
        found = self.lookups.assignee(email)
        if found:  # someone who is not in Jira leaves the issue unassigned, never fails the send
            self._managed("assignee", found)

    def _roadmap_link(self) -> None:
        link_field = roadmap_link_field(self.snapshot, self.screen)
        if link_field is not None and self.record.url and link_field not in self.mapped:
            self._managed(link_field, self.record.url)

    def _epic_name(self, summary: str) -> None:
        # Older Jira requires an Epic Name on Epics; the summary is what Aha!'s own integration used.
        for field_id, meta in self.screen.items():
            if meta.schema_.custom == EPIC_NAME_TYPE and field_id not in self.mapped:
                self.create[field_id] = summary

    # --- releases -----------------------------------------------------------------------------------

    def _release_to_send(self) -> AhaRelease | None:
        # Requirements inherit their feature's release.
        if not (self.integration.mapping.send_release and self._on_screen("fixVersions")):
            return None
        return self.feature.release

    def _fix_version(self, release: AhaRelease) -> None:
        version_id = self.lookups.version_id(release)
        if version_id is None:
            meta = self.screen["fixVersions"]
            if meta.required and not meta.has_default_value:
                self._refuse_missing("fixVersions", meta)
            return
        self.create["fixVersions"] = [{"id": version_id}]
        self.edit_update["fixVersions"] = [{"add": {"id": version_id}}]

    # --- mapped fields --------------------------------------------------------------------------------

    def _mapped_fields(self) -> None:
        context = ConversionContext(
            rich_text=RichTextFormat(self.snapshot.rich_text),
            cloud=self.snapshot.deployment == "cloud",
            find_user=self.lookups.assignee,
        )
        for field_id, mapping in self.mapped.items():
            key = f"mapping.fields.{field_id}"
            name = self._field_name(field_id)
            if field_id in _NOT_MAPPABLE:
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) is set by the integration itself and cannot be mapped.",
                    f"Remove {key}.",
                )
            meta = self.screen.get(field_id)
            if meta is None:
                if self._on_other_mapped_screen(field_id):
                    continue  # meant for the other mapped issue type
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) is not on the create screen of {self.type_name} in project {self.snapshot.project.key}, so Jira will not take a value for it.",
                    f"Remove {key}, or add the field to the {self.type_name} screens in Jira and test the connection again.",
                )
            if isinstance(mapping, AttributeField):
                raw = self._attribute(mapping.from_, field_id, name)
                source = f"the {self.kind} attribute '{mapping.from_}'"
            else:
                raw = mapping.value
                source = "the constant"
            try:
                value = convert(raw, meta, context)
            except ValueNotAccepted as refused:
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) cannot take the value of {source} for {self.record.reference_num}: {refused.reason}.",
                    f"Change {key} to a value the field takes.",
                )
            if value is None:
                # The roadmap has no value: none is sent on create, and an edit empties the field.
                self.edit_fields[field_id] = cleared(meta)
                continue
            self._managed(field_id, value)

    def _on_other_mapped_screen(self, field_id: str) -> bool:
        other_id = (
            self.snapshot.requirement_issue_type_id
            if self.kind == "feature"
            else self.snapshot.feature_issue_type_id
        )
        other = self.snapshot.issue_type(other_id)
        return other is not None and field_id in other.create_fields

    def _attribute(self, path: str, field_id: str, name: str) -> Any:
        parts = [part for part in path.split(".") if part]
        if not parts or parts[0] not in AhaFeature.model_fields:
            known = ", ".join(sorted(AhaFeature.model_fields))
            self._refuse(
                field_id,
                name,
                f"mapping.fields.{field_id} reads '{path}', which is not an attribute of a feature.",
                f"Change mapping.fields.{field_id} to read one of: {known} (custom fields as custom_fields.<key>).",
            )
        value = _read(self.record, parts)
        if value is None and self.record is not self.feature:
            value = _read(self.feature, parts)  # requirements inherit what they do not have
        return value

    # --- required fields ------------------------------------------------------------------------------

    def _check_required(self, *, version_pending: bool) -> None:
        for field_id, meta in sorted(self.screen.items()):
            if not meta.required or meta.has_default_value or field_id in _FILLED_ELSEWHERE:
                continue
            if field_id in self.create or (field_id == "fixVersions" and version_pending):
                continue
            self._refuse_missing(field_id, meta)

    def _refuse_missing(self, field_id: str, meta: CreateMetaField) -> NoReturn:
        hints = {
            "description": "Give the record a description, or set mapping.fields.description.",
            "labels": "Give the record a tag (and keep mapping.send_tags on), or set mapping.fields.labels.",
            "fixVersions": "Give the feature a release (and keep mapping.send_release on), or set mapping.fields.fixVersions.",
            "assignee": "Assign the record to someone whose e-mail is a Jira user, or set mapping.fields.assignee.",
            "timetracking": "Give the record an estimate in time, or set mapping.fields.timetracking.",
        }
        mapping = self.mapped.get(field_id)
        if mapping is not None:
            source = f"'{mapping.from_}'" if isinstance(mapping, AttributeField) else "the constant"
            hint = (
                f"Give {self.record.reference_num} a value for {source}, or change mapping.fields.{field_id}."
            )
        else:
            hint = hints.get(field_id, f'Add it to mapping.fields, e.g. "{field_id}": {{"value": ...}}.')
        self._refuse(
            field_id,
            meta.name,
            f"Jira requires field '{meta.name}' ({field_id}) to create a {self.type_name}, and the mapping gives {self.record.reference_num} no value for it.",
            hint,
        )

    # --- helpers --------------------------------------------------------------------------------------

    def _field_name(self, field_id: str) -> str:
        meta = self.screen.get(field_id)
        if meta is not None:
            return meta.name
        return next((item.name for item in self.snapshot.fields if item.id == field_id), field_id)

    def _refuse(self, field_id: str, name: str, message: str, hint: str) -> NoReturn:
        raise DraftRefused(message, hint=hint, field_id=field_id, field_name=name, issue_type=self.type_name)


def _link_back(record: AhaRecord, fmt: RichTextFormat) -> dict[str, Any] | str | None:
    """A paragraph linking to the roadmap record, rendered by the same converter as the description
    (so the URL is escaped for the format)."""
    if not record.url:
        return None
    anchor = f'<p><a href="{html.escape(record.url)}">{html.escape(record.reference_num)}</a></p>'
    return render(anchor, fmt)


def _read(record: AhaRecord, parts: list[str]) -> Any:
    """The value at a dotted path into a record: model attributes, then keys of plain values;
    `custom_fields.<key>` reads the value of the custom field with that key."""
    if parts[0] == "custom_fields":
        if len(parts) < 2:
            return None
        custom = record.custom_field(parts[1]) or next(
            (item for item in record.custom_fields if item.key.casefold() == parts[1].casefold()), None
        )
        current: Any = custom.value if custom else None
        rest = parts[2:]
        if rest and rest[0] == "value":
            rest = rest[1:]
    else:
        current = record
        rest = parts
    for part in rest:
        if current is None:
            return None
        if isinstance(current, BaseModel):
            current = getattr(current, part, None) if part in type(current).model_fields else None
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    if isinstance(current, BaseModel):
        return current.model_dump()
    return current
