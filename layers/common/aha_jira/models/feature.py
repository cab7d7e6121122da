"""An Aha! feature as its REST API and event payloads carry it (the body of the send route).

Unknown keys are accepted and ignored: Aha! adds fields over time. What a send needs is typed here;
`reference_num` is required, and a feature's `name` (Aha! sends some requirements without one: the send
gives them a fallback summary), everything else may be absent or null. Every value has the limits of
`models.limits`, and a feature's references are unique (its own and its requirements'), so a send that
would overwrite one record with another is refused before anything is written. A release sent as a feature
(Aha!'s release payload under `feature`) is refused: it would become a story named like the release.
"""

from __future__ import annotations

import html
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from aha_jira.models.limits import (
    MAX_ATTACHMENTS,
    MAX_CUSTOM_FIELDS,
    MAX_FILE_SIZE,
    MAX_NAME_LENGTH,
    MAX_REQUIREMENTS,
    MAX_TAGS,
    MAX_WORK_UNITS,
    Description,
    Email,
    Estimate,
    RecordName,
    ShortText,
    Tag,
    Url,
)
from aha_jira.models.references import Reference

# Aha!'s `work_units`: how `original_estimate` and `remaining_estimate` are expressed.
WORK_UNITS_MINUTES = 10
WORK_UNITS_POINTS = 20


# Elements that start a new line of text; everything else of the markup is dropped.
_LINE_BREAKS = re.compile(r"<\s*/?\s*(?:br|p|div|li|h[1-6]|tr|blockquote|pre)\b[^>]*>", re.IGNORECASE)
_MARKUP = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def first_line(description_html: str) -> str:
    """The first line of text of a description, as a record name: whitespace collapsed, at most
    `MAX_NAME_LENGTH` characters; "" when it has no text."""
    text = html.unescape(_MARKUP.sub("", _LINE_BREAKS.sub("\n", description_html)))
    for line in text.split("\n"):
        words = _CONTROL.sub(" ", line).split()
        if words:
            name = " ".join(words)
            return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 1] + "\u2026"
    return ""


class AhaModel(BaseModel):
    # defer_build: validators are built on first use, not at import (cold start).
    model_config = ConfigDict(extra="ignore", defer_build=True)


class AhaAttachment(AhaModel):
    # Aha!'s attachment id: what a send recognises an attachment by (with its size) once uploaded.
    id: ShortText | None = None
    file_name: RecordName | None = None
    download_url: Url | None = None
    content_type: ShortText | None = None
    file_size: int | None = Field(default=None, ge=0, le=MAX_FILE_SIZE)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Aha! ids are strings in its API; some payloads carry them as numbers.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class AhaDescription(AhaModel):
    body: Description = ""
    # Files the description shows or links (inline images among them); uploaded with the record's own.
    attachments: list[AhaAttachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @field_validator("body", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("attachments", mode="before")
    @classmethod
    def _no_attachments(cls, value: Any) -> Any:
        return [] if value is None else value


class AhaWorkflowStatus(AhaModel):
    name: RecordName


class AhaRelease(AhaModel):
    # Not a record of ours (no link, no key): only its name reaches Jira, as a fix version.
    reference_num: ShortText | None = None
    name: RecordName
    release_date: ShortText | None = None


class AhaUser(AhaModel):
    email: Email | None = None
    name: RecordName | None = None


class AhaCustomField(AhaModel):
    key: RecordName
    name: RecordName | None = None
    value: Any = None
    type: ShortText | None = None


class AhaRecord(AhaModel):
    """What features and requirements have in common."""

    reference_num: Reference
    # Required for a feature (below); a requirement without one gets a fallback summary when sent.
    name: RecordName | None = None
    description: AhaDescription = Field(default_factory=AhaDescription)
    workflow_status: AhaWorkflowStatus | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    original_estimate: Estimate | None = None
    remaining_estimate: Estimate | None = None
    work_units: int | None = Field(default=None, ge=0, le=MAX_WORK_UNITS)
    assigned_to_user: AhaUser | None = None
    custom_fields: list[AhaCustomField] = Field(default_factory=list, max_length=MAX_CUSTOM_FIELDS)
    attachments: list[AhaAttachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    url: Url | None = None

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

    def all_attachments(self) -> list[AhaAttachment]:
        """The record's own attachments, then its description's."""
        return [*self.attachments, *self.description.attachments]


class AhaRequirement(AhaRecord):
    @model_validator(mode="before")
    @classmethod
    def _fallback_name(cls, value: Any) -> Any:
        # Aha!'s API sends some requirements without a name (DESIGN.md "The feature body"): such a one is
        # sent with its description's first line, else its reference. A name of another type is refused.
        if isinstance(value, dict) and value.get("name") in (None, ""):
            description = value.get("description")
            body = description.get("body") if isinstance(description, dict) else description
            fallback = first_line(body) if isinstance(body, str) else ""
            reference = value.get("reference_num")
            if fallback or isinstance(reference, str):
                return {**value, "name": fallback or reference}
        return value


class AhaEpic(AhaModel):
    """An Aha! epic or initiative as a feature carries it (`feature.epic`, `feature.initiative`): sent as a
    Jira epic the feature's issue is a child of, when `mapping.epics` asks for it."""

    reference_num: Reference
    name: RecordName
    url: Url | None = None
    description: AhaDescription = Field(default_factory=AhaDescription)

    @field_validator("description", mode="before")
    @classmethod
    def _description_text(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"body": value}
        return value


# Aha!'s release references (`PROD-R-1`) and the keys only a release has.
_RELEASE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.]*-R-\d+")
_RELEASE_KEYS = ("released", "parking_lot", "release_date", "theme")


class AhaFeature(AhaRecord):
    name: RecordName
    release: AhaRelease | None = None
    requirements: list[AhaRequirement] = Field(default_factory=list, max_length=MAX_REQUIREMENTS)
    epic: AhaEpic | None = None
    initiative: AhaEpic | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_a_release(cls, value: Any) -> Any:
        if isinstance(value, dict):
            reference = value.get("reference_num")
            release_keys = [key for key in _RELEASE_KEYS if key in value]
            if release_keys or (isinstance(reference, str) and _RELEASE_REFERENCE.fullmatch(reference)):
                shown = f" {reference}" if isinstance(reference, str) and len(reference) <= 64 else ""
                raise PydanticCustomError(
                    "not_a_feature",
                    "is a release{shown}, not a feature: send a release's features with "
                    "POST /integrations/<id>/releases/<release reference>/send",
                    {"shown": shown},
                )
        return value

    @field_validator("requirements", mode="before")
    @classmethod
    def _no_requirements(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("requirements")
    @classmethod
    def _references_unique(cls, value: list[AhaRequirement], info: ValidationInfo) -> list[AhaRequirement]:
        # One record per reference: a requirement named like its feature would overwrite the feature's
        # issue, and two requirements with one reference would fight over one issue link.
        seen = {info.data.get("reference_num")}
        for index, requirement in enumerate(value):
            if requirement.reference_num in seen:
                reused = requirement.reference_num == info.data.get("reference_num")
                raise PydanticCustomError(
                    "duplicate_reference",
                    "is the feature's own reference; a requirement needs its own"
                    if reused
                    else "appears twice among the requirements; each needs its own reference",
                    {"at": f"{index}.reference_num"},
                )
            seen.add(requirement.reference_num)
        return value


class SendFeatureBody(BaseModel):
    """Body of `POST /integrations/{id}/features/{reference}/send`."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    feature: AhaFeature
