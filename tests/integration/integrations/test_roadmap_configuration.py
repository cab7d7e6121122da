"""The `roadmap` block of `PUT /integrations/{id}` through the real handler, DynamoDB and Secrets Manager
(moto): the answer without secrets, where the secrets and the Aha! webhook token live, what a replace keeps,
what DELETE removes, and every refusal a 400 naming the key with nothing written."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from aha_jira.settings import get_settings
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.integrations.refusals import assert_refused, stored_state

TOKEN = "api-token-0123456789"
AHA_KEY = "aha-api-key-abcdef0123456789"
SIGNING_SECRET = "roadmap-signing-secret-987654"
PUBLIC = "https://api.example.test"


def aha(**overrides: Any) -> dict[str, Any]:
    roadmap: dict[str, Any] = {
        "type": "aha",
        "base_url": "https://acme.aha.io",
        "api_key": AHA_KEY,
        "integration_ref": "6012345678",
        "auto_update": True,
    }
    return _apply(roadmap, overrides)


def hook(**overrides: Any) -> dict[str, Any]:
    roadmap: dict[str, Any] = {
        "type": "webhook",
        "url": "https://roadmap.example.com/in?t=1",
        "secret": SIGNING_SECRET,
    }
    return _apply(roadmap, overrides)


def _apply(roadmap: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is ...:
            roadmap.pop(key, None)
        else:
            roadmap[key] = value
    return roadmap


def config(roadmap: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Mobile app",
        "product": "PROD",
        "jira": {
            "base_url": "https://acme.atlassian.net",
            "auth": {"type": "basic", "email": "bot@acme.example", "api_token": TOKEN},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": {"To Do": "Ready to develop", "Done": "Shipped"},
        },
        **top,
    }
    if roadmap is not None:
        body["roadmap"] = roadmap
    return body


def secrets_stored() -> dict[str, dict[str, str]]:
    client = boto3.client("secretsmanager")
    return {
        entry["Name"]: json.loads(client.get_secret_value(SecretId=entry["Name"])["SecretString"])
        for entry in client.list_secrets()["SecretList"]
    }


def roadmap_secret_name(integration_id: str = "mobile") -> str:
    return f"{get_settings().secrets_prefix}/integrations/{integration_id}/roadmap-credentials"


def token_items(aws: LocalResources) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=aws.table_names["IntegrationsTable"])["Items"]
    return [item for item in items if item["pk"]["S"].startswith("ROADMAP_TOKEN#")]


def test_without_a_roadmap_block_there_is_none(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api("PUT", "/integrations/mobile", config())
    assert status == 201
    assert body["roadmap"] == {"type": "none"}
    assert token_items(aws) == []
    assert not any(name.endswith("roadmap-credentials") for name in secrets_stored())


def test_an_aha_roadmap_is_answered_without_its_key_and_with_its_webhook_url(
    call_api: Call, aws: LocalResources
) -> None:
    status, body = call_api(
        "PUT", "/integrations/mobile", config(aha(base_url="https://ACME.aha.io/api/v1/"))
    )
    assert status == 201, body
    roadmap = dict(body["roadmap"])
    webhook_url = roadmap.pop("webhook_url")
    assert roadmap == {
        "type": "aha",
        "base_url": "https://acme.aha.io",  # normalised: the client adds /api/v1 itself
        "integration_ref": "6012345678",
        "auto_update": True,
        "api_key_stored": True,
    }
    prefix = f"{PUBLIC}/webhooks/aha/"
    assert webhook_url.startswith(prefix)
    token = webhook_url.removeprefix(prefix)
    assert len(token) >= 22 and token.replace("-", "").replace("_", "").isalnum()  # >= 128 random bits
    assert AHA_KEY not in json.dumps(body)

    assert secrets_stored()[roadmap_secret_name()] == {"kind": "api_key", "secret": AHA_KEY}
    tables = json.dumps(
        [boto3.client("dynamodb").scan(TableName=t)["Items"] for t in aws.table_names.values()]
    )
    assert AHA_KEY not in tables
    # The token finds the integration, as the Aha! webhook route will look it up.
    assert DynamoIntegrationRepository().integration_for_roadmap_token(token) == "mobile"
    assert DynamoIntegrationRepository().integration_for_roadmap_token("x" * 32) is None
    assert call_api("GET", "/integrations/mobile")[1] == body


def test_each_integration_has_its_own_token(call_api: Call, aws: LocalResources) -> None:
    _, first = call_api("PUT", "/integrations/mobile", config(aha()))
    _, second = call_api("PUT", "/integrations/web", config(aha(), name="Web"))
    assert first["roadmap"]["webhook_url"] != second["roadmap"]["webhook_url"]
    assert len(token_items(aws)) == 2


def test_a_replace_keeps_the_key_and_the_token(call_api: Call, aws: LocalResources) -> None:
    _, created = call_api("PUT", "/integrations/mobile", config(aha()))
    status, replaced = call_api(
        "PUT", "/integrations/mobile", config(aha(api_key=..., auto_update=False), name="Renamed")
    )
    assert status == 200, replaced
    assert replaced["roadmap"]["api_key_stored"] is True and replaced["roadmap"]["auto_update"] is False
    assert replaced["roadmap"]["webhook_url"] == created["roadmap"]["webhook_url"]
    assert secrets_stored()[roadmap_secret_name()]["secret"] == AHA_KEY
    assert len(token_items(aws)) == 1

    _, rotated = call_api("PUT", "/integrations/mobile", config(aha(api_key="a-new-key-0123456789")))
    assert secrets_stored()[roadmap_secret_name()] == {"kind": "api_key", "secret": "a-new-key-0123456789"}
    assert rotated["roadmap"]["webhook_url"] == created["roadmap"]["webhook_url"]


def test_a_new_base_url_needs_the_key_again(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config(aha()))
    before = stored_state(aws)
    status, body = call_api(
        "PUT", "/integrations/mobile", config(aha(api_key=..., base_url="https://evil.example.com"))
    )
    assert_refused(status, body, expected=400, code="invalid_body", key="roadmap.api_key")
    assert stored_state(aws) == before


def test_creating_or_switching_needs_the_secret(call_api: Call, aws: LocalResources) -> None:
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(aha(api_key=...)))
    assert_refused(status, body, expected=400, key="roadmap.api_key")
    assert stored_state(aws) == before

    call_api("PUT", "/integrations/mobile", config(aha()))
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(hook(secret=...)))
    assert_refused(status, body, expected=400, key="roadmap.secret")
    assert stored_state(aws) == before


def test_a_webhook_roadmap(call_api: Call, aws: LocalResources) -> None:
    status, body = call_api(
        "PUT", "/integrations/mobile", config(hook(url="HTTPS://Roadmap.Example.com/in?t=1"))
    )
    assert status == 201, body
    assert body["roadmap"] == {
        "type": "webhook",
        "url": "https://roadmap.example.com/in?t=1",
        "secret_stored": True,
    }
    assert secrets_stored()[roadmap_secret_name()] == {"kind": "webhook_secret", "secret": SIGNING_SECRET}
    assert SIGNING_SECRET not in json.dumps(body)

    # A replace without the secret keeps it, a new URL included (it signs: the URL learns nothing of it).
    _, moved = call_api(
        "PUT", "/integrations/mobile", config(hook(secret=..., url="https://other.example.com/h"))
    )
    assert moved["roadmap"]["secret_stored"] is True
    assert secrets_stored()[roadmap_secret_name()]["secret"] == SIGNING_SECRET


def test_switching_kinds_replaces_or_removes_the_secret_and_keeps_the_token(
    call_api: Call, aws: LocalResources
) -> None:
    _, first = call_api("PUT", "/integrations/mobile", config(aha()))
    _, as_hook = call_api("PUT", "/integrations/mobile", config(hook()))
    assert secrets_stored()[roadmap_secret_name()] == {"kind": "webhook_secret", "secret": SIGNING_SECRET}
    assert "webhook_url" not in as_hook["roadmap"]

    _, none = call_api("PUT", "/integrations/mobile", config({"type": "none"}))
    assert none["roadmap"] == {"type": "none"}
    assert roadmap_secret_name() not in secrets_stored()

    # Back to Aha!: the URL registered in Aha! before still reaches this integration.
    _, again = call_api("PUT", "/integrations/mobile", config(aha()))
    assert again["roadmap"]["webhook_url"] == first["roadmap"]["webhook_url"]
    assert len(token_items(aws)) == 1


def test_delete_removes_the_secret_and_the_token(call_api: Call, aws: LocalResources) -> None:
    _, created = call_api("PUT", "/integrations/mobile", config(aha()))
    token = created["roadmap"]["webhook_url"].rsplit("/", 1)[1]
    assert call_api("DELETE", "/integrations/mobile")[0] == 204
    assert roadmap_secret_name() not in secrets_stored()
    assert token_items(aws) == []
    assert DynamoIntegrationRepository().integration_for_roadmap_token(token) is None
    assert AHA_KEY not in stored_state(aws)


def test_the_test_report_is_cleared_when_what_it_checked_of_the_roadmap_changes(
    call_api: Call, aws: LocalResources
) -> None:
    call_api("PUT", "/integrations/mobile", config(aha()))
    repository = DynamoIntegrationRepository()
    report = {"ok": True, "problems": []}

    def tested() -> None:
        integration = repository.get("mobile")
        assert integration is not None
        repository.save_test_result(integration, report=report, snapshot=None)

    def replace(roadmap: dict[str, Any]) -> dict[str, Any]:
        body = config(roadmap)
        del body["jira"]["auth"]["api_token"]  # the Jira token kept: only the roadmap changes
        status, answer = call_api("PUT", "/integrations/mobile", body)
        assert status == 200, answer
        return answer

    tested()
    assert replace(aha(api_key=..., auto_update=False))["last_test"] == report  # not checked by a test
    assert replace(aha(api_key=...))["last_test"] == report

    for change in (
        aha(api_key=..., integration_ref="jira"),
        aha(),  # a new key (even the same value: it was given again)
        aha(base_url="https://other.aha.io"),
        hook(),
        {"type": "none"},
    ):
        tested()
        assert replace(change)["last_test"] is None, change


def test_no_secret_reaches_the_log(call_api: Call, aws: LocalResources, log_output: io.StringIO) -> None:
    _, created = call_api("PUT", "/integrations/mobile", config(aha()))
    call_api("PUT", "/integrations/mobile", config(hook()))
    call_api("PUT", "/integrations/mobile", config(aha(api_key=12345678)))  # a refusal of a bad type
    call_api("DELETE", "/integrations/mobile")
    text = log_output.getvalue()
    token = created["roadmap"]["webhook_url"].rsplit("/", 1)[1]
    assert "integration.configured" in text
    for secret in (AHA_KEY, SIGNING_SECRET, token):
        assert secret not in text


# --- refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roadmap", "key"),
    [
        (aha(base_url="http://acme.aha.io"), "roadmap.base_url"),
        (aha(base_url="https://10.0.0.1:99999"), "roadmap.base_url"),
        (aha(base_url="https://user:pw@acme.aha.io"), "roadmap.base_url"),
        (aha(base_url="https://acme.aha.io?x=1"), "roadmap.base_url"),
        (aha(base_url="acme.aha.io"), "roadmap.base_url"),
        (aha(base_url="https://acme.aha.io/\x00"), "roadmap.base_url"),
        (aha(base_url="https://" + "a" * 2100 + ".io"), "roadmap.base_url"),
        (aha(api_key="key\r\nX-Injected: 1"), "roadmap.api_key"),
        (aha(api_key="key\x00value-0123"), "roadmap.api_key"),
        (aha(api_key="k" * 4097), "roadmap.api_key"),
        (aha(api_key="clé-non-latin-☃"), "roadmap.api_key"),
        (aha(api_key=""), "roadmap.api_key"),
        (aha(api_key=12345), "roadmap.api_key"),
        (aha(integration_ref="../../me"), "roadmap.integration_ref"),
        (aha(integration_ref="60\n12"), "roadmap.integration_ref"),
        (aha(auto_update="yes"), "roadmap.auto_update"),
        (aha(url="https://x.example.com"), "roadmap.url"),  # a key of the other type
        (aha(colour="blue"), "roadmap.colour"),
        (aha(base_url=...), "roadmap.base_url"),
        (hook(url="http://roadmap.example.com/in"), "roadmap.url"),
        (hook(url="https://roadmap.example.com/in#frag"), "roadmap.url"),
        (hook(url="https://roadmap.example.com/in\r\nX: 1"), "roadmap.url"),
        (hook(url="ftp://roadmap.example.com/in"), "roadmap.url"),
        (hook(secret="s\x00ecret-value"), "roadmap.secret"),
        (hook(secret="s" * 4097), "roadmap.secret"),
        (hook(secret=""), "roadmap.secret"),
        (hook(api_key=AHA_KEY), "roadmap.api_key"),
        ({"type": "jira"}, "roadmap"),
        ({"base_url": "https://acme.aha.io"}, "roadmap"),
        ({"type": "none", "url": "https://x.example.com"}, "roadmap.url"),
        ("aha", "roadmap"),
    ],
)
def test_bad_roadmap_settings_are_400_naming_the_key_and_write_nothing(
    call_api: Call, aws: LocalResources, roadmap: Any, key: str
) -> None:
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(roadmap))
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    assert key in [detail["path"] for detail in body["error"]["details"]], body
    assert stored_state(aws) == before
    for secret in (AHA_KEY, SIGNING_SECRET, "key\r\nX-Injected", "k" * 100):
        assert secret not in json.dumps(body)


def test_a_refused_replace_changes_no_secret(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mobile", config(aha()))
    before = stored_state(aws)
    # The roadmap block is valid, the rest of the body is not: nothing at all may change.
    status, body = call_api(
        "PUT", "/integrations/mobile", config(aha(api_key="would-be-new-key-0123"), name="")
    )
    assert_refused(status, body, expected=400, key="name")
    assert stored_state(aws) == before


def test_loopback_http_only_when_the_deployment_allows_it(
    call_api: Call, aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, body = call_api("PUT", "/integrations/mobile", config(aha(base_url="http://127.0.0.1:8082")))
    assert (
        status == 201 and body["roadmap"]["base_url"] == "http://127.0.0.1:8082"
    )  # the tests' local setting
    monkeypatch.setenv("ALLOW_HTTP_LOOPBACK", "false")
    get_settings.cache_clear()
    try:
        before = stored_state(aws)
        status, body = call_api("PUT", "/integrations/web", config(hook(url="http://127.0.0.1:9000/in")))
        assert_refused(status, body, expected=400, key="roadmap.url")
        assert stored_state(aws) == before
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
