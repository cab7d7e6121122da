"""`mapping.fields` read for one record: each mapped Jira field's value, from a record attribute or a
constant, converted for the field's schema (`sync/field_values.py`), or refused in the user's words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import BaseModel

from aha_jira.models.feature import AhaFeature, AhaRecord
from aha_jira.models.integration import AttributeField, FieldMapping
from aha_jira.models.jira_payloads import CreateMetaField
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot
from aha_jira.sync.field_values import ConversionContext, ValueNotAccepted, convert

from .refusal import DraftRefused

__all__ = ["MappedFields", "MappedValue"]

# Set by Jira or by the send engine, never by a mapping.
_NOT_MAPPABLE = frozenset({"project", "issuetype", "summary", "parent", "issuelinks"})


@dataclass(frozen=True)
class MappedValue:
    field_id: str
    meta: CreateMetaField
    value: Any  # None: the roadmap has no value for the field


@dataclass(frozen=True)
class MappedFields:
    """The mapping's fields for `record` (a feature, or a requirement of `feature`) on the create screen
    of `issue_type`; `other_screen` is the create screen of the other mapped issue type."""

    record: AhaRecord
    feature: AhaFeature
    kind: str
    snapshot: JiraSnapshot
    issue_type: IssueTypeSnapshot
    other_screen: dict[str, CreateMetaField]
    mapping: dict[str, FieldMapping]
    context: ConversionContext

    def values(self) -> Iterator[MappedValue]:
        """Each mapped field's value in mapping order, skipping fields meant for the other issue type;
        raises `DraftRefused` for the first field the mapping cannot fill."""
        screen = self.issue_type.create_fields
        for field_id, mapping in self.mapping.items():
            key = f"mapping.fields.{field_id}"
            name = self._field_name(field_id)
            if field_id in _NOT_MAPPABLE:
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) is set by the integration itself and cannot be mapped.",
                    f"Remove {key}.",
                )
            meta = screen.get(field_id)
            if meta is None:
                if field_id in self.other_screen:
                    continue  # meant for the other mapped issue type
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) is not on the create screen of {self.issue_type.name} in project {self.snapshot.project.key}, so Jira will not take a value for it.",
                    f"Remove {key}, or add the field to the {self.issue_type.name} screens in Jira and test the connection again.",
                )
            if isinstance(mapping, AttributeField):
                raw = self._attribute(mapping.from_, field_id, name)
                source = f"the {self.kind} attribute '{mapping.from_}'"
            else:
                raw = mapping.value
                source = "the constant"
            try:
                value = convert(raw, meta, self.context)
            except ValueNotAccepted as refused:
                self._refuse(
                    field_id,
                    name,
                    f"Jira field '{name}' ({field_id}) cannot take the value of {source} for {self.record.reference_num}: {refused.reason}.",
                    f"Change {key} to a value the field takes.",
                )
            yield MappedValue(field_id, meta, value)

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

    def _field_name(self, field_id: str) -> str:
        meta = self.issue_type.create_fields.get(field_id)
        if meta is not None:
            return meta.name
        return next((item.name for item in self.snapshot.fields if item.id == field_id), field_id)

    def _refuse(self, field_id: str, name: str, message: str, hint: str) -> NoReturn:
        raise DraftRefused(
            message, hint=hint, field_id=field_id, field_name=name, issue_type=self.issue_type.name
        )


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
