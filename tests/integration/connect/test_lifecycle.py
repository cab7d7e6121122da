"""The installed/uninstalled lifecycle callbacks, signed RS256 by an independent Jira stand-in."""

from __future__ import annotations

import io
import time

import pytest

from aha_jira_dev.jira_sim.connect_app import ConnectKeys, lifecycle_token
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.connect.conftest import ConnectApp, Installed, installation_item, stored_shared_secret


def test_the_descriptor_names_our_base_url_lifecycle_scopes_migrations_webhooks_and_configure_page(
    connect_app: ConnectApp,
) -> None:
    document = connect_app.descriptor()
    assert document["key"] == "aha-jira-connect"
    assert document["baseUrl"] == connect_app.url
    assert document["authentication"] == {"type": "jwt"}
    assert document["lifecycle"] == {"installed": "/connect/installed", "uninstalled": "/connect/uninstalled"}
    assert set(document["scopes"]) == {"READ", "WRITE", "PROJECT_ADMIN"}
    assert document["apiMigrations"]["signed-install"] is True
    assert document["apiMigrations"]["context-qsh"] is True
    events = {hook["event"]: hook["url"] for hook in document["modules"]["webhooks"]}
    assert events["jira:issue_updated"] == "/connect/webhooks/jira:issue_updated"
    assert {"jira:issue_created", "jira:issue_deleted", "worklog_created", "worklog_deleted"} <= set(events)
    assert document["modules"]["configurePage"]["url"] == "/connect/configure"


def test_a_signed_install_stores_the_site_and_its_shared_secret(
    installed: Installed, aws: LocalResources
) -> None:
    item = installation_item(aws, installed.client_key)
    assert item is not None
    assert item["state"] == "installed"
    assert item["base_url"] == installed.app.sim.base_url
    assert "shared_secret" not in item and installed.shared_secret not in str(item)
    assert stored_shared_secret(installed.client_key) == installed.shared_secret


def test_a_signed_reinstall_rotates_the_shared_secret(installed: Installed, aws: LocalResources) -> None:
    time.sleep(1.1)  # a newer iat, as a real re-install has
    answer = installed.app.lifecycle(
        "installed", client_key=installed.client_key, shared_secret="the-rotated-shared-secret-0123456789"
    )
    assert answer.status_code == 200, answer.text
    assert stored_shared_secret(installed.client_key) == "the-rotated-shared-secret-0123456789"
    assert installation_item(aws, installed.client_key)["version"] == 2  # type: ignore[index]


FORGED_KEYS = ConnectKeys()


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("expired", {"iat": int(time.time()) - 3600, "exp": int(time.time()) - 1800}),
        ("wrong audience", {"aud": "https://someone-else.example.com"}),
        ("wrong issuer", {"iss": "jira:another-client-key"}),
        ("wrong qsh", {"qsh": "0" * 64}),
        ("no qsh", {"qsh": None}),
        ("context qsh", {"qsh": "context-qsh"}),
        ("unknown kid", {"kid": "00000000-0000-0000-0000-000000000000"}),
    ],
)
def test_a_bad_callback_is_401_and_changes_nothing(
    installed: Installed, aws: LocalResources, case: str, overrides: dict[str, object]
) -> None:
    before = installation_item(aws, installed.client_key)
    answer = installed.app.lifecycle(
        "installed",
        client_key=installed.client_key,
        shared_secret="an-attackers-shared-secret-0123456789",
        **overrides,
    )
    assert answer.status_code == 401, (case, answer.text)
    assert answer.json()["error"]["code"] == "connect_unauthorized"
    assert installation_item(aws, installed.client_key) == before
    assert stored_shared_secret(installed.client_key) == installed.shared_secret


def test_a_callback_signed_by_another_key_or_unsigned_or_hs256_is_401(
    installed: Installed, aws: LocalResources
) -> None:
    app = installed.app
    before = installation_item(aws, installed.client_key)
    forged = lifecycle_token(
        FORGED_KEYS,
        client_key=installed.client_key,
        app_base_url=app.url,
        path="/connect/installed",
        kid=app.sim.connect_keys.kid,  # claims the site's key id, signed with another key
    )
    hs256 = installed.site_token("POST", "/connect/installed", aud=app.url)
    for token in (forged, None, hs256, "not-a-jwt"):
        answer = app.lifecycle(
            "installed",
            client_key=installed.client_key,
            shared_secret="attacker-secret-0123456789",
            token=token,
        )
        assert answer.status_code == 401, answer.text
    uninstall = app.lifecycle("uninstalled", client_key=installed.client_key, token=forged)
    assert uninstall.status_code == 401
    assert installation_item(aws, installed.client_key) == before
    assert stored_shared_secret(installed.client_key) == installed.shared_secret


def test_a_replayed_callback_is_401_and_changes_nothing(connect_app: ConnectApp, aws: LocalResources) -> None:
    client_key = "jira:replay-site"
    token = lifecycle_token(
        connect_app.sim.connect_keys,
        client_key=client_key,
        app_base_url=connect_app.url,
        path="/connect/installed",
    )
    first = connect_app.lifecycle(
        "installed", client_key=client_key, token=token, shared_secret="first-secret-0123456789"
    )
    assert first.status_code == 200, first.text
    replay = connect_app.lifecycle(
        "installed", client_key=client_key, token=token, shared_secret="replayed-secret-0123456789"
    )
    assert replay.status_code == 401
    assert "replay" in replay.json()["error"]["message"]
    assert stored_shared_secret(client_key) == "first-secret-0123456789"

    # An older (still unexpired) install replayed after the uninstall does not bring the site back.
    time.sleep(1.1)
    uninstall = connect_app.lifecycle("uninstalled", client_key=client_key)
    assert uninstall.status_code == 200, uninstall.text
    again = connect_app.lifecycle(
        "installed", client_key=client_key, token=token, shared_secret="x-secret-0123456789"
    )
    assert again.status_code == 401
    item = installation_item(aws, client_key)
    assert item is not None and item["state"] == "uninstalled"
    assert stored_shared_secret(client_key) is None


def test_uninstall_removes_the_shared_secret_and_the_site_can_install_again(
    installed: Installed, aws: LocalResources
) -> None:
    result = installed.app.sim.uninstall_app(installed.client_key)
    assert result.status == 200, result.body
    assert installation_item(aws, installed.client_key)["state"] == "uninstalled"  # type: ignore[index]
    assert stored_shared_secret(installed.client_key) is None
    time.sleep(1.1)  # a re-install is a later callback than the first install (iat in seconds)
    again = installed.app.sim.install_app(installed.app.descriptor_url, client_key=installed.client_key)
    assert again.status == 200, again.body
    assert stored_shared_secret(installed.client_key) == again.shared_secret


def test_a_body_that_is_not_a_lifecycle_payload_is_400_after_the_signature_is_checked(
    installed: Installed,
) -> None:
    answer = installed.app.lifecycle("installed", client_key=installed.client_key, payload={"hello": "world"})
    assert answer.status_code == 400
    unsigned = installed.app.lifecycle(
        "installed", client_key=installed.client_key, payload={"x": 1}, token=None
    )
    assert unsigned.status_code == 401


def test_the_shared_secret_never_reaches_a_response_or_a_log_line(
    connect_app: ConnectApp, log_output: io.StringIO
) -> None:
    result = connect_app.sim.install_app(connect_app.descriptor_url)
    assert result.status == 200
    assert result.shared_secret not in result.body
    time.sleep(1.1)
    rotated = connect_app.lifecycle(
        "installed", client_key=result.client_key, shared_secret="rotated-secret-value-0123456789"
    )
    assert rotated.status_code == 200
    forged = connect_app.lifecycle(
        "installed",
        client_key=result.client_key,
        shared_secret="forged-secret-value-0123456789",
        aud="https://elsewhere.example.com",
    )
    assert forged.status_code == 401
    for text in (rotated.text, forged.text):
        assert "rotated-secret-value" not in text and result.shared_secret not in text
    logged = log_output.getvalue()
    assert "connect.installed" in logged
    for secret in (result.shared_secret, "rotated-secret-value-0123456789", "forged-secret-value-0123456789"):
        assert secret not in logged


def test_an_unreachable_install_keys_service_is_503_so_jira_retries(
    connect_app: ConnectApp, aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECT_INSTALL_KEYS_URL", "http://127.0.0.1:9")
    answer = connect_app.lifecycle("installed", client_key="jira:keys-down")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "install_keys_unavailable"
    assert installation_item(aws, "jira:keys-down") is None
    assert stored_shared_secret("jira:keys-down") is None
