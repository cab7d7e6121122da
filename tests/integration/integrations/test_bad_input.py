"""Bad input at the configuration and read routes: a clear 4xx naming the key, nothing written, never 5xx.

DESIGN.md "Bad input never reaches a 5xx". Each case goes through the real handler (moto, in-process) and
is checked by `assert_refused` and `stored_state` (tables, secrets, queues unchanged).
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import boto3
import pytest

from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.integrations.refusals import RawCall, assert_refused, stored_state

TOKEN = "api-token-0123456789"
HOOK_SECRET = "webhook-secret-abcdef"
MB = 1024 * 1024


def config(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Mobile app",
        "product": "MOB",
        "jira": {
            "base_url": "https://acme.atlassian.net",
            "auth": {"type": "basic", "email": "bot@acme.example", "api_token": TOKEN},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": {"To Do": "Ready to develop", "Done": "Shipped"},
            "fields": {"customfield_10050": {"value": {"id": "1"}}},
        },
        "import": {"enabled": True, "issue_types": ["Story", "Bug"]},
        "webhook": {"secret": HOOK_SECRET},
    }
    for dotted, value in overrides.items():
        target = body
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return body


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


# --- PUT /integrations/{id}: values ----------------------------------------------------------------

SECRET_VALUES = {
    "crlf": "tok\r\nX-Injected: yes",
    "nul": "tok\x00en",
    "tab": "tok\ten",
    "5k": "t" * 5000,
    "1mb": "t" * MB,
}


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"name": "n" * 256}, "name"),
        ({"name": "Mobile\x00app"}, "name"),
        ({"name": "Mobile\r\napp"}, "name"),
        ({"name": "Mobile \udc00app"}, "name"),  # a lone surrogate: no encoder could store it
        ({"product": "MO\nB"}, "product"),
        ({"product": "MOB\x00"}, "product"),
        ({"product": "Mobile app"}, "product"),  # references are <product>-N: no spaces
        ({"jira__project": "MOB\x00"}, "jira.project"),
        ({"jira__project": "MO\r\nB"}, "jira.project"),
        ({"jira__auth__email": "bot@ac\r\nme.example"}, "jira.auth.email"),
        ({"jira__auth__email": "bot\x00@acme.example"}, "jira.auth.email"),
        ({"jira__auth__email": "b" * 250 + "@acme.example"}, "jira.auth.email"),
        ({"jira__base_url": "https://acme .atlassian.net"}, "jira.base_url"),
        ({"jira__base_url": "https://acme.atlassian.net\x00"}, "jira.base_url"),
        ({"jira__base_url": "https://" + "a" * 200 + ".atlassian.net"}, "jira.base_url"),
        ({"jira__base_url": "https://" + ("abcdefgh." * 30) + "net"}, "jira.base_url"),
        ({"jira__base_url": "https://acme..atlassian.net"}, "jira.base_url"),
        ({"mapping__feature_issue_type": "Sto\nry"}, "mapping.feature_issue_type"),
        ({"mapping__statuses": {f"Status {n}": "Shipped" for n in range(501)}}, "mapping.statuses"),
        ({"mapping__statuses": {"To Do": "x" * 256}}, "mapping.statuses.To Do"),
        ({"mapping__fields": {"customfield_1": {"value": "v" * MB}}}, "mapping.fields.customfield_1.value"),
        (
            {"mapping__fields": {f"customfield_{n}": {"value": "v" * 15_000} for n in range(10)}},
            "mapping",
        ),
        ({"mapping__fields": {f"customfield_{n}": {"from": "name"} for n in range(201)}}, "mapping.fields"),
        ({"import__issue_types": ["Story"] * 100_000}, "import.issue_types"),
        ({"import__issue_types": ["Sto\x00ry"]}, "import.issue_types.0"),
    ],
)
def test_values_out_of_bounds_are_400_naming_the_key_and_write_nothing(
    call_api: Call, aws: LocalResources, overrides: dict[str, Any], key: str
) -> None:
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", config(**overrides))
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    assert stored_state(aws) == before  # above all: no credential secret left behind
    assert call_api("GET", "/integrations/mobile")[0] == 404


@pytest.mark.parametrize("value", SECRET_VALUES.values(), ids=SECRET_VALUES.keys())
@pytest.mark.parametrize(
    ("auth", "key"),
    [
        ({"type": "basic", "email": "bot@acme.example", "api_token": None}, "jira.auth.api_token"),
        ({"type": "basic", "username": "bot", "password": None}, "jira.auth.password"),
        ({"type": "bearer", "token": None}, "jira.auth.token"),
        (None, "webhook.secret"),
    ],
)
def test_credentials_with_control_characters_or_oversized_are_400_without_the_value(
    call_api: Call, aws: LocalResources, auth: dict[str, Any] | None, key: str, value: str
) -> None:
    body = config()
    if auth is None:
        body["webhook"]["secret"] = value
    else:
        body["jira"]["auth"] = {name: (value if item is None else item) for name, item in auth.items()}
    before = stored_state(aws)
    status, answer = call_api("PUT", "/integrations/mobile", body)
    assert_refused(status, answer, expected=400, code="invalid_body", key=key)
    assert value[:12] not in json.dumps(answer)  # the refusal never shows the secret
    assert stored_state(aws) == before


def test_a_bearer_token_an_http_header_cannot_carry_is_400(call_api: Call, aws: LocalResources) -> None:
    before = stored_state(aws)
    status, body = call_api(
        "PUT", "/integrations/mobile", config(jira__auth={"type": "bearer", "token": "pat-☃-token"})
    )
    assert_refused(status, body, expected=400, code="invalid_body", key="jira.auth.token")
    assert "☃" not in json.dumps(body, ensure_ascii=False)
    assert stored_state(aws) == before
    # Latin-1 is what a header carries: such a token is taken.
    status, _ = call_api(
        "PUT", "/integrations/mobile", config(jira__auth={"type": "bearer", "token": "pat-é-token"})
    )
    assert status == 201


def test_limits_themselves_are_accepted(call_api: Call, aws: LocalResources) -> None:
    body = config(
        name="n" * 255,
        product="P" * 32,
        mapping__statuses={f"Status {n}": "Shipped" for n in range(500)},
        import__issue_types=[f"Type {n}" for n in range(100)],
        webhook={"secret": "s" * 4096},
    )
    body["jira"]["auth"]["api_token"] = "t" * 4096
    body["jira"]["base_url"] = "https://" + "a" * 63 + ".atlassian.net"
    status, answer = call_api("PUT", "/integrations/mobile", body)
    assert status == 201, answer
    assert answer["name"] == "n" * 255


# --- PUT /integrations/{id}: the body as text -------------------------------------------------------


def raw_config(text_replacements: dict[str, str]) -> bytes:
    text = json.dumps(config())
    for old, new in text_replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (raw_config({'"name": "Mobile app"': '"name": "Mobile app", "name": "Other"'}), "name"),
        (raw_config({'"product": "MOB"': '"product": "MOB", "enabled": NaN'}), ""),
        (raw_config({'"product": "MOB"': '"product": "MOB", "enabled": -Infinity'}), ""),
        (raw_config({'{"id": "1"}': json.dumps(nested(500))}), "mapping.fields.customfield_10050.value"),
        # The value starts at level 5: 61 levels inside it make 65.
        (raw_config({'{"id": "1"}': json.dumps(nested(61))}), "mapping.fields.customfield_10050.value"),
        (b"[" * 10_000 + b"]" * 10_000, ""),
        (json.dumps({"a": nested(99, {})}).encode(), "a.0.0"),
        (b'{"name": "\\ud800"}', "name"),
        (b"\xff\xfe{}", ""),
        (b"", ""),
    ],
    ids=[
        "repeated key",
        "NaN",
        "-Infinity",
        "500 levels in a value",
        "65 levels",
        "10000 levels",
        "100 levels",
        "lone surrogate",
        "not UTF-8",
        "empty",
    ],
)
def test_bodies_json_refuses_are_400_and_write_nothing(
    call_api: Call, aws: LocalResources, raw: bytes, key: str
) -> None:
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", raw)
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    assert stored_state(aws) == before


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/xml",
    ],
)
def test_a_body_that_is_not_declared_json_is_415(
    call_raw: RawCall, aws: LocalResources, content_type: str
) -> None:
    before = stored_state(aws)
    status, body = call_raw("PUT", "/integrations/mobile", config(), headers={"Content-Type": content_type})
    assert_refused(status, body, expected=415, code="unsupported_media_type")
    assert "application/json" in body["error"]["hint"]
    assert stored_state(aws) == before


def test_an_empty_body_declared_as_text_is_415(call_raw: RawCall, aws: LocalResources) -> None:
    status, body = call_raw("PUT", "/integrations/mobile", b"", headers={"Content-Type": "text/plain"})
    assert_refused(status, body, expected=415, code="unsupported_media_type")


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "Application/JSON; Charset=UTF-8"}])
def test_a_json_body_without_content_type_or_in_another_case_is_read(
    call_raw: RawCall, aws: LocalResources, headers: dict[str, str]
) -> None:
    status, body = call_raw("PUT", "/integrations/mobile", config(), headers=headers)
    assert status == 201, body


# --- ids and routes ----------------------------------------------------------------------------------

BAD_IDS = {
    "encoded slash": "..%2Fother",
    "encoded hash": "mob%23x",
    "NUL": "mob%00",
    "newline": "mob%0A",
    "emoji": "%F0%9F%98%80",
    "RTL mark": "%E2%80%8Fmob",
    "Hebrew": "%D7%A9%D7%9C%D7%95%D7%9D",
    "10 KB": "a" * 10_000,
    "65 characters": "a" * 65,
    "space": "mob%20x",
}
ROUTES = [
    ("GET", "/integrations/{id}"),
    ("DELETE", "/integrations/{id}"),
    ("PUT", "/integrations/{id}"),
    ("POST", "/integrations/{id}/test-connection"),
    ("POST", "/integrations/{id}/features/MOB-1/send"),
    ("GET", "/integrations/{id}/features/MOB-1"),
    ("GET", "/integrations/{id}/features"),
    ("GET", "/integrations/{id}/log"),
]


@pytest.mark.parametrize("bad_id", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_an_id_that_cannot_be_one_is_404_on_every_route(
    call_api: Call, aws: LocalResources, bad_id: str
) -> None:
    call_api("PUT", "/integrations/mob", config())
    before = stored_state(aws)
    for method, route in ROUTES:
        body: Any = None
        if method == "PUT":
            body = config()
        elif route.endswith("/send"):
            body = {"feature": {"reference_num": "MOB-1", "name": "Offline"}}
        status, answer = call_api(method, route.format(id=bad_id), body)
        assert_refused(status, answer, expected=404)
        assert bad_id not in json.dumps(answer), (method, route)  # never echoed
    assert stored_state(aws) == before


BAD_REFERENCES = {
    "NUL": "MOB-1%00",
    "newline": "MOB-1%0A",
    "tab": "MOB-1%09",
    "encoded slash": "MOB-1%2F..",
    "emoji": "MOB-%F0%9F%98%80",
    "10 KB": "M" * 10_000,
    "65 characters": "M" * 65,
}


@pytest.mark.parametrize("reference", BAD_REFERENCES.values(), ids=BAD_REFERENCES.keys())
def test_a_reference_that_cannot_be_one_is_404(call_api: Call, aws: LocalResources, reference: str) -> None:
    call_api("PUT", "/integrations/mob", config())
    before = stored_state(aws)
    status, body = call_api("GET", f"/integrations/mob/features/{reference}")
    assert_refused(status, body, expected=404)
    status, body = call_api(
        "POST",
        f"/integrations/mob/features/{reference}/send",
        {"feature": {"reference_num": "MOB-1", "name": "x"}},
    )
    assert_refused(status, body, expected=404)
    assert stored_state(aws) == before


def test_a_path_no_route_takes_is_404_inside_a_function(call_raw: RawCall, aws: LocalResources) -> None:
    # API Gateway routes `/integrations/{id}`; the function's own router sees the decoded path.
    for path in ("/integrations/a%2Fb", "/integrations/%00", "/integrations/mob/features/%23/send"):
        method = "POST" if path.endswith("/send") else "GET"
        status, body = call_raw(method, path, None)
        assert_refused(status, body, expected=404, code="not_found")


# --- query parameters --------------------------------------------------------------------------------


def cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def features_cursor(integration_id: str) -> dict[str, Any]:
    return {
        "pk": {"S": f"INTEGRATION#{integration_id}"},
        "sk": {"S": "FEATURE#MOB-1"},
        "gsi2pk": {"S": f"FEATURES#{integration_id}"},
        "gsi2sk": {"S": "2026-01-01T00:00:00.000+00:00#MOB-1"},
    }


@pytest.mark.parametrize(
    ("path", "query", "key"),
    [
        ("/integrations", [("limit", "9" * 5000)], "limit"),
        ("/integrations", [("limit", "1e3")], "limit"),
        ("/integrations", [("limit", "-1")], "limit"),
        ("/integrations", [("next", cursor({"pk": 1, "sk": 1, "gsi1pk": 1, "gsi1sk": 1}))], ""),
        ("/integrations", [("next", cursor({k: {"N": "1"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}))], ""),
        ("/integrations", [("next", cursor({k: {"S": "x"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}))], ""),
        ("/integrations", [("next", cursor(nested(5000)))], ""),
        ("/integrations", [("next", "not base64 ☃")], ""),
        ("/integrations/mob/features", [("next", cursor(features_cursor("other")))], ""),
        ("/integrations/mob/features", [("next", cursor({"pk": {"S": "x" * 5000}}))], ""),
        ("/integrations/mob/features", [("jira_key", "MOB-1\x00")], "jira_key"),
        ("/integrations/mob/features", [("jira_key", "not a key")], "jira_key"),
        ("/integrations/mob/features", [("limit", "0")], "limit"),
        ("/integrations/mob/log", [("reference", "MOB-1\n")], "reference"),
        ("/integrations/mob/log", [("reference", "M" * 65)], "reference"),
        ("/integrations/mob/log", [("reference", "MOB 1")], "reference"),
        ("/integrations/mob/log", [("since", "yesterday")], "since"),
        ("/integrations/mob/log", [("since", "\x00")], "since"),
        ("/integrations/mob/log", [("outcome", "maybe")], "outcome"),
        ("/integrations/mob/log", [("limit", "101")], "limit"),
        ("/integrations/mob/log", [("next", "x" * 150)], "next"),
    ],
)
def test_garbage_query_parameters_are_400(
    call_api: Call, aws: LocalResources, path: str, query: list[tuple[str, str]], key: str
) -> None:
    call_api("PUT", "/integrations/mob", config())
    before = stored_state(aws)
    status, body = call_api("GET", path, query=query)
    assert_refused(status, body, expected=400, key=key)
    assert stored_state(aws) == before


def test_a_features_cursor_of_the_integration_itself_pages(call_api: Call, aws: LocalResources) -> None:
    call_api("PUT", "/integrations/mob", config())
    status, body = call_api(
        "GET", "/integrations/mob/features", query=[("next", cursor(features_cursor("mob")))]
    )
    assert status == 200, body


# --- test connection: a host that cannot resolve --------------------------------------------------------


def test_a_stored_host_no_resolver_takes_is_dns_failed_not_500(call_api: Call, aws: LocalResources) -> None:
    """An integration stored before PUT refused such names: test connection reports it like any DNS
    failure."""
    call_api("PUT", "/integrations/mob", config())
    table = aws.table_names["IntegrationsTable"]
    dynamodb = boto3.client("dynamodb")
    key = {"pk": {"S": "INTEGRATION#mob"}, "sk": {"S": "CONFIG"}}
    document = json.loads(dynamodb.get_item(TableName=table, Key=key)["Item"]["document"]["S"])
    for host in ("a" * 200 + ".atlassian.net", "acme..atlassian.net"):
        stored = copy.deepcopy(document)
        stored["jira"]["base_url"] = f"https://{host}"
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #d = :d",
            ExpressionAttributeNames={"#d": "document"},
            ExpressionAttributeValues={":d": {"S": json.dumps(stored)}},
        )
        status, report = call_api("POST", "/integrations/mob/test-connection")
        assert status == 200, report
        assert report["ok"] is False
        assert [problem["code"] for problem in report["problems"]] == ["dns_failed"]


# --- the order of writes ----------------------------------------------------------------------------------


def test_a_put_that_loses_a_race_changes_no_secret(call_api: Call, aws: LocalResources) -> None:
    """Secrets are written after the configuration's transaction: a PUT refused there (409: another
    request saved in between its read and its write) leaves the stored secrets as they were."""
    call_api("PUT", "/integrations/mob", config())
    # Another request's save landed after this PUT reads the integration: the item's version moved on.
    boto3.client("dynamodb").update_item(
        TableName=aws.table_names["IntegrationsTable"],
        Key={"pk": {"S": "INTEGRATION#mob"}, "sk": {"S": "CONFIG"}},
        UpdateExpression="SET version = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    before = stored_state(aws)
    replace = config(name="Renamed", webhook={"secret": "a-new-webhook-secret"})
    replace["jira"]["auth"]["api_token"] = "a-new-api-token"
    status, body = call_api("PUT", "/integrations/mob", replace)
    assert_refused(status, body, expected=409, code="concurrent_change")
    assert stored_state(aws) == before
