"""Integration configuration through the real handler, DynamoDB and Secrets Manager (moto)."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import boto3
import pytest

from aha_jira.errors import Conflict
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call

TOKEN = "api-token-0123456789"
HOOK_SECRET = "webhook-secret-abcdef"


def config(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Mobile app",
        "product": "MOB",
        "enabled": True,
        "jira": {
            "base_url": "https://acme.atlassian.net",
            "auth": {"type": "basic", "email": "bot@acme.example", "api_token": TOKEN},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "link_type": "Relates",
            "statuses": {"To Do": "Ready to develop", "Done": "Shipped"},
            "fields": {"customfield_10050": {"value": {"id": "1"}}},
            "send_tags": True,
            "send_release": True,
        },
        "import": {"enabled": True, "issue_types": ["Story", "Bug"]},
        "webhook": {"secret": HOOK_SECRET},
    }
    for dotted, value in overrides.items():
        target = body
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        if value is ...:
            target.pop(last, None)
        else:
            target[last] = value
    return body


def everything_stored(resources: LocalResources) -> str:
    """Every item of every table and every secret, as text: what 'nothing written' is checked against."""
    dynamodb = boto3.client("dynamodb")
    items = []
    for table in resources.table_names.values():
        items.extend(dynamodb.scan(TableName=table)["Items"])
    secrets = boto3.client("secretsmanager")
    names = [entry["Name"] for entry in secrets.list_secrets()["SecretList"]]
    values = [secrets.get_secret_value(SecretId=name)["SecretString"] for name in names]
    return json.dumps(
        {"items": items, "secrets": sorted(names), "values": values}, sort_keys=True, default=str
    )


def test_create_answers_the_configuration_without_secrets(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api("PUT", "/integrations/mobile", config())
    assert status == 201
    assert body["id"] == "mobile"
    assert body["jira"]["auth"] == {
        "type": "basic",
        "email": "bot@acme.example",
        "username": None,
        "client_key": None,
        "credentials_stored": True,
    }
    assert body["webhook"] == {"secret_set": True, "health": {"last_delivery_at": None, "missed_last_24h": 0}}
    assert body["webhook_url"].startswith("https://api.example.test/webhooks/jira/")
    assert body["import"] == {"enabled": True, "issue_types": ["Story", "Bug"], "release": None}
    assert body["mapping"]["fields"] == {"customfield_10050": {"value": {"id": "1"}}}
    assert body["version"] == 1 and body["last_test"] is None
    assert TOKEN not in json.dumps(body) and HOOK_SECRET not in json.dumps(body)

    status, read = call_api("GET", "/integrations/mobile")
    assert status == 200
    assert read == body


def test_secrets_live_in_secrets_manager_only(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config())
    dynamodb = boto3.client("dynamodb")
    table_text = json.dumps([dynamodb.scan(TableName=name)["Items"] for name in aws.table_names.values()])
    assert TOKEN not in table_text and HOOK_SECRET not in table_text
    secrets = boto3.client("secretsmanager")
    stored = {
        entry["Name"]: json.loads(secrets.get_secret_value(SecretId=entry["Name"])["SecretString"])
        for entry in secrets.list_secrets()["SecretList"]
    }
    assert {"kind": "api_token", "secret": TOKEN} in stored.values()
    assert {"secret": HOOK_SECRET} in stored.values()
    assert all(name.startswith("aha-jira/aha-jira-local/") for name in stored)


def test_replace_without_the_token_keeps_it(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config())
    status, body = call_api(
        "PUT", "/integrations/mobile", config(name="Renamed", jira__auth__api_token=..., webhook=...)
    )
    assert status == 200
    assert body["name"] == "Renamed"
    assert body["version"] == 2
    assert body["jira"]["auth"]["credentials_stored"] is True
    assert body["webhook"]["secret_set"] is True
    assert TOKEN in everything_stored(aws)


def test_changing_the_kind_of_credential_requires_it(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config())
    before = everything_stored(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(jira__auth={"type": "bearer"}))
    assert status == 400
    assert body["error"]["code"] == "invalid_body"
    assert body["error"]["message"].startswith("jira.auth.token:")
    assert everything_stored(aws) == before


def test_creating_requires_the_credential(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api("PUT", "/integrations/mobile", config(jira__auth__api_token=...))
    assert status == 400
    assert body["error"]["details"][0]["path"] == "jira.auth.api_token"
    status, _ = call_api("GET", "/integrations/mobile")
    assert status == 404


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"colour": "blue"}, "colour"),
        ({"jira__auth__api_tokn": "x"}, "jira.auth.api_tokn"),
        ({"jira__base_url": "http://acme.atlassian.net"}, "jira.base_url"),
        ({"jira__base_url": "https://user:pw@acme.atlassian.net"}, "jira.base_url"),
        ({"jira__project": ...}, "jira.project"),
        ({"jira__auth": {"type": "oauth2"}}, "jira.auth"),
        ({"mapping__feature_issue_type": ...}, "mapping.feature_issue_type"),
        ({"mapping__statuses": ["To Do"]}, "mapping.statuses"),
        ({"mapping__fields": {"customfield_1": {"const": 1}}}, "mapping.fields.customfield_1"),
        ({"mapping__send_tags": "yes"}, "mapping.send_tags"),
        ({"import__issue_types": "Story"}, "import.issue_types"),
        ({"import__extra": True}, "import.extra"),
        ({"webhook__secret": 42}, "webhook.secret"),
        ({"name": ""}, "name"),
        ({"enabled": "true"}, "enabled"),
    ],
)
def test_malformed_bodies_are_400_naming_the_key_and_write_nothing(
    call_api: Call, aws: LocalResources, overrides: dict[str, Any], path: str
) -> None:
    before = everything_stored(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(**overrides))
    assert status == 400, body
    assert body["error"]["code"] == "invalid_body"
    assert path in [detail["path"] for detail in body["error"]["details"]]
    assert body["error"]["hint"]
    assert everything_stored(aws) == before


def test_body_that_is_not_json_is_400(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api("PUT", "/integrations/mobile", b"{not json")
    assert status == 400
    assert body["error"]["code"] == "invalid_body"


def test_invalid_integration_id_is_404(call_api: Call, aws: LocalResources) -> None:
    # DESIGN.md: an id that cannot be one is 404 (the message says what an id may be).
    status, body = call_api("PUT", "/integrations/bad%20id!", config())
    assert status == 404
    assert body["error"]["code"] == "invalid_integration_id"


def test_oversized_body_is_413_before_parsing(call_api: Call, aws: LocalResources) -> None:
    before = everything_stored(aws)
    huge = config(name="x" * (5 * 1024 * 1024 + 10))
    status, body = call_api("PUT", "/integrations/mobile", huge)
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert everything_stored(aws) == before


def test_unknown_integration_is_404(call_api: Call, aws: LocalResources) -> None:
    for method in ("GET", "DELETE"):
        status, body = call_api(method, "/integrations/nope")
        assert status == 404
        assert body["error"]["code"] == "integration_not_found"


def test_integrations_on_one_site_share_webhook_url_and_secret(call_api: Call, aws: LocalResources) -> None:
    _, first = call_api("PUT", "/integrations/mobile", config(webhook=...))
    assert first["webhook"]["secret_set"] is False
    _, second = call_api(
        "PUT", "/integrations/web", config(name="Web", product="WEB", webhook={"secret": HOOK_SECRET})
    )
    _, other_site = call_api(
        "PUT", "/integrations/ops", config(jira__base_url="https://other.atlassian.net", webhook=...)
    )
    assert first["webhook_url"] == second["webhook_url"]
    assert other_site["webhook_url"] != first["webhook_url"]
    _, first_again = call_api("GET", "/integrations/mobile")
    assert first_again["webhook"]["secret_set"] is True  # set through the other integration of the site

    _, removed = call_api(
        "PUT", "/integrations/web", config(name="Web", product="WEB", webhook={"secret": ""})
    )
    assert removed["webhook"]["secret_set"] is False
    assert HOOK_SECRET not in everything_stored(aws)

    site = DynamoIntegrationRepository().get_site("https://acme.atlassian.net")
    assert site is not None and site.integration_ids == ["mobile", "web"]


def test_moving_to_another_site_leaves_the_old_one(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config())
    _, moved = call_api("PUT", "/integrations/mobile", config(jira__base_url="https://new.atlassian.net/"))
    assert moved["jira"]["base_url"] == "https://new.atlassian.net"
    repository = DynamoIntegrationRepository()
    old = repository.get_site("https://acme.atlassian.net")
    new = repository.get_site("https://new.atlassian.net")
    assert old is not None and old.integration_ids == []
    assert new is not None and new.integration_ids == ["mobile"]


def test_list_pages_in_id_order(call_api: Call, aws: LocalResources) -> None:
    for name in ("c-int", "a-int", "b-int"):
        call_api("PUT", f"/integrations/{name}", config(name=name))
    status, page = call_api("GET", "/integrations", query=[("limit", "2")])
    assert status == 200
    assert [item["id"] for item in page["integrations"]] == ["a-int", "b-int"]
    assert page["next"]
    status, rest = call_api("GET", "/integrations", query=[("limit", "2"), ("next", page["next"])])
    assert [item["id"] for item in rest["integrations"]] == ["c-int"]
    assert rest["next"] is None
    assert all(TOKEN not in json.dumps(item) for item in page["integrations"] + rest["integrations"])


@pytest.mark.parametrize(
    "query", [[("limit", "0")], [("limit", "500")], [("limit", "x")], [("next", "garbage")]]
)
def test_bad_paging_parameters_are_400(
    call_api: Call, aws: LocalResources, query: list[tuple[str, str]]
) -> None:
    call_api("PUT", "/integrations/a", config())
    status, body = call_api("GET", "/integrations", query=query)
    assert status == 400
    assert body["error"]["code"] in {"invalid_body", "invalid_cursor"}


def test_delete_detaches_links_and_removes_credentials(call_api: Call, aws: LocalResources) -> None:
    _, created = call_api("PUT", "/integrations/mobile", config())
    dynamodb = boto3.client("dynamodb")
    links = aws.table_names["IssueLinksTable"]
    for reference in ("MOB-1", "MOB-1-1"):
        dynamodb.put_item(
            TableName=links,
            Item={
                "pk": {"S": "INTEGRATION#mobile"},
                "sk": {"S": f"RECORD#{reference}"},
                "jira_key": {"S": f"MOB-{len(reference)}"},
            },
        )
    status, body = call_api("DELETE", "/integrations/mobile")
    assert status == 204 and body is None
    items = dynamodb.scan(TableName=links)["Items"]
    assert len(items) == 2 and all(item["detached"] == {"BOOL": True} for item in items)
    assert TOKEN not in everything_stored(aws)
    assert call_api("GET", "/integrations/mobile")[0] == 404
    # The site's webhook survives: re-creating the integration keeps the URL registered in Jira.
    _, again = call_api("PUT", "/integrations/mobile", config())
    assert again["webhook_url"] == created["webhook_url"]


def test_a_write_that_lost_a_race_is_a_conflict(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config())
    repository = DynamoIntegrationRepository()
    stale = repository.get("mobile")
    assert stale is not None
    call_api("PUT", "/integrations/mobile", config(name="Someone else"))
    changed = stale.model_copy(update={"name": "Mine", "version": stale.version + 1})
    with pytest.raises(Conflict):
        repository.save(
            changed,
            expected_version=stale.version,
            previous_site_url=stale.jira.base_url,
            new_site_token="unused",
            webhook_secret_set=None,
        )
    assert call_api("GET", "/integrations/mobile")[1]["name"] == "Someone else"


def test_secrets_never_reach_the_log(call_api: Call, aws: LocalResources, log_output: io.StringIO) -> None:
    call_api("PUT", "/integrations/mobile", config())
    bad = copy.deepcopy(config())
    bad["jira"]["auth"]["api_token"] = 12345678  # wrong type: the validation error must not echo secrets
    call_api("PUT", "/integrations/mobile", bad)
    call_api(
        "PUT", "/integrations/mobile", config(jira__auth={"type": "bearer", "token": "bearer-secret-value"})
    )
    call_api("DELETE", "/integrations/mobile")
    text = log_output.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(line.get("action") == "integration.configured" for line in lines)
    assert any(line.get("action") == "integration.removed" for line in lines)
    for secret in (TOKEN, HOOK_SECRET, "bearer-secret-value"):
        assert secret not in text


# --- mapping.two_way (issue 17, "Name and description back") -------------------------------------------
@pytest.mark.parametrize(
    ("two_way", "said"),
    [
        (["title"], "Input should be 'name' or 'description'"),
        (["name", "name"], "lists a field twice"),
        ("name", "valid list"),
        (["name", "description", "status"], ""),
    ],
)
def test_two_way_lists_only_name_and_description(
    call_api: Call, aws: LocalResources, two_way: Any, said: str
) -> None:
    before = everything_stored(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(mapping__two_way=two_way))
    assert status == 400, body
    assert body["error"]["code"] == "invalid_body"
    assert body["error"]["details"][0]["path"].startswith("mapping.two_way")
    assert said in body["error"]["message"]
    assert everything_stored(aws) == before
    assert call_api("GET", "/integrations/mobile")[0] == 404


def test_two_way_is_empty_by_default_and_shown_as_set(call_api: Call) -> None:
    status, view = call_api("PUT", "/integrations/mobile", config())
    assert status == 201 and view["mapping"]["two_way"] == []
    status, view = call_api("PUT", "/integrations/mobile", config(mapping__two_way=["description", "name"]))
    assert status == 200, view
    assert call_api("GET", "/integrations/mobile")[1]["mapping"]["two_way"] == ["description", "name"]
