"""Aha!'s published OpenAPI 3.1 description (``../shared/reference/aha-openapi.json``, or ``AHA_SIM_OPENAPI``):
request bodies are validated against it strictly, and the simulator's answers can be checked against it.

Request bodies use the operation's ``requestBody`` schema as published (JSON Schema 2020-12 with the OpenAPI
3.1 vocabulary, through ``openapi_schema_validator``).

Responses need one repair. The description was generated from one example response per operation, and its
response schemas contradict their own examples in places (68 of its 299 examples fail their own schema: a
nested requirement typed as strings, ``integration_id`` typed as a string where the example has a number,
fields typed ``"null"`` because the example happened to be null). The simulator answers in the shape of the
examples, so an answer is checked against the schema *repaired by the operation's own example*: where the
example contradicts the schema's type, the node accepts both types; a node typed only ``"null"`` accepts any
value; and any field may be null (the schemas never say which fields are nullable, and the description's own
examples answer null for unset dates, users and descriptions). Everything else (the type of every value that
is present, array item types) is checked as published.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS31Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

URN = "urn:aha-openapi"
JSON_MEDIA = "application/json"


def default_spec_path() -> Path:
    env = os.environ.get("AHA_SIM_OPENAPI")
    if env:
        return Path(env)
    # devtools/aha_jira_dev/aha_sim/spec.py -> the project root is parents[3]; the reference sits beside it
    return Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-openapi.json"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _json_type(value: Any) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "null")


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    return f"{where}: {error.message}"


class AhaOpenApi:
    """The loaded description: operations, request body validation, repaired response schemas."""

    def __init__(self, path: Path) -> None:
        started = time.perf_counter()
        with path.open("rb") as fh:
            self.document: dict[str, Any] = json.load(fh)
        self.registry: Registry[Any] = Registry().with_resource(
            URN, DRAFT202012.create_resource(self.document)
        )
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, str], OAS31Validator | None] = {}
        self._responses: dict[tuple[str, str, int], OAS31Validator | None] = {}
        self.load_seconds = time.perf_counter() - started

    # operations ----------------------------------------------------------------------------------------
    def operation(self, spec_path: str, method: str) -> dict[str, Any] | None:
        found = self.document["paths"].get(spec_path, {}).get(method.lower())
        return found if isinstance(found, dict) else None

    def has_operation(self, spec_path: str, method: str) -> bool:
        return self.operation(spec_path, method) is not None

    def body_required(self, spec_path: str, method: str) -> bool:
        operation = self.operation(spec_path, method) or {}
        return bool((operation.get("requestBody") or {}).get("required"))

    # request bodies ------------------------------------------------------------------------------------
    def request_body_errors(self, spec_path: str, method: str, body: Any) -> list[str]:
        """Every violation of the operation's request body schema (empty when it conforms or has none)."""
        validator = self._body_validator(spec_path, method.lower())
        if validator is None:
            return []
        return [_describe(e) for e in sorted(validator.iter_errors(body), key=lambda e: list(e.path))]

    def _body_validator(self, spec_path: str, method: str) -> OAS31Validator | None:
        key = (spec_path, method)
        with self._lock:
            if key not in self._bodies:
                operation = self.operation(spec_path, method) or {}
                content = (operation.get("requestBody") or {}).get("content") or {}
                validator = None
                if JSON_MEDIA in content and "schema" in content[JSON_MEDIA]:
                    ref = f"{URN}#/" + _pointer(
                        "paths", spec_path, method, "requestBody", "content", JSON_MEDIA, "schema"
                    )
                    validator = OAS31Validator({"$ref": ref}, registry=self.registry)
                self._bodies[key] = validator
            return self._bodies[key]

    # responses -----------------------------------------------------------------------------------------
    def response_errors(self, spec_path: str, method: str, status: int, body: Any) -> list[str]:
        """Violations of the (repaired) response schema; an undocumented status is itself a violation."""
        operation = self.operation(spec_path, method)
        if operation is None:
            return [f"{method.upper()} {spec_path} is not an operation of the description"]
        if str(status) not in operation.get("responses", {}):
            documented = sorted(operation.get("responses", {}))
            return [f"status {status} is not documented for {method.upper()} {spec_path} ({documented})"]
        validator = self._response_validator(spec_path, method.lower(), status)
        if validator is None:
            return []
        return [_describe(e) for e in validator.iter_errors(body)]

    def repaired_response_schema(self, spec_path: str, method: str, status: int) -> dict[str, Any] | None:
        operation = self.operation(spec_path, method) or {}
        response = operation.get("responses", {}).get(str(status)) or {}
        for media in (response.get("content") or {}).values():
            if "schema" not in media:
                continue
            schema: dict[str, Any] = self._inline(media["schema"])
            for example in (media.get("example"), media["schema"].get("example")):
                if example is not None:
                    schema = self._repair(schema, example)
            return schema
        return None

    def _response_validator(self, spec_path: str, method: str, status: int) -> OAS31Validator | None:
        key = (spec_path, method, status)
        with self._lock:
            if key not in self._responses:
                schema = self.repaired_response_schema(spec_path, method, status)
                self._responses[key] = None if schema is None else OAS31Validator(schema)
            return self._responses[key]

    def _inline(self, node: Any, depth: int = 0) -> Any:
        """The schema with every ``$ref`` replaced by a copy of its target (the description has no cycles)."""
        if depth > 64:
            raise ValueError("the description's schemas nest too deeply")
        if isinstance(node, dict):
            if "$ref" in node and isinstance(node["$ref"], str):
                target: Any = self.document
                for part in node["$ref"].removeprefix("#/").split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                return self._inline(target, depth + 1)
            return {k: self._inline(v, depth + 1) for k, v in node.items() if k != "example"}
        if isinstance(node, list):
            return [self._inline(v, depth + 1) for v in node]
        return node

    def _repair(self, schema: Any, example: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        repaired = copy.copy(schema)
        declared = repaired.get("type")
        if declared in ("null", ["null"]):
            return {}  # typed from a null example: the description knows nothing of this field
        if declared is not None:
            types = list(declared) if isinstance(declared, list) else [declared]
            if not OAS31Validator({"type": declared}).is_valid(example):
                types.append(_json_type(example))
            repaired["type"] = list(dict.fromkeys([*types, "null"]))
        if isinstance(example, dict) and isinstance(repaired.get("properties"), dict):
            repaired["properties"] = {
                name: self._repair(sub, example[name]) if name in example else sub
                for name, sub in repaired["properties"].items()
            }
        if isinstance(example, list) and isinstance(repaired.get("items"), dict):
            items = repaired["items"]
            for element in example:
                items = self._repair(items, element)
            repaired["items"] = items
        if not OAS31Validator(repaired).is_valid(example):
            return {}  # a keyword the repair does not understand: do not invent a constraint
        return repaired


_LOCK = threading.Lock()
_SPECS: dict[Path, AhaOpenApi] = {}


def load_spec(path: Path | None = None) -> AhaOpenApi | None:
    """The description, loaded once per process; None when the file does not exist."""
    resolved = (path or default_spec_path()).resolve()
    with _LOCK:
        if resolved not in _SPECS:
            if not resolved.exists():
                return None
            _SPECS[resolved] = AhaOpenApi(resolved)
        return _SPECS[resolved]
