"""HTTP plumbing (stdlib ``ThreadingHTTPServer``) and the public ``JiraSimulator`` object."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aha_jira_dev.simulation.http_server import SimHandler, SimulatorServer

from .core import Core, Outcome
from .ratelimits import RateClock
from .routing import Response
from .state import BOT_ACCOUNT_ID, ENGINEER_ACCOUNT_ID
from .uploads import BLOCK, body_reader, receive
from .webhooks import WebhookConfig

if TYPE_CHECKING:
    from aha_jira_dev.simulation.http_server import SimServer

    from .connect_app import ConnectKeys, LifecycleResult


class _Handler(SimHandler):
    server_version = "JiraSimulator/1.0"
    log = logging.getLogger("aha_jira_dev.jira_sim")
    answer_headers = {"X-Arequestid": "sim"}  # noqa: RUF012 (read only)
    server: SimServer[Core]

    def _handle(self) -> None:
        core = self.server.core
        content_type = self.headers.get("Content-Type") or ""
        if "multipart/form-data" in content_type.lower() and core.streams_upload(self.command, self.path):
            # attachments: streamed to disk part by part, never held whole (see ``uploads``)
            upload = receive(body_reader(self.rfile, self.headers), content_type, core.uploads)
            self.answer(core.handle(self.command, self.path, self.headers, b"", upload=upload))
            return
        super()._handle()

    def outcome(self, body: bytes) -> Outcome:
        return self.server.core.handle(self.command, self.path, self.headers, body)

    def too_large(self) -> Response:
        return Response(413, {"errorMessages": ["Request entity too large."], "errors": {}})

    def write(self, response: Response) -> None:
        if response.file is not None:
            self._write_file(response, response.file)
            return
        super().write(response)

    def _write_file(self, response: Response, path: Path) -> None:
        """A body streamed from disk in blocks (attachment content can be large)."""
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.send_headers(response)
        with path.open("rb") as source:
            while block := source.read(BLOCK):
                self.wfile.write(block)


class JiraSimulator(SimulatorServer[Core]):
    """A Jira site over HTTP. ``mode`` is ``"cloud"`` (``/rest/api/3`` + ``/rest/api/2``, ADF in v3) or
    ``"datacenter"`` (``/rest/api/2`` only, wiki markup, personal access tokens).

    ``credentials`` overrides the seeded accounts' secrets (keys as in ``state.DEFAULT_CREDENTIALS``);
    ``openapi_path`` points at Atlassian's OpenAPI description (default: ``../shared/reference/...`` or the
    ``JIRA_SIM_OPENAPI`` environment variable); ``public_url`` sets the base URL the simulator puts in
    ``self`` links when it is reached through another host name; ``rate_clock`` injects the clock of the rate
    limits (a ``RateClock``, e.g. over a fake monotonic source).
    """

    handler = _Handler
    thread_name = "jira-sim"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        mode: str = "cloud",
        *,
        credentials: dict[str, str] | None = None,
        openapi_path: Path | str | None = None,
        validate_openapi: bool = True,
        public_url: str | None = None,
        rate_clock: RateClock | None = None,
    ) -> None:
        super().__init__(host, port, public_url)
        self.mode = mode
        self.core = Core(
            mode,
            credentials=credentials,
            openapi_path=Path(openapi_path) if openapi_path else None,
            validate_openapi=validate_openapi,
            rate_clock=rate_clock,
        )

    # lifecycle (``SimulatorServer``): stopping also deletes the uploads kept on disk ----------------------
    def stop(self) -> None:
        super().stop()
        self.core.uploads.clear()

    # properties -------------------------------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        """The seeded accounts' secrets: ``cloud_email``, ``cloud_api_token``, ``dc_username``, ``dc_password``,
        ``dc_pat``, ``engineer_email``, ``engineer_api_token``, ``engineer_username``, ``engineer_password``."""
        return dict(self.core.credentials)

    @property
    def bot_account_id(self) -> str:
        return BOT_ACCOUNT_ID

    @property
    def engineer_account_id(self) -> str:
        return ENGINEER_ACCOUNT_ID

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.core.calls.snapshot()

    @property
    def openapi_load_seconds(self) -> float | None:
        return self.core.spec.load_seconds if self.core.spec else None

    # control ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.core.reset()

    def configure_webhook(
        self,
        url: str,
        secret: str | None = None,
        *,
        events: list[str] | None = None,
        retry_delays: tuple[float, ...] | None = None,
    ) -> None:
        config = WebhookConfig(url=url, secret=secret, events=frozenset(events) if events else None)
        if retry_delays is not None:
            config.retry_delays = tuple(retry_delays)
        self.core.webhooks.configure(config)

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return self.core.faults.add(rule).as_json()

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def register_connect_installation(
        self,
        client_key: str,
        shared_secret: str,
        app_base_url: str | None = None,
        webhook_path: str | None = None,
    ) -> dict[str, Any]:
        """Register a Connect app installed in this site: its JWTs are then accepted (Cloud mode) and, with
        ``app_base_url``, every event is sent to ``app_base_url + webhook_path`` as a JWT-signed webhook."""
        from .routes.control import register_installation  # noqa: PLC0415

        return register_installation(
            self.core, client_key, shared_secret, base_url=app_base_url, webhook_path=webhook_path
        )

    # Connect apps installed the way Jira installs them (see ``connect_app``) ------------------------------------
    @property
    def install_keys_url(self) -> str:
        """Base URL of the simulator's install-keys service (``CONNECT_INSTALL_KEYS_URL`` for the app)."""
        return f"{self.core.base_url}/_sim/connect/install-keys"

    @property
    def connect_keys(self) -> ConnectKeys:
        return self.core.connect_keys

    def install_app(
        self, descriptor_url: str, *, client_key: str | None = None, shared_secret: str | None = None
    ) -> LifecycleResult:
        """Install the app whose descriptor is at ``descriptor_url``: a signed ``installed`` callback; on 2xx
        the installation is registered (its JWTs accepted, its webhooks sent)."""
        from .connect_app import install_app  # noqa: PLC0415

        return install_app(self.core, descriptor_url, client_key=client_key, shared_secret=shared_secret)

    def uninstall_app(self, client_key: str) -> LifecycleResult:
        from .connect_app import uninstall_app  # noqa: PLC0415

        return uninstall_app(self.core, client_key)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.core.webhooks.deliveries()

    # site settings and permissions (``reset`` restores both) -------------------------------------------------
    def site_settings(self) -> dict[str, bool]:
        """The site's options as ``GET configuration`` reports them (snake_case keys)."""
        from .routes.control import update_site_settings  # noqa: PLC0415

        return update_site_settings(self.core, {})

    def set_site_settings(
        self,
        *,
        sub_tasks_enabled: bool | None = None,
        issue_linking_enabled: bool | None = None,
        time_tracking_enabled: bool | None = None,
        attachments_enabled: bool | None = None,
        voting_enabled: bool | None = None,
        watching_enabled: bool | None = None,
        unassigned_issues_allowed: bool | None = None,
    ) -> dict[str, bool]:
        """Switch site options; the ones left None keep their value. Sub-tasks off: creating a sub-task is
        refused. Linking off: ``issuelinks`` leaves every screen and ``POST issueLink`` answers 404."""
        from .routes.control import update_site_settings  # noqa: PLC0415

        given = {
            "sub_tasks_enabled": sub_tasks_enabled,
            "issue_linking_enabled": issue_linking_enabled,
            "time_tracking_enabled": time_tracking_enabled,
            "attachments_enabled": attachments_enabled,
            "voting_enabled": voting_enabled,
            "watching_enabled": watching_enabled,
            "unassigned_issues_allowed": unassigned_issues_allowed,
        }
        return update_site_settings(self.core, {k: v for k, v in given.items() if v is not None})

    def set_permissions(
        self, account: str, project: str | None = None, *, revoked: list[str] | tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Revoke project permissions (keys such as ``LINK_ISSUES``, ``CREATE_ISSUES``) of ``account``
        (account id, e-mail or username) in ``project`` (key or id; None: every project). Replaces what was
        revoked for that pair before; an empty ``revoked`` gives everything back."""
        from .routes.control import set_revoked  # noqa: PLC0415

        return set_revoked(self.core, account, project, list(revoked))

    def permissions(self) -> list[dict[str, Any]]:
        """Every revocation: ``{"account_id", "project" (None: every project), "revoked"}``."""
        from .routes.control import revocations  # noqa: PLC0415

        return revocations(self.core)

    # Jira Cloud's rate limits (``ratelimits``; off by default, ``reset`` turns them off) -----------------------
    def set_rate_limits(
        self,
        *,
        burst: dict[str, Any] | None = None,
        per_issue_write: dict[str, Any] | None = None,
        quota: dict[str, Any] | None = None,
        global_quota: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace the limits, e.g. ``burst={"read": {"rate": 50}, "write": {"rate": 10}}``,
        ``per_issue_write={"writes": 5, "window_seconds": 2}``, ``quota={"points": 500, "window_seconds": 60}``;
        the ones left None are off. Levels and counters start again."""
        given = {
            "burst": burst,
            "per_issue_write": per_issue_write,
            "quota": quota,
            "global_quota": global_quota,
        }
        self.core.limits.configure({k: v for k, v in given.items() if v is not None})
        return self.core.limits.report()

    def rate_limits(self) -> dict[str, Any]:
        """``{"active", "config", "counters": {"calls", "allowed", "throttled": {reason: n}, ...}, "levels",
        "clock"}``."""
        return self.core.limits.report()

    def clear_rate_limits(self) -> None:
        self.core.limits.configure(None)

    def reset_rate_counters(self) -> None:
        self.core.limits.reset_counters()

    def advance_rate_clock(self, seconds: float) -> None:
        """Move the limits' clock forward (a window resets, a bucket refills) without sleeping."""
        self.core.limits.clock.advance(seconds)

    def set_rate_clock_scale(self, scale: float) -> None:
        """Run the limits' clock ``scale`` times faster than real time (waits in headers shrink to match)."""
        self.core.limits.clock.set_scale(scale)

    # lost webhooks and attachments -------------------------------------------------------------------------
    def lose_webhooks(self, share: float, *, seed: int = 0, events: list[str] | None = None) -> None:
        """Drop ``share`` of webhook deliveries (seeded, reproducible); ``share=0`` or ``reset`` stops it."""
        from .routes.control_content import make_loss  # noqa: PLC0415

        self.core.webhooks.configure_loss(make_loss({"share": share, "seed": seed, "events": events}))

    def dropped_webhooks(self) -> list[dict[str, Any]]:
        """The deliveries dropped so far: ``identifier``, ``event``, ``issue_key``, ``target``, ``payload``."""
        return self.core.webhooks.dropped()

    def set_attachment_limit(self, upload_limit: int) -> None:
        """The largest attachment accepted, in bytes (``GET attachment/meta``); larger uploads are a 413."""
        if upload_limit < 1:
            raise ValueError("upload_limit must be positive")
        self.core.uploads.limit = upload_limit

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        if not self.core.webhooks.wait_done(count, timeout):
            raise TimeoutError(f"fewer than {count} webhook deliveries finished within {timeout}s")
        return self.core.webhooks.deliveries()
