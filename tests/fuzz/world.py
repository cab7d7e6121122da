"""The fuzz suite's stack, in the test process and kept for a whole package or module (hundreds of cases
cannot each afford a fresh one): the session's moto reset and provisioned from template.yaml, two Jira
simulators (two tenants' sites), the Aha! simulator (each tenant's Aha! integration links one of its
features), the local API gateway over real HTTP with the real handlers, and two tenants set up through the
API (`tests/fuzz/tenants.py`). Jira signs Connect lifecycle callbacks with the first
simulator's key (`CONNECT_INSTALL_KEYS_URL`). Everything the product and the gateway log is captured.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests

from aha_jira.integration_log import logger as integration_logger
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import provision
from aha_jira_dev.local_stack.template import Template
from tests.fixtures.gateway import TEST_API_KEY
from tests.fuzz.observation import WriteObserver
from tests.fuzz.probes import Target, Tenant
from tests.fuzz.tenants import ConnectApp, connect_app, set_up_tenant


@dataclass(repr=False)
class World:
    app: ConnectApp
    gateway: LocalApiGateway
    alpha: Tenant
    beta: Tenant
    observer: WriteObserver
    logs: io.StringIO

    @property
    def target(self) -> Target:
        """Hostile cases are sent with tenant alpha's credentials."""
        return self.app.target(self.alpha)

    def log_text(self) -> str:
        return self.logs.getvalue()

    def __repr__(self) -> str:  # short in Hypothesis's reports (and without the tenants' secrets)
        return f"World({self.app.url})"


@contextmanager
def _captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    product = logging.StreamHandler(stream)
    product.setFormatter(integration_logger.registered_formatter)
    tooling = logging.StreamHandler(stream)
    tooling.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    targets = [
        (logging.getLogger(integration_logger.service), product),
        (logging.getLogger("aha_jira_dev"), tooling),
    ]
    for target, handler in targets:
        target.addHandler(handler)
    try:
        yield stream
    finally:
        for target, handler in targets:
            target.removeHandler(handler)


@contextmanager
def in_process_world(template: Template, handlers: HandlerRegistry, moto_endpoint: str) -> Iterator[World]:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    provision(template, moto_endpoint)
    sim_a = JiraSimulator(host="127.0.0.1", port=0, mode="cloud").start()
    sim_b = JiraSimulator(host="127.0.0.1", port=0, mode="cloud").start()
    aha = AhaSimulator(host="127.0.0.1", port=0).start()
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            _captured_logs() as logs,
            LocalApiGateway(template, api_key=TEST_API_KEY, handlers=handlers) as gateway,
        ):
            patch.setenv("CONNECT_INSTALL_KEYS_URL", sim_a.install_keys_url)
            app = connect_app(gateway.url, TEST_API_KEY, sim_a.connect_keys)
            alpha = set_up_tenant(
                app, name="alpha", integration_id="alpha", jira_url=sim_a.base_url, aha_url=aha.base_url
            )
            beta = set_up_tenant(
                app,
                name="beta",
                integration_id="beta",
                jira_url=sim_b.base_url,
                aha_url=aha.base_url,
                roadmap_reference="PROD-2",
            )
            observer = WriteObserver([sim_a.base_url, sim_b.base_url], in_process_moto=True)
            yield World(app, gateway, alpha, beta, observer, logs)
    finally:
        sim_a.stop()
        sim_b.stop()
        aha.stop()
