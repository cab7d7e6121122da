"""`make run` passes the Connect settings a developer sets through to the functions, and tells them who
they are: its own gateway's URL, unless the developer set a tunnel's."""

from __future__ import annotations

import os

import pytest
import requests

from aha_jira_dev.local_stack.environment import functions_environment
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.runner import LocalStack, RunnerConfig
from aha_jira_dev.local_stack.template import Template
from tests.fixtures.aws import TEMPLATE_PATH


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


def test_make_run_is_who_it_serves_at_whatever_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a tunnel URL, `make run` gives the functions its own gateway's URL (`http://127.0.0.1:<PORT>`):
    the descriptor names it even to a request that claims another Host; the environment is restored after."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    before = os.environ.get("PUBLIC_BASE_URL")
    config = RunnerConfig(
        port=0, moto_port=0, api_key="k", demo=False, template_path=TEMPLATE_PATH, with_simulator=False
    )
    with LocalStack(config) as stack:
        assert stack.gateway is not None
        assert stack.gateway.url == f"http://127.0.0.1:{stack.gateway.port}"
        assert os.environ["PUBLIC_BASE_URL"] == stack.gateway.url
        answer = requests.get(
            f"{stack.gateway.url}/atlassian-connect.json", headers={"Host": "evil.example"}, timeout=10
        )
        assert answer.status_code == 200 and answer.json()["baseUrl"] == stack.gateway.url
    assert os.environ.get("PUBLIC_BASE_URL") == before


def test_make_run_keeps_a_tunnel_url_the_developer_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://tunnel.example.com")
    config = RunnerConfig(
        port=0, moto_port=0, api_key="k", demo=False, template_path=TEMPLATE_PATH, with_simulator=False
    )
    with LocalStack(config) as stack:
        assert stack.gateway is not None
        assert os.environ["PUBLIC_BASE_URL"] == "https://tunnel.example.com"
        answer = requests.get(f"{stack.gateway.url}/atlassian-connect.json", timeout=10)
        assert answer.json()["baseUrl"] == "https://tunnel.example.com"
    assert os.environ["PUBLIC_BASE_URL"] == "https://tunnel.example.com"
