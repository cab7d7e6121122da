"""Every change to the account, whoever makes it (the REST API or a product manager through ``/_sim/pm``),
and the webhooks and audit records each change produces.

Attributes are validated as a whole before anything is applied, so a refused request writes nothing.
Attributes Aha! does not know are ignored, as Rails' strong parameters drop them; the request remembers
them (``Request.ignored``) for the call log. ``work_done`` cannot be set: it only moves through time
tracking events, which add up.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .attributes import DATE, Plan, plan
from .durations import format_duration, parse_duration
from .routing import AhaError, unprocessable
from .state import (
    Attachment,
    Audit,
    Comment,
    Feature,
    Integration,
    IntegrationField,
    Record,
    RecordKind,
    Release,
    Requirement,
    TimeTrackingEvent,
    now_iso,
    today,
)

if TYPE_CHECKING:
    from .core import Core

FIELD_LABELS = {
    "name": "Name",
    "workflow_status": "Status",
    "workflow_kind": "Type",
    "assigned_to_user": "Assigned to",
    "tags": "Tags",
    "release": "Release",
    "epic": "Epic",
    "initiative": "Initiative",
    "start_date": "Start date",
    "due_date": "Due date",
    "original_estimate": "Original estimate",
    "remaining_estimate": "Remaining estimate",
}


@dataclass
class Actor:
    """Who makes a change: a user through an API key (``via="api"``) or the product manager (``"pm"``)."""

    user_id: str
    via: str
    key: str | None = None  # the masked API key, for the records


class Operations:
    def __init__(self, core: Core) -> None:
        self.core = core

    # validation ----------------------------------------------------------------------------------------
    def plan(self, kind: RecordKind, attrs: dict[str, Any], *, creating: bool) -> Plan:
        return plan(self.core.store, kind, attrs, creating=creating)

    # records -------------------------------------------------------------------------------------------
    def create_feature(
        self,
        release: Release,
        attrs: dict[str, Any],
        actor: Actor,
        requirements: list[dict[str, Any]] | None = None,
    ) -> tuple[Feature, Plan]:
        """A feature (with its ``requirements``, created in the same step): one ``create_feature`` event
        with all of it, and an audit per record created."""
        store = self.core.store
        plan = self.plan("Feature", attrs, creating=True)
        planned = [self.plan("Requirement", r, creating=True) for r in requirements or []]
        product = store.products[release.product_id]
        feature = store.add_feature(product, release, plan.values.pop("name"), created_by=actor.user_id)
        self._apply(feature, plan.values)
        audits = [self._created(feature, actor)]
        for item in planned:
            requirement = store.add_requirement(feature, item.values.pop("name"), created_by=actor.user_id)
            self._apply(requirement, item.values)
            audits.append(self._created(requirement, actor))
        self.notify_feature(feature, actor, audits, event="create_feature")
        return feature, plan

    def _created(self, record: Feature | Requirement, actor: Actor) -> Audit:
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        changes = [
            {"field_name": "Name", "value": html.escape(record.name)},
            {"field_name": "Status", "value": self.core.store.status(record.workflow_status_id).name},
        ]
        return self._audit(
            "create",
            (kind, record.id),
            actor,
            description=f"created {kind.lower()} {record.reference_num} {record.name}",
            url=self.url(f"{kind.lower()}s", record.reference_num),
            changes=changes,
            associated=("Feature", record.feature_id) if isinstance(record, Requirement) else None,
        )

    def update_record(self, record: Feature | Requirement, attrs: dict[str, Any], actor: Actor) -> Plan:
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        plan = self.plan(kind, attrs, creating=False)
        before = self._snapshot(record)
        old_description = record.description
        self._apply(record, plan.values)
        after = self._snapshot(record)
        changes = [
            {"field_name": FIELD_LABELS.get(k, k), "value": f"{before[k]} &rarr; {after[k]}"}
            for k in after
            if before[k] != after[k]
        ]
        audits: list[Audit] = []
        ref = record.reference_num
        noun = kind.lower()
        url = self.url(f"{noun}s", ref)
        if changes:
            audits.append(
                self._audit(
                    "update",
                    (kind, record.id),
                    actor,
                    description=f"updated {noun} {ref} {record.name}",
                    url=url,
                    changes=changes,
                )
            )
        if record.description != old_description:
            audits.append(
                self._audit(
                    "update",
                    ("Note", record.description_id),
                    actor,
                    description=f"updated {noun} {ref} {record.name}",
                    url=url,
                    changes=[
                        {"field_name": "Description", "value": _diff(old_description, record.description)}
                    ],
                    associated=(kind, record.id),
                )
            )
        if audits:
            record.updated_at = now_iso()
            self.notify_feature(self._feature_of(record), actor, audits)
        return plan

    def create_requirement(
        self, feature: Feature, attrs: dict[str, Any], actor: Actor
    ) -> tuple[Requirement, Plan]:
        plan = self.plan("Requirement", attrs, creating=True)
        requirement = self.core.store.add_requirement(
            feature, plan.values.pop("name"), created_by=actor.user_id
        )
        self._apply(requirement, plan.values)
        feature.updated_at = requirement.created_at
        self.notify_feature(feature, actor, [self._created(requirement, actor)])
        return requirement, plan

    def delete_record(self, record: Feature | Requirement, actor: Actor) -> None:
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        record.deleted = True
        audit = self._audit(
            "destroy",
            (kind, record.id),
            actor,
            description=f"deleted {kind.lower()} {record.reference_num} {record.name}",
            url=self.url(f"{kind.lower()}s", record.reference_num),
            changes=[],
            associated=("Feature", record.feature_id) if isinstance(record, Requirement) else None,
        )
        if isinstance(record, Requirement):
            feature = self.core.store.features[record.feature_id]
            feature.updated_at = now_iso()
            self.notify_feature(feature, actor, [audit])
        else:
            self._emit_audits([audit], actor)

    # integration fields --------------------------------------------------------------------------------
    def set_integration_fields(
        self,
        record: Feature,
        integration: Integration,
        pairs: list[tuple[str, str]],
        actor: Actor,
    ) -> list[IntegrationField]:
        store = self.core.store
        saved: list[IntegrationField] = []
        audits: list[Audit] = []
        for name, value in pairs:
            existing = next(
                (
                    f
                    for f in record.integration_fields
                    if f.integration_id == integration.id and f.name == name
                ),
                None,
            )
            old = existing.value if existing else None
            saved_field = store.set_integration_field(record.integration_fields, integration, name, value)
            saved.append(saved_field)
            if old == value:
                continue
            audits.append(
                self._audit(
                    "update" if existing else "create",
                    ("IntegrationField", saved_field.id),
                    actor,
                    description=f"updated feature {record.reference_num} {record.name}",
                    url=self.url("features", record.reference_num),
                    changes=[
                        {
                            "field_name": f"{integration.name} {name}",
                            "value": html.escape(value) if old is None else f"{old} &rarr; {value}",
                        }
                    ],
                    associated=("Feature", record.id),
                )
            )
        self._emit_audits(audits, actor)
        return saved

    # time tracking -------------------------------------------------------------------------------------
    def log_time(
        self, record: Feature | Requirement, attrs: dict[str, Any], actor: Actor
    ) -> TimeTrackingEvent:
        store = self.core.store
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        work_done = _minutes(attrs, "work_done", required=True)
        assert work_done is not None
        remaining = _minutes(attrs, "remaining_estimate", required=False)
        user_id = actor.user_id
        if attrs.get("user_id") is not None:
            user = store.users.get(str(attrs["user_id"]))
            if user is None:
                raise unprocessable(f"User {attrs['user_id']!r} is not a user of this account")
            user_id = user.id
        occurred_on = attrs.get("occurred_on") or today()
        if not (isinstance(occurred_on, str) and DATE.match(occurred_on)):
            raise unprocessable("occurred_on must be a date (YYYY-MM-DD)")
        event = TimeTrackingEvent(
            store.new_id(),
            kind,
            record.id,
            user_id,
            work_done,
            remaining,
            occurred_on,
            now_iso(),
            actor.via,
            actor.key,
        )
        store.time_events[event.id] = event
        before_done, before_remaining = record.work_done, record.remaining_estimate
        record.work_done += work_done
        if remaining is not None:
            record.remaining_estimate = remaining
        elif record.remaining_estimate is not None:
            record.remaining_estimate = max(0, record.remaining_estimate - work_done)
        record.updated_at = event.created_at
        changes = [{"field_name": "Work done", "value": _arrow(before_done, record.work_done)}]
        if before_remaining != record.remaining_estimate:
            changes.append(
                {
                    "field_name": "Remaining estimate",
                    "value": _arrow(before_remaining, record.remaining_estimate),
                }
            )
        audit = self._audit(
            "create",
            ("TimeTrackingEvent", event.id),
            actor,
            description=f"logged {format_duration(work_done)} on {kind.lower()} {record.reference_num} {record.name}",
            url=self.url(f"{kind.lower()}s", record.reference_num),
            changes=changes,
            associated=(kind, record.id),
        )
        self.notify_feature(self._feature_of(record), actor, [audit])
        return event

    def delete_time(self, event: TimeTrackingEvent, actor: Actor) -> None:
        store = self.core.store
        record: Feature | Requirement | None = store.features.get(event.record_id) or store.requirements.get(
            event.record_id
        )
        event.deleted = True
        if record is None:
            return
        before = record.work_done
        record.work_done = max(0, record.work_done - event.work_done)
        record.updated_at = now_iso()
        audit = self._audit(
            "destroy",
            ("TimeTrackingEvent", event.id),
            actor,
            description=f"deleted logged time on {event.record_type.lower()} {record.reference_num} {record.name}",
            url=self.url(f"{event.record_type.lower()}s", record.reference_num),
            changes=[{"field_name": "Work done", "value": _arrow(before, record.work_done)}],
            associated=(event.record_type, record.id),
        )
        self.notify_feature(self._feature_of(record), actor, [audit])

    # comments ------------------------------------------------------------------------------------------
    def add_comment(self, record: Feature | Requirement, body: Any, actor: Actor) -> Comment:
        if not isinstance(body, str) or not body.strip():
            raise unprocessable("Body can't be blank")
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        comment = self.core.store.add_comment(kind, record.id, body, actor.user_id)
        audit = self._audit(
            "create",
            ("Comment", comment.id),
            actor,
            description=f"added comment to {kind.lower()} {record.reference_num} {record.name}",
            url=self.url(f"{kind.lower()}s", record.reference_num),
            changes=[{"field_name": "Body", "value": body}],
            associated=(kind, record.id),
        )
        self._emit_audits([audit], actor)
        return comment

    def edit_comment(self, comment: Comment, body: Any, actor: Actor) -> Comment:
        if not isinstance(body, str) or not body.strip():
            raise unprocessable("Body can't be blank")
        old = comment.body
        if old == body:
            return comment
        comment.body, comment.updated_at = body, now_iso()
        self._emit_audits([self._comment_audit("update", comment, actor, _diff(old, body))], actor)
        return comment

    def delete_comment(self, comment: Comment, actor: Actor) -> None:
        comment.deleted = True
        self._emit_audits([self._comment_audit("destroy", comment, actor, None)], actor)

    def _comment_audit(self, action: str, comment: Comment, actor: Actor, change: str | None) -> Audit:
        store = self.core.store
        record = store.record(comment.commentable_type, comment.commentable_id)
        ref = record.reference_num if record else comment.commentable_id
        kind = comment.commentable_type.lower()
        verb = "updated comment on" if action == "update" else "deleted comment on"
        return self._audit(
            action,
            ("Comment", comment.id),
            actor,
            description=f"{verb} {kind} {ref}",
            url=self.url(f"{kind}s", ref),
            changes=[] if change is None else [{"field_name": "Body", "value": change}],
            associated=(comment.commentable_type, comment.commentable_id),
        )

    # product manager only --------------------------------------------------------------------------------
    def add_attachment(
        self,
        record: Feature | Requirement,
        file_name: str,
        content: bytes,
        content_type: str,
        *,
        in_description: bool,
        actor: Actor,
    ) -> Attachment:
        kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
        attachment = self.core.store.add_attachment(
            kind, record.id, file_name, content, content_type, in_description=in_description
        )
        record.updated_at = attachment.created_at
        audit = self._audit(
            "create",
            ("Attachment", attachment.id),
            actor,
            description=f"attached {file_name} to {kind.lower()} {record.reference_num}",
            url=self.url(f"{kind.lower()}s", record.reference_num),
            changes=[{"field_name": "Attachment", "value": html.escape(file_name)}],
            associated=(kind, record.id),
        )
        self.notify_feature(self._feature_of(record), actor, [audit])
        return attachment

    def update_release(self, release: Release, attrs: dict[str, Any], actor: Actor) -> None:
        changes = []
        for key in ("name", "release_date", "start_date"):
            if key not in attrs:
                continue
            value = attrs[key]
            if key == "name" and (not isinstance(value, str) or not value.strip()):
                raise unprocessable("Name can't be blank")
            if key != "name" and value is not None and not (isinstance(value, str) and DATE.match(value)):
                raise unprocessable(f"{key} must be a date (YYYY-MM-DD)")
            old = getattr(release, key)
            if old != value:
                setattr(release, key, value)
                label = key.replace("_", " ").capitalize()
                changes.append({"field_name": label, "value": f"{old} &rarr; {value}"})
        if "released" in attrs and bool(attrs["released"]) != release.released:
            release.released = bool(attrs["released"])
            changes.append({"field_name": "Released", "value": str(release.released).lower()})
        if not changes:
            return
        release.updated_at = now_iso()
        audit = self._audit(
            "update",
            ("Release", release.id),
            actor,
            description=f"updated release {release.reference_num} {release.name}",
            url=self.url("releases", release.reference_num),
            changes=changes,
        )
        self._emit_audits([audit], actor)
        payloads = self.core.payloads()
        self.core.webhooks.emit(
            "integration",
            "update_release",
            {"event": "update_release", "release": payloads.event_release(release)},
            record_type="Release",
            reference=release.reference_num,
            user_id=actor.user_id,
            via=actor.via,
        )

    def send_feature(self, feature: Feature, actor: Actor, event: str | None = None) -> str:
        """What "Send to integration" does: the integration event only (no audit: nothing changed)."""
        if event is None:
            linked = any(f.integration_id for f in feature.integration_fields)
            event = "update_feature" if linked else "create_feature"
        if event not in ("create_feature", "update_feature"):
            raise AhaError(400, "event must be create_feature or update_feature")
        self._emit_feature_event(feature, actor, event)
        return event

    # applying and notifying ----------------------------------------------------------------------------
    def _apply(self, record: Feature | Requirement, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key == "workflow_status":
                if value != record.workflow_status_id:
                    record.status_changed_on = today()
                record.workflow_status_id = value
            elif key == "workflow_kind" and isinstance(record, Feature):
                record.workflow_kind = value
            elif key == "assigned_to_user":
                record.assigned_to = value
            elif key in ("release", "epic", "initiative") and isinstance(record, Feature):
                setattr(record, f"{key}_id", value)
            elif key == "custom_fields":
                record.custom_fields.update(value)
            else:
                setattr(record, key, value)

    def _snapshot(self, record: Record) -> dict[str, str]:
        """Readable values of the audited fields (what the audit's ``changes`` show)."""
        store = self.core.store
        out = {
            "name": html.escape(record.name),
            "workflow_status": store.status(record.workflow_status_id).name,
            "assigned_to_user": store.users[record.assigned_to].name if record.assigned_to else "",
            "tags": ", ".join(record.tags),
            "start_date": record.start_date or "",
            "due_date": record.due_date or "",
            "original_estimate": format_duration(record.original_estimate),
            "remaining_estimate": format_duration(record.remaining_estimate),
        }
        out |= {key: value for key, value in record.custom_fields.items()}
        if isinstance(record, Feature):
            epic = store.epics.get(record.epic_id or "")
            initiative = store.initiatives.get(record.initiative_id or "")
            out |= {
                "workflow_kind": record.workflow_kind,
                "release": store.releases[record.release_id].reference_num,
                "epic": epic.reference_num if epic else "",
                "initiative": initiative.reference_num if initiative else "",
            }
        return out

    def _feature_of(self, record: Feature | Requirement) -> Feature:
        if isinstance(record, Feature):
            return record
        feature: Feature = self.core.store.features[record.feature_id]
        return feature

    def url(self, kind: str, ref: str) -> str:
        return f"{self.core.base_url}/{kind}/{ref}"

    def _audit(
        self,
        action: str,
        subject: tuple[str, str],
        actor: Actor,
        *,
        description: str,
        url: str,
        changes: list[dict[str, str]],
        associated: tuple[str, str] | None = None,
    ) -> Audit:
        """Record an audit of ``subject`` (type, id), optionally under its ``associated`` (type, id)."""
        store = self.core.store
        audit = Audit(
            store.new_id(),
            action,
            subject[0],
            subject[1],
            associated[0] if associated else None,
            associated[1] if associated else None,
            actor.user_id,
            description,
            url,
            changes,
            now_iso(),
            actor.via,
        )
        store.audits.append(audit)
        return audit

    def _emit_audits(self, audits: list[Audit], actor: Actor) -> None:
        payloads = self.core.payloads()
        for audit in audits:
            self.core.webhooks.emit(
                "activity",
                "audit",
                {"event": "audit", "audit": payloads.audit(audit)},
                record_type=audit.auditable_type,
                reference=audit.auditable_url.rsplit("/", 1)[-1],
                user_id=actor.user_id,
                via=actor.via,
            )

    def _emit_feature_event(self, feature: Feature, actor: Actor, event: str) -> None:
        self.core.webhooks.emit(
            "integration",
            event,
            {"event": event, "feature": self.core.payloads().event_feature(feature)},
            record_type="Feature",
            reference=feature.reference_num,
            user_id=actor.user_id,
            via=actor.via,
        )

    def notify_feature(
        self, feature: Feature, actor: Actor, audits: list[Audit], event: str = "update_feature"
    ) -> None:
        """The activity webhook gets each audit; the integration webhook the whole feature once."""
        self._emit_audits(audits, actor)
        self._emit_feature_event(feature, actor, event)


def _minutes(attrs: dict[str, Any], name: str, *, required: bool) -> int | None:
    text = attrs.get(f"{name}_text")
    number = attrs.get(name)
    if text is not None:
        minutes = parse_duration(text) if isinstance(text, str) else None
        if minutes is None:
            raise unprocessable(f"{name}_text {text!r} is not a duration (write e.g. 1h 30min)")
        return minutes
    if number is not None:
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
            raise unprocessable(f"{name} must be a number of minutes, 0 or more")
        return round(number)
    if required:
        raise unprocessable(f"{name}_text (or {name} in minutes) is required")
    return None


def _arrow(old: int | None, new: int | None) -> str:
    return f"{format_duration(old) or 'none'} &rarr; {format_duration(new) or 'none'}"


def _diff(old: str, new: str) -> str:
    """The description change as Aha!'s audits show it: the old text struck, the new text inserted."""
    return (
        '<div class="user-content">'
        f'<span class="deleted">{old}</span><span class="inserted">{new}</span>'
        "</div>"
    )
