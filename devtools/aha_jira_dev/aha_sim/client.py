"""``AhaSimulatorClient``: drives a running simulator's control API over HTTP (works across processes)."""

from __future__ import annotations

from typing import Any

import requests

from aha_jira_dev.simulation.control_client import ControlClient

from .pm import ProductManager, SimulatorError


class AhaSimulatorClient(ControlClient):
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout)
        self.pm = ProductManager(self._call)

    def _refusal(self, method: str, path: str, resp: requests.Response) -> Exception:
        data = resp.json() if resp.content else None
        message = data.get("error", data) if isinstance(data, dict) else resp.text
        return SimulatorError(resp.status_code, str(message))

    # account ---------------------------------------------------------------------------------------------
    @property
    def api_keys(self) -> dict[str, str]:
        return {label: item["key"] for label, item in self.info()["api_keys"].items()}

    def add_api_key(self, label: str, email: str, key: str | None = None) -> str:
        return str(self._call("POST", "/api-keys", {"label": label, "email": email, "key": key})["key"])

    def revoke_api_key(self, label: str) -> None:
        self._call("DELETE", f"/api-keys/{label}")

    # webhooks --------------------------------------------------------------------------------------------
    def configure_webhook(
        self,
        url: str,
        *,
        formats: list[str] | tuple[str, ...] = ("integration", "activity"),
        events: list[str] | None = None,
        record_types: list[str] | None = None,
        api_changes: bool = True,
        retry_delays: list[float] | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Replace every webhook by one per format at ``url``."""
        body: dict[str, Any] = {
            "url": url,
            "formats": list(formats),
            "events": events,
            "record_types": record_types,
            "api_changes": api_changes,
            "timeout": timeout,
        }
        if retry_delays is not None:
            body["retry_delays"] = retry_delays
        result: list[dict[str, Any]] = self._call("PUT", "/webhook", body)["webhooks"]
        return result

    def add_webhook(self, url: str, format: str = "integration", **options: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/webhooks", {"url": url, "format": format, **options})
        return result

    def webhooks(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/webhooks")["webhooks"]
        return result

    def remove_webhooks(self) -> None:
        self._call("DELETE", "/webhooks")

    # faults, rate limit, calls ---------------------------------------------------------------------------
    def seed_faults(self, seed: int | None) -> None:
        self._call("PUT", "/faults/seed", {"seed": seed})

    def set_rate_limit(
        self, limit: int | None, window: float | None = None, retry_after: int | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "PUT", "/rate-limit", {"limit": limit, "window": window, "retry_after": retry_after}
        )
        return result

    # records ---------------------------------------------------------------------------------------------
    def features(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/features")["features"]
        return result

    def feature(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/features/{ref}")
        return result

    def requirements(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/requirements")["requirements"]
        return result

    def requirement(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/requirements/{ref}")
        return result

    def releases(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/releases")["releases"]
        return result

    def comments(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/comments")["comments"]
        return result

    def time_tracking_events(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/time-tracking")["time_tracking_events"]
        return result

    def audits(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/audits")["audits"]
        return result
