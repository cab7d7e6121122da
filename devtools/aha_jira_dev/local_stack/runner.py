"""`make run`: the whole service on 127.0.0.1, no AWS account and no Docker.

moto in server mode (tables and queues provisioned from template.yaml), the Jira simulator, the local API
gateway routing the template's API events to the real handlers, the SQS poller playing the retry
worker's event source mapping, the template's schedules (`schedules.py`: the reconcile every
RECONCILE_INTERVAL_SECONDS, default its rate, 300), and (unless DEMO=0) a demo integration configured against the simulator.

Environment: PORT (gateway, default 3000), API_KEY (default `local-dev-api-key`), MOTO_PORT (default
4566), JIRA_SIM_PORT (default 8081), DEMO (default 1), TEMPLATE (default template.yaml); passed through to
the functions when set: CONNECT_INSTALL_KEYS_URL (default: the local simulator's install-keys endpoint),
PUBLIC_BASE_URL (default: the gateway's own URL, `http://127.0.0.1:<PORT>`; set it to a tunnel's URL for a
real Jira site), CONNECT_APP_KEY. JIRA_SIM_CREDENTIALS (a JSON object, keys as the simulator's
DEFAULT_CREDENTIALS) replaces the simulator accounts' secrets, e.g. to try credentials with odd characters.

The banner and the log lines show no secret: the API key only when it is the documented default, and no
webhook URL (its token is a credential; `GET /integrations/{id}` answers it).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, cast

from moto.server import ThreadedMotoServer

from aha_jira_dev.local_stack.environment import (
    DEFAULT_MOTO_PORT,
    aws_environment,
    functions_environment,
    local_public_base_url,
    restore_environment,
    set_environment,
    start_moto,
)
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.log_capture import capture_function_logs, default_log_path
from aha_jira_dev.local_stack.log_redaction import RedactingFormatter
from aha_jira_dev.local_stack.provision import LocalResources, provision
from aha_jira_dev.local_stack.schedules import ScheduleRunner
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template, default_template_path, load_template

logger = logging.getLogger("aha_jira_dev.local_stack")

DEFAULT_API_KEY = "local-dev-api-key"
HOST = "127.0.0.1"


class JiraSimulatorLike(Protocol):
    """What the runner uses of aha_jira_dev.jira_sim.JiraSimulator."""

    @property
    def base_url(self) -> str: ...

    def start(self) -> Any: ...

    def stop(self) -> Any: ...


@dataclass(frozen=True)
class RunnerConfig:
    port: int = 3000
    api_key: str = DEFAULT_API_KEY
    moto_port: int = DEFAULT_MOTO_PORT
    jira_sim_port: int = 8081
    demo: bool = True
    template_path: Path = field(default_factory=default_template_path)
    with_simulator: bool = True

    @classmethod
    def from_environment(cls) -> RunnerConfig:
        env = os.environ
        return cls(
            port=int(env.get("PORT") or 3000),
            api_key=env.get("API_KEY") or DEFAULT_API_KEY,
            moto_port=int(env.get("MOTO_PORT") or DEFAULT_MOTO_PORT),
            jira_sim_port=int(env.get("JIRA_SIM_PORT") or 8081),
            demo=(env.get("DEMO") or "1").strip().lower() not in ("0", "false", "no"),
            template_path=Path(env["TEMPLATE"]) if env.get("TEMPLATE") else default_template_path(),
        )


class LocalStack:
    """Starts and stops the local services in order; usable as a context manager."""

    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self.template: Template = load_template(config.template_path)
        self.moto: ThreadedMotoServer | None = None
        self.moto_url = ""
        self.resources: LocalResources | None = None
        self.simulator: JiraSimulatorLike | None = None
        self.gateway: LocalApiGateway | None = None
        self.poller: SqsPoller | None = None
        self.schedules: ScheduleRunner | None = None
        self._previous_environment: dict[str, str | None] = {}
        self.log_file: Path | None = None
        self._stops: list[Callable[[], None]] = []

    def start(self) -> LocalStack:
        config = self.config
        # Who we are comes from configuration, never from a request's Host (DESIGN.md "Who we are").
        tunnel_url = os.environ.get("PUBLIC_BASE_URL")
        try:
            self.moto, self.moto_url = start_moto(HOST, config.moto_port)
            self._stops.append(self.moto.stop)
            self._previous_environment = set_environment(aws_environment(self.moto_url))
            self.resources = provision(self.template, self.moto_url)
            for name, value in set_environment(functions_environment(self.template, self.resources)).items():
                self._previous_environment.setdefault(name, value)
            capture = capture_function_logs(default_log_path(config.port))
            self.log_file = capture.__enter__()
            self._stops.append(partial(capture.__exit__, None, None, None))  # type: ignore[arg-type]
            handlers = HandlerRegistry(self.template)

            if config.with_simulator:
                try:
                    self.simulator = _start_simulator(config.jira_sim_port)
                except (ImportError, AttributeError) as error:
                    logger.warning("the Jira simulator is not available (%s); running without it", error)
                else:
                    self._stops.append(self.simulator.stop)
                    if not self._previous_environment.get("CONNECT_INSTALL_KEYS_URL"):
                        # Unless told otherwise, Connect lifecycle keys come from the local Jira stand-in,
                        # which is what installs the app locally (docs/connect.md).
                        os.environ["CONNECT_INSTALL_KEYS_URL"] = (
                            f"{self.simulator.base_url}/_sim/connect/install-keys"
                        )

            self.gateway = LocalApiGateway(
                self.template, api_key=config.api_key, host=HOST, port=config.port, handlers=handlers
            ).start()
            self._stops.append(self.gateway.stop)
            if not tunnel_url:
                for name, value in set_environment(local_public_base_url(self.gateway.url)).items():
                    self._previous_environment.setdefault(name, value)

            self.poller = SqsPoller(self.template, self.resources, handlers=handlers).start()
            self._stops.append(self.poller.stop)
            self.schedules = ScheduleRunner(self.template, handlers=handlers).start()
            self._stops.append(self.schedules.stop)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        while self._stops:
            stop = self._stops.pop()
            try:
                stop()
            except Exception:
                logger.exception("stopping %s failed", stop)
        restore_environment(self._previous_environment)
        self._previous_environment = {}

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def configure_demo(self) -> list[str]:
        """Run the lead's demo setup (aha_jira_dev.demo.configure_demo) against this stack."""
        if self.gateway is None or self.simulator is None:
            return ["Demo skipped: the gateway or the Jira simulator is not running."]
        try:
            demo = importlib.import_module("aha_jira_dev.demo")
        except ImportError as error:
            return [f"Demo skipped: aha_jira_dev.demo cannot be imported ({error})."]
        configure = cast(Callable[..., list[str]], demo.configure_demo)
        try:
            return list(
                configure(
                    self.gateway.url, self.config.api_key, self.simulator, shown_api_key=self.shown_api_key
                )
            )
        except Exception as error:
            logger.exception("configuring the demo failed")
            return [f"Demo could not be configured: {type(error).__name__} (see the log above)"]

    @property
    def shown_api_key(self) -> str:
        """The API key as the banner may show it: the documented default itself, a key of one's own as
        the variable that holds it."""
        return self.config.api_key if self.config.api_key == DEFAULT_API_KEY else "$API_KEY"

    def banner(self) -> list[str]:
        assert self.gateway is not None
        lines = [
            "",
            "aha-jira local stack",
            f"  API gateway     {self.gateway.url}   (stage {self.gateway.stage} also served: "
            f"{self.gateway.url}/{self.gateway.stage}/...)",
            f"  API key         {self.shown_api_key}   (header x-api-key)",
            f"  API description {self.gateway.url}/swagger   (OpenAPI 3.1: {self.gateway.url}/openapi.json)",
            f"  AWS (moto)      {self.moto_url}   (tables and queues from {self.template.path.name})",
        ]
        if self.log_file is not None:
            lines.append(f"  Function logs   {self.log_file}   (GET /integrations/<id>/log reads it)")
        if self.simulator is not None:
            lines.append(f"  Jira simulator  {self.simulator.base_url}")
        if self.poller is not None and self.poller.sources:
            queues = ", ".join(f"{s.queue} -> {s.function}" for s in self.poller.sources)
            lines.append(f"  SQS poller      {queues}")
        if self.schedules is not None and self.schedules.schedules:
            runs = ", ".join(
                f"{s.function.name} every {s.interval_seconds:g} s ({s.variable})"
                for s in self.schedules.schedules
            )
            lines.append(f"  Schedules       {runs}")
        lines += [
            "",
            "Try:",
            f'  curl -H "x-api-key: {self.shown_api_key}" {self.gateway.url}/integrations',
            "",
        ]
        return lines


def _start_simulator(port: int) -> JiraSimulatorLike:
    module = importlib.import_module("aha_jira_dev.jira_sim")
    factory = cast(Callable[..., JiraSimulatorLike], module.JiraSimulator)
    credentials = json.loads(os.environ.get("JIRA_SIM_CREDENTIALS") or "{}")
    simulator = factory(host=HOST, port=port, mode="cloud", credentials=credentials)
    simulator.start()
    return simulator


def main(argv: Sequence[str] | None = None) -> int:
    del argv  # configuration comes from the environment (see the module docstring)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("botocore").setLevel(logging.WARNING)
    config = RunnerConfig.from_environment()
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del frame
        logger.info("received %s, stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack = LocalStack(config).start()
    except OSError as error:
        print(f"cannot start the local stack: {error} (is a port already in use?)", file=sys.stderr)
        return 1
    try:
        lines = stack.banner()
        if config.demo:
            lines += stack.configure_demo()
        print("\n".join(lines), flush=True)
        print("Ctrl-C to stop.", flush=True)
        stopping.wait()
    finally:
        stack.stop()
    return 0
