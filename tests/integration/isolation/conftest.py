"""`world`: two tenants on two Jira simulators behind one local gateway, for the module (see
`tests/fuzz/world.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.template import Template
from tests.fuzz.world import World, in_process_world


@pytest.fixture(scope="module")
def world(repo_template: Template, handler_registry: HandlerRegistry, moto_endpoint: str) -> Iterator[World]:
    with in_process_world(repo_template, handler_registry, moto_endpoint) as running:
        yield running
