"""Which delivery this is: Jira's `X-Atlassian-Webhook-Identifier` (the same on every retry and manual
redelivery of one event), or, when a sender leaves it out, a stable identifier derived from the body."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

IDENTIFIER_HEADER = "x-atlassian-webhook-identifier"
RETRY_HEADER = "x-atlassian-webhook-retry"
# Jira retries for a few minutes and an admin can redeliver for days; a week of identifiers covers both.
DEDUPE_SECONDS = 7 * 24 * 3600
_MAX_IDENTIFIER = 200
_MAX_RETRY_DIGITS = 6


class Delivery(BaseModel):
    site_url: str
    identifier: str
    event: str
    received_at: float
    retry: int = 0
    # This handling of the delivery. Stored with it, so that when a write is retried after it committed (the
    # answer was lost on the way back) the "already recorded" that follows is recognised as our own.
    attempt: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def expires_at(self) -> int:
        return int(self.received_at) + DEDUPE_SECONDS


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


@dataclass(frozen=True)
class CommitResult:
    committed: bool
    duplicate: bool = False
    # Indexes (into the changes given) whose condition failed: another write got there first.
    conflicts: list[int] = field(default_factory=list)
    # Another transaction held the same items at that moment: nothing was decided, try again.
    contended: bool = False
