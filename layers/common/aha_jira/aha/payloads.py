"""The parts of Aha!'s answers we read, as pydantic models, and the attributes we write.

Read models ignore keys they do not name (Aha! adds fields over time) and accept what Aha!'s own answers
mix up: ids as strings or numbers (an integration field's `integration_id` is a number in one example and
a string in another), and null for any optional value. What a model requires (a feature's id, reference
and name; a workflow status's name) Aha! always sends; an answer without it is not Aha!'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

RecordKind = Literal["feature", "requirement", "epic"]


def _id_text(value: Any) -> Any:
    # bool is an int in Python; an id is never one.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


AhaId = Annotated[str, BeforeValidator(_id_text)]
"""An Aha! id: numeric, sent as a string or a number."""


class AhaPayload(BaseModel):
    # defer_build: a model's validator is built when first used (cold start).
    model_config = ConfigDict(extra="ignore", defer_build=True, strict=False)


class AhaDocument(AhaPayload):
    """A record whose whole answer is kept (`document`): a send from Aha! needs every attribute, not only
    those modelled here."""

    _document: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def document(self) -> dict[str, Any]:
        return self._document

    def with_document(self, document: dict[str, Any]) -> Self:
        self._document = document
        return self


class AhaAccount(AhaPayload):
    name: str | None = None
    domain: str | None = None


class AhaAccountEntry(AhaPayload):
    account: AhaAccount | None = None


class AhaUser(AhaPayload):
    id: AhaId
    name: str | None = None
    email: str | None = None
    accounts: list[AhaAccountEntry] | None = None


class AhaProduct(AhaPayload):
    id: AhaId
    reference_prefix: str
    name: str | None = None


class AhaWorkflowStatus(AhaPayload):
    id: AhaId | None = None
    name: str
    position: int | None = None
    complete: bool | None = None


class AhaWorkflow(AhaPayload):
    id: AhaId
    name: str | None = None
    # "Feature", "Requirement", "Release", "Epic", "Initiative", ... (the record type it applies to)
    statusable_type: str | None = None
    workflow_statuses: list[AhaWorkflowStatus] = Field(default_factory=list)


class ProductWorkflows(AhaPayload):
    workflows: list[AhaWorkflow] = Field(default_factory=list)

    def status_names(self, record_type: str) -> list[str]:
        """Every status name of the workflows for `record_type` ("Feature", "Requirement"), in workflow
        order, each once: a product may use several workflows for one record type (per feature type)."""
        names: dict[str, None] = {}
        for workflow in self.workflows:
            if (workflow.statusable_type or "").casefold() != record_type.casefold():
                continue
            ordered = sorted(workflow.workflow_statuses, key=lambda s: (s.position is None, s.position or 0))
            names.update((status.name, None) for status in ordered)
        return list(names)

    def has(self, record_type: str) -> bool:
        return any((w.statusable_type or "").casefold() == record_type.casefold() for w in self.workflows)


class AhaIntegration(AhaPayload):
    id: AhaId
    name: str | None = None
    service_name: str | None = None
    enabled: bool | None = None


class AhaIntegrationField(AhaPayload):
    id: AhaId | None = None
    name: str
    value: Any = None
    integration_id: AhaId | None = None
    service_name: str | None = None


class AhaStatusRef(AhaPayload):
    id: AhaId | None = None
    name: str


class AhaNote(AhaPayload):
    body: str | None = None


class AhaReleaseRef(AhaPayload):
    id: AhaId
    reference_num: str
    name: str | None = None
    release_date: str | None = None


class AhaRelease(AhaReleaseRef):
    released: bool | None = None
    parking_lot: bool | None = None


class AhaFeatureRef(AhaPayload):
    """A feature as lists show it (id, name, reference)."""

    id: AhaId
    reference_num: str
    name: str | None = None
    url: str | None = None


class AhaRecordTime(AhaPayload):
    # Minutes when the record's work_units is 10 (time), points when 20.
    work_units: int | None = None
    original_estimate: float | None = None
    remaining_estimate: float | None = None
    work_done: float | None = None


class AhaRequirement(AhaDocument, AhaRecordTime):
    id: AhaId
    reference_num: str
    name: str | None = None  # Aha! sends some requirements without one
    created_at: str | None = None
    workflow_status: AhaStatusRef | None = None
    description: AhaNote | None = None
    feature: AhaFeatureRef | None = None
    integration_fields: list[AhaIntegrationField] | None = None
    url: str | None = None


class AhaFeature(AhaDocument, AhaRecordTime):
    id: AhaId
    reference_num: str
    name: str
    created_at: str | None = None
    workflow_status: AhaStatusRef | None = None
    description: AhaNote | None = None
    release: AhaReleaseRef | None = None
    requirements: list[AhaRequirement] | None = None
    integration_fields: list[AhaIntegrationField] | None = None
    tags: list[str] | None = None
    url: str | None = None


class AhaTimeTrackingEvent(AhaPayload):
    id: AhaId
    work_done: float | None = None
    work_units: int | None = None
    occurred_on: str | None = None
    user: AhaUser | None = None


class AhaCommentable(AhaPayload):
    """The record a comment is on (`Feature`, `Requirement`...), with its web URL (`.../features/PROD-1`)."""

    type: str | None = None
    id: AhaId | None = None
    url: str | None = None


class AhaComment(AhaPayload):
    id: AhaId
    body: str | None = None
    user: AhaUser | None = None
    created_at: str | None = None
    updated_at: str | None = None
    commentable: AhaCommentable | None = None


class Pagination(AhaPayload):
    total_records: int | None = None
    total_pages: int | None = None
    current_page: int | None = None


# --- what we write ---------------------------------------------------------------------------------------


class RecordAttributes(BaseModel):
    """Attributes of a feature or requirement to create or update. Only those set are sent (`PUT` changes
    only what it names). `workflow_status` is the status's name; `assignee_email` an Aha! user's e-mail."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str | None = None
    description: str | None = None  # HTML
    workflow_status: str | None = None
    assignee_email: str | None = None
    tags: list[str] | None = None

    def body(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if self.name is not None:
            attributes["name"] = self.name
        if self.description is not None:
            attributes["description"] = self.description
        if self.workflow_status is not None:
            attributes["workflow_status"] = {"name": self.workflow_status}
        if self.assignee_email is not None:
            attributes["assigned_to_user"] = {"email": self.assignee_email}
        if self.tags is not None:
            attributes["tags"] = list(self.tags)
        return attributes
