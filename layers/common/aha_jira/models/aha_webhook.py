"""Aha!'s webhook deliveries to `POST /webhooks/aha/{roadmap_token}`, and our answer.

Two formats reach the one URL (DESIGN.md "The roadmap side: closing the loop"):
- Aha!'s integration events, `{"event": "create_feature"|"update_feature"|..., "feature": {...}}` (the shape
  of `../shared/reference/aha-events/`): the feature is read as the send's own model, `AhaFeature`;
- the activity webhook's audit records, `{"event": "audit", "audit": {"auditable_type", "auditable_id",
  "audit_action", "changes", "user", ...}}`: only what says which record changed, how and by whom is read.

Unknown keys are ignored (Aha! adds fields over time). Ids are strings or numbers (Aha!'s own payloads mix
them); audit types may be class names (`Feature`) or lower case (`feature`), as Aha!'s audits API shows them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from aha_jira.models.feature import AhaFeature
from aha_jira.models.limits import MAX_ID_LENGTH, NO_CONTROL_CHARACTERS, ShortText

# The integration events that carry a whole feature.
FEATURE_EVENTS = frozenset({"create_feature", "update_feature"})
AUDIT_EVENT = "audit"
MAX_EVENT_LENGTH = 64
MAX_AUDIT_CHANGES = 1000
MAX_AUDIT_TEXT = 2048  # an audit's description and URL: read for the record's reference only


def _id_text(value: Any) -> Any:
    # bool is an int in Python; an id is never one.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


AhaRecordId = Annotated[
    str,
    BeforeValidator(_id_text),
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    NO_CONTROL_CHARACTERS,
]
"""An Aha! record id (numeric), sent as a string or a number."""

EventName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_EVENT_LENGTH), NO_CONTROL_CHARACTERS
]
AuditText = Annotated[str, StringConstraints(max_length=MAX_AUDIT_TEXT), NO_CONTROL_CHARACTERS]


class _AhaPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class AhaEventEnvelope(_AhaPayload):
    """What every delivery has: the event's name."""

    event: EventName


class AhaFeatureEvent(AhaEventEnvelope):
    """An integration event carrying a feature (`create_feature`, `update_feature`)."""

    feature: AhaFeature


class AhaAuditUser(_AhaPayload):
    id: AhaRecordId | None = None
    name: AuditText | None = None
    email: AuditText | None = None


class AhaAuditChange(_AhaPayload):
    field_name: AuditText
    value: Any = None


class AhaAudit(_AhaPayload):
    id: AhaRecordId | None = None
    audit_action: ShortText  # create, update, destroy
    auditable_type: ShortText  # Feature, Requirement, Note, Comment, TimeTrackingEvent, IntegrationField...
    auditable_id: AhaRecordId
    associated_type: ShortText | None = None  # the record a Note, Comment... belongs to
    associated_id: AhaRecordId | None = None
    user: AhaAuditUser | None = None
    changes: list[AhaAuditChange] = Field(default_factory=list, max_length=MAX_AUDIT_CHANGES)
    auditable_url: AuditText | None = None
    description: AuditText | None = None
    created_at: ShortText | None = None

    @field_validator("changes", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class AhaAuditEvent(AhaEventEnvelope):
    """An activity webhook delivery: one audit record."""

    event: Literal["audit"]
    audit: AhaAudit


class AhaWebhookBody(_AhaPayload):
    """The body of `POST /webhooks/aha/{roadmap_token}`, for the API's description: `feature` with the
    feature events, `audit` with `event: "audit"`, anything else with other events (answered, ignored)."""

    event: EventName
    feature: AhaFeature | None = None
    audit: AhaAudit | None = None


AhaDelivery = AhaFeatureEvent | AhaAuditEvent | AhaEventEnvelope

AhaWebhookOutcome = Literal["queued", "ignored", "echo", "duplicate"]


class AhaWebhookAnswer(BaseModel):
    """What became of an Aha! delivery: `queued` (a send of the linked feature waits in the retry queue),
    `ignored` (not a change a send carries, not a linked record, auto_update off...), `echo` (our own write
    to Aha! coming back), `duplicate` (this delivery was queued before)."""

    outcome: AhaWebhookOutcome
    event: str
    reference: str | None = None
    reason: str
    retry_id: str | None = None
