"""The REST API's JSON representations, in the shape of the OpenAPI description's examples (the webhook
payloads build on them in ``payloads``)."""

from __future__ import annotations

import zlib
from typing import Any

from .state import (
    FEATURE_WORKFLOW_ID,
    PM_USER_ID,
    SEED_TIME,
    WORK_UNITS_MINUTES,
    Attachment,
    Comment,
    Epic,
    Feature,
    Initiative,
    Integration,
    IntegrationField,
    Product,
    Record,
    Release,
    Requirement,
    Store,
    TimeTrackingEvent,
    User,
    Workflow,
    WorkflowStatus,
)

TAG_COLORS = ("#e09052", "#7552e0", "#52a9e0", "#52e07a", "#e0527a")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 200


class Renderer:
    def __init__(self, store: Store, base_url: str) -> None:
        self.store = store
        self.base = base_url.rstrip("/")

    # links ---------------------------------------------------------------------------------------------
    def url(self, kind: str, ref: str) -> str:
        return f"{self.base}/{kind}/{ref}"

    def resource(self, kind: str, ref: str) -> str:
        return f"{self.base}/api/v1/{kind}/{ref}"

    def download_url(self, attachment: Attachment) -> str:
        return f"{self.base}/attachments/{attachment.id}/token/{attachment.token}.download?size=original"

    # small parts ---------------------------------------------------------------------------------------
    def user(self, user_id: str | None) -> dict[str, Any] | None:
        user = self.store.users.get(user_id or "")
        if user is None:
            return None
        return self.user_of(user)

    @staticmethod
    def user_of(user: User) -> dict[str, Any]:
        return {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "created_at": user.created_at,
            "updated_at": user.created_at,
        }

    def assignee(self, user_id: str | None) -> dict[str, Any] | None:
        user = self.user(user_id)
        return None if user is None else {"default_assignee": False, **user}

    @staticmethod
    def status(status: WorkflowStatus) -> dict[str, Any]:
        category = status.category
        return {
            "id": status.id,
            "name": status.name,
            "position": status.position,
            "complete": status.complete,
            "color": status.color,
            "workflow_status_category": None
            if category is None
            else {"id": category[0], "name": category[1]},
        }

    def project(self, product: Product) -> dict[str, Any]:
        return {
            "id": product.id,
            "reference_prefix": product.reference_prefix,
            "name": product.name,
            "product_line": False,
            "created_at": product.created_at,
            "url": self.url("projects", product.reference_prefix),
            "workspace_type": "product_workspace",
        }

    def attachment(self, attachment: Attachment) -> dict[str, Any]:
        size = len(attachment.content)
        return {
            "id": attachment.id,
            "download_url": self.download_url(attachment),
            "created_at": attachment.created_at,
            "updated_at": attachment.created_at,
            "original_file_size": size,
            "content_type": attachment.content_type,
            "file_name": attachment.file_name,
            "file_size": size,
        }

    def attachments(self, owner_type: str, owner_id: str, *, in_description: bool) -> list[dict[str, Any]]:
        found = self.store.attachments_of(owner_type, owner_id, in_description=in_description)
        return [self.attachment(a) for a in sorted(found, key=lambda a: int(a.id))]

    def description(self, record: Record, notable_type: str) -> dict[str, Any]:
        return {
            "id": record.description_id,
            "body": record.description,
            "notable_id": record.id,
            "notable_type": notable_type,
            "editor_version": 2,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "attachments": self.attachments(notable_type, record.id, in_description=True),
        }

    @staticmethod
    def integration_field(field: IntegrationField) -> dict[str, Any]:
        return {
            "id": field.id,
            "name": field.name,
            "value": field.value,
            "integration_id": field.integration_id,
            "service_name": field.service_name,
            "created_at": field.created_at,
        }

    @staticmethod
    def tags(tags: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "id": zlib.crc32(tag.encode()) % 1_000_000_000,
                "name": tag,
                "color": TAG_COLORS[zlib.crc32(tag.encode()) % len(TAG_COLORS)],
            }
            for tag in tags
        ]

    @staticmethod
    def custom_fields(record: Record) -> list[dict[str, Any]]:
        return [
            {
                "id": zlib.crc32(key.encode()) % 1_000_000_000,
                "key": key,
                "name": key.replace("_", " ").capitalize(),
                "updatedAt": record.updated_at[:19] + "Z",
                "type": "string",
                "value": value,
            }
            for key, value in sorted(record.custom_fields.items())
        ]

    @staticmethod
    def estimates(record: Record) -> dict[str, Any]:
        """Not in the description's examples (which use requirement roll-ups); Aha! sends them in minutes."""
        return {
            "work_units": WORK_UNITS_MINUTES,
            "original_estimate": record.original_estimate,
            "remaining_estimate": record.remaining_estimate,
            "work_done": record.work_done,
        }

    def workflow_kind(self, feature: Feature) -> dict[str, str]:
        kinds = self.store.workflows[FEATURE_WORKFLOW_ID].kinds
        kind = next((k for k in kinds if k[1] == feature.workflow_kind), ("0", feature.workflow_kind))
        return {"id": kind[0], "name": kind[1]}

    # records -------------------------------------------------------------------------------------------
    def feature_link(self, feature: Feature) -> dict[str, Any]:
        """The short form lists and references use."""
        return {
            "id": feature.id,
            "name": feature.name,
            "reference_num": feature.reference_num,
            "created_at": feature.created_at,
            "product_id": feature.product_id,
            "url": self.url("features", feature.reference_num),
            "resource": self.resource("features", feature.reference_num),
        }

    def feature(self, feature: Feature) -> dict[str, Any]:
        store = self.store
        product = store.products[feature.product_id]
        release = store.releases[feature.release_id]
        epic = store.epics.get(feature.epic_id or "")
        initiative = store.initiatives.get(feature.initiative_id or "")
        return {
            "id": feature.id,
            "name": feature.name,
            "reference_num": feature.reference_num,
            "initiative_reference_num": initiative.reference_num if initiative else None,
            "release_reference_num": release.reference_num,
            "epic_reference_num": epic.reference_num if epic else None,
            "position": feature.position,
            "score": feature.score,
            "created_at": feature.created_at,
            "updated_at": feature.updated_at,
            "start_date": feature.start_date,
            "due_date": feature.due_date,
            "product_id": feature.product_id,
            "progress": None,
            "progress_source": "progress_manual",
            "status_changed_on": feature.status_changed_on,
            "created_by_user": self.user(feature.created_by),
            "workflow_kind": self.workflow_kind(feature),
            "workflow_status": self.status(store.status(feature.workflow_status_id)),
            "project": self.project(product),
            "description": self.description(feature, "Feature"),
            "attachments": self.attachments("Feature", feature.id, in_description=False),
            "integration_fields": [self.integration_field(f) for f in feature.integration_fields],
            "url": self.url("features", feature.reference_num),
            "resource": self.resource("features", feature.reference_num),
            "release": self.release_summary(release),
            **({"master_feature": self.epic_link(epic), "epic": self.epic_link(epic)} if epic else {}),
            "assigned_to_user": self.assignee(feature.assigned_to),
            "requirements": [self.requirement(r) for r in store.requirements_of(feature)],
            **({"initiative": self.initiative_link(initiative)} if initiative else {}),
            "goals": [],
            "key_results": [],
            "comments_count": len(store.comments_on("Feature", feature.id)),
            "score_facts": [],
            "tags": list(feature.tags),
            "full_tags": self.tags(feature.tags),
            "custom_fields": self.custom_fields(feature),
            "feature_links": [],
            "feature_only_original_estimate": None,
            "feature_only_remaining_estimate": None,
            "feature_only_work_done": None,
            **self.estimates(feature),
        }

    def requirement(self, requirement: Requirement) -> dict[str, Any]:
        store = self.store
        feature = store.features[requirement.feature_id]
        return {
            "id": requirement.id,
            "name": requirement.name,
            "reference_num": requirement.reference_num,
            "position": requirement.position,
            "created_at": requirement.created_at,
            "updated_at": requirement.updated_at,
            "release_id": int(feature.release_id),
            "start_date": requirement.start_date,
            "end_date": requirement.due_date,
            "created_by_user": self.user(requirement.created_by),
            "workflow_status": self.status(store.status(requirement.workflow_status_id)),
            "url": self.url("requirements", requirement.reference_num),
            "resource": self.resource("requirements", requirement.reference_num),
            "description": self.description(requirement, "Requirement"),
            "feature": self.feature_link(feature),
            "assigned_to_user": self.assignee(requirement.assigned_to),
            "attachments": self.attachments("Requirement", requirement.id, in_description=False),
            "tags": list(requirement.tags),
            "full_tags": self.tags(requirement.tags),
            "custom_fields": self.custom_fields(requirement),
            "integration_fields": [self.integration_field(f) for f in requirement.integration_fields],
            "comments_count": len(store.comments_on("Requirement", requirement.id)),
            **self.estimates(requirement),
        }

    def release_summary(self, release: Release) -> dict[str, Any]:
        product = self.store.products[release.product_id]
        return {
            "id": release.id,
            "product_id": release.product_id,
            "reference_num": release.reference_num,
            "name": release.name,
            "start_date": release.start_date,
            "release_date": release.release_date,
            "parking_lot": release.parking_lot,
            "created_at": release.created_at,
            "url": self.url("releases", release.reference_num),
            "resource": self.resource("releases", release.reference_num),
            "integration_fields": [self.integration_field(f) for f in release.integration_fields],
            "owner": self.user(PM_USER_ID),
            "project": self.project(product),
        }

    def release(self, release: Release) -> dict[str, Any]:
        summary = self.release_summary(release)
        return {
            **{k: v for k, v in summary.items() if k not in ("owner", "project", "integration_fields")},
            "end_date": None,
            "development_started_on": release.start_date,
            "external_release_date": release.release_date,
            "released": release.released,
            "master_release": False,
            "released_on": release.release_date if release.released else None,
            "updated_at": release.updated_at,
            "position": release.position,
            "progress": None,
            "progress_source": "progress_manual",
            "duration_source": "duration_manual",
            "status_changed_on": None,
            "theme": {
                "id": release.theme_id,
                "body": release.theme,
                "notable_id": release.id,
                "notable_type": "Release",
                "editor_version": 2,
                "created_at": release.created_at,
                "updated_at": release.updated_at,
                "attachments": [],
            },
            "integration_fields": summary["integration_fields"],
            "custom_fields": [],
            "comments_count": 0,
            "workflow_status": self.status(self.store.status(release.workflow_status_id)),
            "owner": summary["owner"],
            "goals": [],
            "key_results": [],
            "initiatives": [],
            "project": summary["project"],
            "created_by_user": summary["owner"],
        }

    def epic_link(self, epic: Epic) -> dict[str, Any]:
        return {
            "id": epic.id,
            "name": epic.name,
            "reference_num": epic.reference_num,
            "created_at": epic.created_at,
            "url": self.url("epics", epic.reference_num),
            "resource": self.resource("epics", epic.reference_num),
        }

    def initiative_link(self, initiative: Initiative) -> dict[str, Any]:
        return {
            "id": initiative.id,
            "name": initiative.name,
            "reference_num": initiative.reference_num,
            "created_at": initiative.created_at,
            "url": self.url("initiatives", initiative.reference_num),
            "resource": self.resource("initiatives", initiative.reference_num),
            "description": self._note(initiative.description_id, initiative.description, initiative.id),
            "integration_fields": [],
        }

    def _note(self, note_id: str, body: str, owner_id: str, owner_type: str = "Initiative") -> dict[str, Any]:
        return {
            "id": note_id,
            "body": body,
            "notable_id": owner_id,
            "notable_type": owner_type,
            "editor_version": 2,
            "created_at": SEED_TIME,
            "updated_at": SEED_TIME,
            "attachments": [],
        }

    def epic(self, epic: Epic) -> dict[str, Any]:
        store = self.store
        product = store.products[epic.product_id]
        initiative = store.initiatives.get(epic.initiative_id or "")
        release = store.releases.get(epic.release_id or "")
        return {
            **self.epic_link(epic),
            "initiative_reference_num": initiative.reference_num if initiative else None,
            "position": 1,
            "score": 0,
            "updated_at": epic.updated_at,
            "start_date": None,
            "due_date": None,
            "product_id": epic.product_id,
            "progress": None,
            "progress_source": "progress_manual",
            "duration_source": "duration_manual",
            "status_changed_on": None,
            "created_by_user": self.user(PM_USER_ID),
            "workflow_status": self.status(store.status(epic.workflow_status_id)),
            "project": self.project(product),
            "description": self._note(epic.description_id, epic.description, epic.id, "Epic"),
            "attachments": [],
            "integration_fields": [],
            **({"release": self.release_summary(release)} if release else {}),
            "assigned_to_user": None,
            "features": [self.feature_link(f) for f in store.features_in(epic_id=epic.id)],
            **({"initiative": self.initiative_link(initiative)} if initiative else {}),
            "goals": [],
            "key_results": [],
            "comments_count": 0,
            "score_facts": [],
            "tags": [],
            "full_tags": [],
            "custom_fields": [],
            "epic_links": [],
        }

    def initiative(self, initiative: Initiative) -> dict[str, Any]:
        store = self.store
        features = [f for f in store.features.values() if f.initiative_id == initiative.id and not f.deleted]
        epics = [e for e in store.epics.values() if e.initiative_id == initiative.id]
        return {
            "id": initiative.id,
            "name": initiative.name,
            "reference_num": initiative.reference_num,
            "status": "not_started",
            "effort": 0,
            "value": 0,
            "presented": True,
            "color": "#bada55",
            "start_date": None,
            "end_date": None,
            "position": 1,
            "score": 0,
            "created_at": initiative.created_at,
            "updated_at": initiative.updated_at,
            "product_id": initiative.product_id,
            "progress": None,
            "progress_source": "progress_manual",
            "duration_source": "duration_manual",
            "url": self.url("initiatives", initiative.reference_num),
            "resource": self.resource("initiatives", initiative.reference_num),
            "project": self.project(store.products[initiative.product_id]),
            "workflow_status": self.status(store.status(initiative.workflow_status_id)),
            "description": self._note(initiative.description_id, initiative.description, initiative.id),
            "attachments": [],
            "assigned_to_user": None,
            "comments_count": 0,
            "goals": [],
            "key_results": [],
            "score_facts": [],
            "features": [self.feature_link(f) for f in features],
            "master_features": [self.epic_link(e) for e in epics],
            "epic": None,
            "releases": [],
            "integration_fields": [],
            "custom_fields": [],
            "created_by_user": self.user(PM_USER_ID),
        }

    def comment(self, comment: Comment) -> dict[str, Any]:
        store = self.store
        record: Feature | Requirement | None = (
            store.features.get(comment.commentable_id)
            if comment.commentable_type == "Feature"
            else store.requirements.get(comment.commentable_id)
        )
        kind = "features" if comment.commentable_type == "Feature" else "requirements"
        ref = record.reference_num if record else comment.commentable_id
        product_id = (
            record.product_id
            if isinstance(record, Feature)
            else store.features[record.feature_id].product_id
            if isinstance(record, Requirement)
            else ""
        )
        return {
            "id": comment.id,
            "body": comment.body,
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "parent_comment_id": None,
            "user": self.user(comment.user_id),
            "attachments": self.attachments("Comment", comment.id, in_description=False),
            "url": self.url("comments", comment.id),
            "resource": self.resource("comments", comment.id),
            "commentable": {
                "type": comment.commentable_type,
                "id": comment.commentable_id,
                "product_id": product_id,
                "url": self.url(kind, ref),
                "resource": self.resource(kind, ref),
            },
        }

    # account -------------------------------------------------------------------------------------------
    def me(self, user: User) -> dict[str, Any]:
        return {
            "user": {
                **self.user_of(user),
                "product_roles": [
                    {
                        "role": 20,
                        "role_description": "Owner",
                        "product_id": p.id,
                        "product_name": p.name,
                    }
                    for p in self.store.products.values()
                ],
                "preferences": {"current_product_id": int(next(iter(self.store.products)))},
                "accounts": [
                    {
                        "account": {
                            "name": "Acme",
                            "domain": "acme",
                            "logo": None,
                            "alt_logo": None,
                            "enabled": True,
                        }
                    }
                ],
            }
        }

    def product(self, product: Product) -> dict[str, Any]:
        return {
            "id": product.id,
            "reference_prefix": product.reference_prefix,
            "name": product.name,
            "product_line": False,
            "product_line_type": None,
            "created_at": product.created_at,
            "updated_at": product.created_at,
            "description": self._note(product.description_id, "", product.id, "Project"),
            "url": self.url("projects", product.reference_prefix),
            "resource": self.resource("products", product.reference_prefix),
            "children": [],
            "custom_fields": [],
            "screen_definition_ids": {},
            "screen_definitions": [],
        }

    def workflow(self, workflow: Workflow) -> dict[str, Any]:
        return {
            "id": workflow.id,
            "name": workflow.name,
            "statusable_type": workflow.statusable_type,
            "transitions_only": False,
            "workflow_statuses": [self.status(self.store.status(s)) for s in workflow.status_ids],
            "workflow_kinds": [{"id": k[0], "name": k[1]} for k in workflow.kinds],
        }

    @staticmethod
    def integration_summary(integration: Integration) -> dict[str, Any]:
        return {
            "id": integration.id,
            "service_name": integration.service_name,
            "name": integration.name,
            "created_at": integration.created_at,
        }

    def integration(self, integration: Integration) -> dict[str, Any]:
        product = self.store.products[integration.product_id]
        return {
            **self.integration_summary(integration),
            "template_id": None,
            "enabled": integration.enabled,
            "callback_token": integration.callback_token,
            "updated_at": integration.created_at,
            "last_error_at": None,
            "last_webhook_request_at": None,
            "url": self.url("integrations", integration.id),
            "resource": self.resource("integrations", integration.id),
            "jql_filter": None,
            "owner": {
                "type": "Project",
                "id": product.id,
                "url": self.url("projects", product.reference_prefix),
                "resource": self.url("projects", product.reference_prefix),
            },
        }

    def time_tracking_event(self, event: TimeTrackingEvent) -> dict[str, Any]:
        return {
            "id": event.id,
            "user": self.user(event.user_id),
            "occurred_on": event.occurred_on,
            "work_done": event.work_done,
            "work_units": WORK_UNITS_MINUTES,
        }


def page_of[T](items: list[T], page: int, per_page: int) -> tuple[list[T], dict[str, int]]:
    """One page of ``items`` and Aha!'s ``pagination`` block (pages count from 1)."""
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    page = max(page, 1)
    total = len(items)
    pages = (total + per_page - 1) // per_page
    chunk = items[(page - 1) * per_page : page * per_page]
    return chunk, {"total_records": total, "total_pages": pages, "current_page": page}
