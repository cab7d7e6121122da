"""`make run` as a new user meets it: start the local stack as its own process, follow the README over
HTTP, stop it with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "e2e-api-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningStack:
    url: str
    jira_url: str
    process: subprocess.Popen[str]
    banner: list[str]


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    ports = {"PORT": free_port(), "MOTO_PORT": free_port(), "JIRA_SIM_PORT": free_port()}
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}, "API_KEY": API_KEY}
    # The stack must not lean on the test session's moto or settings.
    for name in ("AWS_ENDPOINT_URL", "INTEGRATIONS_TABLE", "ALLOW_HTTP_LOOPBACK", "PUBLIC_BASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "aha_jira_dev.local_stack"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line.rstrip())
        if "Ctrl-C" in line:
            break
    running = RunningStack(
        url=f"http://127.0.0.1:{ports['PORT']}",
        jira_url=f"http://127.0.0.1:{ports['JIRA_SIM_PORT']}",
        process=process,
        banner=banner,
    )
    try:
        assert any("Ctrl-C" in line for line in banner), "\n".join(banner)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_banner_prints_urls_api_key_and_a_curl_example(stack: RunningStack) -> None:
    text = "\n".join(stack.banner)
    assert stack.url in text
    assert stack.jira_url in text
    assert API_KEY in text
    assert "curl" in text


def test_demo_integration_is_configured(stack: RunningStack) -> None:
    answer = requests.get(f"{stack.url}/integrations/demo", headers={"x-api-key": API_KEY}, timeout=10)
    assert answer.status_code == 200
    demo = answer.json()
    assert demo["jira"]["base_url"] == stack.jira_url
    assert demo["webhook_url"].startswith(f"{stack.url}/webhooks/jira/")


def test_readme_flow(stack: RunningStack) -> None:
    body = {
        "name": "Mobile app",
        "product": "MOB",
        "jira": {
            "base_url": stack.jira_url,
            "auth": {"type": "basic", "email": "bot@example.com", "api_token": "readme-api-token"},
            "project": "MOB",
        },
        "mapping": {"feature_issue_type": "Story", "requirement_issue_type": "Sub-task"},
    }
    refused = requests.put(f"{stack.url}/integrations/mobile", json=body, timeout=10)
    assert refused.status_code == 403
    wrong_key = requests.get(f"{stack.url}/integrations", headers={"x-api-key": "nope"}, timeout=10)
    assert wrong_key.status_code == 403

    created = requests.put(
        f"{stack.url}/integrations/mobile", json=body, headers={"x-api-key": API_KEY}, timeout=10
    )
    assert created.status_code == 201, created.text
    read = requests.get(f"{stack.url}/integrations/mobile", headers={"x-api-key": API_KEY}, timeout=10)
    assert read.status_code == 200
    assert "readme-api-token" not in read.text
    assert read.json()["jira"]["auth"]["credentials_stored"] is True

    malformed = {**body, "jira": {**body["jira"], "auth": {**body["jira"]["auth"], "api_tokn": "x"}}}
    bad = requests.put(
        f"{stack.url}/integrations/mobile", json=malformed, headers={"x-api-key": API_KEY}, timeout=10
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/json")
    assert bad.json()["error"]["message"].startswith("jira.auth.api_tokn")

    listed = requests.get(f"{stack.url}/integrations", headers={"x-api-key": API_KEY}, timeout=10)
    assert {item["id"] for item in listed.json()["integrations"]} >= {"demo", "mobile"}


def test_demo_sends_a_feature_and_reads_it_back(stack: RunningStack) -> None:
    headers = {"x-api-key": API_KEY}
    demo = requests.get(f"{stack.url}/integrations/demo", headers=headers, timeout=10).json()
    assert demo["last_test"]["ok"] is True, demo["last_test"]
    body = json.loads((REPO_ROOT / "examples" / "demo_feature.json").read_text())
    sent = requests.post(
        f"{stack.url}/integrations/demo/features/PROD-2/send", json=body, headers=headers, timeout=30
    )
    assert sent.status_code == 200, sent.text
    key = sent.json()["jira"]["key"]
    issue = requests.get(f"{stack.jira_url}/_sim/issues/{key}", timeout=10).json()
    assert issue["fields"]["summary"] == body["feature"]["name"]
    read = requests.get(f"{stack.url}/integrations/demo/features/PROD-2", headers=headers, timeout=10)
    assert read.status_code == 200 and read.json()["jira"]["key"] == key


def test_a_queued_send_is_finished_by_the_retry_poller(stack: RunningStack) -> None:
    headers = {"x-api-key": API_KEY}
    body = json.loads((REPO_ROOT / "examples" / "demo_feature.json").read_text())
    body["feature"]["reference_num"] = "PROD-9"
    body["feature"]["requirements"] = []
    fault = {"method": "POST", "path": "/rest/api/3/issue$", "status": 503, "retry_after": 0, "times": 1}
    requests.post(f"{stack.jira_url}/_sim/faults", json=fault, timeout=10).raise_for_status()
    sent = requests.post(
        f"{stack.url}/integrations/demo/features/PROD-9/send", json=body, headers=headers, timeout=30
    )
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        read = requests.get(f"{stack.url}/integrations/demo/features/PROD-9", headers=headers, timeout=10)
        if read.status_code == 200 and read.json()["jira"]["key"]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the retry worker did not finish the queued send")


def test_a_status_change_in_jira_comes_back_to_the_roadmap(stack: RunningStack) -> None:
    """The demo's simulator webhook points at the demo integration's webhook_url (signed with its secret):
    send a feature, move its issue as the engineer in Jira, read the feature back with the new status."""
    headers = {"x-api-key": API_KEY}
    body = json.loads((REPO_ROOT / "examples" / "demo_feature.json").read_text())
    body["feature"]["reference_num"] = "PROD-7"
    body["feature"]["requirements"] = []
    sent = requests.post(
        f"{stack.url}/integrations/demo/features/PROD-7/send", json=body, headers=headers, timeout=30
    )
    assert sent.status_code == 200, sent.text
    key = sent.json()["jira"]["key"]
    moved = requests.post(
        f"{stack.jira_url}/_sim/engineer/issues/{key}/transition", json={"status": "In Progress"}, timeout=10
    )
    assert moved.status_code < 300, moved.text
    deadline = time.monotonic() + 30
    feature: dict[str, Any] = {}
    while time.monotonic() < deadline:
        read = requests.get(f"{stack.url}/integrations/demo/features/PROD-7", headers=headers, timeout=10)
        feature = read.json()
        if feature.get("status") == "In development":
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the status change did not reach the roadmap: {feature}")
    assert (feature["jira"]["key"], feature["jira"]["status"]) == (key, "In Progress")
    deliveries = requests.get(f"{stack.jira_url}/_sim/webhook/deliveries", timeout=10).json()["deliveries"]
    assert deliveries and all(delivery["status"] == 200 for delivery in deliveries if delivery["done"])


def test_ctrl_c_stops_everything(stack: RunningStack) -> None:
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.url}/integrations", timeout=2)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.jira_url}/rest/api/3/serverInfo", timeout=2)
