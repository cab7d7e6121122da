"""What every refusal of bad input is checked for: the status, the error shape and code, the key named,
no traceback, and nothing written anywhere (tables, secrets, queues)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests import moto_state
from tests.api_events import invoke, rest_event

RawCall = Callable[..., tuple[int, Any]]
# A Python exception's name in an answer means one escaped: our codes are snake_case.
_EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")


def stored_state(resources: LocalResources) -> str:
    """Every item of every table, every secret with its value, and every queue's message count, as text (read
    from the in-process moto: `tests/moto_state.py`)."""
    tables = moto_state.table_items()
    items = [item for table in sorted(resources.table_names.values()) for item in tables.get(table, [])]
    secrets = moto_state.secrets()
    queued = moto_state.queue_messages()
    return json.dumps(
        {
            "items": items,
            "secrets": {name: (secret.value, secret.marks) for name, secret in sorted(secrets.items())},
            "queued": {
                url: queued.get(url.rsplit("/", 1)[-1]) for url in sorted(resources.queue_urls.values())
            },
        },
        sort_keys=True,
        default=str,
    )


def assert_refused(status: int, body: Any, *, expected: int, code: str | None = None, key: str = "") -> None:
    """A 4xx in the `{"error": {"code", "message", "hint"}}` shape, naming `key`, with no traceback."""
    assert status == expected, body
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "hint"} <= set(error) <= {"code", "message", "hint", "details"}, error
    assert all(isinstance(error[part], str) and error[part] for part in ("code", "message", "hint")), error
    if code is not None:
        assert error["code"] == code, error
    if key:
        named = [error["message"], *(detail.get("path", "") for detail in error.get("details", []))]
        assert any(key in text for text in named), error
    text = json.dumps(body)
    assert "Traceback" not in text and 'File \\"' not in text, text
    assert not _EXCEPTION_NAME.search(text), text


@pytest.fixture
def call_raw(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> RawCall:
    """Like `call_api`, with the request's headers in the caller's hands and the body sent as given
    (bytes as they are, anything else as JSON)."""

    def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: list[tuple[str, str]] | None = None,
    ) -> tuple[int, Any]:
        event = rest_event(repo_template, method, path, body=body, query=query, headers=headers)
        declared = any(name.lower() == "content-type" for name in headers or {})
        if headers is not None and not declared and body is not None:
            # rest_event labels every body JSON; a test that leaves the header out means none at all.
            event["headers"].pop("Content-Type", None)
            event["multiValueHeaders"].pop("Content-Type", None)
        route = next(
            route for route in repo_template.routes if route.match(method, path.split("?", 1)[0]) is not None
        )
        result = invoke(repo_template, handler_registry.handler(route.function), route.function, event)
        text = result.get("body") or ""
        return result["statusCode"], (json.loads(text) if text else None)

    return call
