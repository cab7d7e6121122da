"""DynamoDB adapter of `RateBudgetStore`: each site's request budget in the rate budget table.

Items (`pk`, `sk`; TTL `expires_at`):
- `SITE#<site>` / `BUDGET`: `learned_rate`, `learned_at`, `paused_until`, `pause_reason`, `issue_holds_until`,
  one `lane#<integration id>` (the lane's theoretical arrival time) per integration, one
  `throttled#<RateLimit-Reason>` counter per reason; `expires_at` a week after the last booking.
- `SITE#<site>` / `ISSUE#<issue>`: `not_before`, expiring an hour after it.

Every change is one UpdateItem whose condition makes it safe against any number of concurrent containers
(DynamoDB serialises writes to an item): a booking adds to the lane's time (`#lane = #lane + :increment`)
instead of writing a value read earlier, so two bookings never get the same slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aha_jira.models.rate_budget import PER_ISSUE, BookingAnswer, LaneBooking, SiteBudgetState
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import UpdateItemInputTypeDef

LANE_PREFIX = "lane#"
THROTTLED_PREFIX = "throttled#"
ISSUE_HOLD_TTL_SECONDS = 3600
SITE_ITEM_TTL_SECONDS = 7 * 86400
_PAUSE_CLEAR = "(attribute_not_exists(paused_until) OR paused_until <= :earliest)"


def _key(site: str, sort: str) -> dict[str, Any]:
    return {"pk": {"S": f"SITE#{site}"}, "sk": {"S": sort}}


def _n(value: float) -> dict[str, str]:
    return {"N": f"{value:.6f}"}


def _expires(at: float) -> dict[str, str]:
    """A site item idle this long is removed by DynamoDB's TTL: nothing it holds still matters then."""
    return {"N": str(int(at + SITE_ITEM_TTL_SECONDS))}


def _number(item: Mapping[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else None


def state_from_item(site: str, item: Mapping[str, Any] | None) -> SiteBudgetState:
    item = item or {}
    lanes = {
        name.removeprefix(LANE_PREFIX): float(value["N"])
        for name, value in item.items()
        if name.startswith(LANE_PREFIX) and "N" in value
    }
    throttled = {
        name.removeprefix(THROTTLED_PREFIX): int(float(value["N"]))
        for name, value in item.items()
        if name.startswith(THROTTLED_PREFIX) and "N" in value
    }
    reason = item.get("pause_reason", {}).get("S")
    return SiteBudgetState(
        site=site,
        learned_rate=_number(item, "learned_rate"),
        learned_at=_number(item, "learned_at") or 0.0,
        paused_until=_number(item, "paused_until") or 0.0,
        pause_reason=reason,
        lanes=lanes,
        issue_holds_until=_number(item, "issue_holds_until") or 0.0,
        throttled=throttled,
    )


class DynamoRateBudgetStore:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().rate_budget_table
        self._client = aws_clients.dynamodb()

    def read(self, site: str) -> SiteBudgetState:
        answer = self._client.get_item(TableName=self._table, Key=_key(site, "BUDGET"), ConsistentRead=True)
        return state_from_item(site, answer.get("Item"))

    def book(self, site: str, lane: str, booking: LaneBooking) -> BookingAnswer:
        names = {"#lane": LANE_PREFIX + lane}
        values: dict[str, Any] = {
            ":earliest": _n(booking.earliest),
            ":expires": _expires(booking.start),
        }
        if booking.form == "extend":
            values |= {":increment": _n(booking.increment), ":latest": _n(booking.latest)}
            update = "SET #lane = #lane + :increment, expires_at = :expires"
            condition = f"#lane >= :earliest AND #lane <= :latest AND {_PAUSE_CLEAR}"
        else:
            values[":tat"] = _n(booking.start + booking.increment)
            update = "SET #lane = :tat, expires_at = :expires"
            condition = f"(attribute_not_exists(#lane) OR #lane < :earliest) AND {_PAUSE_CLEAR}"
        if booking.stale_lanes:
            stale = {f"#stale{i}": LANE_PREFIX + name for i, name in enumerate(booking.stale_lanes)}
            names |= stale
            update += " REMOVE " + ", ".join(stale)
        item, applied = self._update(
            {
                "TableName": self._table,
                "Key": _key(site, "BUDGET"),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        )
        state = state_from_item(site, item)
        if not applied:
            return BookingAnswer(slot=None, state=state)
        tat = state.lanes[lane]
        return BookingAnswer(slot=tat - booking.increment, state=state)

    def slow(
        self, site: str, rate: float, *, at: float, unless_since: float, reason: str | None
    ) -> SiteBudgetState:
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":rate": _n(rate),
            ":at": _n(at),
            ":since": _n(unless_since),
            ":expires": _expires(at),
        }
        update = "SET learned_rate = :rate, learned_at = :at, expires_at = :expires"
        if reason is not None:
            names["#count"] = THROTTLED_PREFIX + reason
            values[":one"] = {"N": "1"}
            update += " ADD #count :one"
        request: UpdateItemInputTypeDef = {
            "TableName": self._table,
            "Key": _key(site, "BUDGET"),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_not_exists(learned_at) OR learned_at < :since",
            "ExpressionAttributeValues": values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        item, applied = self._update(request)
        if applied or reason is None:
            return state_from_item(site, item)
        return self.count_throttle(site, reason)

    def count_throttle(self, site: str, reason: str) -> SiteBudgetState:
        item, _ = self._update(
            {
                "TableName": self._table,
                "Key": _key(site, "BUDGET"),
                "UpdateExpression": "ADD #count :one",
                "ExpressionAttributeNames": {"#count": THROTTLED_PREFIX + reason},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        )
        return state_from_item(site, item)

    def pause(self, site: str, until: float, reason: str) -> SiteBudgetState:
        item, applied = self._update(
            {
                "TableName": self._table,
                "Key": _key(site, "BUDGET"),
                "UpdateExpression": (
                    "SET paused_until = :until, pause_reason = :reason, expires_at = :expires ADD #count :one"
                ),
                "ConditionExpression": "attribute_not_exists(paused_until) OR paused_until < :until",
                "ExpressionAttributeNames": {"#count": THROTTLED_PREFIX + reason},
                "ExpressionAttributeValues": {
                    ":until": _n(until),
                    ":reason": {"S": reason},
                    ":one": {"N": "1"},
                    ":expires": _expires(until),
                },
            }
        )
        return state_from_item(site, item) if applied else self.count_throttle(site, reason)

    def hold_issue(self, site: str, issue: str, until: float) -> SiteBudgetState:
        self._update(
            {
                "TableName": self._table,
                "Key": _key(site, f"ISSUE#{issue}"),
                "UpdateExpression": "SET not_before = :until, expires_at = :expires",
                "ConditionExpression": "attribute_not_exists(not_before) OR not_before < :until",
                "ExpressionAttributeValues": {
                    ":until": _n(until),
                    ":expires": {"N": str(int(until) + ISSUE_HOLD_TTL_SECONDS)},
                },
            }
        )
        item, applied = self._update(
            {
                "TableName": self._table,
                "Key": _key(site, "BUDGET"),
                "UpdateExpression": "SET issue_holds_until = :until, expires_at = :expires ADD #count :one",
                "ConditionExpression": "attribute_not_exists(issue_holds_until) OR issue_holds_until < :until",
                "ExpressionAttributeNames": {"#count": THROTTLED_PREFIX + PER_ISSUE},
                "ExpressionAttributeValues": {
                    ":until": _n(until),
                    ":one": {"N": "1"},
                    ":expires": _expires(until),
                },
            }
        )
        return state_from_item(site, item) if applied else self.count_throttle(site, PER_ISSUE)

    def issue_hold(self, site: str, issue: str) -> float:
        answer = self._client.get_item(
            TableName=self._table, Key=_key(site, f"ISSUE#{issue}"), ConsistentRead=True
        )
        return _number(answer.get("Item") or {}, "not_before") or 0.0

    def _update(self, request: UpdateItemInputTypeDef) -> tuple[dict[str, Any], bool]:
        """The item after the write and True, or the item as found and False when the condition failed."""
        request["ReturnValues"] = "ALL_NEW"
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            answer = self._client.update_item(**request)
        except self._client.exceptions.ConditionalCheckFailedException as failed:
            found: dict[str, Any] = failed.response.get("Item") or {}  # type: ignore[assignment]
            return dict(found), False
        return dict(answer.get("Attributes") or {}), True
