"""A query of the integration log (`GET /integrations/{id}/log`) and the page that answers it.

The route's parameters are checked here (400 with the bad parameter's name), so a reader only ever gets a
query it can run. Pages are newest first; the `next` token is the timestamp of the last entry returned and
how many entries with exactly that timestamp were returned already.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aha_jira.errors import InvalidRequest
from aha_jira.models.references import is_reference

OUTCOMES = ("ok", "skipped", "queued", "failed")
MAX_LIMIT = 100
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class LogQuery:
    integration_id: str
    since: datetime | None = None
    outcome: str | None = None
    reference: str | None = None
    limit: int = DEFAULT_LIMIT
    before_ms: int | None = None  # from the `next` token
    skip: int = 0  # entries at exactly `before_ms` already returned


@dataclass(frozen=True)
class LogPage:
    entries: list[dict[str, Any]]
    next: str | None

    def to_body(self) -> dict[str, Any]:
        return {"entries": self.entries, "next": self.next}


def _bad(path: str, message: str, hint: str) -> InvalidRequest:
    return InvalidRequest(
        f"{path}: {message}", hint=hint, code="invalid_query", details=[{"path": path, "message": message}]
    )


def parse_log_query(
    integration_id: str,
    *,
    since: str | None,
    outcome: str | None,
    reference: str | None,
    limit: int | None,
    next_token: str | None,
) -> LogQuery:
    """The route's query string as a LogQuery; 400 with the bad parameter's name otherwise."""
    since_at: datetime | None = None
    if since:
        try:
            since_at = datetime.fromisoformat(since.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise _bad("since", "not an ISO 8601 time", "Use e.g. 2026-01-31T09:00:00Z.") from None
        if since_at.tzinfo is None:
            since_at = since_at.replace(tzinfo=UTC)
    if outcome is not None and outcome not in OUTCOMES:
        raise _bad("outcome", f"must be one of {', '.join(OUTCOMES)}", "Leave it out for every outcome.")
    # The references the send accepts, no more and no less (models.references): nothing that needs quoting.
    if reference is not None and not is_reference(reference):
        raise _bad("reference", "not a roadmap reference", "Use a feature's reference_num, e.g. MOB-1.")
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise _bad("limit", f"must be between 1 and {MAX_LIMIT}", "Leave it out for the default page size.")
    before_ms, skip = decode_token(next_token) if next_token else (None, 0)
    return LogQuery(integration_id, since_at, outcome, reference, size, before_ms, skip)


def encode_token(before_ms: int, skip: int) -> str:
    raw = json.dumps({"t": before_ms, "s": skip}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        before_ms, skip = data["t"], data["s"]
        if any(isinstance(value, bool) or not isinstance(value, int) for value in (before_ms, skip)):
            raise TypeError  # also refuses 1e400 (float inf), which int() turned into an OverflowError
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _bad(
            "next", "not a token this API gave", "Pass the `next` of the previous page as it is."
        ) from None
    # A token this API gave: a time before the end of the year 9999, and at most a few pages of ties
    # (StartQuery's limit is 10,000: limit + skip + 1 must stay under it).
    if not 0 <= before_ms <= 253_402_300_799_999 or not 0 <= skip <= 10 * MAX_LIMIT:
        raise _bad("next", "not a token this API gave", "Pass the `next` of the previous page as it is.")
    return before_ms, skip
