"""`make run` passes the Connect settings a developer sets through to the functions."""

from __future__ import annotations

import pytest

from aha_jira_dev.local_stack.environment import functions_environment
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template


def test_connect_settings_are_passed_through(
    aws: LocalResources, repo_template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = functions_environment(repo_template, aws, "JiraWebhookFunction")
    assert defaults["CONNECT_INSTALL_KEYS_URL"] == "https://connect-install-keys.atlassian.com"
    assert defaults["CONNECT_APP_KEY"] == "aha-jira-connect"
    monkeypatch.setenv("CONNECT_INSTALL_KEYS_URL", "http://127.0.0.1:8081/_sim/connect/install-keys")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://tunnel.example.com")
    environment = functions_environment(repo_template, aws, "JiraWebhookFunction")
    assert environment["CONNECT_INSTALL_KEYS_URL"] == "http://127.0.0.1:8081/_sim/connect/install-keys"
    assert environment["PUBLIC_BASE_URL"] == "https://tunnel.example.com"
    assert functions_environment(repo_template, aws)["PUBLIC_BASE_URL"] == "https://tunnel.example.com"
