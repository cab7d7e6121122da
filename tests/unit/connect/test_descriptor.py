"""The app descriptor and the configure page's sub-domain rule."""

from __future__ import annotations

import pytest

from aha_jira.connect.configure import normalise_subdomain
from aha_jira.connect.descriptor import descriptor
from aha_jira.models.jira_webhook import COMMENT_EVENTS, ISSUE_EVENTS, USED_EVENTS, WORKLOG_EVENTS


def test_the_descriptor_is_a_jwt_app_with_signed_install_and_context_qsh() -> None:
    document = descriptor("https://abc.execute-api.us-east-1.amazonaws.com/v1", "my-app")
    assert document["key"] == "my-app"
    assert document["baseUrl"] == "https://abc.execute-api.us-east-1.amazonaws.com/v1"
    assert document["authentication"] == {"type": "jwt"}
    assert document["apiMigrations"] == {"signed-install": True, "context-qsh": True, "gdpr": True}
    assert document["lifecycle"] == {"installed": "/connect/installed", "uninstalled": "/connect/uninstalled"}
    assert document["scopes"] == ["READ", "WRITE", "PROJECT_ADMIN"]
    hooks = document["modules"]["webhooks"]
    assert all(hook["url"] == f"/connect/webhooks/{hook['event']}" for hook in hooks)
    assert {hook["event"] for hook in hooks} == {
        "jira:issue_created",
        "jira:issue_updated",
        "jira:issue_deleted",
        "worklog_created",
        "worklog_updated",
        "worklog_deleted",
        "comment_created",
        "comment_updated",
        "comment_deleted",
    }
    assert document["modules"]["configurePage"]["url"] == "/connect/configure"


def test_the_app_subscribes_to_the_cloud_events_of_the_one_list_the_webhook_handling_uses() -> None:
    """An event added to `USED_EVENTS` is handled by the webhook and subscribed to by the Connect app."""
    hooks = descriptor("https://api.example.test", "my-app")["modules"]["webhooks"]
    subscribed = {hook["event"] for hook in hooks}
    assert subscribed == {name for name, used in USED_EVENTS.items() if used.cloud}
    assert set(USED_EVENTS) == ISSUE_EVENTS | WORKLOG_EVENTS | COMMENT_EVENTS
    assert {"comment_created", "comment_updated", "comment_deleted"} <= subscribed
    assert "jira:worklog_updated" in ISSUE_EVENTS - subscribed  # Data Center's issue event: not Cloud's


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("acme", "acme"), (" Acme ", "acme"), ("acme.aha.io", "acme"), ("https://acme-2.aha.io/", "acme-2")],
)
def test_sub_domains_are_normalised(raw: str, expected: str) -> None:
    assert normalise_subdomain(raw) == expected


@pytest.mark.parametrize("raw", ["", "-acme", "acme-", "a b", "acme.example.com", "<script>", "a" * 64])
def test_bad_sub_domains_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="sub-domain"):
        normalise_subdomain(raw)
