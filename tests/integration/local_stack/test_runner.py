"""`make run`'s runner starts moto, the gateway and the poller, and stops them all."""

from __future__ import annotations

import os

import requests

from aha_jira_dev.local_stack.runner import DEFAULT_API_KEY, LocalStack, RunnerConfig
from tests.fixtures.aws import TEMPLATE_PATH


def test_the_local_stack_starts_serves_and_stops() -> None:
    before = dict(os.environ)
    config = RunnerConfig(
        port=0,
        moto_port=0,
        api_key="runner-own-api-key",
        demo=False,
        template_path=TEMPLATE_PATH,
        with_simulator=False,
    )
    with LocalStack(config) as stack:
        assert stack.gateway is not None
        assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
        assert os.environ["ALLOW_HTTP_LOOPBACK"] == "true"
        assert requests.get(f"{stack.gateway.url}/integrations", timeout=10).status_code == 403
        banner = "\n".join(stack.banner())
        # A key of one's own is a secret: the banner names the variable that holds it.
        assert 'curl -H "x-api-key: $API_KEY"' in banner
        assert "runner-own-api-key" not in banner
        gateway_url = stack.gateway.url
    assert dict(os.environ) == before
    try:
        requests.get(f"{gateway_url}/integrations", timeout=2)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the gateway still answers after stop")


def test_the_banner_shows_the_default_api_key_itself() -> None:
    """The documented default is no secret; a new user copies the curl example as it is."""
    stack = LocalStack(RunnerConfig(template_path=TEMPLATE_PATH, with_simulator=False))
    assert stack.shown_api_key == DEFAULT_API_KEY == "local-dev-api-key"
