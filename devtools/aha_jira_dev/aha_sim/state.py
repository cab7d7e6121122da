"""The simulated Aha! account, in memory: its records, how Aha! numbers them, and the seed.

References are allocated the way Aha! allocates them: features ``PROD-<n>`` from one counter per product,
requirements ``<feature>-<m>`` from one counter per feature, releases ``PROD-R-<n>``, epics ``PROD-E-<n>``,
initiatives ``PROD-S-<n>``; a number is never reused, even after a delete. Record ids are numeric strings.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

SEED_TIME = "2024-01-15T09:00:00.000Z"
INTEGRATION_ID = "6012345678"
PRODUCT_ID = "6700000000000000100"
BOT_USER_ID = "6700000000000000001"
PM_USER_ID = "6700000000000000002"
ENGINEER_USER_ID = "6700000000000000003"
FEATURE_WORKFLOW_ID = 70001
REQUIREMENT_WORKFLOW_ID = 70002
RELEASE_WORKFLOW_ID = 70003
EPIC_WORKFLOW_ID = 70004
INITIATIVE_WORKFLOW_ID = 70005

DEFAULT_API_KEYS: dict[str, str] = {
    "bot": "sim-aha-api-key-bot",
    "pm": "sim-aha-api-key-pm",
}
WORK_UNITS_MINUTES = 10

RecordKind = Literal["Feature", "Requirement"]


def now_iso() -> str:
    """Aha!'s timestamp format: UTC with milliseconds and ``Z``."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


@dataclass
class User:
    id: str
    name: str
    email: str
    created_at: str = SEED_TIME


@dataclass
class ApiKey:
    key: str
    user_id: str
    label: str
    revoked: bool = False

    @property
    def masked(self) -> str:
        """What the call log shows: enough to tell keys apart, never the key."""
        return f"{self.key[:4]}…{self.key[-3:]}" if len(self.key) > 10 else "…"


@dataclass
class WorkflowStatus:
    id: str
    workflow_id: int
    name: str
    position: int
    complete: bool
    color: str
    category: tuple[str, str] | None = None  # (id, name)


@dataclass
class Workflow:
    id: int
    name: str
    statusable_type: str
    status_ids: list[str] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (id, name)


@dataclass
class Product:
    id: str
    reference_prefix: str
    name: str
    created_at: str = SEED_TIME
    description_id: str = ""
    next_feature: int = 1
    next_release: int = 1
    next_epic: int = 1
    next_initiative: int = 1


@dataclass
class Integration:
    id: str
    product_id: str
    service_name: str
    name: str
    callback_token: str
    enabled: bool = True
    created_at: str = SEED_TIME


@dataclass
class IntegrationField:
    id: str
    integration_id: str
    service_name: str
    name: str
    value: str
    created_at: str


@dataclass
class Attachment:
    id: str
    token: str
    file_name: str
    content_type: str
    content: bytes
    owner_type: str  # Feature | Requirement | Comment
    owner_id: str
    in_description: bool
    created_at: str


@dataclass(kw_only=True)
class Record:
    """What features and requirements share."""

    id: str
    reference_num: str
    name: str
    description: str = ""
    description_id: str = ""
    workflow_status_id: str
    created_at: str
    updated_at: str
    created_by: str
    assigned_to: str | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, str] = field(default_factory=dict)
    original_estimate: int | None = None
    remaining_estimate: int | None = None
    work_done: int = 0
    integration_fields: list[IntegrationField] = field(default_factory=list)
    attachment_ids: list[str] = field(default_factory=list)
    position: int = 1
    start_date: str | None = None
    due_date: str | None = None
    status_changed_on: str | None = None
    deleted: bool = False


@dataclass(kw_only=True)
class Feature(Record):
    product_id: str
    release_id: str
    epic_id: str | None = None
    initiative_id: str | None = None
    workflow_kind: str = "New"
    score: int = 0
    next_requirement: int = 1


@dataclass(kw_only=True)
class Requirement(Record):
    feature_id: str


@dataclass
class Release:
    id: str
    product_id: str
    reference_num: str
    name: str
    workflow_status_id: str
    start_date: str | None
    release_date: str | None
    created_at: str = SEED_TIME
    updated_at: str = SEED_TIME
    released: bool = False
    parking_lot: bool = False
    theme: str = ""
    theme_id: str = ""
    position: int = 1
    integration_fields: list[IntegrationField] = field(default_factory=list)


@dataclass
class Epic:
    id: str
    product_id: str
    reference_num: str
    name: str
    description: str
    description_id: str
    workflow_status_id: str
    release_id: str | None
    initiative_id: str | None
    created_at: str = SEED_TIME
    updated_at: str = SEED_TIME


@dataclass
class Initiative:
    id: str
    product_id: str
    reference_num: str
    name: str
    description: str
    description_id: str
    workflow_status_id: str
    created_at: str = SEED_TIME
    updated_at: str = SEED_TIME


@dataclass
class Comment:
    id: str
    body: str
    user_id: str
    commentable_type: RecordKind
    commentable_id: str
    created_at: str
    updated_at: str
    deleted: bool = False


@dataclass
class TimeTrackingEvent:
    """One logged amount of work: additive, so posting the same event twice counts the time twice."""

    id: str
    record_type: RecordKind
    record_id: str
    user_id: str
    work_done: int  # minutes
    remaining_estimate: int | None
    occurred_on: str
    created_at: str
    via: str  # "api" (which key: see ``key``) or "pm"
    key: str | None = None  # masked API key
    deleted: bool = False


@dataclass
class Audit:
    id: str
    audit_action: str  # create | update | destroy
    auditable_type: str
    auditable_id: str
    associated_type: str | None
    associated_id: str | None
    user_id: str
    description: str
    auditable_url: str
    changes: list[dict[str, str]]
    created_at: str
    via: str  # "api" or "pm"


class Store:
    """Every record of the account; ``lock`` guards all of it (handlers run one at a time under it)."""

    def __init__(self, api_keys: dict[str, str] | None = None) -> None:
        self.lock = threading.RLock()
        self.seed_api_keys = dict(DEFAULT_API_KEYS) | dict(api_keys or {})
        self.reset()

    # ids -----------------------------------------------------------------------------------------------
    def new_id(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(8)

    # lookups -------------------------------------------------------------------------------------------
    def product(self, ref: str) -> Product | None:
        wanted = ref.upper()
        return next(
            (p for p in self.products.values() if p.id == ref or p.reference_prefix.upper() == wanted), None
        )

    def feature(self, ref: str) -> Feature | None:
        return _find(self.features.values(), ref)

    def requirement(self, ref: str) -> Requirement | None:
        return _find(self.requirements.values(), ref)

    def record(self, kind: RecordKind, ref: str) -> Feature | Requirement | None:
        return self.feature(ref) if kind == "Feature" else self.requirement(ref)

    def release(self, ref: str) -> Release | None:
        wanted = ref.upper()
        return next(
            (r for r in self.releases.values() if r.id == ref or r.reference_num.upper() == wanted), None
        )

    def epic(self, ref: str) -> Epic | None:
        wanted = ref.upper()
        return next(
            (e for e in self.epics.values() if e.id == ref or e.reference_num.upper() == wanted), None
        )

    def initiative(self, ref: str) -> Initiative | None:
        wanted = ref.upper()
        return next(
            (i for i in self.initiatives.values() if i.id == ref or i.reference_num.upper() == wanted), None
        )

    def comment(self, comment_id: str) -> Comment | None:
        found = self.comments.get(comment_id)
        return found if found is not None and not found.deleted else None

    def integration(self, product_id: str, ref: str) -> Integration | None:
        """By id, or by service name / name when exactly one integration of the product has it."""
        candidates = [i for i in self.integrations.values() if i.product_id == product_id]
        by_id = next((i for i in candidates if i.id == ref), None)
        if by_id is not None:
            return by_id
        named = [i for i in candidates if ref.lower() in (i.service_name.lower(), i.name.lower())]
        return named[0] if len(named) == 1 else None

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def api_key(self, key: str) -> ApiKey | None:
        found = self.api_keys.get(key)
        return found if found is not None and not found.revoked else None

    def status(self, status_id: str) -> WorkflowStatus:
        return self.statuses[status_id]

    def workflow_status_named(self, workflow_id: int, name: str) -> WorkflowStatus | None:
        wanted = name.strip().lower()
        return next(
            (
                self.statuses[s]
                for s in self.workflows[workflow_id].status_ids
                if self.statuses[s].name.lower() == wanted
            ),
            None,
        )

    def requirements_of(self, feature: Feature) -> list[Requirement]:
        found = [r for r in self.requirements.values() if r.feature_id == feature.id and not r.deleted]
        return sorted(found, key=lambda r: r.position)

    def features_in(self, *, release_id: str | None = None, epic_id: str | None = None) -> list[Feature]:
        found = [
            f
            for f in self.features.values()
            if not f.deleted
            and (release_id is None or f.release_id == release_id)
            and (epic_id is None or f.epic_id == epic_id)
        ]
        if release_id is None:
            return sorted(found, key=lambda f: int(f.id))  # creation order, as the references count
        return sorted(found, key=lambda f: (f.position, int(f.id)))

    def comments_on(self, kind: RecordKind, record_id: str) -> list[Comment]:
        found = [
            c
            for c in self.comments.values()
            if c.commentable_type == kind and c.commentable_id == record_id and not c.deleted
        ]
        return sorted(found, key=lambda c: int(c.id))

    def attachments_of(self, owner_type: str, owner_id: str, *, in_description: bool) -> list[Attachment]:
        return [
            a
            for a in self.attachments.values()
            if a.owner_type == owner_type and a.owner_id == owner_id and a.in_description == in_description
        ]

    # references ----------------------------------------------------------------------------------------
    def next_feature_reference(self, product: Product) -> str:
        ref = f"{product.reference_prefix}-{product.next_feature}"
        product.next_feature += 1
        return ref

    def next_requirement_reference(self, feature: Feature) -> str:
        ref = f"{feature.reference_num}-{feature.next_requirement}"
        feature.next_requirement += 1
        return ref

    def next_release_reference(self, product: Product) -> str:
        ref = f"{product.reference_prefix}-R-{product.next_release}"
        product.next_release += 1
        return ref

    # creation ------------------------------------------------------------------------------------------
    def add_feature(
        self,
        product: Product,
        release: Release,
        name: str,
        *,
        created_by: str,
        description: str = "",
        status_id: str | None = None,
        tags: list[str] | None = None,
        at: str | None = None,
    ) -> Feature:
        stamp = at or now_iso()
        workflow = self.workflows[FEATURE_WORKFLOW_ID]
        position = 1 + max((f.position for f in self.features_in(release_id=release.id)), default=0)
        feature = Feature(
            id=self.new_id(),
            reference_num=self.next_feature_reference(product),
            name=name,
            description=description,
            description_id=self.new_id(),
            workflow_status_id=status_id or workflow.status_ids[0],
            created_at=stamp,
            updated_at=stamp,
            created_by=created_by,
            tags=list(tags or []),
            product_id=product.id,
            release_id=release.id,
            position=position,
        )
        self.features[feature.id] = feature
        return feature

    def add_requirement(
        self,
        feature: Feature,
        name: str,
        *,
        created_by: str,
        description: str = "",
        status_id: str | None = None,
        at: str | None = None,
    ) -> Requirement:
        stamp = at or now_iso()
        workflow = self.workflows[REQUIREMENT_WORKFLOW_ID]
        position = 1 + max((r.position for r in self.requirements_of(feature)), default=0)
        requirement = Requirement(
            id=self.new_id(),
            reference_num=self.next_requirement_reference(feature),
            name=name,
            description=description,
            description_id=self.new_id(),
            workflow_status_id=status_id or workflow.status_ids[0],
            created_at=stamp,
            updated_at=stamp,
            created_by=created_by,
            feature_id=feature.id,
            position=position,
        )
        self.requirements[requirement.id] = requirement
        return requirement

    def add_attachment(
        self,
        owner_type: str,
        owner_id: str,
        file_name: str,
        content: bytes,
        content_type: str,
        *,
        in_description: bool,
        at: str | None = None,
    ) -> Attachment:
        attachment = Attachment(
            id=self.new_id(),
            token=self.new_token(),
            file_name=file_name,
            content_type=content_type,
            content=content,
            owner_type=owner_type,
            owner_id=owner_id,
            in_description=in_description,
            created_at=at or now_iso(),
        )
        self.attachments[attachment.id] = attachment
        return attachment

    def add_comment(
        self, kind: RecordKind, record_id: str, body: str, user_id: str, at: str | None = None
    ) -> Comment:
        stamp = at or now_iso()
        comment = Comment(self.new_id(), body, user_id, kind, record_id, stamp, stamp)
        self.comments[comment.id] = comment
        return comment

    def set_integration_field(
        self, fields: list[IntegrationField], integration: Integration, name: str, value: str
    ) -> IntegrationField:
        """Create the field, or replace the value of the one with that name under that integration."""
        for existing in fields:
            if existing.integration_id == integration.id and existing.name == name:
                existing.value = value
                return existing
        created = IntegrationField(
            self.new_id(), integration.id, integration.service_name, name, value, now_iso()
        )
        fields.append(created)
        return created

    # seed ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(6700000000000001000)
            self.users: dict[str, User] = {}
            self.api_keys: dict[str, ApiKey] = {}
            self.products: dict[str, Product] = {}
            self.workflows: dict[int, Workflow] = {}
            self.statuses: dict[str, WorkflowStatus] = {}
            self.integrations: dict[str, Integration] = {}
            self.releases: dict[str, Release] = {}
            self.features: dict[str, Feature] = {}
            self.requirements: dict[str, Requirement] = {}
            self.epics: dict[str, Epic] = {}
            self.initiatives: dict[str, Initiative] = {}
            self.comments: dict[str, Comment] = {}
            self.attachments: dict[str, Attachment] = {}
            self.time_events: dict[str, TimeTrackingEvent] = {}
            self.audits: list[Audit] = []
            from .seed import seed  # noqa: PLC0415 (the seed builds on this module)

            seed(self)


def _find[T: Record](records: Iterable[T], ref: str) -> T | None:
    wanted = ref.upper()
    return next(
        (r for r in records if not r.deleted and (r.id == ref or r.reference_num.upper() == wanted)), None
    )
