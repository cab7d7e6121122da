"""The e2e suite's `make run` stack, and everything it lets the secrets check read.

- `stack` (package): `python -m aha_jira_dev.local_stack` as its own process, as a new user starts it, with
  an API key of its own, Jira simulator accounts whose secrets hold quotes, backslashes and percent
  signs (`JIRA_SIM_CREDENTIALS`), and an Aha! simulator whose bot API key (the demo's roadmap.api_key) is as
  odd (`AHA_SIM_API_KEYS`). Its stdout and stderr are drained into a file for the whole run, and its
  functions' log lines are captured to another (`INTEGRATION_LOG_FILE`).
- `e2e_capture` (package): those two files and every answer the tests received from the stack's gateway
  (recorded around `requests.Session.send` while the e2e tests run).
- Order: the test that stops the stack (`stops_stack`) and then the secrets check (`after_e2e`), which reads
  all of the above once the stack has exited, run after every other e2e test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "e2e-api-key-5c1d7a9e"
# The simulator's Cloud bot account: its API token as a careless user might paste one.
SIM_EMAIL = "bot@acme.example"
SIM_API_TOKEN = "e2e-sim-token-\"dq\"-'sq'-back\\slash-100%25-%2F-&+/=<>"
# The Aha! simulator's bot key, which the demo integration stores as roadmap.api_key (a Bearer token: Latin-1).
AHA_BOT_KEY = "e2e-aha-key-\"dq\"-'sq'-back\\slash-100%25-%2F-&+/=<>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OutputDrain(threading.Thread):
    """Reads the stack's output for as long as it runs (a full pipe would block the stack), into a file;
    the lines up to "Ctrl-C to stop." are the banner."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        super().__init__(name="e2e-stack-output", daemon=True)
        self._stream = stream
        self.path = path
        self.banner: list[str] = []
        self.banner_done = threading.Event()

    def run(self) -> None:
        with self.path.open("w", encoding="utf-8") as out:
            for raw in self._stream:
                line = raw.decode("utf-8", errors="backslashreplace")
                out.write(line)
                out.flush()
                if not self.banner_done.is_set():
                    self.banner.append(line.rstrip())
                    if "Ctrl-C" in line:
                        self.banner_done.set()
        self.banner_done.set()


@dataclass
class RunningStack:
    url: str
    jira_url: str
    aha_url: str
    moto_port: int
    process: subprocess.Popen[bytes]
    drain: OutputDrain

    @property
    def banner(self) -> list[str]:
        return self.drain.banner

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; then the rest of its output is read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.drain.join(timeout=10)
        return int(self.process.returncode)


@dataclass
class E2eCapture:
    """What the secrets check reads: the stack's output, its functions' log, the answers received."""

    folder: Path
    gateway_url: str = ""
    answers: list[str] = field(default_factory=list)

    @property
    def stack_output(self) -> Path:
        return self.folder / "stack-output.log"

    @property
    def function_log(self) -> Path:
        return self.folder / "functions.jsonl"

    def record(self, url: str | None, response: requests.Response) -> None:
        if self.gateway_url and (url or "").startswith(self.gateway_url):
            headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
            self.answers.append(f"{response.status_code} {url}\n{headers}\n\n{response.text}")


@pytest.fixture(scope="package")
def e2e_capture(tmp_path_factory: pytest.TempPathFactory) -> E2eCapture:
    return E2eCapture(tmp_path_factory.mktemp("e2e-capture"))


@pytest.fixture(scope="package")
def stack(e2e_capture: E2eCapture) -> Iterator[RunningStack]:
    ports = {
        "PORT": free_port(),
        "MOTO_PORT": free_port(),
        "JIRA_SIM_PORT": free_port(),
        "AHA_SIM_PORT": free_port(),
    }
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "API_KEY": API_KEY,
        "JIRA_SIM_CREDENTIALS": json.dumps({"cloud_email": SIM_EMAIL, "cloud_api_token": SIM_API_TOKEN}),
        "AHA_SIM_API_KEYS": json.dumps({"bot": AHA_BOT_KEY}),
        "INTEGRATION_LOG_FILE": str(e2e_capture.function_log),
        "PYTHONUTF8": "1",
    }
    # The stack must not lean on the test session's moto or settings.
    for name in ("AWS_ENDPOINT_URL", "INTEGRATIONS_TABLE", "ALLOW_HTTP_LOOPBACK", "PUBLIC_BASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "aha_jira_dev.local_stack"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    drain = OutputDrain(process.stdout, e2e_capture.stack_output)
    drain.start()
    running = RunningStack(
        url=f"http://127.0.0.1:{ports['PORT']}",
        jira_url=f"http://127.0.0.1:{ports['JIRA_SIM_PORT']}",
        aha_url=f"http://127.0.0.1:{ports['AHA_SIM_PORT']}",
        moto_port=ports["MOTO_PORT"],
        process=process,
        drain=drain,
    )
    e2e_capture.gateway_url = running.url
    try:
        drain.banner_done.wait(timeout=90)
        assert any("Ctrl-C" in line for line in drain.banner), "\n".join(drain.banner)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package", autouse=True)
def _record_answers(e2e_capture: E2eCapture) -> Iterator[None]:
    """Every answer the e2e tests (and their fixtures) receive from the stack's gateway goes into the
    capture, for as long as the e2e tests run."""
    send = requests.Session.send

    def recording_send(session: requests.Session, prepared: requests.PreparedRequest, **kwargs: Any) -> Any:
        response = send(session, prepared, **kwargs)
        e2e_capture.record(prepared.url, response)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.Session, "send", recording_send)
        yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stops_stack: stops the e2e stack; runs after the other e2e tests")
    config.addinivalue_line("markers", "after_e2e: reads what the whole e2e run captured; runs last")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e tests keep their place in the session, the stopping test and the check moved to their end."""
    here = Path(__file__).parent
    slots = [index for index, item in enumerate(items) if here in item.path.parents]

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("after_e2e"):
            return 2
        return 1 if item.get_closest_marker("stops_stack") else 0

    ordered = sorted((items[index] for index in slots), key=rank)  # sorted() is stable
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item


def wait_until(condition: Any, timeout: float, interval: float = 0.2) -> Any:
    """Poll `condition()` until it answers something truthy (that answer), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(interval)
