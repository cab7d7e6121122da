"""The description costs the other functions nothing at cold start: importing any function's handler (a
fresh interpreter laid out as Lambda lays it out: its code folder first, then the layer) loads neither the
document's generation nor Swagger UI, nor another function's handler; a function without Powertools
validation loads none of Powertools' OpenAPI machinery either (`http_api.openapi` names models by import
path for that reason). The description function itself loads the others only on its routes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aha_jira_dev.local_stack.template import FunctionDef, load_template
from tests.fixtures.aws import TEMPLATE_PATH

LAYER = Path(TEMPLATE_PATH).parent / "layers" / "common"
FUNCTIONS = load_template(TEMPLATE_PATH).functions
NEVER_AT_COLD_START = {
    "aha_jira.http_api.openapi_document",
    "aha_jira.http_api.swagger_ui",
    "aws_lambda_powertools.event_handler.openapi.models",
    "aws_lambda_powertools.event_handler.openapi.schema_generator",
    "aws_lambda_powertools.event_handler.openapi.swagger_ui",
}
# What Powertools' validation loads (about 80 ms, docs/decisions.md "Cold start").
VALIDATION_MACHINERY = {
    "aws_lambda_powertools.event_handler.openapi.compat",
    "aws_lambda_powertools.event_handler.openapi.dependant",
    "aws_lambda_powertools.event_handler.openapi.params",
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
}
# The use cases the description function must not load before a request for the document.
USE_CASES = (
    "aha_jira.sync",
    "aha_jira.webhooks",
    "aha_jira.connect",
    "aha_jira.integrations",
    "aha_jira.jira",
)

_IMPORT = r"""
import importlib, json, sys
code_dir, layer, module = sys.argv[1:4]
sys.path[:0] = [code_dir, layer]
handler = importlib.import_module(module)
resolver = getattr(handler, "app", None)
print(json.dumps({
    "modules": sorted(sys.modules),
    "files": sorted(str(getattr(m, "__file__", None) or "") for m in list(sys.modules.values())),
    "validation": getattr(resolver, "_enable_validation", None),
}))
"""


def _cold_import(function: FunctionDef) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(function.code_dir), str(LAYER), function.handler_module],
        cwd=function.code_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    loaded: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_a_handler_imports_no_part_of_the_description(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]
    loaded = _cold_import(function)
    modules = set(loaded["modules"])  # type: ignore[call-overload]
    assert modules & NEVER_AT_COLD_START == set()
    if loaded["validation"] is False:
        assert modules & VALIDATION_MACHINERY == set()
    own = function.handler_file.resolve()
    handlers = {str(f.handler_file.resolve()) for f in FUNCTIONS.values()} - {str(own)}
    assert handlers & set(loaded["files"]) == set(), "another function's handler was imported"  # type: ignore[call-overload]


def test_the_description_function_loads_no_use_case_before_its_routes() -> None:
    docs = next(f for f in FUNCTIONS.values() if f.name == "api_docs")
    modules = set(_cold_import(docs)["modules"])  # type: ignore[call-overload]
    assert not [name for name in modules if name.startswith(USE_CASES)]
