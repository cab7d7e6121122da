"""Atlassian's ADF schema (`../shared/reference/adf-schema-full.json`, draft-04): every ADF document the
product produces is checked against it in the tests.

The schema lists each container's children as `anyOf` some twenty node definitions, which plain draft-04
validation tries one by one, nested (a table in a large document costs seconds). Each of those definitions
fixes its node's `type` with an `enum`, so a branch whose enum does not hold the instance's `type` can only
fail: the validator here skips those branches before trying the others. The answer is the schema's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match

ADF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "adf-schema-full.json"


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(ADF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return schema


def _node_types(branch: dict[str, Any], depth: int = 0) -> frozenset[str] | None:
    """The node types a branch can match (its `type` enum, through `$ref` and `allOf`), None if any."""
    if depth > 8:
        return None
    ref = branch.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return _node_types(_schema()["definitions"][ref.removeprefix("#/definitions/")], depth + 1)
    enum = branch.get("properties", {}).get("type", {}).get("enum")
    if isinstance(enum, list) and all(isinstance(value, str) for value in enum):
        return frozenset(enum)
    for part in branch.get("allOf", []):
        found = _node_types(part, depth + 1)
        if found is not None:
            return found
    return None


def _any_of(
    validator: Any, any_of: list[dict[str, Any]], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    branches = any_of
    if isinstance(instance, dict) and isinstance(instance.get("type"), str):
        branches = [b for b in any_of if (types := _node_types(b)) is None or instance["type"] in types]
    yield from validators.Draft4Validator.VALIDATORS["anyOf"](validator, branches, instance, schema)


_FastDraft4 = validators.extend(jsonschema.Draft4Validator, {"anyOf": _any_of})


@cache
def _validator() -> Any:
    return _FastDraft4(_schema())


def adf_schema_errors(document: Any) -> list[str]:
    """Where `document` breaks Atlassian's schema (empty when it is valid ADF), most relevant first."""
    errors = list(_validator().iter_errors(document))
    if not errors:
        return []
    first = best_match(errors)
    where = "/".join(str(part) for part in first.absolute_path)
    return [f"{where or '(root)'}: {first.message[:300]}"] + [
        "/".join(str(part) for part in error.absolute_path) for error in errors if error is not first
    ]


def assert_valid_adf(document: Any) -> None:
    problems = adf_schema_errors(document)
    assert not problems, problems[0]
