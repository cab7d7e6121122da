"""The handlers sit on top of the layers (docs/architecture.md "Layers"). They are not a package, so
`lint-imports` does not see them: each `functions/*/app.py` may import only the composition root (`wiring`,
where it gets every adapter), the HTTP plumbing (`http_api`), use cases, models, errors, settings and the
integration log's scope and logger (the `aha_jira.integration_log` package itself). Never an adapter
(`storage`, `jira`, the log reader), a port or anything else it would have to build itself."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


def _top_layers() -> list[str]:
    """The packages of the two top layers of the import-linter contract (composition and HTTP, use cases)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(contract for contract in config["contracts"] if contract["id"] == "layers")["layers"]
    return [name.strip("() ") for layer in layers[:2] for name in re.split(r"[|:]", layer)]


ALLOWED_PACKAGES = tuple(f"aha_jira.{name}" for name in [*_top_layers(), "models"])
ALLOWED_MODULES = frozenset({"aha_jira.errors", "aha_jira.settings", "aha_jira.integration_log"})
HANDLERS = sorted(FUNCTIONS.glob("*/app.py"))


def imported_modules(source: str) -> set[str]:
    """Every `aha_jira` module the source imports, at module level or inside a function
    (`from aha_jira import wiring` imports `aha_jira.wiring`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "aha_jira":
                found |= {f"aha_jira.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return {name for name in found if name == "aha_jira" or name.startswith("aha_jira.")}


def not_allowed(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if name not in ALLOWED_MODULES
        and not any(name == package or name.startswith(package + ".") for package in ALLOWED_PACKAGES)
    )


def test_every_function_has_a_handler_and_the_use_cases_are_read_from_the_contract() -> None:
    assert len(HANDLERS) >= 5, HANDLERS
    assert {"aha_jira.wiring", "aha_jira.http_api", "aha_jira.sync", "aha_jira.webhooks"} <= set(
        ALLOWED_PACKAGES
    )


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda path: path.parent.name)
def test_a_handler_imports_only_wiring_http_use_cases_models_and_the_log_scope(handler: Path) -> None:
    modules = imported_modules(handler.read_text(encoding="utf-8"))
    assert not_allowed(modules) == [], f"{handler.parent.name}: import these through wiring or a use case"


# Functions that reach no AWS service, Jira or Aha!: they serve what ships with them (the API's description,
# the admin console's page), so they have no adapter to take from wiring.
WITHOUT_ADAPTERS = {"api_docs", "admin_console"}


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda path: path.parent.name)
def test_a_handler_gets_its_adapters_from_wiring(handler: Path) -> None:
    uses_wiring = "aha_jira.wiring" in imported_modules(handler.read_text(encoding="utf-8"))
    assert uses_wiring is (handler.parent.name not in WITHOUT_ADAPTERS)


def test_the_check_refuses_an_adapter_a_port_or_a_log_module() -> None:
    source = """
from aha_jira import wiring
from aha_jira.storage.secrets import SecretsManagerStore
from aha_jira.models.feature import SendFeatureBody
import aha_jira.jira.client

def handler():
    from aha_jira.integration_log.reader import InsightsLogReader
    from aha_jira.ports import SecretStore
    from aha_jira.integration_log import log_scope
"""
    assert not_allowed(imported_modules(source)) == [
        "aha_jira.integration_log.reader",
        "aha_jira.jira.client",
        "aha_jira.ports",
        "aha_jira.storage.secrets",
    ]


MAX_MODULE_LINES = 500  # past it a module has more than one reason to change: split it by concern


def test_no_module_of_the_layer_is_over_500_lines() -> None:
    layer = ROOT / "layers" / "common" / "aha_jira"
    long = {
        path.relative_to(layer).as_posix(): lines
        for path in sorted(layer.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these by concern (docs/architecture.md): {long}"
