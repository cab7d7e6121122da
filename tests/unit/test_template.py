"""template.yaml declares what DESIGN.md "Deployment" requires."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from aha_jira_dev.local_stack.gateway_responses import ResponseType, render
from aha_jira_dev.local_stack.template import Template, load_template
from tests.fixtures.aws import TEMPLATE_PATH

CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653]  # fmt: skip

REST_PROXY_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}

EXPECTED_TABLES: dict[str, dict[str, Any]] = {
    "IntegrationsTable": {
        "keys": ["pk", "sk"],
        "indexes": {"gsi1": ["gsi1pk", "gsi1sk"]},
        "ttl": "expires_at",
    },
    "FeaturesTable": {
        "keys": ["pk", "sk"],
        "indexes": {"gsi1": ["gsi1pk", "gsi1sk"], "gsi2": ["gsi2pk", "gsi2sk"]},
        "ttl": None,
    },
    "IssueLinksTable": {"keys": ["pk", "sk"], "indexes": {"gsi1": ["gsi1pk", "gsi1sk"]}, "ttl": None},
    "WebhookDeliveriesTable": {"keys": ["pk"], "indexes": {}, "ttl": "expires_at"},
    "RateBudgetTable": {"keys": ["pk", "sk"], "indexes": {}, "ttl": "expires_at"},
    # The roadmap events outbox; `pending`: the events waiting for delivery (the sweep's index).
    "RoadmapEventsTable": {
        "keys": ["pk", "sk"],
        "indexes": {"pending": ["sweep_pk", "sweep_sk"]},
        "ttl": "expires_at",
    },
    "ReleaseSendsTable": {"keys": ["pk", "sk"], "indexes": {}, "ttl": "expires_at"},
}


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(TEMPLATE_PATH)


def _resources(template: Template, resource_type: str) -> dict[str, Mapping[str, Any]]:
    return {lid: r for lid, r in template.resources.items() if r["Type"] == resource_type}


def test_sam_transform_and_parameters(template: Template) -> None:
    document = template.document
    assert document["Transform"] == "AWS::Serverless-2016-10-31"
    parameters = document["Parameters"]
    assert parameters["Stage"]["Default"] == "v1"
    assert parameters["LogRetentionDays"]["Default"] == 30
    assert parameters["LogRetentionDays"]["AllowedValues"] == CLOUDWATCH_RETENTION_DAYS
    assert parameters["AlarmEmail"]["Default"] == ""


def test_functions_run_python313_on_arm64_with_the_shared_layer(template: Template) -> None:
    globals_ = template.document["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Layers"] == [{"Ref": "CommonLayer"}]
    # Tracing is switchable by a parameter (default off: no X-Ray cost or SDK on the cold path).
    assert globals_["Tracing"] == {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}
    assert template.document["Conditions"]["TracingEnabled"] == {
        "Fn::Equals": [{"Ref": "EnableTracing"}, "true"]
    }
    assert template.document["Parameters"]["EnableTracing"]["Default"] == "false"
    api_tracing = template.resources["Api"]["Properties"]["TracingEnabled"]
    assert api_tracing == {"Fn::If": ["TracingEnabled", True, False]}
    assert globals_["LoggingConfig"]["LogFormat"] == "JSON"
    variables = globals_["Environment"]["Variables"]
    for name, table in (
        ("INTEGRATIONS_TABLE", "IntegrationsTable"),
        ("FEATURES_TABLE", "FeaturesTable"),
        ("ISSUE_LINKS_TABLE", "IssueLinksTable"),
        ("WEBHOOK_DELIVERIES_TABLE", "WebhookDeliveriesTable"),
        ("RATE_BUDGET_TABLE", "RateBudgetTable"),
    ):
        assert variables[name] == {"Ref": table}
    assert variables["RETRY_QUEUE_URL"] == {"Ref": "RetryQueue"}
    assert variables["SECRETS_PREFIX"] == {"Fn::Sub": "aha-jira/${AWS::StackName}"}
    assert variables["ALLOW_HTTP_LOOPBACK"] == "false"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "aha-jira"

    layer = template.resources["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/common/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    # layers/common/Makefile: PyPI wheels for the platform and bytecode (tests/deploy builds it).
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}

    for function in template.functions.values():
        assert function.handler_file.is_file(), function.logical_id
        properties = template.resources[function.logical_id]["Properties"]
        assert properties.get("Runtime", "python3.13") == "python3.13"
        assert "Architectures" not in properties or properties["Architectures"] == ["arm64"]


@pytest.mark.parametrize("logical_id", sorted(EXPECTED_TABLES))
def test_tables_keys_indexes_ttl_and_protection(template: Template, logical_id: str) -> None:
    resource = template.resources[logical_id]
    expected = EXPECTED_TABLES[logical_id]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    table = template.tables[logical_id]
    assert table.billing_mode == "PAY_PER_REQUEST"
    assert table.point_in_time_recovery
    assert table.properties["SSESpecification"] == {"SSEEnabled": True}
    assert [k["AttributeName"] for k in table.key_schema] == expected["keys"]
    assert [k["KeyType"] for k in table.key_schema] == ["HASH", "RANGE"][: len(expected["keys"])]
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in table.global_secondary_indexes
    }
    assert indexes == expected["indexes"]
    assert all(index["Projection"]["ProjectionType"] == "ALL" for index in table.global_secondary_indexes)
    declared = {a["AttributeName"]: a["AttributeType"] for a in table.attribute_definitions}
    used = set(expected["keys"]) | {name for names in expected["indexes"].values() for name in names}
    assert declared == dict.fromkeys(used, "S")
    assert table.ttl_attribute == expected["ttl"]


def test_retry_queue_redrives_to_a_dead_letter_queue(template: Template) -> None:
    retry = template.queues["RetryQueue"]
    assert retry.dead_letter_queue == "RetryDeadLetterQueue"
    assert retry.max_receive_count == 5
    assert retry.properties["SqsManagedSseEnabled"] is True
    consumers = [s.function for s in template.sqs_event_sources if s.queue == "RetryQueue"]
    longest = max(
        [template.functions[f].timeout_seconds for f in consumers]
        or [template.document["Globals"]["Function"]["Timeout"]]
    )
    assert retry.visibility_timeout >= 6 * longest
    dead = template.queues["RetryDeadLetterQueue"]
    assert dead.properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dead.properties["SqsManagedSseEnabled"] is True


def test_roadmap_deliveries_redrive_to_their_dead_letter_queue_under_an_alarm(template: Template) -> None:
    queue = template.queues["RoadmapDeliveryQueue"]
    assert queue.dead_letter_queue == "RoadmapDeliveryDLQ"
    assert queue.max_receive_count == 8
    consumers = [s.function for s in template.sqs_event_sources if s.queue == "RoadmapDeliveryQueue"]
    assert consumers == ["RoadmapDeliveryFunction"]
    worker = template.resources["RoadmapDeliveryFunction"]["Properties"]
    assert worker["Environment"]["Variables"]["ROADMAP_MAX_ATTEMPTS"] == str(queue.max_receive_count)
    assert queue.visibility_timeout >= 6 * template.functions["RoadmapDeliveryFunction"].timeout_seconds
    dead = template.queues["RoadmapDeliveryDLQ"]
    assert dead.properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = template.resources["RoadmapDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RoadmapDeliveryDLQ", "QueueName"]}}
    ]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # The sweep: a schedule on the same function.
    schedule = worker["Events"]["Sweep"]
    assert schedule["Type"] == "Schedule" and schedule["Properties"]["Schedule"] == "rate(1 minute)"


def test_the_release_queue_redrives_to_its_dead_letter_queue_and_caps_its_workers(template: Template) -> None:
    release = template.queues["ReleaseQueue"]
    assert release.dead_letter_queue == "ReleaseDeadLetterQueue"
    assert release.max_receive_count == 5
    assert release.properties["SqsManagedSseEnabled"] is True
    [source] = [s for s in template.sqs_event_sources if s.queue == "ReleaseQueue"]
    assert source.function == "ReleaseWorkerFunction" and source.report_batch_item_failures
    # A running feature's lease is the worker's deadline plus 30 s (releases/worker.py): a message that
    # comes back after a crash must find it run out, so the visibility timeout outlasts both.
    assert release.visibility_timeout >= 6 * template.functions[source.function].timeout_seconds
    assert release.visibility_timeout > template.functions[source.function].timeout_seconds + 30
    # MaximumConcurrency (the parameter's default locally): the release never takes the account's concurrency.
    assert source.maximum_concurrency == int(
        template.document["Parameters"]["ReleaseWorkerConcurrency"]["Default"]
    )
    assert 2 <= source.maximum_concurrency <= 10
    dead = template.queues["ReleaseDeadLetterQueue"]
    assert dead.properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = template.resources["ReleaseDeadLetterQueueAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReleaseDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["Threshold"] == 0 and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_an_alarm_watches_the_dead_letter_queue(template: Template) -> None:
    alarm = template.resources["DeadLetterQueueAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RetryDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == 0
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = template.resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_every_function_has_a_log_group_with_retention(template: Template) -> None:
    log_groups = _resources(template, "AWS::Logs::LogGroup")
    by_name = {
        str(group["Properties"]["LogGroupName"].get("Fn::Sub")): lid for lid, group in log_groups.items()
    }
    for logical_id in template.functions:
        group_id = by_name[f"/aws/lambda/${{{logical_id}}}"]
        assert log_groups[group_id]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for group in log_groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    api = template.resources["Api"]["Properties"]
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


def test_saved_queries_cover_every_function_log_group(template: Template) -> None:
    queries = _resources(template, "AWS::Logs::QueryDefinition")
    names = {q["Properties"]["Name"]["Fn::Sub"].rsplit("/", 1)[-1] for q in queries.values()}
    assert names == {
        "integration log",
        "failures with hints",
        "reference or jira key",
        "webhook outcomes by reason",
        "retries and dead letters",
        "failures by integration",
        "failed roadmap deliveries",
    }
    function_groups = {
        lid
        for lid, group in _resources(template, "AWS::Logs::LogGroup").items()
        if str(group["Properties"]["LogGroupName"].get("Fn::Sub", "")).startswith("/aws/lambda/")
    }
    for query in queries.values():
        groups = {g["Ref"] for g in query["Properties"]["LogGroupNames"]}
        assert groups == function_groups
        text = query["Properties"]["QueryString"]
        assert "integration_id" in text
        assert "sort" in text or "stats" in text


def test_management_routes_require_the_api_key(template: Template) -> None:
    api = template.resources["Api"]["Properties"]
    assert api["Auth"]["ApiKeyRequired"] is True
    # The usage plan and key are the template's own (ApiUsagePlan, ApiKey: the key's value can come from the
    # ApiKeyValue parameter), attached to the API's stage.
    assert api["Auth"]["UsagePlan"]["CreateUsagePlan"] == "NONE"
    plan = template.resources["ApiUsagePlan"]["Properties"]
    assert plan["ApiStages"] == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Api.Stage"}}]
    key = template.resources["ApiUsagePlanKey"]["Properties"]
    assert key == {"KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "ApiUsagePlan"}}
    assert api["StageName"] == {"Ref": "Stage"}
    routes = {(r.method, r.path): r.api_key_required for r in template.routes}
    for method, path in (
        ("PUT", "/integrations/{integration_id}"),
        ("GET", "/integrations/{integration_id}"),
        ("GET", "/integrations"),
        ("DELETE", "/integrations/{integration_id}"),
    ):
        assert routes[(method, path)] is True
    for (_, path), required in routes.items():
        # Jira's routes authenticate the caller; the API description is public (docs/decisions.md); the admin
        # console's page and assets hold no secret (the API calls the page makes carry the key).
        public = path == "/admin" or path.startswith(
            ("/webhooks/", "/connect/", "/atlassian-connect.json", "/openapi.json", "/swagger", "/admin/")
        )
        assert required is not public, path


def test_secrets_policy_is_limited_to_the_stack_prefix(template: Template) -> None:
    policies = template.resources["IntegrationsFunction"]["Properties"]["Policies"]
    statements = [s for p in policies if "Statement" in p for s in p["Statement"]]
    secrets = [s for s in statements if any(a.startswith("secretsmanager:") for a in s["Action"])]
    assert secrets
    prefix = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:aha-jira/${AWS::StackName}/"
    for statement in secrets:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for resource in resources:
            assert resource["Fn::Sub"].startswith(prefix), resource


def test_outputs(template: Template) -> None:
    outputs = template.document["Outputs"]
    assert set(outputs) >= {
        "ApiUrl",
        "WebhookUrlBase",
        "ApiKeyId",
        "RetryQueueUrl",
        "DeadLetterQueueUrl",
        "AlarmTopicArn",
    }
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"
    }
    webhook_base = outputs["WebhookUrlBase"]["Value"]["Fn::If"]
    assert webhook_base[1] == {"Fn::Sub": "${PublicBaseUrl}/webhooks/jira/"}
    assert webhook_base[2]["Fn::Sub"].endswith("/${Stage}/webhooks/jira/")
    assert outputs["ApiKeyId"]["Value"] == {"Ref": "ApiKey"}
    descriptor = outputs["ConnectDescriptorUrl"]["Value"]["Fn::If"]
    assert descriptor[1] == {"Fn::Sub": "${PublicBaseUrl}/atlassian-connect.json"}
    assert descriptor[2]["Fn::Sub"].endswith("/${Stage}/atlassian-connect.json")
    assert outputs["DeadLetterQueueName"]["Value"] == {"Fn::GetAtt": ["RetryDeadLetterQueue", "QueueName"]}


def test_who_we_are_is_set_on_the_api_stage_not_taken_from_requests(template: Template) -> None:
    """DESIGN.md "Who we are": the template sets the public base URL (the PublicBaseUrl parameter, or the API's
    own execute-api URL with the stage) as a stage variable, which API Gateway adds to every event; a function
    environment variable could not name the API (the API's definition names the functions: a cycle)."""
    document = template.document
    parameter = document["Parameters"]["PublicBaseUrl"]
    assert parameter["Default"] == ""
    variables = template.resources["Api"]["Properties"]["Variables"]
    assert variables["publicBaseUrl"] == {
        "Fn::If": [
            "HasPublicBaseUrl",
            {"Ref": "PublicBaseUrl"},
            {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"},
        ]
    }
    assert document["Outputs"]["PublicBaseUrl"]["Value"]["Fn::If"][1:] == [
        variables["publicBaseUrl"]["Fn::If"][1],
        variables["publicBaseUrl"]["Fn::If"][2],
    ]
    # No function is told to work it out from its requests (the old empty PUBLIC_BASE_URL).
    for logical_id, function in template.functions.items():
        assert "PUBLIC_BASE_URL" not in function.environment, logical_id


def _event_kind(event: dict[str, Any]) -> str:
    if "Records" in event:
        return "sqs"
    return "schedule" if event.get("source") == "aws.events" else "api"


def _event_files(kind: str) -> list[str]:
    """Sample events by kind: SQS events have `Records`, scheduled events come from `aws.events`, API events
    are REST proxy events."""
    return [
        path.name
        for path in sorted((TEMPLATE_PATH.parent / "events").glob("*.json"))
        if _event_kind(json.loads(path.read_text())) == kind
    ]


@pytest.mark.parametrize("event_file", _event_files("sqs"))
def test_sample_sqs_events_match_a_template_event_source(template: Template, event_file: str) -> None:
    event = json.loads((TEMPLATE_PATH.parent / "events" / event_file).read_text())
    queues = {source.queue for source in template.sqs_event_sources}
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].rsplit(":", 1)[-1] in queues
        assert {"messageId", "receiptHandle", "body", "attributes", "md5OfBody", "awsRegion"} <= set(record)


@pytest.mark.parametrize("event_file", _event_files("schedule"))
def test_sample_scheduled_events_are_eventbridges_for_a_schedule_of_the_template(
    template: Template, event_file: str
) -> None:
    event = json.loads((TEMPLATE_PATH.parent / "events" / event_file).read_text())
    assert event["detail-type"] == "Scheduled Event" and event["detail"] == {}
    assert {"version", "id", "account", "time", "region", "resources"} <= set(event)
    scheduled = [
        name
        for name, resource in template.resources.items()
        if any(
            (spec.get("Type") in {"Schedule", "ScheduleV2"})
            for spec in ((resource.get("Properties") or {}).get("Events") or {}).values()
        )
    ]
    assert any(event["resources"][0].endswith(f"rule/aha-jira-{name}Sweep") for name in scheduled), scheduled


def test_the_reconcile_runs_on_a_schedule_the_stack_can_change(template: Template) -> None:
    function = template.resources["ReconcileFunction"]["Properties"]
    assert function["Events"]["Sweep"]["Type"] == "Schedule"
    assert function["Events"]["Sweep"]["Properties"]["Schedule"] == {"Ref": "ReconcileSchedule"}
    assert template.document["Parameters"]["ReconcileSchedule"]["Default"] == "rate(5 minutes)"


@pytest.mark.parametrize("event_file", _event_files("api"))
def test_sample_events_are_rest_proxy_events_of_template_routes(template: Template, event_file: str) -> None:
    event = json.loads((TEMPLATE_PATH.parent / "events" / event_file).read_text())
    assert set(event) == REST_PROXY_KEYS
    route = next(r for r in template.routes if r.match(event["httpMethod"], event["path"]) is not None)
    assert event["resource"] == route.path == event["requestContext"]["resourcePath"]
    assert event["pathParameters"] == (route.match(event["httpMethod"], event["path"]) or None)
    assert event["requestContext"]["stage"] == "v1"
    assert event["requestContext"]["path"] == "/v1" + event["path"]
    for name, values in (event["multiValueHeaders"] or {}).items():
        assert event["headers"][name] == values[-1]
    if route.api_key_required:
        assert event["headers"]["x-api-key"] == event["requestContext"]["identity"]["apiKey"]
    parsed = APIGatewayProxyEvent(event)
    assert parsed.http_method == event["httpMethod"]
    assert parsed.request_context.stage == "v1"


# API Gateway's own answers: the status each must have, and the code of the error shape it answers.
GATEWAY_RESPONSES: dict[str, tuple[int | None, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found"),  # an unknown route or method (DESIGN: 404)
    "INVALID_API_KEY": (403, "forbidden"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large"),
    "THROTTLED": (429, "throttled"),
    "QUOTA_EXCEEDED": (429, "quota_exceeded"),
    "INTEGRATION_TIMEOUT": (504, "timeout"),
    # The defaults keep each type's own status: a StatusCode here would change every 4XX (5XX) answer.
    "DEFAULT_4XX": (None, "request_refused"),
    "DEFAULT_5XX": (None, "internal_error"),
}


def test_api_gateway_answers_in_the_error_shape(template: Template) -> None:
    responses = template.resources["Api"]["Properties"]["GatewayResponses"]
    assert set(responses) == set(GATEWAY_RESPONSES)
    for name, (status, code) in GATEWAY_RESPONSES.items():
        entry = responses[name]
        assert set(entry) <= {"StatusCode", "ResponseTemplates", "ResponseParameters"}, name
        assert (int(entry["StatusCode"]) if "StatusCode" in entry else None) == status, name
        assert isinstance(entry.get("StatusCode", ""), str), f"{name}: StatusCode is a string in the API"
        body_template = entry["ResponseTemplates"]["application/json"]
        # API Gateway's own message can quote a caller's Authorization header: never echoed.
        assert "$context.error.message" not in body_template, name
        kind = ResponseType(name, status or 400, 'A message with "quotes" and \\ in it', "Exception")
        body = json.loads(render(body_template, kind, "c0ffee00-0000-4000-8000-000000000000"))
        assert list(body) == ["error"], name
        assert list(body["error"]) == ["code", "message", "hint"], name
        assert body["error"]["code"] == code, name
        assert all(isinstance(value, str) and value.strip() for value in body["error"].values()), name
        assert "$context" not in json.dumps(body), name
