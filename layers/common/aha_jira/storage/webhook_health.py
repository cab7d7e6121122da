"""DynamoDB adapter of the webhook's health and the reconcile's sweep marks (integrations table).

Items:
- `WEBHOOK_HEALTH#<site url>` / `SITE`: `last_delivery_at` (epoch s; the webhook receiver, at most once a
  minute per container), `last_linked_change_at` (epoch s; the newest change of a linked issue the reconcile
  saw in Jira). Each is only ever moved forward (a conditional `SET`), by writers that never contend.
- `WEBHOOK_HEALTH#<site url>` / `SWEEP`: the reconcile's mark: `swept_to` (epoch ms), `audit_after` (where the
  rotating existence check resumes), `swept_at`, and `lease_id` + `lease_until` while a sweep holds the site.
- `WEBHOOK_MISSED#<integration id>` / `COUNTS`: repairs by the hour, in 24 slots (`h<slot>` the epoch hour a
  slot counts, `n<slot>` its count; a slot is reset when its hour comes round again), `expires_at` two days
  after the last repair (the table's TTL removes the item of an integration that is gone or quiet).

The webhook function may update only `WEBHOOK_HEALTH#` items (its IAM policy's leading keys).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aha_jira.models.webhook_health import SiteHealth, SweepMark
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import UpdateItemInputTypeDef

logger = logging.getLogger(__name__)

HEALTH_PREFIX = "WEBHOOK_HEALTH#"
MISSED_PREFIX = "WEBHOOK_MISSED#"
# A container writes a site's last delivery at most this often: the hot path pays one UpdateItem a minute.
DELIVERY_NOTE_SECONDS = 60.0
SLOTS = 24
MISSED_TTL_SECONDS = 2 * 86400


def _site_key(site_url: str, sort: str) -> dict[str, Any]:
    return {"pk": {"S": f"{HEALTH_PREFIX}{site_url}"}, "sk": {"S": sort}}


def _missed_key(integration_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"{MISSED_PREFIX}{integration_id}"}, "sk": {"S": "COUNTS"}}


def _number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else None


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def missed_in_window(item: dict[str, Any], now: float) -> int:
    """The repairs an item's slots count for the 24 hours up to the hour of `now`."""
    hour = int(now // 3600)
    total = 0
    for slot in range(SLOTS):
        counted = _number(item, f"h{slot}")
        if counted is not None and hour - SLOTS < counted <= hour:
            total += int(_number(item, f"n{slot}") or 0)
    return total


class DynamoWebhookHealth:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().integrations_table
        self._client = aws_clients.dynamodb()
        self._noted: dict[str, float] = {}  # site → when this container last wrote its delivery (monotonic)

    # --- the webhook receiver --------------------------------------------------------------------------
    def note_delivery(self, site_url: str, at: float) -> None:
        last = self._noted.get(site_url)
        if last is not None and time.monotonic() - last < DELIVERY_NOTE_SECONDS:
            return
        self._noted[site_url] = time.monotonic()
        try:
            self._set_newer(_site_key(site_url, "SITE"), "last_delivery_at", at)
        except ClientError as error:
            # The delivery itself is recorded; a health mark missing for a minute is no reason to fail it.
            self._noted.pop(site_url, None)
            logger.warning(
                "could not record the webhook delivery time of a Jira site: %s",
                error.response.get("Error", {}).get("Code"),
            )

    def _set_newer(self, key: dict[str, Any], name: str, value: float) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #v = :v",
                ConditionExpression="attribute_not_exists(#v) OR #v < :v",
                ExpressionAttributeNames={"#v": name},
                ExpressionAttributeValues={":v": {"N": f"{value:.3f}"}},
            )
        except ClientError as error:
            if not _condition_failed(error):  # a newer value is there already
                raise

    # --- GET /integrations, test connection ------------------------------------------------------------
    def read(
        self, site_urls: list[str], integration_ids: list[str], *, now: float
    ) -> tuple[dict[str, SiteHealth], dict[str, int]]:
        keys = [_site_key(url, "SITE") for url in dict.fromkeys(site_urls)]
        keys += [_missed_key(integration) for integration in dict.fromkeys(integration_ids)]
        sites: dict[str, SiteHealth] = {}
        missed = dict.fromkeys(integration_ids, 0)
        for item in self._batch_get(keys):
            pk = item["pk"]["S"]
            if pk.startswith(HEALTH_PREFIX):
                sites[pk.removeprefix(HEALTH_PREFIX)] = SiteHealth(
                    last_delivery_at=_number(item, "last_delivery_at"),
                    last_linked_change_at=_number(item, "last_linked_change_at"),
                )
            else:
                missed[pk.removeprefix(MISSED_PREFIX)] = missed_in_window(item, now)
        return sites, missed

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self._table: {"Keys": keys[start : start + 100]}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                found.extend(answer.get("Responses", {}).get(self._table, []))
                request = dict(answer.get("UnprocessedKeys") or {})
        return found

    # --- the reconcile ---------------------------------------------------------------------------------
    def claim(self, site_url: str, *, now: float, lease_seconds: float) -> SweepMark | None:
        lease = uuid.uuid4().hex
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_site_key(site_url, "SWEEP"),
                UpdateExpression="SET lease_id = :lease, lease_until = :until",
                ConditionExpression="attribute_not_exists(lease_until) OR lease_until < :now",
                ExpressionAttributeValues={
                    ":lease": {"S": lease},
                    ":until": {"N": f"{now + lease_seconds:.3f}"},
                    ":now": {"N": f"{now:.3f}"},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        item = answer.get("Attributes") or {}
        swept_to = _number(item, "swept_to")
        audit = item.get("audit_after", {}).get("S")
        return SweepMark(
            site_url=site_url,
            swept_to=int(swept_to) if swept_to is not None else None,
            audit_after=audit or None,
            lease=lease,
        )

    def finish(self, mark: SweepMark, *, swept_to: int | None, audit_after: str | None) -> None:
        sets = ["swept_at = :at"]
        values: dict[str, Any] = {":at": {"N": f"{time.time():.3f}"}, ":lease": {"S": mark.lease or ""}}
        removes = ["lease_id", "lease_until"]
        if swept_to is not None:
            sets.append("swept_to = :to")
            values[":to"] = {"N": str(swept_to)}
        if audit_after:
            sets.append("audit_after = :audit")
            values[":audit"] = {"S": audit_after}
        else:
            removes.append("audit_after")
        update: UpdateItemInputTypeDef = {
            "TableName": self._table,
            "Key": _site_key(mark.site_url, "SWEEP"),
            "UpdateExpression": f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
            # Only while the lease is still ours: a sweep that outlived it leaves the mark to the next one.
            "ConditionExpression": "lease_id = :lease",
            "ExpressionAttributeValues": values,
        }
        try:
            self._client.update_item(**update)
        except ClientError as error:
            if not _condition_failed(error):
                raise
            logger.warning("a reconcile sweep outlived its lease on a Jira site; its mark was not stored")

    def note_linked_change(self, site_url: str, at: float) -> None:
        self._set_newer(_site_key(site_url, "SITE"), "last_linked_change_at", at)

    def add_missed(self, integration_id: str, count: int, *, now: float) -> None:
        if count <= 0:
            return
        hour = int(now // 3600)
        slot = hour % SLOTS
        names = {"#h": f"h{slot}", "#n": f"n{slot}"}
        values: dict[str, Any] = {
            ":hour": {"N": str(hour)},
            ":count": {"N": str(count)},
            ":expires": {"N": str(int(now) + MISSED_TTL_SECONDS)},
        }
        key = _missed_key(integration_id)
        for _ in range(3):
            try:  # the slot already counts this hour: add to it
                self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression="SET expires_at = :expires ADD #n :count",
                    ConditionExpression="#h = :hour",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return
            except ClientError as error:
                if not _condition_failed(error):
                    raise
            try:  # the slot is empty or counts an hour a day old: start it again
                self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression="SET #h = :hour, #n = :count, expires_at = :expires",
                    ConditionExpression="attribute_not_exists(#h) OR #h < :hour",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return
            except ClientError as error:
                if not _condition_failed(error):
                    raise
        logger.warning("could not count the reconcile's repairs of an integration: its slot kept changing")
