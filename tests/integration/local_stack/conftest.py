"""Fixtures for the local stack's own tests: a small template with an echo function and an SQS worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aha_jira_dev.local_stack.environment import functions_environment
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources, provision
from aha_jira_dev.local_stack.template import Template, load_template
from tests.fixtures.aws import reset_moto

FIXTURE_TEMPLATE = Path(__file__).parent / "fixture_stack" / "template.yaml"
FIXTURE_API_KEY = "fixture-api-key"


@pytest.fixture(scope="session")
def fixture_template() -> Template:
    return load_template(FIXTURE_TEMPLATE)


@pytest.fixture(scope="session")
def fixture_handlers(fixture_template: Template) -> HandlerRegistry:
    return HandlerRegistry(fixture_template)


@pytest.fixture
def fixture_resources(moto_endpoint: str, fixture_template: Template) -> LocalResources:
    """A clean moto with the fixture template's table and queues."""
    reset_moto(moto_endpoint)
    return provision(fixture_template, moto_endpoint)


@pytest.fixture
def fixture_environment(
    monkeypatch: pytest.MonkeyPatch, fixture_template: Template, fixture_resources: LocalResources
) -> dict[str, str]:
    environment = functions_environment(fixture_template, fixture_resources)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment


@pytest.fixture
def fixture_gateway(
    fixture_environment: dict[str, str], fixture_template: Template, fixture_handlers: HandlerRegistry
) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(
        fixture_template, api_key=FIXTURE_API_KEY, handlers=fixture_handlers, max_payload_bytes=64 * 1024
    ) as gateway:
        yield gateway
