"""Reading the integration log back (`GET /integrations/{id}/log`) from CloudWatch: `InsightsLogReader`, a Logs
Insights query over the functions' log groups (`INTEGRATION_LOG_GROUPS`, plus the reading function's own
group). It implements `ports.IntegrationLogReader`; `wiring.integration_log_reader` chooses the reader
(`INTEGRATION_LOG_SOURCE`: the local stack registers its file reader, `aha_jira_dev.integration_log`).

`build_query` is the one query string: CloudWatch runs it, and the local stack and the tests evaluate the
very same string over captured lines. Every reader turns its rows into a page with `page_of` (newest first;
the `next` token is the timestamp of the last entry returned and how many entries with exactly that
timestamp were returned already: `toMillis(@timestamp) <= t`, skipping those).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aha_jira.models.log_query import LogPage, LogQuery, encode_token

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

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


# --- rows to lines -----------------------------------------------------------------------------------


def hits(rows: Iterable[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
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
    stamp = line.get("timestamp")
    return parse_powertools_timestamp(stamp) if isinstance(stamp, str) else None


def parse_powertools_timestamp(text: str) -> int | None:
    """Powertools' `timestamp` ("2026-11-28 11:23:56,450+0000", or ISO 8601) in epoch milliseconds."""
    for pattern in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return int(datetime.strptime(text, pattern).timestamp() * 1000)
        except ValueError:
            continue
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return None


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
        return page_of(query, hits(rows))


def log_groups_from_environment() -> list[str]:
    """`INTEGRATION_LOG_GROUPS` (comma-separated) and this function's own group (Lambda sets
    `AWS_LAMBDA_LOG_GROUP_NAME`; the template cannot name a function's own group without a cycle)."""
    names = [name.strip() for name in os.environ.get("INTEGRATION_LOG_GROUPS", "").split(",") if name.strip()]
    own = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    if own and own not in names:
        names.append(own)
    return names
