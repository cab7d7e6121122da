"""HTTP to one Aha! account's REST API (`<base_url>/api/v1`): the API key, timeouts, TLS verification, no
redirects, the SSRF guard, and Aha!'s answers turned into types.

Reads (GET) retry a transient failure briefly when Aha! asks for a short wait; writes never retry here,
since only the connector knows whether repeating one is harmless (a time tracking event is not).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aha_jira.aha.errors import (
    AhaAuthFailed,
    AhaError,
    AhaForbidden,
    AhaNotFound,
    AhaRateLimited,
    AhaRefused,
    AhaSiteNotAllowed,
    AhaUnavailable,
    AhaUnexpectedAnswer,
    AhaUnreachable,
)
from aha_jira.outbound import site_guard
from aha_jira.outbound.remote_errors import connection_failure
from aha_jira.outbound.retry_after import retry_after_seconds

if TYPE_CHECKING:
    import requests
    from requests import exceptions as rex

DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read
API_PREFIX = "/api/v1"
USER_AGENT = "aha-jira-integration"
MAX_MESSAGE_LENGTH = 300  # Aha!'s error text, as quoted in our messages
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_NOT_AHA_HINT = "Check that roadmap.base_url is the address of the Aha! account, such as https://acme.aha.io."


class RequestBudget(Protocol):
    """The Aha! account's request budget (300 a minute, shared by every container): `admit` waits for the
    request's slot, or raises `AhaRateLimited` with the wait when it is longer than the caller can afford
    (nothing was sent); `observe` learns from each answer (a 429 slows the account down)."""

    def admit(self, method: str) -> None: ...

    def observe(self, method: str, status: int, headers: Mapping[str, str]) -> None: ...


class AhaTransport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        allow_loopback: bool = False,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_read_retries: int = 2,
        max_inline_wait: float = 5.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        budget: RequestBudget | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._budget = budget
        self._api_key = api_key
        self._allow_loopback = allow_loopback
        self._timeout = timeout
        self._max_read_retries = max_read_retries
        self._max_inline_wait = max_inline_wait
        if session is None:
            # requests is imported with the first Aha! client, not with this module (cold start).
            import requests  # noqa: PLC0415

            session = requests.Session()
        self._session = session
        self._sleep = sleep
        self._site_checked = False
        # (method, path) of every request sent, for call budgets and the test-connection report.
        self.calls: list[tuple[str, str]] = []

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json_body=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json_body=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None
    ) -> Any:
        """`path` is relative to `/api/v1`. The answer's JSON (None for 204), or an `AhaError`."""
        self._check_site()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, path, params, json_body)
            except (AhaRateLimited, AhaUnavailable, AhaUnreachable) as error:
                wait = self._inline_wait(method, error, attempt)
                if wait is None:
                    raise
                self._sleep(wait)

    def _check_site(self) -> None:
        if self._site_checked:
            return
        try:
            site_guard.check_site(self.base_url, allow_loopback=self._allow_loopback)
        except site_guard.SiteUnresolvable as error:
            raise AhaUnreachable(
                error.message,
                reason="dns_failed",
                hint=f"Check the spelling of roadmap.base_url. {_NOT_AHA_HINT}",
            ) from None
        except site_guard.SiteRefused as error:
            kind = "https" if error.reason == "not_https" else "public"
            raise AhaSiteNotAllowed(
                error.message, hint=f"Set roadmap.base_url to the {kind} address of the Aha! account."
            ) from None
        self._site_checked = True

    def _inline_wait(self, method: str, error: AhaError, attempt: int) -> float | None:
        if method != "GET" or attempt > self._max_read_retries:
            return None
        if isinstance(error, AhaUnreachable) and error.reason in {"dns_failed", "tls_failed"}:
            return None  # permanent until the configuration changes
        retry_after = getattr(error, "retry_after", None)
        wait = 0.5 * (2 ** (attempt - 1)) if retry_after is None else retry_after
        return wait if wait <= self._max_inline_wait else None

    def _send_once(self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any) -> Any:
        import requests  # noqa: PLC0415 - imported by __init__ already: a dictionary look-up
        from requests import exceptions as rex  # noqa: PLC0415

        headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": USER_AGENT,
        }
        request = requests.Request(
            method,
            f"{self.base_url}{API_PREFIX}{path}",
            params=dict(params or {}),
            json=json_body,
            headers=headers,
        )
        try:
            prepared = self._session.prepare_request(request)
        except (rex.InvalidURL, UnicodeError):
            raise AhaUnreachable(
                f"{self.base_url} is not an address that can be called.",
                reason="dns_failed",
                hint=_NOT_AHA_HINT,
            ) from None
        if self._budget is not None:
            self._budget.admit(method)
        self.calls.append((method, path))
        write = method != "GET"
        try:
            response = self._session.send(prepared, timeout=self._timeout, allow_redirects=False, verify=True)
        except rex.SSLError:
            raise AhaUnreachable(
                f"The TLS certificate of {self.base_url} could not be verified.",
                reason="tls_failed",
                hint="Use the account's https address with its public certificate (https://<account>.aha.io).",
            ) from None
        except rex.ConnectTimeout:
            raise AhaUnreachable(
                f"{self.base_url} did not accept a connection in time.",
                reason="timeout",
                hint="Aha! is slow or unreachable from AWS; the work is retried.",
            ) from None
        except rex.ReadTimeout:
            raise AhaUnreachable(
                f"{self.base_url} did not answer {method} {path} in time.",
                reason="timeout",
                hint="Aha! is slow; the work is retried.",
                ambiguous=write,
            ) from None
        except rex.ConnectionError as error:
            raise _connection_failure(self.base_url, error, write) from None
        except rex.RequestException:
            # The connection broke while the answer's body was read: a write may have been done.
            raise AhaUnreachable(
                f"The answer from {self.base_url} was cut off.",
                reason="connection_failed",
                hint="The work is retried.",
                ambiguous=write,
            ) from None
        if self._budget is not None:
            self._budget.observe(method, response.status_code, response.headers)
        return _read_answer(response, method, path)


def _connection_failure(base_url: str, error: rex.ConnectionError, write: bool) -> AhaUnreachable:
    failure = connection_failure(error)
    if failure == "unresolvable":
        return AhaUnreachable(
            f"The name in {base_url} could not be resolved.",
            reason="dns_failed",
            hint=f"Check the spelling of roadmap.base_url. {_NOT_AHA_HINT}",
        )
    if failure == "refused":
        return AhaUnreachable(
            f"Nothing accepted a connection at {base_url}.",
            reason="connection_failed",
            hint=f"{_NOT_AHA_HINT} If it is, Aha! is down; the work is retried.",
        )
    return AhaUnreachable(
        f"The connection to {base_url} was lost before Aha! answered.",
        reason="connection_failed",
        hint="The work is retried.",
        ambiguous=write,
    )


def _read_answer(response: requests.Response, method: str, path: str) -> Any:
    status = response.status_code
    call = f"{method} {path}"
    if 200 <= status < 300:
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise AhaUnexpectedAnswer(
                f"Aha! answered {call} with {status} and something that is not JSON.",
                hint=_NOT_AHA_HINT,
                status=status,
                committed=method != "GET",
            ) from None
    said = aha_message(response)
    if 300 <= status < 400:
        raise AhaUnexpectedAnswer(
            f"{call} was redirected to {_clean(response.headers.get('Location', 'another address'))}.",
            hint="Set roadmap.base_url to the final address of the Aha! account (https://<account>.aha.io).",
            status=status,
            transient=False,
        )
    if status == 401:
        raise AhaAuthFailed(
            "Aha! did not accept the API key.",
            hint="Create an API key in Aha! (Settings > Personal > Developer > API keys) and set it as roadmap.api_key.",
            status=status,
        )
    if status == 403:
        raise AhaForbidden(
            f"Aha! refused {call}: {said or 'forbidden'}.",
            hint="Give the API key's user access to the product in Aha! (a role that may edit features).",
            status=status,
        )
    if status == 404:
        raise AhaNotFound(f"Aha! has no {path} ({said or 'not found'}).", status=status)
    if status == 429:
        raise AhaRateLimited(
            "Aha! is rate limiting requests (300 a minute).",
            retry_after=retry_after_seconds(response.headers),
            hint="The work is retried after Aha!'s Retry-After.",
        )
    if status >= 500 or status in {408, 425}:
        raise AhaUnavailable(
            f"Aha! failed with {status} on {call}.",
            status=status,
            retry_after=retry_after_seconds(response.headers),
            hint="This is on Aha!'s side; the work is retried.",
        )
    raise AhaRefused(
        f"Aha! refused {call}: {said or f'status {status}'}.",
        status=status,
        aha_message=said,
        hint="Change what Aha! names (a workflow status, a release, a user), then repeat.",
    )


def aha_message(response: requests.Response) -> str:
    """Aha!'s own words from an error answer (`{"error": "..."}`, or `{"errors": ...}` / `{"message"}`),
    without control characters and at most `MAX_MESSAGE_LENGTH` long; "" when there are none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    found: Any = None
    if isinstance(body, dict):
        found = body.get("error") or body.get("errors") or body.get("message")
    if isinstance(found, dict):
        found = "; ".join(f"{key}: {value}" for key, value in found.items())
    elif isinstance(found, list):
        found = "; ".join(str(item) for item in found)
    return _clean(str(found)) if found else ""


def _clean(text: str) -> str:
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 1] + "…"
