"""Plain values ↔ DynamoDB attribute values (numbers travel as Decimal, None is left out)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


@cache
def _codec() -> tuple[TypeSerializer, TypeDeserializer]:
    # Imported on first use: `boto3.dynamodb.types` imports boto3 itself (see storage/aws_clients.py).
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415

    return TypeSerializer(), TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    serializer, _ = _codec()
    plain = json.loads(json.dumps(values), parse_float=Decimal)
    return {key: serializer.serialize(value) for key, value in plain.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    _, deserializer = _codec()
    return {key: _plain(deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return [_plain(item) for item in value]
    return value
