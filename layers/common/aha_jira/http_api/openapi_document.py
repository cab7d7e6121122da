"""The OpenAPI description of the whole API (`GET /openapi.json`), generated from the handlers' own routes.

Only the API description function imports this module, on its first request for the document; no other
function ever loads the handlers this way or pays for Powertools' OpenAPI machinery. Every function folder's
`app.py` that defines a resolver named `app` is loaded (the description function ships every handler:
template.yaml, `ApiDocsFunction`). Powertools generates each resolver's schema (paths and parameters from
the routes, answers from their `responses=`, see `http_api.openapi`) and `OpenAPIMerge` merges them. Then:
request bodies that routes read themselves become `requestBody` (`openapi.json_body`), the models routes
name by import path get their schemas (validation mode for a body, serialization for an answer, all in one
pydantic pass), Powertools' own 422 validation answers are removed (validation answers 400 `invalid_body`
here), components nothing refers to are dropped, and every reference is checked to resolve. A route of two
resolvers, or two different schemas under one component name, is an error, never a silent choice.
"""

from __future__ import annotations

import ast
import copy
import importlib
import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Tag
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from aha_jira.http_api.openapi import (
    API_KEY_SCHEME,
    COMPONENTS,
    MODEL_KEYWORD,
    QUERY_PARAMETERS_EXTENSION,
    REQUEST_BODY_EXTENSION,
)

TITLE = "aha-jira"
API_VERSION = "1.0.0"
DESCRIPTION = (
    "Bi-directional integration between an Aha!-style product roadmap and Jira. Management and send routes "
    "need the API key in `x-api-key`; Jira's webhook and Connect routes authenticate the caller themselves; "
    'this description is public. Every error is `{"error": {"code", "message", "hint"}}` (and '
    "`details` when there is more to say) with an honest status."
)
TAGS = [
    Tag(name="Integrations", description="Configure an integration (secrets are write-only)."),
    Tag(name="Test connection", description="Authenticate to Jira and load what sends need."),
    Tag(name="Send", description="Create or update a feature's Jira issues."),
    Tag(name="Features", description="Features read back with what Jira did to them."),
    Tag(name="Integration log", description="What the integration did, newest first."),
    Tag(name="Jira webhooks", description="Jira's admin webhooks (token in the URL, optional signature)."),
    Tag(name="Jira via Connect", description="The Atlassian Connect app (legacy, Cloud only)."),
    Tag(
        name="Aha! webhooks",
        description="Aha!'s integration events and activity webhooks (token in the URL).",
    ),
    Tag(name="API description", description="This description and its Swagger UI."),
    Tag(name="Release sends", description="Send a whole release (or plan it), follow it, cancel it."),
]
SECURITY_SCHEMES = {
    API_KEY_SCHEME: APIKey(
        name="x-api-key",
        in_=APIKeyIn.header,
        description="The deployment's API key (stack output ApiKeyId; `make run` prints the local one).",
    )
}
# What Powertools adds for its own request validation; this API's validation answers 400 instead.
_POWERTOOLS_VALIDATION_ERROR = f"{COMPONENTS}HTTPValidationError"
_RESOLVER_FACTORIES = {"make_resolver", "APIGatewayRestResolver"}


class DocumentError(RuntimeError):
    """The handlers' routes do not make one consistent description."""


# -- the handlers --------------------------------------------------------------------------------------


def handler_files(functions_root: Path) -> list[Path]:
    """Each function folder's `app.py` that assigns a module-level `app` from a resolver factory."""
    return [path for path in sorted(functions_root.glob("*/app.py")) if _defines_resolver(path)]


def _defines_resolver(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            callee = node.value.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if (
                any(isinstance(t, ast.Name) and t.id == "app" for t in targets)
                and name in _RESOLVER_FACTORIES
            ):
                return True
    return False


def load_resolver(path: Path) -> ApiGatewayResolver:
    """The handler's resolver, from a copy of its module of its own (the function's folder on `sys.path`
    while it loads, as in Lambda): never the module another function in this process runs."""
    name = f"_aha_jira_openapi__{path.parent.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DocumentError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import does: dataclasses and pydantic look their module up there
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.path.remove(str(path.parent))
    resolver = getattr(module, "app", None)
    if not isinstance(resolver, ApiGatewayResolver):
        raise DocumentError(f"{path}: `app` is not a Powertools resolver")
    return resolver


# -- the document --------------------------------------------------------------------------------------

_lock = threading.Lock()
_generated: dict[Path, dict[str, Any]] = {}


def generate(functions_root: Path) -> dict[str, Any]:
    """The description of every route of every handler under `functions_root`, without `servers` (see
    `served`). Generated once per container: the handlers do not change while it runs."""
    with _lock:
        if functions_root not in _generated:
            _generated[functions_root] = _generate(functions_root)
        return _generated[functions_root]


def served(document: dict[str, Any], base_url: str) -> str:
    """The document as served: JSON, its one server the API's public base URL."""
    return json.dumps({**document, "servers": [{"url": base_url}]}, ensure_ascii=False)


def _generate(functions_root: Path) -> dict[str, Any]:
    merge = OpenAPIMerge(
        title=TITLE, version=API_VERSION, description=DESCRIPTION, tags=list(TAGS), on_conflict="error"
    )
    seen: dict[str, Any] = {}
    for path in handler_files(functions_root):
        schema = load_resolver(path).get_openapi_schema(
            title=TITLE, version=API_VERSION, security_schemes=dict(SECURITY_SCHEMES)
        )
        # JSON values (enums, URLs as strings): the merge copies what it is given.
        as_json = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
        _add_components(seen, as_json.get("components", {}).get("schemas", {}), str(path))
        merge.add_schema(as_json)
    document = copy.deepcopy(merge.get_openapi_schema())
    document.pop("servers", None)
    document["paths"] = dict(sorted(document.get("paths", {}).items()))
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for operation in _operations(document):
        _write_request_body(operation)
        _write_query_parameters(operation)
        _drop_validation_answers(operation)
    _write_models(document, schemas)
    _drop_unreferenced(document)
    _check_references(document)
    return document


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                yield operation


def _without_null_defaults(schema: Any) -> Any:
    """The schema without `"default": null`: Powertools leaves it out where pydantic writes it, which makes
    the same model look like two."""
    if isinstance(schema, dict):
        return {
            key: _without_null_defaults(value)
            for key, value in schema.items()
            if not (key == "default" and value is None)
        }
    if isinstance(schema, list):
        return [_without_null_defaults(value) for value in schema]
    return schema


def _add_components(seen: dict[str, Any], new: dict[str, Any], source: str) -> None:
    for name, schema in new.items():
        if name in seen and _without_null_defaults(seen[name]) != _without_null_defaults(schema):
            raise DocumentError(f"two different schemas are named {name} ({source})")
        seen[name] = schema


def _write_request_body(operation: dict[str, Any]) -> None:
    """`openapi.json_body` / `form_body`: the body a route reads itself, as `requestBody`."""
    declared = operation.pop(REQUEST_BODY_EXTENSION, None)
    if declared is not None:
        operation["requestBody"] = {
            "description": declared["description"],
            "required": declared.get("required", True),
            "content": {declared["mediaType"]: {"schema": declared["schema"]}},
        }


def _write_query_parameters(operation: dict[str, Any]) -> None:
    """`openapi.query_parameters`: query parameters a route reads itself, beside its path parameters."""
    declared = operation.pop(QUERY_PARAMETERS_EXTENSION, None)
    if declared is not None:
        operation["parameters"] = [*operation.get("parameters", []), *declared]


def _write_models(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Every schema marked with a model's import path (`openapi.model_schema`) becomes a reference to
    the model's component: in validation mode under a request body, serialization mode under an answer."""
    modes: tuple[tuple[str, JsonSchemaMode], ...] = (
        ("requestBody", "validation"),
        ("responses", "serialization"),
    )
    marked: list[tuple[dict[str, Any], str, JsonSchemaMode]] = []
    for operation in _operations(document):
        for key, mode in modes:
            marked += [(schema, path, mode) for schema, path in _marked(operation.get(key))]
    wanted = sorted({(path, mode) for _, path, mode in marked})
    refs, definitions = models_json_schema(
        [(_model(path), mode) for path, mode in wanted], ref_template=COMPONENTS + "{model}"
    )
    _add_components(schemas, definitions.get("$defs", {}), "the models routes name")
    for schema, path, mode in marked:
        schema.clear()
        schema.update(refs[(_model(path), mode)])


def _marked(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        if MODEL_KEYWORD in value:
            yield value, value[MODEL_KEYWORD]
            return
        for item in value.values():
            yield from _marked(item)
    elif isinstance(value, list):
        for item in value:
            yield from _marked(item)


def _model(path: str) -> type[BaseModel]:
    module, _, name = path.partition(":")
    found = getattr(importlib.import_module(module), name, None)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise DocumentError(f"{path} is not a pydantic model")
    return found


def _drop_validation_answers(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    for status, response in list(responses.items()):
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref") == _POWERTOOLS_VALIDATION_ERROR:
            del responses[status]
        elif response.get("content") == {}:
            del response["content"]  # `openapi.no_content`


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _drop_unreferenced(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document["components"]["schemas"]
    kept: set[str] = set()
    pending = [ref for ref in _references(document["paths"]) if ref.startswith(COMPONENTS)]
    while pending:
        name = pending.pop().removeprefix(COMPONENTS)
        if name in kept or name not in schemas:
            continue
        kept.add(name)
        pending.extend(ref for ref in _references(schemas[name]) if ref.startswith(COMPONENTS))
    document["components"]["schemas"] = {name: schemas[name] for name in sorted(kept)}


def _check_references(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    missing = {
        ref
        for ref in _references(document)
        if not ref.startswith(COMPONENTS) or ref[len(COMPONENTS) :] not in schemas
    }
    if missing:
        raise DocumentError(f"references that resolve to nothing: {sorted(missing)}")
