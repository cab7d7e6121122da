"""`python -m aha_jira_dev.local_stack.invoke`: a function on an event file, without Docker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fixtures.aws import REPO_ROOT
from tests.integration.local_stack.conftest import FIXTURE_TEMPLATE


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _invoke(*args: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run(
        [sys.executable, "-m", "aha_jira_dev.local_stack.invoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=REPO_ROOT,
        check=False,
    )


def _event(tmp_path: Path, **fields: Any) -> Path:
    event = json.loads((REPO_ROOT / "events" / "get_integration.json").read_text())
    event.update(fields)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return path


def test_invoke_uses_a_running_local_stack(tmp_path: Path, moto_endpoint: str) -> None:
    event = _event(tmp_path, path="/things/x")
    done = _invoke("EchoFunction", str(event), "--template", str(FIXTURE_TEMPLATE), endpoint=moto_endpoint)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout holds the result only
    assert result["statusCode"] == 200
    echoed = json.loads(result["body"])
    assert echoed["event"]["path"] == "/things/x"
    assert echoed["env"]["WORK_QUEUE_URL"] == f"{moto_endpoint}/123456789012/WorkQueue"
    assert echoed["context"]["function_name"] == "aha-jira-local-EchoFunction"
    assert "echo handler log line" in done.stderr
    assert "using the local stack's AWS endpoint" in done.stderr


def test_invoke_starts_its_own_moto_when_none_runs(tmp_path: Path) -> None:
    done = _invoke(
        "integrations", str(REPO_ROOT / "events" / "list_integrations.json"), endpoint=_closed_port_url()
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["integrations"] == []
    assert "started moto" in done.stderr


def test_a_raising_handler_prints_the_error_and_exits_1(tmp_path: Path, moto_endpoint: str) -> None:
    event = _event(tmp_path, path="/files/boom")
    done = _invoke("echo", str(event), "--template", str(FIXTURE_TEMPLATE), endpoint=moto_endpoint)
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "boom"


def test_an_unknown_function_exits_2(tmp_path: Path, moto_endpoint: str) -> None:
    done = _invoke("nope", str(_event(tmp_path)), endpoint=moto_endpoint)
    assert done.returncode == 2
    assert "no function 'nope'" in done.stderr
