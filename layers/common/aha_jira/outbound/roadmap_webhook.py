"""The webhook roadmap connector's delivery (`roadmap.type: "webhook"`, DESIGN.md "The roadmap side"): one
event as JSON, POSTed to `roadmap.url`, signed so the receiver knows it is ours and recent.

Headers: `X-Aha-Jira-Event-Id: <event id>` (the receiver's dedupe key) and
`X-Aha-Jira-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`: the receiver
recomputes the HMAC over the exact bytes it received, compares in constant time, and refuses a `t` too far
from its clock (a replayed delivery). A 2xx answer is delivered; anything else is an error, retryable
except where no retry can succeed until the configuration changes (the SSRF guard's refusal): DESIGN.md
says "anything else is retried", and a receiver that refuses today (a 4xx while it is redeployed, a secret
being rotated) may take the same event later; after the last attempt the event dead-letters, to be
replayed once the receiver is fixed. The SSRF guard applies; timeouts; redirects are never followed
(they would carry our signature to an address nobody configured).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aha_jira.outbound import site_guard
from aha_jira.outbound.retry_after import retry_after_seconds

if TYPE_CHECKING:
    import requests

EVENT_ID_HEADER = "X-Aha-Jira-Event-Id"
SIGNATURE_HEADER = "X-Aha-Jira-Signature"
USER_AGENT = "aha-jira-integration"
DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Aha-Jira-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_body(event: Mapping[str, Any]) -> bytes:
    """The exact bytes that are signed and sent: compact UTF-8 JSON, no NaN."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class WebhookDelivered:
    event_id: str
    status: int


class WebhookDeliveryFailed(Exception):
    """The event was not delivered. `code` (the log's and test connection's words), `transient` (a later
    attempt may succeed), `retry_after` (the receiver's `Retry-After`, seconds), `status` (its answer)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        hint: str,
        status: int | None = None,
        transient: bool = True,
        retry_after: float | None = None,
        may_have_committed: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.may_have_committed = may_have_committed


class RoadmapWebhook:
    def __init__(
        self,
        url: str,
        secret: str,
        *,
        allow_loopback: bool = False,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._secret = secret
        self._allow_loopback = allow_loopback
        self._timeout = timeout
        if session is None:
            import requests  # noqa: PLC0415 - with the first delivery, not with this module (cold start)

            session = requests.Session()
        self._session = session
        self._clock = clock
        self._site_checked = False

    def deliver(self, event_id: str, event: Mapping[str, Any]) -> WebhookDelivered:
        """POST `event`; `WebhookDelivered` on a 2xx, else `WebhookDeliveryFailed`."""
        from requests import exceptions as rex  # noqa: PLC0415

        self._check_site()
        body = event_body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: event_id,
            SIGNATURE_HEADER: signature(self._secret, int(self._clock()), body),
        }
        try:
            # stream: only the status is read, never a body the receiver could make arbitrarily large.
            response = self._session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                verify=True,
                stream=True,
            )
        except rex.SSLError:
            raise WebhookDeliveryFailed(
                f"The TLS certificate of {self._host()} could not be verified.",
                code="roadmap_unreachable",
                hint="Give the receiver a valid public certificate, or set roadmap.url to one that has it.",
            ) from None
        except rex.ConnectTimeout:
            raise _unreachable(f"{self._host()} did not accept a connection in time.") from None
        except rex.ReadTimeout:
            raise _unreachable(f"{self._host()} did not answer in time.", ambiguous=True) from None
        except rex.ConnectionError:
            raise _unreachable(f"The connection to {self._host()} failed.", ambiguous=True) from None
        except rex.RequestException:
            raise _unreachable(f"The delivery to {self._host()} failed.", ambiguous=True) from None
        try:
            return self._outcome(event_id, response)
        finally:
            response.close()

    def _check_site(self) -> None:
        if self._site_checked:
            return
        try:
            site_guard.check_site(self.url, allow_loopback=self._allow_loopback)
        except site_guard.SiteUnresolvable as error:
            raise _unreachable(error.message) from None
        except site_guard.SiteRefused as error:
            kind = "an https" if error.reason == "not_https" else "a public"
            raise WebhookDeliveryFailed(
                error.message,
                code="roadmap_unreachable",
                hint=f"Set roadmap.url to {kind} address of the receiver.",
                transient=False,
            ) from None
        self._site_checked = True

    def _outcome(self, event_id: str, response: requests.Response) -> WebhookDelivered:
        status = response.status_code
        if 200 <= status < 300:
            return WebhookDelivered(event_id=event_id, status=status)
        where = self._host()
        if 300 <= status < 400:
            raise WebhookDeliveryFailed(
                f"{where} answered with a redirect ({status}), which is not followed.",
                code="roadmap_unexpected_answer",
                hint="Set roadmap.url to the final address of the receiver.",
                status=status,
            )
        if status in {401, 403}:
            raise WebhookDeliveryFailed(
                f"{where} refused the delivery ({status}).",
                code="roadmap_auth_failed",
                hint="Check that the receiver verifies X-Aha-Jira-Signature with the secret set as roadmap.secret.",
                status=status,
            )
        if status == 429:
            raise WebhookDeliveryFailed(
                f"{where} is rate limiting deliveries (429).",
                code="roadmap_rate_limited",
                hint="The event is delivered again after the receiver's Retry-After.",
                status=status,
                retry_after=retry_after_seconds(response.headers),
            )
        if status >= 500 or status in {408, 425}:
            raise WebhookDeliveryFailed(
                f"{where} failed with {status}.",
                code="roadmap_unavailable",
                hint="This is on the receiver's side; the event is delivered again.",
                status=status,
                retry_after=retry_after_seconds(response.headers),
                may_have_committed=status >= 500,
            )
        raise WebhookDeliveryFailed(
            f"{where} refused the delivery ({status}).",
            code="roadmap_refused",
            hint="Check roadmap.url and what the receiver accepts; the event is delivered again until it dead-letters.",
            status=status,
        )

    def _host(self) -> str:
        # The host only: a receiver URL may carry a credential in its path or query.
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def _unreachable(message: str, *, ambiguous: bool = False) -> WebhookDeliveryFailed:
    return WebhookDeliveryFailed(
        message,
        code="roadmap_unreachable",
        hint="Check roadmap.url and that the receiver is up and reachable from AWS; the event is delivered again.",
        may_have_committed=ambiguous,
    )
