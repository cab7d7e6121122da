"""HTTP to one Jira site: signing, timeouts, TLS verification, and Jira's answers turned into types.

Reads (GET) retry a transient failure briefly when Jira asks for a short wait; writes never retry a failure
whose outcome is unknown here, since only the sync engine knows how to reconcile it. A 429 is different: Jira
refused the request before doing anything, so with a site budget (`jira/rate_budget.py`) any request is
repeated once the budget admits it again, as long as the caller can wait that long (`deadline`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
from aha_jira.jira.rate_limits import backoff_seconds, rate_limit_headers, retry_after_seconds
from aha_jira.jira.site_guard import check_site
from aha_jira.outbound.remote_errors import connection_failure

if TYPE_CHECKING:
    import requests
    from requests import exceptions as rex

    from aha_jira.jira.auth import RequestSigner
    from aha_jira.jira.rate_budget import RequestKind, SiteBudget

DEFAULT_TIMEOUT = (3.05, 15.0)  # connect, read: below API Gateway's 29 s with room for two calls
MAX_THROTTLED_RETRIES = 3  # 429s repeated in a row before the caller is told to retry later
_MAX_LATE_SLOTS = 3  # slots missed in a row (the process was descheduled) before the request goes anyway

# A write to one issue (by key or id), for Jira's per-issue write limit; POSTs that only read.
_ISSUE_PATH = re.compile(r"^/rest/api/[^/]+/issue/(?P<issue>[A-Za-z][A-Za-z0-9_]*-\d+|\d+)(?:/|$)")
_READ_POSTS = re.compile(
    r"^/rest/api/[^/]+/(search(/jql|/approximate-count)?|issue/bulkfetch|changelog/bulkfetch|comment/list)$"
)


def request_kind(method: str, path: str) -> RequestKind:
    from aha_jira.jira.rate_budget import RequestKind  # noqa: PLC0415 - only with a budget

    write = method != "GET" and not _READ_POSTS.match(path)
    issue = _ISSUE_PATH.match(path) if write else None
    return RequestKind(write=write, issue=issue["issue"] if issue else None)


@dataclass
class ThrottleCounters:
    """What Jira's limits cost a caller: seconds spent waiting on them (the budget's slots, Retry-After) and
    the 429s received per `RateLimit-Reason` ("unnamed" when the answer names none)."""

    waited_seconds: float = 0.0
    rate_limited: Counter[str] = field(default_factory=Counter)


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
        budget: SiteBudget | None = None,
        deadline: float | None = None,
    ) -> None:
        """`budget`: the site's request budget, which admits every request (None: requests go at once).
        `deadline` (epoch seconds on the budget's clock): no request may still be running then, so no wait
        on the budget lasts past it less the timeouts; without one, a wait may last `max_inline_wait`."""
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
        self._budget = budget
        self._deadline = deadline
        self._site_checked = False
        # (method, path) of every request sent, for call budgets in benchmarks and reports.
        self.calls: list[tuple[str, str]] = []
        self.throttle = ThrottleCounters()

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
        data: Any = None,
        repeatable: bool = True,
    ) -> Any:
        """`data`: a body other than JSON (an upload's stream, sent as it is read). `repeatable` False: the
        request cannot be sent twice (a stream is read once), so a 429 is raised rather than repeated."""
        if not self._site_checked:
            try:
                check_site(self.base_url, allow_loopback=self._allow_loopback)
            except (UnicodeError, ValueError):
                # A host no resolver takes (a label over 63 characters, an empty label), stored before
                # the configuration refused such names: it cannot resolve, so it is reported as such.
                raise _unresolvable(self.base_url) from None
            self._site_checked = True
        kind = request_kind(method, path) if self._budget is not None else None
        attempt = throttled = 0
        not_before = 0.0
        refused: JiraRateLimited | None = None
        while True:
            attempt += 1
            if kind is not None:
                self._wait_for_budget(kind, not_before, refused)
            try:
                return self._send_once(method, path, params, json_body, headers, kind=kind, data=data)
            except JiraRateLimited as error:
                if self._budget is None:
                    wait = self._inline_wait(method, error, attempt)
                    if wait is None:
                        raise
                    self._wait(wait)
                    continue
                throttled += 1
                # Only reads are repeated without a budget (`_inline_wait`); a stream only once, ever.
                if throttled > (MAX_THROTTLED_RETRIES if repeatable else 0):
                    raise
                retry_after = error.retry_after
                if retry_after is None:
                    retry_after = backoff_seconds(throttled, base=0.5)
                not_before = self._budget.clock() + retry_after
                refused = error
            except (JiraUnavailable, JiraUnreachable) as error:
                wait = self._inline_wait(method, error, attempt)
                if wait is None:
                    raise
                self._sleep(wait)

    def _wait(self, seconds: float) -> None:
        """A wait on Jira's limits: slept (on the budget's time, when there is one), and counted for the caller."""
        (self._budget.sleep if self._budget is not None else self._sleep)(seconds)
        self.throttle.waited_seconds += seconds

    def _wait_for_budget(self, kind: RequestKind, not_before: float, refused: JiraRateLimited | None) -> None:
        """Wait for the request's slot; JiraRateLimited (with the wait) when the caller cannot wait that long:
        Jira's own 429 when the request was just refused, else the budget's (no request sent: no status)."""
        from aha_jira.jira.rate_budget import BudgetExhausted  # noqa: PLC0415 - imported with the budget

        budget = self._budget
        assert budget is not None
        for _ in range(_MAX_LATE_SLOTS):
            try:
                wait = budget.admit(kind, can_wait=self._can_wait(), not_before=not_before)
            except BudgetExhausted as held:
                if refused is not None:
                    refused.retry_after = max(held.wait, refused.retry_after or 0.0)
                    raise refused from None
                raise JiraRateLimited(
                    f"Jira's request budget for {self.base_url} admits no request for {held.wait:.0f} s "
                    f"({held.reason}).",
                    retry_after=held.wait,
                    status=None,
                    reason=held.reason,
                ) from None
            if wait <= 0:
                return
            slot = budget.clock() + wait
            self._wait(wait)
            # A container that woke long after its slot (descheduled) books again rather than sending
            # together with the requests of the slots that followed it.
            if budget.clock() - slot <= budget.late_tolerance:
                return

    def _can_wait(self) -> float:
        """How long a request may wait for the budget: until the deadline less its own timeouts."""
        if self._deadline is None or self._budget is None:
            return self._max_inline_wait
        connect, read = self._timeout
        return self._deadline - self._budget.clock() - connect - read

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
        *,
        kind: RequestKind | None = None,
        data: Any = None,
    ) -> Any:
        import requests  # noqa: PLC0415 - imported by __init__ already: a dictionary look-up
        from requests import exceptions as rex  # noqa: PLC0415

        request = requests.Request(
            method,
            f"{self.base_url}{path}",
            params=dict(params or {}),
            json=json_body,
            data=data,
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
        if response.status_code == 429:
            self.throttle.rate_limited[response.headers.get("RateLimit-Reason") or "unnamed"] += 1
        if self._budget is not None and kind is not None:
            self._budget.observe(kind, response.status_code, rate_limit_headers(response.headers))
        return _read_answer(response, method, path)


def _unresolvable(base_url: str) -> JiraUnreachable:
    return JiraUnreachable(
        f"The name in {base_url} could not be resolved.",
        code="dns_failed",
        hint="Check the spelling of jira.base_url.",
    )


def _connection_failure(base_url: str, error: rex.ConnectionError, method: str) -> JiraUnreachable:
    failure = connection_failure(error)
    if failure == "unresolvable":
        return _unresolvable(base_url)
    if failure == "refused":
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
            reason=response.headers.get("RateLimit-Reason"),
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
