"""An Aha! feature as its REST API and event payloads carry it (the body of the send route).

Unknown keys are accepted and ignored: Aha! adds fields over time. What a send needs is typed here;
`reference_num` and `name` are required, everything else may be absent or null.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Aha!'s `work_units`: how `original_estimate` and `remaining_estimate` are expressed.
WORK_UNITS_MINUTES = 10
WORK_UNITS_POINTS = 20


class AhaModel(BaseModel):
    # defer_build: validators are built on first use, not at import (cold start).
    model_config = ConfigDict(extra="ignore", defer_build=True)


class AhaDescription(AhaModel):
    body: str = ""

    @field_validator("body", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class AhaWorkflowStatus(AhaModel):
    name: str


class AhaRelease(AhaModel):
    reference_num: str | None = None
    name: str
    release_date: str | None = None


class AhaUser(AhaModel):
    email: str | None = None
    name: str | None = None


class AhaAttachment(AhaModel):
    file_name: str | None = None
    download_url: str | None = None
    content_type: str | None = None
    file_size: int | None = None


class AhaCustomField(AhaModel):
    key: str
    name: str | None = None
    value: Any = None
    type: str | None = None


class AhaRecord(AhaModel):
    """What features and requirements have in common."""

    reference_num: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1)
    description: AhaDescription = Field(default_factory=AhaDescription)
    workflow_status: AhaWorkflowStatus | None = None
    tags: list[str] = Field(default_factory=list)
    original_estimate: float | None = None
    remaining_estimate: float | None = None
    work_units: int | None = None
    assigned_to_user: AhaUser | None = None
    custom_fields: list[AhaCustomField] = Field(default_factory=list)
    attachments: list[AhaAttachment] = Field(default_factory=list)
    url: str | None = None

    @field_validator("tags", "attachments", "custom_fields", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("custom_fields", mode="before")
    @classmethod
    def _custom_fields_as_list(cls, value: Any) -> Any:
        # The API sends a list of {key, name, value, type}; some integrations send a {key: value} map.
        if isinstance(value, dict):
            return [{"key": key, "value": item} for key, item in value.items()]
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _description_text(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"body": value}
        return value

    def custom_field(self, key: str) -> AhaCustomField | None:
        return next((item for item in self.custom_fields if item.key == key), None)


class AhaRequirement(AhaRecord):
    pass


class AhaFeature(AhaRecord):
    release: AhaRelease | None = None
    requirements: list[AhaRequirement] = Field(default_factory=list)

    @field_validator("requirements", mode="before")
    @classmethod
    def _no_requirements(cls, value: Any) -> Any:
        return [] if value is None else value


class SendFeatureBody(BaseModel):
    """Body of `POST /integrations/{id}/features/{reference}/send`."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    feature: AhaFeature
