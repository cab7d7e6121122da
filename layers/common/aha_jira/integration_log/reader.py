"""Reading the integration log back (`GET /integrations/{id}/log`): one interface, two sources.

- `InsightsLogReader` (AWS): a CloudWatch Logs Insights query over the functions' log groups
  (`INTEGRATION_LOG_GROUPS`, plus the reading function's own group).
- `LocalFileLogReader` (local stack): the JSON-lines file the local stack writes every function's log
  lines to (`INTEGRATION_LOG_FILE`); the same query runs there through the Insights evaluator.

`INTEGRATION_LOG_SOURCE` (`cloudwatch` | `file`) chooses. Both build the query with `build_query`, so the
string CloudWatch runs is the string the local stack and the tests evaluate.

Pages are newest first; the `next` token is the timestamp of the last entry returned and how many entries
with exactly that timestamp were returned already (`toMillis(@timestamp) <= t`, skipping those).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aha_jira.errors import InvalidRequest
from aha_jira.integration_log.insights import row_from_line, run_query
from aha_jira.models.references import is_reference

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

OUTCOMES = ("ok", "skipped", "queued", "failed")
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
# Keys of a log line that say nothing to the reader of an integration log.
_NOISE = frozenset(
    {
        "log_type",
        "location",
        "service",
        "cold_start",
        "function_arn",
        "function_memory_size",
        "function_request_id",
        "sampling_rate",
        "xray_trace_id",
        "timestamp",
        "_aws",
    }
)
_CONTRACT_KEYS = ("integration_id", "action", "outcome", "reference", "jira_key", "message", "hint")


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


class IntegrationLogReader(Protocol):
    def read(self, query: LogQuery) -> LogPage: ...


# --- parameters -------------------------------------------------------------------------------------


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


# --- the query --------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    return json.dumps(value)  # a double-quoted string with `"` and `\` escaped


def reference_regex(reference: str) -> str:
    """The requirements of feature `reference` (MOB-1-1, MOB-1-2, ...)."""
    return "^" + re.escape(reference) + r"-\d+$"


def build_query(query: LogQuery) -> str:
    """The Logs Insights query of a LogQuery: newest first, one more than a page (to know of a next)."""
    conditions = ['log_type = "integration"', f"integration_id = {_quote(query.integration_id)}"]
    if query.outcome:
        conditions.append(f"outcome = {_quote(query.outcome)}")
    if query.reference:
        ref = _quote(query.reference)
        conditions.append(
            f"(reference = {ref} or feature_reference = {ref} or reference like /{reference_regex(query.reference)}/)"
        )
    if query.since is not None:
        conditions.append(f"toMillis(@timestamp) >= {int(query.since.timestamp() * 1000)}")
    if query.before_ms is not None:
        conditions.append(f"toMillis(@timestamp) <= {query.before_ms}")
    return (
        "fields @timestamp, @message\n"
        f"| filter {' and '.join(conditions)}\n"
        "| sort @timestamp desc\n"
        f"| limit {query.limit + query.skip + 1}"
    )


def _matches(query: LogQuery, line: dict[str, Any], timestamp_ms: int) -> bool:
    """The query's filter, in Python: results are checked again (moto's Insights does not filter)."""
    if line.get("log_type") != "integration" or line.get("integration_id") != query.integration_id:
        return False
    if query.outcome and line.get("outcome") != query.outcome:
        return False
    if query.reference:
        reference = str(line.get("reference") or "")
        if not (
            query.reference in (reference, line.get("feature_reference"))
            or re.match(reference_regex(query.reference), reference)
        ):
            return False
    if query.since is not None and timestamp_ms < int(query.since.timestamp() * 1000):
        return False
    return query.before_ms is None or timestamp_ms <= query.before_ms


def _entry(line: dict[str, Any], timestamp_ms: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat(timespec="milliseconds"),
    }
    for key in _CONTRACT_KEYS:
        entry[key] = line.get(key)
    for key, value in line.items():
        if key not in _NOISE and key not in entry:
            entry[key] = value
    return entry


def page_of(query: LogQuery, hits: Iterable[tuple[int, dict[str, Any]]]) -> LogPage:
    """(timestamp ms, line) newest first → the page: skip what the token says was returned, cut, next."""
    matching = [(ts, line) for ts, line in hits if _matches(query, line, ts)]
    if query.before_ms is not None and query.skip:
        at_boundary = 0
        kept = []
        for ts, line in matching:
            if ts == query.before_ms and at_boundary < query.skip:
                at_boundary += 1
                continue
            kept.append((ts, line))
        matching = kept
    page = matching[: query.limit]
    next_token = None
    if len(matching) > query.limit and page:
        last = page[-1][0]
        same = sum(1 for ts, _ in page if ts == last)
        if query.before_ms == last:
            same += query.skip
        next_token = encode_token(last, same)
    return LogPage([_entry(line, ts) for ts, line in page], next_token)


# --- the two sources --------------------------------------------------------------------------------


def _hits(rows: Iterable[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for row in rows:
        message = row.get("@message")
        try:
            line = json.loads(message) if isinstance(message, str) else None
        except ValueError:
            continue
        if not isinstance(line, dict):
            continue
        timestamp = _timestamp_ms(row.get("@timestamp"), line)
        if timestamp is not None:
            out.append((timestamp, line))
    out.sort(key=lambda hit: hit[0], reverse=True)  # stable: ties keep the source's order
    return out


def _timestamp_ms(value: Any, line: dict[str, Any]) -> int | None:
    """Insights answers `2026-11-28 11:23:56.450` (UTC); the local evaluator, epoch milliseconds."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        if value.isdigit():
            return int(value)
        try:
            return int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() * 1000)
        except ValueError:
            pass
    row = row_from_line(json.dumps(line))
    stamp = row.get("@timestamp") if row else None
    return stamp if isinstance(stamp, int) else None


class LocalFileLogReader:
    """The local stack's captured log (JSON lines), queried with the Insights evaluator. Without a path,
    `INTEGRATION_LOG_FILE` is read at each call: the local stack (and each test) sets its own file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def read(self, query: LogQuery) -> LogPage:
        rows = []
        configured = os.environ.get("INTEGRATION_LOG_FILE")
        path = self.path or (Path(configured) if configured else None)
        if path is not None and path.is_file():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    row = row_from_line(line.strip(), log_group="local")
                    if row is not None:
                        rows.append(row)
        rows.reverse()  # newest line first, so that lines of one millisecond stay newest first
        return page_of(query, _hits(run_query(build_query(query), rows)))


class InsightsLogReader:
    """CloudWatch Logs Insights over the functions' log groups (StartQuery, then GetQueryResults)."""

    def __init__(
        self,
        log_groups: list[str],
        client: Callable[[], CloudWatchLogsClient],
        *,
        poll_seconds: float = 0.5,
        timeout_seconds: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.log_groups = log_groups
        self.client = client
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep

    def read(self, query: LogQuery) -> LogPage:
        now = time.time()
        start = int(query.since.timestamp()) if query.since is not None else int(now) - 30 * 86400
        end = int(query.before_ms / 1000) + 1 if query.before_ms is not None else int(now) + 60
        logs = self.client()
        started = logs.start_query(
            logGroupNames=self.log_groups,
            startTime=max(start, 0),
            endTime=end,
            queryString=build_query(query),
            limit=query.limit + query.skip + 1,
        )
        query_id = started["queryId"]
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            answer = logs.get_query_results(queryId=query_id)
            status = answer["status"]
            if status == "Complete":
                break
            if status in {"Failed", "Cancelled", "Timeout", "Unknown"}:
                raise RuntimeError(f"the Logs Insights query ended {status}")
            if time.monotonic() > deadline:
                logs.stop_query(queryId=query_id)
                raise TimeoutError("the Logs Insights query did not complete in time")
            self.sleep(self.poll_seconds)
        rows = [
            {item["field"]: item["value"] for item in result if "field" in item and "value" in item}
            for result in answer["results"]
        ]
        return page_of(query, _hits(rows))


def log_groups_from_environment() -> list[str]:
    """`INTEGRATION_LOG_GROUPS` (comma-separated) and this function's own group (Lambda sets
    `AWS_LAMBDA_LOG_GROUP_NAME`; the template cannot name a function's own group without a cycle)."""
    names = [name.strip() for name in os.environ.get("INTEGRATION_LOG_GROUPS", "").split(",") if name.strip()]
    own = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    if own and own not in names:
        names.append(own)
    return names


def reader_from_environment() -> IntegrationLogReader:
    source = (os.environ.get("INTEGRATION_LOG_SOURCE") or "cloudwatch").strip().lower()
    if source == "file":
        return LocalFileLogReader()
    if source != "cloudwatch":
        raise RuntimeError(f"INTEGRATION_LOG_SOURCE must be cloudwatch or file, not {source!r}")
    from aha_jira.storage.aws_clients import logs  # noqa: PLC0415 - boto3 only when the log is read

    return InsightsLogReader(log_groups_from_environment(), logs)
