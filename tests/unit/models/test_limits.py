"""The limits of what callers may send (`models.limits`, `models.references`), checked in the models."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from aha_jira.errors import InvalidRequest
from aha_jira.http_api.errors import validation_error
from aha_jira.models.feature import SendFeatureBody
from aha_jira.models.integration import IntegrationConfigBody, normalise_base_url
from aha_jira.models.json_input import JsonRefused, parse_json
from aha_jira.models.log_query import parse_log_query
from aha_jira.models.references import is_reference
from tests.unit.models.test_integration_body import VALID


def refusal(model: Any, data: Any) -> InvalidRequest:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return validation_error(caught.value.errors())


# --- references: one grammar ---------------------------------------------------------------------------

CANDIDATES = [
    "MOB-1",
    "MOB-1-2",
    "mob_2.x-3",
    "1",
    "M" * 64,
    "M" * 65,
    "",
    "-MOB-1",
    "MOB 1",
    "MOB-1\n",
    "MOB-1\x00",
    "MOB-1\t",
    "MOB/1",
    "MOB#1",
    "MÖB-1",
    "MOB-😀",
    "MOB-1%0A",
]


@pytest.mark.parametrize("reference", CANDIDATES)
def test_the_send_and_the_log_filter_accept_the_same_references(reference: str) -> None:
    try:
        SendFeatureBody.model_validate({"feature": {"reference_num": reference, "name": "x"}})
        sent = True
    except ValidationError:
        sent = False
    try:
        parse_log_query("mob", since=None, outcome=None, reference=reference, limit=None, next_token=None)
        filtered = True
    except InvalidRequest:
        filtered = False
    assert sent == filtered == is_reference(reference)


def test_a_reference_refusal_says_what_a_reference_is() -> None:
    error = refusal(SendFeatureBody, {"feature": {"reference_num": "MOB 1", "name": "x"}})
    assert error.message.startswith("feature.reference_num: not a roadmap reference: 1-64 letters")


# --- the feature body -----------------------------------------------------------------------------------


def feature(**changes: Any) -> dict[str, Any]:
    return {"feature": {"reference_num": "MOB-1", "name": "Offline", **changes}}


def test_requirements_name_the_repeated_reference() -> None:
    error = refusal(
        SendFeatureBody,
        feature(requirements=[{"reference_num": f"MOB-1-{n % 3}", "name": "r"} for n in range(5)]),
    )
    assert error.details == [
        {
            "path": "feature.requirements.3.reference_num",
            "message": "appears twice among the requirements; each needs its own reference",
        }
    ]


def test_a_requirement_may_not_take_the_features_reference() -> None:
    error = refusal(SendFeatureBody, feature(requirements=[{"reference_num": "MOB-1", "name": "r"}]))
    assert error.message == (
        "feature.requirements.0.reference_num: is the feature's own reference; a requirement needs its own"
    )


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"name": "n" * 256}, "feature.name"),
        ({"name": ""}, "feature.name"),
        ({"name": "a\x00b"}, "feature.name"),
        ({"name": "a\x1bb"}, "feature.name"),
        ({"tags": ["t" * 1025]}, "feature.tags.0"),
        ({"tags": ["a\x00"]}, "feature.tags.0"),
        ({"description": "d" * (256 * 1024 + 1)}, "feature.description.body"),
        # 256 KiB of characters, more of UTF-8: the limit is in bytes.
        ({"description": "é" * (200 * 1024)}, "feature.description.body"),
        ({"original_estimate": float("nan")}, "feature.original_estimate"),
        ({"original_estimate": float("inf")}, "feature.original_estimate"),
        ({"original_estimate": 1_000_001}, "feature.original_estimate"),
        ({"original_estimate": -1}, "feature.original_estimate"),
        ({"work_units": 1001}, "feature.work_units"),
        ({"assigned_to_user": {"email": "not-an-address"}}, "feature.assigned_to_user.email"),
        ({"url": "ftp://acme.aha.io/x"}, "feature.url"),
        ({"url": "https://acme.aha.io/a b"}, "feature.url"),
        ({"attachments": [{"file_size": -1}]}, "feature.attachments.0.file_size"),
        ({"attachments": [{"download_url": "x" * 3000}]}, "feature.attachments.0.download_url"),
        ({"release": {"name": "2.0", "release_date": "d" * 65}}, "feature.release.release_date"),
    ],
)
def test_feature_values_out_of_bounds(changes: dict[str, Any], path: str) -> None:
    error = refusal(SendFeatureBody, feature(**changes))
    assert path in [detail["path"] for detail in error.details], error.details


@pytest.mark.parametrize("control", ["\r", "\n", "\t", "\x00", "\x1f", "\x85"])
def test_a_name_or_tag_with_a_control_character_is_refused(control: str) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        SendFeatureBody.model_validate(feature(name=f"Offline{control}mode"))
    with pytest.raises(ValidationError, match="control characters"):
        SendFeatureBody.model_validate(feature(tags=[f"a{control}b"]))


def test_a_trailing_control_character_is_refused_not_stripped() -> None:
    # Python's strip() removes \x1c-\x1f: the value must be refused before any stripping.
    with pytest.raises(ValidationError, match="control characters"):
        IntegrationConfigBody.model_validate(config(name="Mobile\x1f"))


# --- the configuration body ------------------------------------------------------------------------------


def config(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"jira__auth__api_token": "a\nb"}, "jira.auth.api_token"),
        ({"jira__auth__api_token": "x" * 4097}, "jira.auth.api_token"),
        ({"jira__auth__api_token": "é" * 2049}, "jira.auth.api_token"),  # 4098 bytes
        ({"jira__auth": {"type": "bearer", "token": "t\u0101"}}, "jira.auth.token"),
        ({"jira__auth": {"type": "bearer", "token": "t\x7f"}}, "jira.auth.token"),
        ({"jira__auth": {"type": "basic", "username": "u\x00", "password": "p"}}, "jira.auth.username"),
        ({"jira__auth": {"type": "connect", "client_key": "k\r\nx"}}, "jira.auth.client_key"),
        ({"webhook__secret": "s\x00"}, "webhook.secret"),
        (
            {"mapping__fields": {"customfield_1": {"value": "v" * 20_000}}},
            "mapping.fields.customfield_1.value",
        ),
        ({"mapping__fields": {"customfield_1": {"from": "a\x00"}}}, "mapping.fields.customfield_1.from"),
        ({"mapping__link_type": "l" * 256}, "mapping.link_type"),
        ({"import__issue_types": ["Story"] * 101}, "import.issue_types"),
        ({"product": "P" * 33}, "product"),
    ],
)
def test_configuration_values_out_of_bounds(changes: dict[str, Any], path: str) -> None:
    error = refusal(IntegrationConfigBody, config(**changes))
    assert [detail["path"] for detail in error.details] == [path]
    # A refusal never shows a credential.
    for value in ("a\nb", "x" * 4097, "t\u0101", "s\x00"):
        assert value not in error.message and value not in str(error.details)


def test_the_field_value_of_a_constant_keeps_its_own_key() -> None:
    # `{"value": ...}` is also the union's tag: the path keeps the key the user wrote once.
    error = refusal(IntegrationConfigBody, config(mapping__fields={"cf": {"value": "v" * 20_000}}))
    assert error.details[0]["path"] == "mapping.fields.cf.value"


@pytest.mark.parametrize(
    "url",
    [
        "https://" + "a" * 64 + ".example.com",
        "https://" + ".".join(["abcdefghi"] * 26) + ".com",  # 264 characters
        "https://a..example.com",
        "https://-acme.example.com",
        "https://acme-.example.com",
        "https://acme .example.com",
        "https://ac%20me.example.com",
        "https://acme!.example.com",
    ],
)
def test_a_host_dns_cannot_resolve_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="host is not a DNS name"):
        normalise_base_url(url, allow_http_loopback=False)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://" + "a" * 63 + ".example.com/", "https://" + "a" * 63 + ".example.com"),
        ("https://jira.bücher.example/jira", "https://jira.bücher.example/jira"),
        ("https://jira_dc.corp.example", "https://jira_dc.corp.example"),
        ("https://203.0.113.7:8443", "https://203.0.113.7:8443"),
        ("https://[2001:db8::1]/", "https://[2001:db8::1]"),
    ],
)
def test_hosts_dns_takes_are_kept(url: str, normalised: str) -> None:
    assert normalise_base_url(url, allow_http_loopback=False) == normalised


# --- strict JSON ------------------------------------------------------------------------------------------


def test_too_deep_nesting_names_where() -> None:
    text = '{"mapping": {"fields": {"cf": {"value": [[[[[[[[[[[[1]]]]]]]]]]]]}}}}'
    # Levels: the body 1, mapping 2, fields 3, cf 4, the value's lists from 5: the 9th is the 5th list.
    with pytest.raises(JsonRefused) as caught:
        parse_json(text, max_depth=8)
    assert caught.value.path == "mapping.fields.cf.value.0.0.0.0"
    assert str(caught.value) == "mapping.fields.cf.value.0.0.0.0: nested deeper than 8 levels"
    # A longer path is named by its first eight keys.
    with pytest.raises(JsonRefused) as caught:
        parse_json(text, max_depth=10)
    assert caught.value.path == "mapping.fields.cf.value.0.0.0.0.…"


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ('{"a": ["x", "\\ud800"]}', "a.1"),
        ('{"\\udfff": 1}', ""),
        ('"\\ud800"', ""),
        ('["\\ud83d\\ude00"]', None),
    ],
)
def test_a_lone_surrogate_is_refused(raw: str, path: str | None) -> None:
    if path is None:  # a pair is one character
        assert parse_json(raw) == ["😀"]
        return
    with pytest.raises(JsonRefused, match="lone surrogate") as caught:
        parse_json(raw)
    assert caught.value.path == path
