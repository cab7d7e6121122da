"""The webhook payloads: a feature or release as Aha!'s integration events carry it (the shape of
``../shared/reference/aha-events/``) and the audit record of the activity webhook."""

from __future__ import annotations

from typing import Any

from .render import Renderer
from .state import Audit, Feature, IntegrationField, Record, Release, Requirement


class Payloads(Renderer):
    """The API representations plus the two webhook formats' payloads."""

    def _event_attachment(self, attachment: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "download_url", "content_type", "file_name", "file_size")
        return {k: attachment[k] for k in keys}

    def _event_field(self, field: IntegrationField) -> dict[str, Any]:
        return {
            "id": field.id,
            "name": field.name,
            "value": field.value,
            "service_name": field.service_name,
            "integration_id": field.integration_id,
        }

    def _event_description(self, record: Record, notable_type: str) -> dict[str, Any]:
        return {
            "body": record.description,
            "id": record.description_id,
            "attachments": [
                self._event_attachment(a)
                for a in self.attachments(notable_type, record.id, in_description=True)
            ],
        }

    def _event_user(self, user_id: str | None) -> dict[str, Any] | None:
        user = self.store.users.get(user_id or "")
        return None if user is None else {"name": user.name, "email": user.email, "id": user.id}

    def event_feature(self, feature: Feature) -> dict[str, Any]:
        """A feature as Aha! puts it in ``create_feature``/``update_feature`` integration events
        (``../shared/reference/aha-events/``), plus ``tags``, estimates and requirement statuses."""
        store = self.store
        release = store.releases[feature.release_id]
        status = store.status(feature.workflow_status_id)
        return {
            "name": feature.name,
            "reference_num": feature.reference_num,
            "position": feature.position,
            "score": feature.score,
            "created_at": _seconds(feature.created_at),
            "updated_at": _seconds(feature.updated_at),
            "id": feature.id,
            "workflow_kind": self.workflow_kind(feature),
            "workflow_status": {"id": status.id, "name": status.name},
            "description": self._event_description(feature, "Feature"),
            "attachments": [
                self._event_attachment(a)
                for a in self.attachments("Feature", feature.id, in_description=False)
            ],
            "integration_fields": [self._event_field(f) for f in feature.integration_fields],
            "url": self.url("features", feature.reference_num),
            "resource": self.resource("features", feature.reference_num),
            "release": self.event_release_link(release),
            "created_by_user": self._event_user(feature.created_by),
            "assigned_to_user": self._event_user(feature.assigned_to),
            "requirements": [self.event_requirement(r) for r in store.requirements_of(feature)],
            "comments_count": len(store.comments_on("Feature", feature.id)),
            "tags": list(feature.tags),
            **self.estimates(feature),
        }

    def event_requirement(self, requirement: Requirement) -> dict[str, Any]:
        status = self.store.status(requirement.workflow_status_id)
        return {
            "status": 0,
            "name": requirement.name,
            "reference_num": requirement.reference_num,
            "created_at": _seconds(requirement.created_at),
            "updated_at": _seconds(requirement.updated_at),
            "id": requirement.id,
            "url": self.url("requirements", requirement.reference_num),
            "resource": self.resource("requirements", requirement.reference_num),
            "attachments": [
                self._event_attachment(a)
                for a in self.attachments("Requirement", requirement.id, in_description=False)
            ],
            "integration_fields": [self._event_field(f) for f in requirement.integration_fields],
            "description": self._event_description(requirement, "Requirement"),
            "comments_count": len(self.store.comments_on("Requirement", requirement.id)),
            "workflow_status": {"id": status.id, "name": status.name},
            "tags": list(requirement.tags),
            **self.estimates(requirement),
        }

    def event_release_link(self, release: Release) -> dict[str, Any]:
        return {
            "reference_num": release.reference_num,
            "name": release.name,
            "id": release.id,
            "release_date": release.release_date,
            "integration_fields": [self._event_field(f) for f in release.integration_fields],
        }

    def event_release(self, release: Release) -> dict[str, Any]:
        """A release as in ``create_release``/``update_release`` events."""
        status = self.store.status(release.workflow_status_id)
        return {
            "id": release.id,
            "reference_num": release.reference_num,
            "name": release.name,
            "release_date": release.release_date,
            "released": release.released,
            "theme": {"id": release.theme_id, "body": release.theme, "attachments": []},
            "url": self.url("releases", release.reference_num),
            "resource": self.resource("releases", release.reference_num),
            "integration_fields": [self._event_field(f) for f in release.integration_fields],
            "workflow_status": {"id": status.id, "name": status.name},
        }

    def audit(self, audit: Audit) -> dict[str, Any]:
        """An audit record as the activity webhook sends it (and ``GET /audits`` lists it)."""
        user = self.user(audit.user_id)
        return {
            "id": audit.id,
            "audit_action": audit.audit_action,
            "created_at": audit.created_at,
            "interesting": True,
            "user": user,
            "contributors": [{"user": user}],
            "auditable_type": audit.auditable_type,
            "auditable_id": audit.auditable_id,
            "associated_type": audit.associated_type,
            "associated_id": audit.associated_id,
            "description": audit.description,
            "auditable_url": audit.auditable_url,
            "changes": [dict(c) for c in audit.changes],
        }


def _seconds(stamp: str) -> str:
    """Event payloads carry timestamps without milliseconds (``2013-06-05T18:29:16Z``)."""
    return stamp[:19] + "Z"
