"""HTTP to one Jira site: signing, timeouts, TLS verification, and Jira's answers turned into types.

Reads (GET) retry a transient failure briefly when Jira asks for a short wait; writes never retry here,
since only the sync engine knows how to reconcile a write whose outcome is unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aha_jira.jira.errors import (
    JiraAuthFailed,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
    JiraUnreachable,
    NotJira,
)
from aha_jira.jira.rate_limits import backoff_seconds, retry_after_seconds
from aha_jira.jira.site_guard import check_site

if TYPE_CHECKING:
    import requests
    from requests import exceptions as rex

    from aha_jira.jira.auth import RequestSigner

DEFAULT_TIMEOUT = (3.05, 15.0)  # connect, read: below API Gateway's 29 s with room for two calls


class JiraTransport:
    def __init__(
        self,
        base_url: str,
        signer: RequestSigner,
        *,
        allow_loopback: bool = False,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_read_retries: int = 2,
        max_inline_wait: float = 5.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._allow_loopback = allow_loopback
        self._timeout = timeout
        self._max_read_retries = max_read_retries
        self._max_inline_wait = max_inline_wait
        if session is None:
            # requests is imported with the first Jira client, not with this module (cold start: the
            # functions that never call Jira never import it).
            import requests  # noqa: PLC0415

            session = requests.Session()
        self._session = session
        self._sleep = sleep
        self._site_checked = False
        # (method, path) of every request sent, for call budgets in benchmarks and reports.
        self.calls: list[tuple[str, str]] = []

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("POST", path, params=params, json_body=body)

    def put(self, path: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("PUT", path, params=params, json_body=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        if not self._site_checked:
            try:
                check_site(self.base_url, allow_loopback=self._allow_loopback)
            except (UnicodeError, ValueError):
                # A host no resolver takes (a label over 63 characters, an empty label), stored before
                # the configuration refused such names: it cannot resolve, so it is reported as such.
                raise _unresolvable(self.base_url) from None
            self._site_checked = True
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, path, params, json_body, headers)
            except (JiraRateLimited, JiraUnavailable, JiraUnreachable) as error:
                wait = self._inline_wait(method, error, attempt)
                if wait is None:
                    raise
                self._sleep(wait)

    def _inline_wait(self, method: str, error: JiraError, attempt: int) -> float | None:
        if method != "GET" or attempt > self._max_read_retries:
            return None
        if isinstance(error, JiraUnreachable) and error.code in {"dns_failed", "tls_failed"}:
            return None  # permanent until the configuration changes
        retry_after = getattr(error, "retry_after", None)
        wait = backoff_seconds(attempt, retry_after=retry_after, base=0.5)
        return wait if wait <= self._max_inline_wait else None

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> Any:
        import requests  # noqa: PLC0415 - imported by __init__ already: a dictionary look-up
        from requests import exceptions as rex  # noqa: PLC0415

        request = requests.Request(
            method,
            f"{self.base_url}{path}",
            params=dict(params or {}),
            json=json_body,
            headers={"Accept": "application/json", **(headers or {})},
        )
        try:
            prepared = self._session.prepare_request(request)
        except rex.InvalidURL:
            raise _unresolvable(self.base_url) from None
        self._signer.sign(prepared)
        self.calls.append((method, path))
        try:
            response = self._session.send(prepared, timeout=self._timeout, allow_redirects=False, verify=True)
        except rex.SSLError:
            raise JiraUnreachable(
                f"The TLS certificate of {self.base_url} could not be verified.",
                code="tls_failed",
                hint="Use the site's address with a valid public certificate (for Cloud: https://<name>.atlassian.net).",
            ) from None
        except rex.ConnectTimeout:
            raise JiraUnreachable(
                f"{self.base_url} did not accept a connection in time.",
                code="timeout",
                hint="Check that the site is reachable from the internet; Jira Data Center behind a firewall must allow AWS.",
            ) from None
        except rex.ReadTimeout:
            raise JiraUnreachable(
                f"{self.base_url} did not answer in time.",
                code="timeout",
                hint="Jira is slow or overloaded; the work is retried.",
                ambiguous=method != "GET",
            ) from None
        except rex.ConnectionError as error:
            raise _connection_failure(self.base_url, error, method) from None
        except rex.RequestException:
            # Anything else requests raises once the request is on its way, above all the connection
            # breaking while the answer's body is read (ChunkedEncodingError): Jira may have committed.
            raise JiraUnreachable(
                f"The answer from {self.base_url} was cut off.",
                code="site_unreachable",
                hint="The work is retried; nothing is created twice.",
                ambiguous=method != "GET",
            ) from None
        return _read_answer(response, method, path)


def _unresolvable(base_url: str) -> JiraUnreachable:
    return JiraUnreachable(
        f"The name in {base_url} could not be resolved.",
        code="dns_failed",
        hint="Check the spelling of jira.base_url.",
    )


def _connection_failure(base_url: str, error: rex.ConnectionError, method: str) -> JiraUnreachable:
    text = repr(error)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return _unresolvable(base_url)
    if "NewConnectionError" in text or "Connection refused" in text:
        return JiraUnreachable(
            f"Nothing accepted a connection at {base_url}.",
            code="site_unreachable",
            hint="Check jira.base_url and that the site is up and reachable from the internet.",
        )
    # The connection broke after the request was sent: a write may have been committed.
    return JiraUnreachable(
        f"The connection to {base_url} was lost before Jira answered.",
        code="site_unreachable",
        hint="The work is retried; nothing is created twice.",
        ambiguous=method != "GET",
    )


def _read_answer(response: requests.Response, method: str, path: str) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NotJira(
                f"{method} {path} answered {status} with something that is not JSON.",
                hint="Check that jira.base_url is the address of a Jira site.",
                status=status,
            ) from None
    body = _json_or_none(response)
    messages, field_errors = _jira_errors(body)
    summary = "; ".join(messages + [f"{key}: {value}" for key, value in field_errors.items()])
    if 300 <= status < 400:
        raise NotJira(
            f"{method} {path} was redirected to {response.headers.get('Location', 'another address')}.",
            hint="Use the final address of the Jira site as jira.base_url.",
            status=status,
        )
    if status == 401:
        raise JiraAuthFailed(
            "Jira did not accept the credentials.",
            hint="Check the e-mail or username and the API token, password or personal access token.",
            status=status,
        )
    if status == 403:
        raise JiraForbidden(
            f"Jira refused {method} {path}: {summary or 'forbidden'}.",
            hint="Give the integration's Jira account the permission named, or check that the token is not restricted.",
            status=status,
        )
    if status == 404:
        raise JiraNotFound(f"{method} {path} was not found: {summary or 'no such resource'}.", status=status)
    if status == 429:
        raise JiraRateLimited(
            f"Jira is rate limiting requests ({summary or 'too many requests'}).",
            retry_after=retry_after_seconds(response.headers),
        )
    if status >= 500:
        raise JiraUnavailable(
            f"Jira failed with {status} on {method} {path}.",
            status=status,
            retry_after=retry_after_seconds(response.headers),
        )
    raise JiraRejected(
        f"Jira refused {method} {path}: {summary or f'status {status}'}.",
        field_errors=field_errors,
        error_messages=messages,
        status=status,
        body=body,
    )


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _jira_errors(body: Any) -> tuple[list[str], dict[str, str]]:
    if not isinstance(body, dict):
        return [], {}
    messages = [str(item) for item in body.get("errorMessages") or [] if item]
    errors = body.get("errors") or {}
    field_errors = {str(key): str(value) for key, value in errors.items()} if isinstance(errors, dict) else {}
    if not messages and not field_errors and isinstance(body.get("message"), str):
        messages = [body["message"]]
    return messages, field_errors
