"""``AhaSimulatorClient``: drives a running simulator's control API over HTTP (works across processes)."""

from __future__ import annotations

from typing import Any

import requests

from .pm import ProductManager, SimulatorError


class AhaSimulatorClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.pm = ProductManager(self._call)

    def _call(
        self,
        method: str,
        path: str,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        resp = self.session.request(
            method,
            f"{self.base_url}/_sim{path}",
            json=json,
            params=params,
            timeout=timeout or self.timeout,
        )
        data = resp.json() if resp.content else None
        if resp.status_code >= 400:
            message = data.get("error", data) if isinstance(data, dict) else resp.text
            raise SimulatorError(resp.status_code, str(message))
        return data

    # account ---------------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/info")
        return result

    @property
    def api_keys(self) -> dict[str, str]:
        return {label: item["key"] for label, item in self.info()["api_keys"].items()}

    def reset(self) -> None:
        self._call("POST", "/reset")

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

    def deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/webhook/deliveries")["deliveries"]
        return result

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` deliveries finished (delivered or given up); all deliveries."""
        resp = self.session.get(
            f"{self.base_url}/_sim/webhook/deliveries",
            params={"wait": count, "timeout": timeout},
            timeout=timeout + 5,
        )
        if resp.status_code == 408:
            raise TimeoutError(f"fewer than {count} webhook deliveries finished within {timeout}s")
        resp.raise_for_status()
        result: list[dict[str, Any]] = resp.json()["deliveries"]
        return result

    def clear_deliveries(self) -> None:
        self._call("DELETE", "/webhook/deliveries")

    # faults, rate limit, calls ---------------------------------------------------------------------------
    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add_fault(method="PUT", path="/features/", status=429, retry_after=2, times=1)``."""
        result: dict[str, Any] = self._call("POST", "/faults", rule)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["rules"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def seed_faults(self, seed: int | None) -> None:
        self._call("PUT", "/faults/seed", {"seed": seed})

    def set_rate_limit(
        self, limit: int | None, window: float | None = None, retry_after: int | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "PUT", "/rate-limit", {"limit": limit, "window": window, "retry_after": retry_after}
        )
        return result

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/calls", params={"since": since})["calls"]
        return result

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")

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
