"""What the local stack derives from a SAM template: routes, event sources, handlers, environment."""

from __future__ import annotations

import pytest

from aha_jira_dev.local_stack.template import Template, TemplateError, load_yaml


def test_short_tags_become_intrinsics() -> None:
    document = load_yaml(
        "A: !Ref X\nB: !GetAtt Q.Arn\nC: !Sub 'a-${AWS::Region}'\nD: !Join [',', [a, b]]\n"
        "E: !If [Cond, 1, 2]\nF: !GetAtt [Q, QueueName]\n"
    )
    assert document == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["Q", "Arn"]},
        "C": {"Fn::Sub": "a-${AWS::Region}"},
        "D": {"Fn::Join": [",", ["a", "b"]]},
        "E": {"Fn::If": ["Cond", 1, 2]},
        "F": {"Fn::GetAtt": ["Q", "QueueName"]},
    }


def test_routes_of_the_fixture_template(fixture_template: Template) -> None:
    routes = {(r.method, r.path): r for r in fixture_template.routes}
    assert set(routes) == {
        ("GET", "/things"),
        ("GET", "/things/{thing_id}"),
        ("GET", "/things/special"),
        ("POST", "/things/{thing_id}/parts/{part_id}"),
        ("ANY", "/files/{proxy+}"),
        ("POST", "/public/{token}"),
    }
    assert routes[("POST", "/public/{token}")].api_key_required is False
    assert routes[("GET", "/things")].api_key_required is True
    assert routes[("ANY", "/files/{proxy+}")].match("PATCH", "/files/a/b") == {"proxy": "a/b"}
    assert routes[("GET", "/things/{thing_id}")].match("GET", "/things/a/b") is None
    # literal segments first
    order = [r.path for r in fixture_template.routes]
    assert order.index("/things/special") < order.index("/things/{thing_id}")
    assert fixture_template.binary_media_types == ["application/octet-stream", "image/*"]
    assert fixture_template.stage_name == "test"


def test_functions_by_logical_id_or_folder_name(fixture_template: Template) -> None:
    echo = fixture_template.function("echo")
    assert echo is not None
    assert echo == fixture_template.function("EchoFunction")
    assert echo.handler_module == "app"
    assert echo.handler_function == "handler"
    assert echo.handler_file.name == "app.py"
    assert echo.timeout_seconds == 5
    assert echo.memory_mb == 256
    with pytest.raises(TemplateError, match="no function"):
        fixture_template.function("missing")


def test_environment_resolution(fixture_template: Template) -> None:
    environment = fixture_template.environment(
        "EchoFunction",
        refs={"ThingsTable": "ThingsTable", "WorkQueue": "http://q/WorkQueue"},
        attributes={"WorkQueue": {"Arn": "arn:aws:sqs:us-east-1:123456789012:WorkQueue"}},
    )
    assert environment == {
        "THINGS_TABLE": "ThingsTable",
        "WORK_QUEUE_URL": "http://q/WorkQueue",
        "WORK_QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:WorkQueue",
        "SECRETS_PREFIX": "fixture/aha-jira-local/us-east-1/123456789012",
        "PLAIN": "plain",
        "ONLY_ECHO": "yes",
    }
    with pytest.raises(TemplateError, match="cannot resolve"):
        fixture_template.environment("EchoFunction", refs={})


def test_the_repository_template_for_the_local_stack(repo_template: Template) -> None:
    integrations = repo_template.function("integrations")
    assert integrations.logical_id == "IntegrationsFunction"
    assert integrations.handler_file.is_file()
    assert repo_template.stage_name == "v1"
    assert repo_template.binary_media_types == ["multipart/form-data", "application/octet-stream"]
    redriven = {q: repo_template.queues[q].dead_letter_queue for q in repo_template.queues}
    assert {q: dead for q, dead in redriven.items() if dead} == {
        "RetryQueue": "RetryDeadLetterQueue",
        "RoadmapDeliveryQueue": "RoadmapDeliveryDLQ",
        "ReleaseQueue": "ReleaseDeadLetterQueue",
    }
