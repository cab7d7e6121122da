"""HTTP plumbing (stdlib ``ThreadingHTTPServer``) and the public ``AhaSimulator`` object."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aha_jira_dev.jira_sim.core import Outcome
from aha_jira_dev.simulation.http_server import SimHandler, SimulatorServer

from .core import Core
from .pm import ProductManager
from .ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW
from .routing import Response, error_response
from .state import INTEGRATION_ID, PRODUCT_ID
from .webhooks import DEFAULT_RETRY_DELAYS

if TYPE_CHECKING:
    from aha_jira_dev.simulation.http_server import SimServer


class _Handler(SimHandler):
    server_version = "AhaSimulator/1.0"
    log = logging.getLogger("aha_jira_dev.aha_sim")
    server: SimServer[Core]

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's name; Jira's simulator answers 501 to HEAD)
        self._handle()

    def outcome(self, body: bytes) -> Outcome:
        return self.server.core.handle(self.command, self.path, self.headers, body, self.client_address[0])

    def too_large(self) -> Response:
        return error_response(413, "Request entity too large")


class AhaSimulator(SimulatorServer[Core]):
    """An Aha! account over HTTP: the REST API at ``api_url`` (``<base_url>/api/v1``), attachment downloads
    at ``<base_url>/attachments/...`` and the control API at ``<base_url>/_sim/...``.

    ``api_keys`` overrides the seeded keys (labels ``bot`` and ``pm``); ``openapi_path`` points at Aha!'s
    OpenAPI description (default ``../shared/reference/aha-openapi.json`` or ``AHA_SIM_OPENAPI``);
    ``check_responses`` checks every 2xx answer against it and records violations in the call log
    (``schema_errors``); ``seed`` seeds the fault rules' random draws; ``rate_limit``/``rate_window`` set the
    request limit (300 a minute by default; None: no limit); ``public_url`` is the base URL put in links.
    """

    handler = _Handler
    thread_name = "aha-sim"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: dict[str, str] | None = None,
        openapi_path: Path | str | None = None,
        validate_openapi: bool = True,
        check_responses: bool = False,
        seed: int | None = 0,
        rate_limit: int | None = DEFAULT_LIMIT,
        rate_window: float = DEFAULT_WINDOW,
        public_url: str | None = None,
    ) -> None:
        super().__init__(host, port, public_url)
        self.core = Core(
            api_keys=api_keys,
            openapi_path=Path(openapi_path) if openapi_path else None,
            validate_openapi=validate_openapi,
            check_responses=check_responses,
            seed=seed,
            rate_limit=rate_limit,
            rate_window=rate_window,
        )
        self.pm = ProductManager(self.core.control_call)

    # where and who -------------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def api_keys(self) -> dict[str, str]:
        """Label -> key of every key in force (seeded: ``bot`` and ``pm``)."""
        with self.core.store.lock:
            return {k.label: k.key for k in self.core.store.api_keys.values() if not k.revoked}

    @property
    def bot_key(self) -> str:
        return self.api_keys["bot"]

    @property
    def pm_key(self) -> str:
        return self.api_keys["pm"]

    product_id = PRODUCT_ID
    product_prefix = "PROD"
    integration_id = INTEGRATION_ID

    # control -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.core.reset()

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.core.calls.snapshot()

    def response_schema_errors(self) -> list[dict[str, Any]]:
        """Calls whose answer broke the (repaired) response schema (needs ``check_responses=True``)."""
        return [c for c in self.calls if c.get("schema_errors")]

    def configure_webhook(
        self,
        url: str,
        *,
        formats: tuple[str, ...] | list[str] = ("integration", "activity"),
        events: list[str] | None = None,
        record_types: list[str] | None = None,
        api_changes: bool = True,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Replace every webhook by one per format at ``url`` (both formats unless told otherwise)."""
        body = {
            "url": url,
            "formats": list(formats),
            "events": events,
            "record_types": record_types,
            "api_changes": api_changes,
            "retry_delays": list(retry_delays),
            "timeout": timeout,
        }
        result: list[dict[str, Any]] = self.core.control_call("PUT", "/webhook", body)["webhooks"]
        return result

    def add_webhook(
        self,
        url: str,
        format: str = "integration",
        *,
        events: list[str] | None = None,
        record_types: list[str] | None = None,
        api_changes: bool = True,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """One more webhook target in ``format`` (``integration`` or ``activity``)."""
        body = {
            "url": url,
            "format": format,
            "events": events,
            "record_types": record_types,
            "api_changes": api_changes,
            "retry_delays": list(retry_delays),
            "timeout": timeout,
        }
        result: dict[str, Any] = self.core.control_call("POST", "/webhooks", body)
        return result

    def remove_webhooks(self) -> None:
        self.core.webhooks.remove_all()

    def deliveries(self) -> list[dict[str, Any]]:
        return self.core.webhooks.deliveries()

    def clear_deliveries(self) -> None:
        self.core.webhooks.clear_deliveries()

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        if not self.core.webhooks.wait_done(count, timeout):
            raise TimeoutError(f"fewer than {count} webhook deliveries finished within {timeout}s")
        return self.core.webhooks.deliveries()

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add_fault(method="PUT", path=r"/features/", status=503, probability=0.2, times=None)``."""
        return self.core.faults.add(rule).as_json()

    def faults(self) -> list[dict[str, Any]]:
        return self.core.faults.rules()

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def seed_faults(self, seed: int | None) -> None:
        self.core.faults.seed(seed)

    def set_rate_limit(
        self, limit: int | None, window: float | None = None, retry_after: int | None = None
    ) -> None:
        """``limit`` requests per ``window`` seconds per key (None: no limit); ``retry_after`` fixes the
        429's ``Retry-After``. ``reset()`` goes back to the limits the simulator was started with."""
        self.core.limiter.configure(limit=limit, window=window, retry_after=retry_after)

    def add_api_key(self, label: str, email: str, key: str | None = None) -> str:
        body = {"label": label, "email": email, "key": key}
        return str(self.core.control_call("POST", "/api-keys", body)["key"])

    def revoke_api_key(self, label: str) -> None:
        self.core.control_call("DELETE", f"/api-keys/{label}")

    # records (as ``/_sim/...`` shows them) -----------------------------------------------------------------
    def feature(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.core.control_call("GET", f"/features/{ref}")
        return result

    def features(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/features")["features"]
        return result

    def requirement(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.core.control_call("GET", f"/requirements/{ref}")
        return result

    def comments(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/comments")["comments"]
        return result

    def time_tracking_events(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/time-tracking")["time_tracking_events"]
        return result

    def audits(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/audits")["audits"]
        return result
