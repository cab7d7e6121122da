"""``SimulatorClient``: drives a running simulator's control API over HTTP (works across processes)."""

from __future__ import annotations

import time
from typing import Any

from aha_jira_dev.simulation.control_client import ControlClient


class SimulatorClient(ControlClient):
    # site -------------------------------------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        creds: dict[str, str] = self.info()["credentials"]
        return creds

    # webhooks ---------------------------------------------------------------------------------------------
    def configure_webhook(
        self,
        url: str,
        secret: str | None = None,
        *,
        events: list[str] | None = None,
        retry_delays: list[float] | None = None,
    ) -> None:
        body: dict[str, Any] = {"url": url, "secret": secret, "events": events}
        if retry_delays is not None:
            body["retry_delays"] = retry_delays
        self._call("PUT", "/webhook", json=body)

    def remove_webhook(self) -> None:
        self._call("DELETE", "/webhook")

    def redeliver(self, identifier: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/webhook/deliveries/{identifier}/redeliver")
        return result

    # Connect ----------------------------------------------------------------------------------------------
    def register_connect_installation(
        self,
        client_key: str,
        shared_secret: str,
        app_base_url: str | None = None,
        webhook_path: str | None = None,
    ) -> dict[str, Any]:
        """Register a Connect app; with ``app_base_url`` every event also goes to it as a Connect webhook."""
        result: dict[str, Any] = self._call(
            "POST",
            "/connect/installations",
            json={
                "clientKey": client_key,
                "sharedSecret": shared_secret,
                "baseUrl": app_base_url,
                "webhookPath": webhook_path,
            },
        )
        return result

    def install_app(self, descriptor_url: str) -> dict[str, Any]:
        """Install a Connect app from its descriptor (signed ``installed`` callback); see ``connect_app``."""
        result: dict[str, Any] = self._call(
            "POST", "/connect/install", json={"descriptorUrl": descriptor_url}
        )
        return result

    def uninstall_app(self, client_key: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/connect/installations/{client_key}/uninstall")
        return result

    def remove_connect_installation(self, client_key: str) -> None:
        self._call("DELETE", f"/connect/installations/{client_key}")

    # issues -----------------------------------------------------------------------------------------------
    def issues(self, project: str | None = None) -> list[dict[str, Any]]:
        params = {"project": project} if project else None
        result: list[dict[str, Any]] = self._call("GET", "/issues", params=params)["issues"]
        return result

    def issue(self, key: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/issues/{key}")
        return result

    def set_search_lag(self, seconds: float) -> None:
        self._call("PUT", "/search-lag", json={"seconds": seconds})

    # site settings and permissions (reset restores both) -----------------------------------------------------
    def site_settings(self) -> dict[str, bool]:
        result: dict[str, bool] = self._call("GET", "/site-settings")
        return result

    def set_site_settings(self, **settings: bool) -> dict[str, bool]:
        """e.g. ``set_site_settings(sub_tasks_enabled=False, issue_linking_enabled=False)``."""
        result: dict[str, bool] = self._call("PUT", "/site-settings", json=settings)
        return result

    def set_permissions(
        self, account: str, project: str | None = None, *, revoked: list[str] | tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Revoke ``account``'s project permissions in ``project`` (None: every project); replaces the
        previous revocation of that pair, an empty list gives everything back."""
        result: dict[str, Any] = self._call(
            "PUT", "/permissions", json={"account": account, "project": project, "revoked": list(revoked)}
        )
        return result

    def permissions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/permissions")["revoked"]
        return result

    def restore_permissions(self) -> None:
        self._call("DELETE", "/permissions")

    # engineer actions (as the engineer account unless ``user`` names another) ------------------------------
    def engineer_create(
        self,
        fields: dict[str, Any],
        *,
        user: str | None = None,
        properties: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"fields": fields, "user": user}
        if properties is not None:
            body["properties"] = properties
        result: dict[str, Any] = self._call("POST", "/engineer/issues", json=body)
        return result

    def engineer_transition(self, key: str, status: str, *, user: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", f"/engineer/issues/{key}/transition", json={"status": status, "user": user}
        )
        return result

    def engineer_edit(
        self,
        key: str,
        fields: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
        *,
        user: str | None = None,
    ) -> None:
        self._call(
            "POST",
            f"/engineer/issues/{key}/edit",
            json={"fields": fields or {}, "update": update or {}, "user": user},
        )

    def engineer_worklog(
        self,
        key: str,
        seconds: int,
        *,
        comment: Any = None,
        user: str | None = None,
        started: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"timeSpentSeconds": seconds, "comment": comment, "user": user}
        if started:
            body["started"] = started
        result: dict[str, Any] = self._call("POST", f"/engineer/issues/{key}/worklog", json=body)
        return result

    def engineer_delete(self, key: str, *, user: str | None = None) -> None:
        self._call("DELETE", f"/engineer/issues/{key}", json={"user": user})

    def engineer_transition_with(
        self, key: str, status: str, fields: dict[str, Any], *, user: str | None = None
    ) -> dict[str, Any]:
        """A transition whose screen needs fields, e.g. FLOW's Approve with ``customfield_10303``."""
        result: dict[str, Any] = self._call(
            "POST",
            f"/engineer/issues/{key}/transition",
            json={"status": status, "fields": fields, "user": user},
        )
        return result

    def engineer_comment(
        self,
        key: str,
        body: Any,
        *,
        user: str | None = None,
        api_version: int | None = None,
        properties: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A comment by the engineer: ``body`` is ADF on Cloud (a wiki string with ``api_version=2``)."""
        payload: dict[str, Any] = {"body": body, "user": user}
        if api_version is not None:
            payload["api_version"] = api_version
        if properties is not None:
            payload["properties"] = properties
        result: dict[str, Any] = self._call("POST", f"/engineer/issues/{key}/comments", json=payload)
        return result

    def engineer_edit_comment(
        self, key: str, comment_id: str, body: Any, *, user: str | None = None, api_version: int | None = None
    ) -> None:
        payload: dict[str, Any] = {"body": body, "user": user}
        if api_version is not None:
            payload["api_version"] = api_version
        self._call("PUT", f"/engineer/issues/{key}/comments/{comment_id}", json=payload)

    def engineer_delete_comment(self, key: str, comment_id: str, *, user: str | None = None) -> None:
        self._call("DELETE", f"/engineer/issues/{key}/comments/{comment_id}", json={"user": user})

    def engineer_move_to_sprint(
        self, key: str, sprint: int | str | None, *, user: str | None = None
    ) -> dict[str, Any]:
        """Move the issue into a sprint (id or name), or back to the backlog with None."""
        result: dict[str, Any] = self._call(
            "POST", f"/engineer/issues/{key}/sprint", json={"sprint": sprint, "user": user}
        )
        return result

    def engineer_rank(
        self, key: str, *, before: str | None = None, after: str | None = None, user: str | None = None
    ) -> dict[str, Any]:
        """Rank the issue just before or just after another issue."""
        result: dict[str, Any] = self._call(
            "POST", f"/engineer/issues/{key}/rank", json={"before": before, "after": after, "user": user}
        )
        return result

    def sprints(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/sprints")["sprints"]
        return result

    def issue_media(self, key: str) -> list[dict[str, Any]]:
        """The images the issue's description embeds, each matched to an attachment (or not)."""
        result: list[dict[str, Any]] = self._call("GET", f"/issues/{key}/media")["media"]
        return result

    # rate limits (``ratelimits``), lost webhooks, attachment settings ----------------------------------------
    def set_rate_limits(self, **config: Any) -> dict[str, Any]:
        """e.g. ``set_rate_limits(burst={"write": {"rate": 10}}, quota={"points": 500, "window_seconds": 60})``;
        limits not given are off."""
        result: dict[str, Any] = self._call("PUT", "/rate-limits", json=config)
        return result

    def rate_limits(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/rate-limits")
        return result

    def clear_rate_limits(self) -> None:
        self._call("DELETE", "/rate-limits")

    def reset_rate_counters(self) -> None:
        self._call("DELETE", "/rate-limits/counters")

    def advance_rate_clock(self, seconds: float) -> None:
        self._call("POST", "/rate-limits/clock", json={"advance": seconds})

    def set_rate_clock_scale(self, scale: float) -> None:
        self._call("POST", "/rate-limits/clock", json={"scale": scale})

    def lose_webhooks(self, share: float, *, seed: int = 0, events: list[str] | None = None) -> None:
        self._call("PUT", "/webhook/loss", json={"share": share, "seed": seed, "events": events})

    def stop_losing_webhooks(self) -> None:
        self._call("DELETE", "/webhook/loss")

    def dropped_webhooks(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/webhook/dropped")["dropped"]
        return result

    def failed_webhooks(self) -> list[dict[str, Any]]:
        """Admin-webhook deliveries that finished without a 2xx (out of retries, or refused)."""
        result: list[dict[str, Any]] = self._call("GET", "/webhook/failed")["values"]
        return result

    def set_attachment_limit(self, upload_limit: int) -> None:
        self._call("PUT", "/attachments", json={"upload_limit": upload_limit})

    # helpers ----------------------------------------------------------------------------------------------
    def wait_until(self, predicate: Any, timeout: float = 5.0, interval: float = 0.02) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            time.sleep(interval)
