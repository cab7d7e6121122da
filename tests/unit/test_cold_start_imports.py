"""Cold start (issue 13): importing a handler loads its resolver or batch processor, the HTTP plumbing, the
composition root and the integration log, and nothing else of ours: no use case, model, port or adapter,
and neither pydantic, requests nor boto3 (each route imports what it needs when first called). Checked in a
fresh interpreter laid out as Lambda lays one out (the function's folder and the layer on the path, the
template's environment for the function), the way `bench/cold_start.py` measures it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter

from aha_jira.http_api.query import QueryParameter
from aha_jira_dev.local_stack.template import load_template
from bench.cold_start import LAYER_DIR, REPO_ROOT, lambda_environment

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
FUNCTIONS = sorted(TEMPLATE.functions.items(), key=lambda item: item[1].name)

# What a handler may load at cold start: the plumbing every function shares, cheap to import.
ALLOWED = frozenset(
    {
        "aha_jira",
        "aha_jira.errors",
        "aha_jira.settings",
        "aha_jira.redaction",
        "aha_jira.wiring",  # its adapters are imported inside its functions, on first use
        "aha_jira.integration_log",
        "aha_jira.integration_log.context",
        "aha_jira.integration_log.logger",
        "aha_jira.integration_log.metrics",
        "aha_jira.http_api",
        "aha_jira.http_api.bodies",
        "aha_jira.http_api.errors",
        "aha_jira.http_api.openapi",
        "aha_jira.http_api.query",
        "aha_jira.http_api.request",
        "aha_jira.http_api.resolver",
        "aha_jira.models",
        "aha_jira.models.json_input",
        "aha_jira.models.reference_bounds",
    }
)
# Third-party packages a handler's routes load when first called, never at cold start.
HEAVY = ("pydantic", "pydantic_core", "requests", "urllib3", "boto3", "jwt", "cryptography")
# Powertools' OpenAPI models and validation (the machinery `make_resolver(validation=False)` goes without).
POWERTOOLS_VALIDATION = (
    "aws_lambda_powertools.event_handler.openapi.models",
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
)

_CHILD = r"""
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_at_import(logical_id: str) -> list[str]:
    function = TEMPLATE.functions[logical_id]
    env = lambda_environment(TEMPLATE, logical_id)
    assert env["PYTHONPATH"] == str(LAYER_DIR)
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, function.handler_module],
        cwd=function.code_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    modules: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return modules


@pytest.mark.parametrize("logical_id", [logical_id for logical_id, _ in FUNCTIONS])
def test_a_handler_imports_no_use_case_model_or_heavy_package_at_cold_start(logical_id: str) -> None:
    modules = loaded_at_import(logical_id)
    ours = sorted(name for name in modules if name.startswith("aha_jira.") and name not in ALLOWED)
    assert ours == [], f"{logical_id} imports at cold start: {ours}"
    heavy = sorted(name for name in modules if name.split(".")[0] in HEAVY)
    assert heavy == [], f"{logical_id} imports at cold start: {heavy}"
    validation = sorted(name for name in modules if name.startswith(POWERTOOLS_VALIDATION))
    assert validation == [], f"{logical_id} loads Powertools' validation machinery: {validation}"


def test_every_handler_of_the_template_is_checked() -> None:
    folders = {path.parent.name for path in (REPO_ROOT / "functions").glob("*/app.py")}
    assert {function.name for _, function in FUNCTIONS} == folders
    assert Path(TEMPLATE.functions[FUNCTIONS[0][0]].code_dir).is_dir()


def test_a_query_parameter_is_described_as_powertools_described_it() -> None:
    """`http_api.query` writes by hand the schema Powertools wrote from `Annotated[..., Query(...)]`."""
    cases: list[tuple[QueryParameter, Any]] = [
        (QueryParameter("limit", integer=True, default=25, ge=1, le=100), int),
        (QueryParameter("after", integer=True, default=0, ge=0, le=10**20 - 1, description="the id"), int),
        (QueryParameter("jira_key", max_length=64), str | None),
        (QueryParameter("next"), str | None),
    ]
    for parameter, kind in cases:
        field = Field(
            default=parameter.default,
            ge=parameter.ge,
            le=parameter.le,
            max_length=parameter.max_length,
            description=parameter.description,
            title=parameter.name.replace("_", " ").title(),
        )
        expected = TypeAdapter(Annotated[kind, field]).json_schema()
        if parameter.default is None:
            expected.pop("default", None)  # Powertools leaves out a None default
        for bound in ("minimum", "maximum"):  # Powertools' OpenAPI models hold bounds as floats
            if bound in expected:
                expected[bound] = float(expected[bound])
        assert parameter.schema() == expected, parameter
