"""Which delivery this is: Jira's `X-Atlassian-Webhook-Identifier` (the same on every retry and manual
redelivery of one event), or, when a sender leaves it out, a stable identifier derived from the body."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping

from aha_jira.models.webhook_delivery import Delivery

IDENTIFIER_HEADER = "x-atlassian-webhook-identifier"
RETRY_HEADER = "x-atlassian-webhook-retry"
_MAX_IDENTIFIER = 200
_MAX_RETRY_DIGITS = 6


def delivery_identifier(headers: Mapping[str, str], body: bytes) -> str:
    """The header when it is a plain identifier (printable ASCII, bounded in length), a digest of it when it
    is anything else (so its redeliveries still match, and no control character or megabyte reaches a log
    line or a key), or `body-sha256:<hex>` without one: Jira's payload holds the event's timestamp and
    changelog id, so two different events never share a body."""
    given = (headers.get(IDENTIFIER_HEADER) or "").strip()
    if given:
        if len(given) <= _MAX_IDENTIFIER and all(" " <= char <= "~" for char in given):
            return given
        return "header-sha256:" + hashlib.sha256(given.encode("utf-8", "surrogatepass")).hexdigest()
    return "body-sha256:" + hashlib.sha256(body).hexdigest()


def retry_count(headers: Mapping[str, str]) -> int:
    """Jira's redelivery count: informational, so anything but a few ASCII digits is 0 (`int("²")` raises
    although `"²".isdigit()` is true; a 5,000-digit value is no count)."""
    raw = (headers.get(RETRY_HEADER) or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_RETRY_DIGITS:
        return int(raw)
    return 0


def new_delivery(
    site_url: str, identifier: str, event: str, headers: Mapping[str, str], received_at: float | None = None
) -> Delivery:
    return Delivery(
        site_url=site_url,
        identifier=identifier,
        event=event,
        received_at=time.time() if received_at is None else received_at,
        retry=retry_count(headers),
    )
