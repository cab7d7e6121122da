"""The common part of the simulators' control clients: ``/_sim`` calls over HTTP (so a test drives a
simulator running in another process) for the site, webhook deliveries, fault rules and the call log."""

from __future__ import annotations

from typing import Any

import requests


class ControlClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        resp = self.session.request(
            method, f"{self.base_url}/_sim{path}", json=json, params=params, timeout=timeout or self.timeout
        )
        if resp.status_code >= 400:
            raise self._refusal(method, path, resp)
        return resp.json() if resp.content else None

    def _refusal(self, method: str, path: str, resp: requests.Response) -> Exception:
        """The exception a refused control call raises."""
        return RuntimeError(f"simulator control call {method} {path} failed: {resp.status_code} {resp.text}")

    # the simulated site or account --------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/info")
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")

    # webhook deliveries -------------------------------------------------------------------------------
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

    # faults -------------------------------------------------------------------------------------------
    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add_fault(method="POST", path="/issue$", status=429, retry_after=2, times=1)``."""
        result: dict[str, Any] = self._call("POST", "/faults", json=rule)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["rules"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # call log -----------------------------------------------------------------------------------------
    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/calls", params={"since": since})["calls"]
        return result

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")
