from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aha_jira.integration_log import logger

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.api_events import invoke, rest_event

Call = Callable[..., tuple[int, Any]]


@pytest.fixture
def call_api(aws: LocalResources, repo_template: Template, handler_registry: HandlerRegistry) -> Call:
    """Invoke the function that serves a route in-process with a REST proxy event; (status, JSON body)."""

    def call(
        method: str, path: str, body: Any = None, query: list[tuple[str, str]] | None = None
    ) -> tuple[int, Any]:
        event = rest_event(repo_template, method, path, body=body, query=query)
        route = next(
            route for route in repo_template.routes if route.match(method, path.split("?")[0]) is not None
        )
        handler = handler_registry.handler(route.function)
        result = invoke(repo_template, handler, route.function, event)
        text = result.get("body") or ""
        return result["statusCode"], (json.loads(text) if text else None)

    return call


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the integration log writes during a test, formatted exactly as in Lambda."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    target = logging.getLogger(logger.service)
    target.addHandler(handler)
    try:
        yield stream
    finally:
        target.removeHandler(handler)
