"""The PUT /integrations body: strict validation, secrets write-only, base URL rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from aha_jira.models.integration import IntegrationConfigBody, normalise_base_url

VALID: dict[str, Any] = {
    "name": "Mobile app",
    "product": "MOB",
    "enabled": True,
    "jira": {
        "base_url": "https://acme.atlassian.net",
        "auth": {"type": "basic", "email": "bot@acme.example", "api_token": "tok-123456"},
        "project": "MOB",
    },
    "mapping": {
        "feature_issue_type": "Story",
        "requirement_issue_type": "Sub-task",
        "link_type": "Relates",
        "statuses": {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"},
        "fields": {
            "customfield_10050": {"value": {"id": "10001"}},
            "customfield_10051": {"from": "custom_fields.risk"},
        },
        "send_tags": True,
        "send_release": True,
    },
    "import": {"enabled": True, "issue_types": ["Story", "Bug"]},
    "webhook": {"secret": "hook-secret-1"},
}


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return data


def error_locations(raw: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as caught:
        IntegrationConfigBody.model_validate(raw)
    return [error["loc"] for error in caught.value.errors()]


def test_design_example_is_accepted_and_keeps_secrets_hidden() -> None:
    config = IntegrationConfigBody.model_validate(VALID)
    assert config.import_.issue_types == ["Story", "Bug"]
    assert config.mapping.fields["customfield_10051"].from_ == "custom_fields.risk"  # type: ignore[union-attr]
    assert "tok-123456" not in repr(config)
    assert "hook-secret-1" not in str(config.model_dump())


def test_minimal_body_takes_defaults() -> None:
    raw = body(import_=..., webhook=..., enabled=...) if False else body(webhook=..., enabled=...)
    del raw["import"]
    raw["mapping"] = {"feature_issue_type": "Story", "requirement_issue_type": "Task"}
    config = IntegrationConfigBody.model_validate(raw)
    assert config.enabled is True
    assert config.mapping.link_type == "Relates"
    assert config.mapping.send_tags and config.mapping.send_release
    assert config.import_.enabled is False


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        (body(surprise=1), ("surprise",)),
        (body(jira__auth__api_tokn="x"), ("jira", "auth", "basic", "api_tokn")),
        (body(mapping__feature_issue_type=...), ("mapping", "feature_issue_type")),
        (body(jira__project=""), ("jira", "project")),
        (body(enabled="yes"), ("enabled",)),
        (body(mapping__statuses={"To Do": 3}), ("mapping", "statuses", "To Do")),
        (body(jira__auth={"type": "oauth"}), ("jira", "auth")),
        (
            body(jira__auth={"type": "bearer", "token": "t", "email": "x@y"}),
            ("jira", "auth", "bearer", "email"),
        ),
    ],
)
def test_bad_keys_are_named(raw: dict[str, Any], location: tuple[str, ...]) -> None:
    assert location in error_locations(raw)


def test_basic_auth_needs_exactly_one_identity() -> None:
    both = body(jira__auth={"type": "basic", "email": "a@b.c", "username": "a", "api_token": "t"})
    assert ("jira", "auth", "basic") in error_locations(both)
    neither = body(jira__auth={"type": "basic", "api_token": "t"})
    assert ("jira", "auth", "basic") in error_locations(neither)


def test_status_names_must_differ_case_insensitively() -> None:
    raw = body(mapping__statuses={"Done": "Shipped", "DONE": "Shipped"})
    assert ("mapping", "statuses") in error_locations(raw)


def test_field_mapping_must_be_constant_or_attribute() -> None:
    raw = body(mapping__fields={"customfield_1": {"val": 1}})
    assert ("mapping", "fields", "customfield_1") in error_locations(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://ACME.atlassian.net/", "https://acme.atlassian.net"),
        ("https://jira.example.com:8443/jira/", "https://jira.example.com:8443/jira"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://localhost:8081/", "http://localhost:8081"),
    ],
)
def test_base_url_is_normalised(raw: str, expected: str) -> None:
    assert normalise_base_url(raw, allow_http_loopback=True) == expected


@pytest.mark.parametrize(
    ("raw", "allow_loopback", "reason"),
    [
        ("http://acme.atlassian.net", True, "https"),
        ("http://127.0.0.1:8081", False, "https"),
        ("https://user:pw@acme.atlassian.net", True, "credentials"),
        ("https://acme.atlassian.net/?x=1", True, "query"),
        ("acme.atlassian.net", True, "absolute"),
        ("ftp://acme.atlassian.net", True, "https"),
    ],
)
def test_base_url_refusals_say_why(raw: str, allow_loopback: bool, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_base_url(raw, allow_http_loopback=allow_loopback)
