"""A roadmap feature or requirement drafted into a Jira issue: the create body, the edit body and the hash.

The fields the integration fills itself (summary, description with a link back, labels, estimate,
assignee, roadmap link, Epic Name, fix version) are decided here; the mapping's own fields come from
`mapped_fields.py`; a required field left empty refuses the draft.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, Protocol

from aha_jira.jira.rich_text import ImageHost, RichTextFormat, first_line, no_hosting, render
from aha_jira.models.feature import (
    WORK_UNITS_MINUTES,
    WORK_UNITS_POINTS,
    AhaEpic,
    AhaFeature,
    AhaRecord,
    AhaRelease,
    AhaRequirement,
)
from aha_jira.models.integration import AttributeField, StoredIntegration
from aha_jira.models.jira_payloads import CreateMetaField
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot
from aha_jira.models.send import SendWarning
from aha_jira.sync.field_values import ConversionContext, cleared, fit_text, labels

from .identity import content_hash
from .mapped_fields import MappedFields
from .refusal import DraftRefused
from .screen_fields import EPIC_NAME_TYPE, roadmap_link_field, story_points_field

__all__ = [
    "DraftLookups",
    "IssueDraft",
    "RecordContext",
    "RecordKind",
    "draft_epic",
    "draft_feature",
    "draft_requirement",
]

SUMMARY_MAX = 255

# Required fields the draft need not fill: the engine adds parent and links; Jira defaults the reporter.
_FILLED_ELSEWHERE = frozenset({"project", "issuetype", "summary", "parent", "issuelinks", "reporter"})

RecordKind = Literal["feature", "requirement", "epic"]


@dataclass(frozen=True)
class IssueDraft:
    reference: str
    kind: RecordKind
    create_fields: dict[str, Any]
    edit: dict[str, Any]
    content_hash: str
    record_url: str | None = None  # the roadmap URL the issue links back to
    roadmap_status: str | None = None  # the record's roadmap workflow status
    warnings: tuple[SendWarning, ...] = ()  # what the draft could not carry (an assignee Jira does not know)


@dataclass(frozen=True)
class RecordContext:
    """What the send knows of a record beyond its payload."""

    known_url: str | None = None  # the roadmap URL a previous send had: a payload without `url` keeps it
    images: ImageHost = no_hosting  # the record's attachments already on the issue: images shown from there
    parent_fields: dict[str, Any] = field(default_factory=dict)  # the epic the issue is a child of


class DraftLookups(Protocol):
    def version_id(self, release: AhaRelease) -> str | None:
        """The id of the project's version named like the release (case-insensitive), created if missing."""
        ...

    def assignee(self, email: str) -> dict[str, str] | None:
        """{"accountId": ...} on Cloud, {"name": ...} on Data Center; None when no Jira user has the e-mail."""
        ...


def draft_feature(
    feature: AhaFeature,
    integration: StoredIntegration,
    snapshot: JiraSnapshot,
    lookups: DraftLookups,
    *,
    context: RecordContext | None = None,
) -> IssueDraft:
    return _Drafter(
        record=feature,
        feature=feature,
        kind="feature",
        integration=integration,
        snapshot=snapshot,
        lookups=lookups,
        context=context or RecordContext(),
    ).draft()


def draft_requirement(
    requirement: AhaRequirement,
    feature: AhaFeature,
    integration: StoredIntegration,
    snapshot: JiraSnapshot,
    lookups: DraftLookups,
    *,
    context: RecordContext | None = None,
) -> IssueDraft:
    return _Drafter(
        record=requirement,
        feature=feature,
        kind="requirement",
        integration=integration,
        snapshot=snapshot,
        lookups=lookups,
        context=context or RecordContext(),
    ).draft()


def draft_epic(
    epic: AhaEpic,
    feature: AhaFeature,
    integration: StoredIntegration,
    snapshot: JiraSnapshot,
    lookups: DraftLookups,
    *,
    context: RecordContext | None = None,
) -> IssueDraft:
    """An Aha! epic or initiative as a Jira epic: its name, description and link back, and what the
    epic type's screen requires (an Epic Name on older Jira)."""
    record = AhaRecord(
        reference_num=epic.reference_num, name=epic.name, description=epic.description, url=epic.url
    )
    return _Drafter(
        record=record,
        feature=feature,
        kind="epic",
        integration=integration,
        snapshot=snapshot,
        lookups=lookups,
        context=context or RecordContext(),
    ).draft()


@dataclass
class _Drafter:
    record: AhaRecord
    feature: AhaFeature
    kind: RecordKind
    integration: StoredIntegration
    snapshot: JiraSnapshot
    lookups: DraftLookups
    context: RecordContext
    create: dict[str, Any] = field(default_factory=dict)
    edit_fields: dict[str, Any] = field(default_factory=dict)
    edit_update: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[SendWarning] = field(default_factory=list)

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
        if self.kind != "epic":
            self._labels()
            self._estimate()
            self._assignee()
        self._roadmap_link()
        self._epic_name(summary)
        self._parent()
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
            record_url=self._url(),
            roadmap_status=self.record.workflow_status.name if self.record.workflow_status else None,
            warnings=tuple(self.warnings),
        )

    # --- what every issue has --------------------------------------------------------------------

    def _issue_type(self) -> IssueTypeSnapshot:
        type_id = {
            "feature": self.snapshot.feature_issue_type_id,
            "requirement": self.snapshot.requirement_issue_type_id,
            "epic": self.snapshot.epic_issue_type_id,
        }[self.kind]
        issue_type = self.snapshot.issue_type(type_id)
        if issue_type is None:
            epics = self.integration.mapping.epics
            key = "mapping.epics.issue_type" if self.kind == "epic" else f"mapping.{self.kind}_issue_type"
            wanted = (
                (epics.issue_type if epics else "Epic")
                if self.kind == "epic"
                else getattr(self.integration.mapping, f"{self.kind}_issue_type")
            )
            raise DraftRefused(
                f"The issue type '{wanted}' for {self.kind}s is not in project {self.snapshot.project.key} as test connection found it, so field 'Issue Type' (issuetype) has no value.",
                hint=f"Set {key} to an issue type of the project, then test the connection again.",
                field_id="issuetype",
                field_name="Issue Type",
                issue_type=wanted,
            )
        return issue_type

    def _summary(self) -> str:
        # Jira refuses line breaks in a summary. A record without a name (Aha! sends requirements without
        # one) is named by its description's first line, else its reference.
        text = " ".join((self.record.name or "").split())
        if not text:
            text = " ".join(first_line(self.record.description.body).split())
        return fit_text(text or self.record.reference_num, SUMMARY_MAX, "…")

    def _url(self) -> str | None:
        return self.record.url or self.context.known_url

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
        body = render(self.record.description.body, fmt, self.context.images)
        back = _link_back(self.record.reference_num, self._url(), fmt)
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
        if found:
            self._managed("assignee", found)
            return
        # Someone who is not in Jira leaves the issue unassigned and never fails the send; the send says so.
        self.warnings.append(
            SendWarning(
                code="assignee_unknown",
                message=f"{self.record.reference_num} is assigned to {email}, whom Jira does not know: its issue is left unassigned.",
                hint="Give that person a Jira account with that e-mail (visible to the integration's account), or assign the record to someone who has one, then send again.",
            )
        )

    def _roadmap_link(self) -> None:
        link_field = roadmap_link_field(self.snapshot, self.screen)
        url = self._url()
        if link_field is not None and url and link_field not in self.mapped:
            self._managed(link_field, url)

    def _parent(self) -> None:
        # The epic a feature's issue is a child of (`sync/epics.py` says how this Jira joins them).
        for field_id, value in self.context.parent_fields.items():
            self._managed(field_id, value)

    def _epic_name(self, summary: str) -> None:
        # Older Jira requires an Epic Name on Epics; the summary is what Aha!'s own integration used.
        for field_id, meta in self.screen.items():
            if meta.schema_.custom == EPIC_NAME_TYPE and field_id not in self.mapped:
                self.create[field_id] = summary

    # --- releases -----------------------------------------------------------------------------------

    def _release_to_send(self) -> AhaRelease | None:
        # Requirements inherit their feature's release; an epic spans releases.
        if self.kind == "epic" or not (
            self.integration.mapping.send_release and self._on_screen("fixVersions")
        ):
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
        # A field the mapping fills for another mapped type's screen is not this type's business.
        others = {
            "feature": [self.snapshot.requirement_issue_type_id],
            "requirement": [self.snapshot.feature_issue_type_id],
            "epic": [self.snapshot.feature_issue_type_id, self.snapshot.requirement_issue_type_id],
        }[self.kind]
        other_screen: dict[str, CreateMetaField] = {}
        for other_id in others:
            other = self.snapshot.issue_type(other_id)
            if other is not None:
                other_screen.update(other.create_fields)
        mapped = MappedFields(
            record=self.record,
            feature=self.feature,
            kind=self.kind,
            snapshot=self.snapshot,
            issue_type=self.issue_type,
            other_screen=other_screen,
            mapping=self.mapped,
            context=ConversionContext(
                rich_text=RichTextFormat(self.snapshot.rich_text),
                cloud=self.snapshot.deployment == "cloud",
                find_user=self.lookups.assignee,
            ),
        )
        for item in mapped.values():
            if item.value is None:
                # The roadmap has no value: none is sent on create, and an edit empties the field.
                self.edit_fields[item.field_id] = cleared(item.meta)
                continue
            self._managed(item.field_id, item.value)

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

    def _refuse(self, field_id: str, name: str, message: str, hint: str) -> NoReturn:
        raise DraftRefused(message, hint=hint, field_id=field_id, field_name=name, issue_type=self.type_name)


def _link_back(reference: str, url: str | None, fmt: RichTextFormat) -> dict[str, Any] | str | None:
    """A paragraph linking to the roadmap record, rendered by the same converter as the description
    (so the URL is escaped for the format)."""
    if not url:
        return None
    anchor = f'<p><a href="{html.escape(url)}">{html.escape(reference)}</a></p>'
    return render(anchor, fmt)
