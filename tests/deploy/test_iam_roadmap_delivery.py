"""The roadmap delivery function's IAM policy covers the AWS calls of its flows (recorded as in
`test_iam_covers_calls.py`): an issue imported from Jira created in Aha! and renamed, a status change
delivered, the sweep; and the writers' outbox calls (webhook, send) stay within theirs."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.schedules import ScheduleRunner
from aha_jira_dev.local_stack.template import Template
from tests.deploy.test_iam_covers_calls import Call_, _denied, recorded  # noqa: F401 - `recorded` is a fixture
from tests.integration.roadmap.conftest import AhaSite, aha_site, roadmap_env  # noqa: F401 - fixtures
from tests.integration.webhooks.test_imports import engineer_creates, story


def test_every_aws_call_of_the_roadmap_delivery_is_allowed(
    translated: dict[str, Any],
    recorded: list[Call_],  # noqa: F811 - the fixture imported above
    aha_site: AhaSite,  # noqa: F811 - the fixture imported above
    repo_template: Template,
    handler_registry: HandlerRegistry,
) -> None:
    created, _ = engineer_creates(aha_site, story("Audit the calls"))
    aha_site.deliver()  # created in Aha!, renamed, its write-back queued
    SimulatorClient(aha_site.sim.base_url).engineer_transition(created["key"], "In Progress")
    aha_site.settle()
    aha_site.deliver()
    runner = ScheduleRunner(repo_template, handlers=handler_registry)
    [sweep] = [s for s in runner.schedules if s.function.name == "roadmap_delivery"]
    runner.fire(sweep)

    by_function = {function for function, *_ in recorded}
    assert {"RoadmapDeliveryFunction", "JiraWebhookFunction"} <= by_function
    delivery = {
        (action, resource)
        for function, action, resource, _ in recorded
        if function == "RoadmapDeliveryFunction"
    }
    assert {
        ("dynamodb:UpdateItem", "RoadmapEventsTable"),
        ("dynamodb:DeleteItem", "IssueLinksTable"),  # the rename
        ("dynamodb:Query", "RoadmapEventsTable/index/pending"),  # the sweep
        ("secretsmanager:GetSecretValue", "secret:integrations"),
        ("sqs:SendMessage", "RetryQueue"),  # the renamed record's write-back
    } <= delivery
    assert _denied(translated, recorded) == []
