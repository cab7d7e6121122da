"""Least privilege, read from the template as CloudFormation will see it (translated by samtranslator).

For every function's execution role (SAM's generated `<Function>Role` or the function's own `Role`), with
its inline policies and every `AWS::IAM::Policy`, `AWS::IAM::RolePolicy` and customer-managed
`AWS::IAM::ManagedPolicy` attached to it (by `Roles`, `RoleName` or the role's `ManagedPolicyArns`):

- no `*` or `?` in any `Action` (no `dynamodb:*`, no `dynamodb:Get*`, no `dynamodb:?etItem`);
- no `*` in any `Resource`, except
  - Secrets Manager ARNs under the stack's prefix and one kind (`.../secret:aha-jira/<stack>/<kind>/*`):
    Secrets Manager appends a random suffix to every secret's ARN, so a secret cannot be named exactly;
  - `Resource: "*"` for actions AWS grants on no resource: `logs:GetQueryResults` and `logs:StopQuery`
    (they take a query id, not an ARN) — `RESOURCE_STAR_ACTIONS`;
- AWS managed policies only from `ALLOWED_MANAGED_POLICIES`: `AWSLambdaBasicExecutionRole` (the function
  writes its own logs; the managed policy says `*`) and `AWSXrayWriteOnlyAccess` (X-Ray's write actions
  take no resource). Not `AWSLambdaSQSQueueExecutionRole`, which SAM attaches for an SQS event and which
  allows reading and deleting every queue's messages: the retry worker has a role of its own instead;
- each function reaches only its own tables, indexes, queues, log groups and kinds of secrets
  (`ALLOWED_RESOURCES`); nothing reaches the dead-letter queue (SQS moves messages there itself).

The decisions are in docs/decisions.md ("Deployability and least privilege").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
RESOURCE_STAR_ACTIONS = {"logs:GetQueryResults", "logs:StopQuery"}
# Secrets Manager resources: `secret:<kind>` for `.../secret:aha-jira/${AWS::StackName}/<kind>/*`.
SECRET_ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"secret:aha-jira/\$\{AWS::StackName\}/(?P<kind>[a-z-]+)/\*$"
)
# The roadmap events outbox and its delivery queue: every function whose changes are roadmap events.
_OUTBOX = {"RoadmapEventsTable", "RoadmapDeliveryQueue"}
_TABLES_FOR_SEND = {"IntegrationsTable", "FeaturesTable", "IssueLinksTable", "RetryQueue", *_OUTBOX}
LOG_GROUPS = {
    "IntegrationsLogGroup",
    "TestConnectionLogGroup",
    "SendFeatureLogGroup",
    "RetryWorkerLogGroup",
    "JiraWebhookLogGroup",
    "RoadmapDeliveryLogGroup",
    "AhaWebhookLogGroup",
    "ReconcileLogGroup",
    "ReleaseSendLogGroup",
    "ReleaseWorkerLogGroup",
}
# What each function may reach: logical ids (an index counts as its table) and `secret:<kind>`.
ALLOWED_RESOURCES: dict[str, set[str]] = {
    "IntegrationsFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "FeaturesTable",
        "secret:integrations",
        "secret:sites",
        "RoadmapEventsTable",  # the change feed; a removal's record.detached events
        *LOG_GROUPS,  # GET /integrations/{id}/log: Logs Insights over the functions' log groups
    },
    # The functions that call Jira reach the sites' request budget (RateBudgetTable).
    "TestConnectionFunction": {
        "IntegrationsTable",
        "RateBudgetTable",
        "secret:integrations",
        "secret:connect",
    },
    "SendFeatureFunction": {*_TABLES_FOR_SEND, "RateBudgetTable", "secret:integrations", "secret:connect"},
    "RetryWorkerFunction": {*_TABLES_FOR_SEND, "RateBudgetTable", "secret:integrations", "secret:connect"},
    "JiraWebhookFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "FeaturesTable",  # imports create feature records
        "WebhookDeliveriesTable",
        "RetryQueue",  # an import's write-back to Jira is queued for the retry worker
        *_OUTBOX,  # each change's roadmap events, in its transaction, and their delivery queued
        "secret:sites",
        "secret:connect",
    },
    # The roadmap connector: the outbox, the records an import created in Aha! renames, the roadmap
    # secrets, the Aha! accounts' request budget, its own queue, and the write-back of a renamed record.
    "RoadmapDeliveryFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "FeaturesTable",
        "RateBudgetTable",
        "RetryQueue",
        *_OUTBOX,
        "secret:integrations",
    },
    # Aha!'s webhooks: the token's integration, the records' links and what was sent, the deliveries
    # recorded, the sends queued; no secret (nothing is asked of Aha!).
    "AhaWebhookFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "FeaturesTable",
        "WebhookDeliveriesTable",
        "RetryQueue",
    },
    # The scheduled reconcile: it reads the integrations and calls Jira as a send would, and repairs records
    # through the webhook's transaction (a delivery record with each repair).
    "ReconcileFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "WebhookDeliveriesTable",
        "RateBudgetTable",
        "secret:integrations",
        "secret:connect",
        *_OUTBOX,  # a repair's roadmap events, in the webhook's transaction
    },
    # The API's description: no AWS resource at all (its own logs through AWSLambdaBasicExecutionRole).
    "ApiDocsFunction": set(),
    # A web page and its assets from the function's own folder: no table, queue, secret or log query.
    "AdminConsoleFunction": set(),
    # Release sends: the API stores the send and queues its fan-out; a dry run reads the links, the lookup
    # cache and (for a user the cache forgot) Jira through the site's budget; an empty body reads Aha! with
    # the integration's roadmap key (secret:integrations).
    "ReleaseSendFunction": {
        "IntegrationsTable",
        "IssueLinksTable",
        "ReleaseSendsTable",
        "ReleaseQueue",
        "RateBudgetTable",
        "secret:integrations",
        "secret:connect",
    },
    # The release worker sends features as the send function does (without the retry queue: a feature is
    # queued again on the release queue) and moves each feature's state in the release sends table.
    "ReleaseWorkerFunction": {
        "IntegrationsTable",
        "FeaturesTable",
        "IssueLinksTable",
        "RateBudgetTable",
        "ReleaseSendsTable",
        "ReleaseQueue",
        "secret:integrations",
        "secret:connect",
        *_OUTBOX,  # a sent feature's roadmap events (linked), in the send's transaction
    },
}
NEVER_USED_ACTIONS = {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:CreateTable", "sqs:PurgeQueue"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_id(resources: dict[str, Any], function_id: str) -> str:
    role = resources[function_id]["Properties"]["Role"]
    assert isinstance(role, dict) and "Fn::GetAtt" in role, f"{function_id}: role {role!r}"
    logical_id: str = role["Fn::GetAtt"][0]
    return logical_id


def _statements(resources: dict[str, Any], role_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(policy name, statement) of the role's inline policies and of the policies attached to it."""
    for policy in resources[role_id]["Properties"].get("Policies", []):
        for statement in _as_list(policy["PolicyDocument"]["Statement"]):
            yield policy["PolicyName"], statement
    attached_by_arn = [
        arn["Ref"]
        for arn in resources[role_id]["Properties"].get("ManagedPolicyArns", [])
        if isinstance(arn, dict) and "Ref" in arn
    ]
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        kind = resource["Type"]
        attached = (
            (
                kind in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
                and {"Ref": role_id} in properties.get("Roles", [])
            )
            or (kind == "AWS::IAM::RolePolicy" and properties.get("RoleName") == {"Ref": role_id})
            or (kind == "AWS::IAM::ManagedPolicy" and logical_id in attached_by_arn)
        )
        if attached:
            for statement in _as_list(properties["PolicyDocument"]["Statement"]):
                yield logical_id, statement


def _resource_targets(resource: Any) -> set[str]:  # noqa: PLR0911 - one return per form of resource
    """The logical ids (or `secret:<kind>`) a policy resource refers to; `*` for a bare wildcard."""
    if resource == "*":
        return {"*"}
    if isinstance(resource, str):
        return {f"literal:{resource}"}
    if "Fn::GetAtt" in resource:
        return {resource["Fn::GetAtt"][0]}
    if "Ref" in resource:
        return {resource["Ref"]}
    if "Fn::Sub" in resource:
        text, variables = (
            (resource["Fn::Sub"], {})
            if isinstance(resource["Fn::Sub"], str)
            else (resource["Fn::Sub"][0], resource["Fn::Sub"][1])
        )
        secret = SECRET_ARN.match(text)
        if secret:
            return {f"secret:{secret['kind']}"}
        targets = set()
        for name in re.findall(r"\$\{([^}]+)\}", text):
            if name.startswith("AWS::"):
                continue
            if name in variables:
                targets |= _resource_targets(variables[name])
            else:
                targets.add(name.split(".", 1)[0])
        return targets
    return {f"unknown:{json.dumps(resource)}"}


def _wildcard_problem(statement: dict[str, Any], resource: Any) -> str | None:
    actions = set(_as_list(statement["Action"]))
    if resource == "*":
        return None if actions <= RESOURCE_STAR_ACTIONS else f"Resource '*' for {sorted(actions)}"
    text = resource if isinstance(resource, str) else json.dumps(resource)
    if "*" not in text:
        return None
    is_sub = isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str)
    if (
        is_sub
        and SECRET_ARN.match(resource["Fn::Sub"])
        and all(a.startswith("secretsmanager:") for a in actions)
    ):
        return None
    return f"wildcard resource {text}"


def _functions(document: dict[str, Any]) -> list[str]:
    return sorted(
        logical_id
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    )


def test_every_function_is_known(translated: dict[str, Any]) -> None:
    """A new function needs its entry in ALLOWED_RESOURCES (and a thought about what it may reach)."""
    assert _functions(translated) == sorted(ALLOWED_RESOURCES)


def test_no_wildcards_in_actions_or_resources(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    problems = []
    for function_id in _functions(translated):
        role_id = _role_id(resources, function_id)
        for name, statement in _statements(resources, role_id):
            assert statement["Effect"] == "Allow", (function_id, name, statement)
            for action in _as_list(statement["Action"]):
                if "*" in action or "?" in action:
                    problems.append(f"{function_id} ({name}): wildcard action {action}")
                if action in NEVER_USED_ACTIONS:
                    problems.append(f"{function_id} ({name}): {action}, which no code calls")
            for resource in _as_list(statement["Resource"]):
                problem = _wildcard_problem(statement, resource)
                if problem:
                    problems.append(f"{function_id} ({name}): {problem}")
    assert not problems, "\n".join(problems)


def test_only_the_allowed_managed_policies(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    for function_id in _functions(translated):
        role = resources[_role_id(resources, function_id)]["Properties"]
        attached: list[Any] = []
        for arn in role.get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and "Fn::If" in arn:  # a conditional policy: either branch counts
                attached += [branch for branch in arn["Fn::If"][1:] if branch != {"Ref": "AWS::NoValue"}]
            else:
                attached.append(arn)
        names = {
            (item["Fn::Sub"] if isinstance(item, dict) else item).replace("${AWS::Partition}", "aws")
            for item in attached
        }
        assert names <= ALLOWED_MANAGED_POLICIES, (function_id, names - ALLOWED_MANAGED_POLICIES)


def test_each_function_reaches_only_its_own_resources(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    for function_id in _functions(translated):
        reached: set[str] = set()
        for _, statement in _statements(resources, _role_id(resources, function_id)):
            for resource in _as_list(statement["Resource"]):
                reached |= _resource_targets(resource)
        reached.discard("*")  # judged by test_no_wildcards_in_actions_or_resources
        assert reached <= ALLOWED_RESOURCES[function_id], (
            function_id,
            sorted(reached - ALLOWED_RESOURCES[function_id]),
        )
        assert "RetryDeadLetterQueue" not in reached
        assert "RoadmapDeliveryDLQ" not in reached
        assert "ReleaseDeadLetterQueue" not in reached


def test_the_retry_worker_polls_only_the_retry_queue(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    polling = [
        statement
        for _, statement in _statements(resources, _role_id(resources, "RetryWorkerFunction"))
        if "sqs:ReceiveMessage" in _as_list(statement["Action"])
    ]
    assert polling
    for statement in polling:
        assert _as_list(statement["Resource"]) == [{"Fn::GetAtt": ["RetryQueue", "Arn"]}]
    mappings = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    sources = {
        m["Properties"]["FunctionName"]["Ref"]: m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        for m in mappings
    }
    assert sources == {
        "RetryWorkerFunction": "RetryQueue",
        "RoadmapDeliveryFunction": "RoadmapDeliveryQueue",
        "ReleaseWorkerFunction": "ReleaseQueue",
    }


def test_the_roadmap_worker_polls_only_its_own_queue(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    polling = [
        statement
        for _, statement in _statements(resources, _role_id(resources, "RoadmapDeliveryFunction"))
        if "sqs:ReceiveMessage" in _as_list(statement["Action"])
    ]
    assert polling
    for statement in polling:
        assert _as_list(statement["Resource"]) == [{"Fn::GetAtt": ["RoadmapDeliveryQueue", "Arn"]}]


def test_the_release_worker_polls_only_the_release_queue_with_capped_concurrency(
    translated: dict[str, Any],
) -> None:
    """Its own queue only, and at most MaximumConcurrency at once: a big release never takes the account's
    whole Lambda concurrency."""
    resources = translated["Resources"]
    polling = [
        statement
        for _, statement in _statements(resources, _role_id(resources, "ReleaseWorkerFunction"))
        if "sqs:ReceiveMessage" in _as_list(statement["Action"])
    ]
    assert polling
    for statement in polling:
        assert _as_list(statement["Resource"]) == [{"Fn::GetAtt": ["ReleaseQueue", "Arn"]}]
    [mapping] = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "ReleaseWorkerFunction"}
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["ReleaseQueue", "Arn"]}
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "ReleaseWorkerConcurrency"}}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
