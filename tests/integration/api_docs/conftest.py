"""The API's description as `make run` serves it: `GET /openapi.json` through the local gateway, no API key."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aha_jira_dev.local_stack.gateway import LocalApiGateway

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.fixture
def described(gateway: LocalApiGateway) -> dict[str, Any]:
    answer = requests.get(f"{gateway.url}/openapi.json", timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("application/json")
    document: dict[str, Any] = answer.json()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path template) → operation."""
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }
