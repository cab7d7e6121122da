"""The process environment of the local stack: moto's endpoint and dummy credentials, and the functions'
environment from the template with the local stack's overrides."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from moto.server import ThreadedMotoServer

from aha_jira_dev.local_stack.moto_isolation import isolate_dynamodb
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import LOCAL_REGION, Template

# What the local stack changes in the template's function environment: the Jira simulator listens on
# http://127.0.0.1, which the deployed service refuses (https only).
# The integration log is read from the file the local stack captures the functions' lines to
# (log_capture.py), not from CloudWatch.
LOCAL_OVERRIDES: dict[str, str] = {"ALLOW_HTTP_LOOPBACK": "true", "INTEGRATION_LOG_SOURCE": "file"}

# Variables a developer may set for `make run` that win over the template's values: where Connect's
# install keys come from (a local Jira stand-in serves its own), the public base URL (a tunnel, so a
# real Jira site can reach the local stack; otherwise the runner sets the gateway's own URL), and the
# Connect app key.
PASS_THROUGH = ("CONNECT_INSTALL_KEYS_URL", "PUBLIC_BASE_URL", "CONNECT_APP_KEY")

DEFAULT_MOTO_PORT = 4566


def aws_environment(endpoint_url: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """Point boto3 at a local endpoint with moto's dummy credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


def functions_environment(
    template: Template, resources: LocalResources, function: str | None = None
) -> dict[str, str]:
    """One function's environment (or every function's, merged) resolved locally, with LOCAL_OVERRIDES and
    the PASS_THROUGH variables set in this process."""
    if function is None:
        environment = resources.shared_environment(template)
    else:
        environment = resources.environment(template, function)
    passed = {name: os.environ[name] for name in PASS_THROUGH if os.environ.get(name)}
    return {**environment, **LOCAL_OVERRIDES, **passed}


def local_public_base_url(gateway_url: str) -> dict[str, str]:
    """The functions' PUBLIC_BASE_URL when the local gateway at `gateway_url` is who we are (it serves the
    routes at its root): what webhook_url, the Connect descriptor and the Connect `aud` use."""
    return {"PUBLIC_BASE_URL": gateway_url.rstrip("/")}


def set_environment(values: Mapping[str, str]) -> dict[str, str | None]:
    """Set variables; returns their previous values for restore_environment()."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    return previous


def restore_environment(previous: Mapping[str, str | None]) -> None:
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def default_endpoint() -> str:
    """`AWS_ENDPOINT_URL`, else moto's local default `http://127.0.0.1:${MOTO_PORT:-4566}`."""
    configured = os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        return configured
    return f"http://127.0.0.1:{os.environ.get('MOTO_PORT') or DEFAULT_MOTO_PORT}"


def is_reachable(endpoint_url: str, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at the endpoint's host and port."""
    parts = urlsplit(endpoint_url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def start_moto(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Start moto in server mode in this process (port 0: a free one); returns the server and its URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    isolate_dynamodb()  # one DynamoDB call at a time, as the service isolates them (moto_isolation.py)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


@contextmanager
def moto_server(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    server, url = start_moto(host, port)
    try:
        yield url
    finally:
        server.stop()
