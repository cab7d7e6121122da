"""`make run`'s runner starts moto, the gateway and the poller, and stops them all."""

from __future__ import annotations

import os

import requests

from aha_jira_dev.local_stack.runner import LocalStack, RunnerConfig
from tests.fixtures.aws import TEMPLATE_PATH


def test_the_local_stack_starts_serves_and_stops() -> None:
    before = dict(os.environ)
    config = RunnerConfig(
        port=0, moto_port=0, api_key="k", demo=False, template_path=TEMPLATE_PATH, with_simulator=False
    )
    with LocalStack(config) as stack:
        assert stack.gateway is not None
        assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
        assert os.environ["ALLOW_HTTP_LOOPBACK"] == "true"
        assert requests.get(f"{stack.gateway.url}/integrations", timeout=10).status_code == 403
        assert 'curl -H "x-api-key: k"' in "\n".join(stack.banner())
        gateway_url = stack.gateway.url
    assert dict(os.environ) == before
    try:
        requests.get(f"{gateway_url}/integrations", timeout=2)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the gateway still answers after stop")
