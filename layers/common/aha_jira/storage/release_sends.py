"""DynamoDB repository of release sends: each send's summary, each feature's state and payload, the failures
(docs/architecture.md "Storage", release sends table).

Items, all under `pk = INTEGRATION#<integration id>#RELEASE_SEND#<send id>` (another integration's id
never reaches them), expiring with `expires_at`:
- `sk = SEND`: the release, `status`, `total`, `started_at`, `finished_at`, `cancelled_at`, `source`, the
  counters of what the features cost (`jira_calls`, `throttled_ms`), and where each feature stands: string
  sets of references `running_refs`, `waiting_refs`, `done_refs`, `failed_refs`;
- `sk = FEATURE#<reference>`: `state` (pending, running, waiting, done, failed, cancelled), the compressed
  feature (`payload`; absent while a send from Aha! has not read it yet), `run_token` and `lease_until` of
  the worker sending it, and a failed feature's `code`, `message`, `hint`;
- `sk = FAILURE#<reference>`: `code`, `message`, `hint` of a failed feature (what the progress lists).

A feature's state changes by conditional writes on its own item (on the state it leaves, and on the worker's
`run_token` for a running feature): one worker wins each change. The summary then moves the reference into the
set of its new state, an idempotent write (adding a member twice leaves one), which whoever next meets the
feature repeats: so a feature is counted once however often its messages are delivered, and a worker that died
between the two writes leaves nothing miscounted. No transaction: a release's summary is one item that every
worker writes, and single-item writes never conflict with each other.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any, Literal

from botocore.exceptions import ClientError

from aha_jira.models.feature import AhaFeature
from aha_jira.models.release import (
    FeatureState,
    ReleaseFailure,
    ReleaseFeatureItem,
    ReleaseSendRecord,
    pack_feature,
    unpack_feature,
)
from aha_jira.settings import release_settings
from aha_jira.storage import aws_clients

SUMMARY = "SEND"
BATCH_WRITE = 25
# The sets a feature's reference sits in, by state (pending and cancelled are in none).
_SETS: dict[str, str] = {
    "running": "running_refs",
    "waiting": "waiting_refs",
    "done": "done_refs",
    "failed": "failed_refs",
}


def _pk(integration_id: str, send_id: str) -> str:
    return f"INTEGRATION#{integration_id}#RELEASE_SEND#{send_id}"


def _key(integration_id: str, send_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": _pk(integration_id, send_id)}, "sk": {"S": sk}}


def _size(item: dict[str, Any], name: str) -> int:
    return len(item.get(name, {}).get("SS", []))


def _record(item: dict[str, Any], integration_id: str, send_id: str) -> ReleaseSendRecord:
    status = item["status"]["S"]
    total = int(item["total"]["N"])
    done, failed = _size(item, "done_refs"), _size(item, "failed_refs")
    running, waiting = _size(item, "running_refs"), _size(item, "waiting_refs")
    # A cancelled send sends nothing that had not started: all but what finished or is being sent.
    cancelled = max(0, total - done - failed - running) if status == "cancelled" else 0
    return ReleaseSendRecord(
        integration_id=integration_id,
        release_send_id=send_id,
        release=item["release"]["S"],
        status=status,
        total=total,
        done=done,
        failed=failed,
        queued=waiting if status == "running" else 0,
        cancelled=cancelled,
        running=running,
        remaining=total - done - failed - cancelled,
        jira_calls=int(item.get("jira_calls", {}).get("N", "0")),
        throttled_ms=int(item.get("throttled_ms", {}).get("N", "0")),
        started_at=item["started_at"]["S"],
        finished_at=item["finished_at"]["S"] if "finished_at" in item else None,
        source=item.get("source", {}).get("S", "body"),
    )


def _failed_condition(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoReleaseSends:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or release_settings().table
        self._client = aws_clients.dynamodb()

    # --- a new send -------------------------------------------------------------------------------------

    def create(
        self,
        record: ReleaseSendRecord,
        features: Sequence[tuple[str, bytes | None]],
        *,
        expires_at: int,
    ) -> None:
        """The features' items (each `(reference, packed payload or None)`), then the summary: a summary is
        never seen without its features."""
        ids = (record.integration_id, record.release_send_id)
        items = [
            {
                **_key(*ids, f"FEATURE#{reference}"),
                "state": {"S": "pending"},
                "expires_at": {"N": str(expires_at)},
                **({"payload": {"B": payload}} if payload is not None else {}),
            }
            for reference, payload in features
        ]
        for start in range(0, len(items), BATCH_WRITE):
            self._batch_put(items[start : start + BATCH_WRITE])
        summary: dict[str, Any] = {
            **_key(*ids, SUMMARY),
            "release": {"S": record.release},
            "status": {"S": record.status},
            "total": {"N": str(record.total)},
            "started_at": {"S": record.started_at},
            "source": {"S": record.source},
            "jira_calls": {"N": "0"},
            "throttled_ms": {"N": "0"},
            "expires_at": {"N": str(expires_at)},
        }
        if record.finished_at is not None:
            summary["finished_at"] = {"S": record.finished_at}
        self._client.put_item(
            TableName=self._table, Item=summary, ConditionExpression="attribute_not_exists(pk)"
        )

    def _batch_put(self, items: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(10):
            answer = self._client.batch_write_item(RequestItems=request)
            request = dict(answer.get("UnprocessedItems") or {})
            if not request:
                return
            time.sleep(min(1.0, 0.05 * 2**attempt) * random.random())  # noqa: S311 - jitter, not a secret
        raise RuntimeError("DynamoDB left items of a release send unwritten after 10 tries")

    # --- reading ------------------------------------------------------------------------------------------

    def get(self, integration_id: str, send_id: str) -> ReleaseSendRecord | None:
        item = self._summary(integration_id, send_id)
        return _record(item, integration_id, send_id) if item else None

    def _summary(self, integration_id: str, send_id: str) -> dict[str, Any] | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_key(integration_id, send_id, SUMMARY), ConsistentRead=True
        )
        return answer.get("Item")

    def failures(self, integration_id: str, send_id: str) -> list[ReleaseFailure]:
        found: list[ReleaseFailure] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :failure)",
            "ExpressionAttributeValues": {
                ":pk": {"S": _pk(integration_id, send_id)},
                ":failure": {"S": "FAILURE#"},
            },
            "ConsistentRead": True,
        }
        while True:
            answer = self._client.query(**query)
            found.extend(
                ReleaseFailure(
                    reference=item["sk"]["S"].removeprefix("FAILURE#"),
                    code=item["code"]["S"],
                    message=item["message"]["S"],
                    hint=item["hint"]["S"],
                )
                for item in answer.get("Items", [])
            )
            last = answer.get("LastEvaluatedKey")
            if not last:
                return found
            query["ExclusiveStartKey"] = last

    def feature(self, integration_id: str, send_id: str, reference: str) -> ReleaseFeatureItem | None:
        answer = self._client.get_item(
            TableName=self._table,
            Key=_key(integration_id, send_id, f"FEATURE#{reference}"),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        if not item:
            return None
        payload = item.get("payload", {}).get("B")
        failure = None
        if "code" in item:
            failure = ReleaseFailure(
                reference=reference,
                code=item["code"]["S"],
                message=item["message"]["S"],
                hint=item["hint"]["S"],
            )
        return ReleaseFeatureItem(
            reference=reference,
            state=item["state"]["S"],
            feature=unpack_feature(payload) if payload else None,
            run_token=item.get("run_token", {}).get("S"),
            lease_until=float(item.get("lease_until", {}).get("N", "0")),
            failure=failure,
        )

    def keep_payload(self, integration_id: str, send_id: str, reference: str, feature: AhaFeature) -> None:
        """The feature as read from Aha!, so that its retries do not read it again."""
        self._client.update_item(
            TableName=self._table,
            Key=_key(integration_id, send_id, f"FEATURE#{reference}"),
            UpdateExpression="SET payload = :payload",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":payload": {"B": pack_feature(feature)}},
        )

    # --- a feature's state (its own item: the lock) ---------------------------------------------------------

    def begin(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        from_state: Literal["pending", "waiting"],
        token: str,
        lease_until: float,
    ) -> bool:
        """pending or waiting → running, held by `token` until `lease_until`; False when the feature is no
        longer in `from_state` (another message of it got there first)."""
        return self._feature_update(
            (integration_id, send_id),
            reference,
            "SET #state = :running, run_token = :token, lease_until = :lease",
            "#state = :from",
            {
                ":running": {"S": "running"},
                ":token": {"S": token},
                ":lease": {"N": repr(lease_until)},
                ":from": {"S": from_state},
            },
        )

    def take_over(
        self, integration_id: str, send_id: str, reference: str, *, token: str, lease_until: float, now: float
    ) -> bool:
        """A running feature whose worker's lease ran out (the worker died): `token` holds it now."""
        return self._feature_update(
            (integration_id, send_id),
            reference,
            "SET run_token = :token, lease_until = :lease",
            "#state = :running AND lease_until < :now",
            {
                ":token": {"S": token},
                ":lease": {"N": repr(lease_until)},
                ":running": {"S": "running"},
                ":now": {"N": repr(now)},
            },
        )

    def leave(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        token: str,
        to: Literal["done", "failed", "waiting", "cancelled"],
        failure: ReleaseFailure | None = None,
    ) -> bool:
        """running → `to` for the worker holding the feature (`token`); False when it no longer does (another
        worker took it over). A failure is kept on the item (the summary's FAILURE item is made from it)."""
        expression = "SET #state = :to REMOVE run_token, lease_until"
        values: dict[str, Any] = {":to": {"S": to}, ":running": {"S": "running"}, ":token": {"S": token}}
        if failure is not None:
            expression = "SET #state = :to, code = :code, message = :message, hint = :hint REMOVE run_token, lease_until"
            values |= {
                ":code": {"S": failure.code},
                ":message": {"S": failure.message},
                ":hint": {"S": failure.hint},
            }
        return self._feature_update(
            (integration_id, send_id),
            reference,
            expression,
            "#state = :running AND run_token = :token",
            values,
        )

    def drop(self, integration_id: str, send_id: str, reference: str) -> bool:
        """pending or waiting → cancelled (the send was cancelled before the feature started)."""
        return self._feature_update(
            (integration_id, send_id),
            reference,
            "SET #state = :cancelled",
            "#state IN (:pending, :waiting)",
            {":cancelled": {"S": "cancelled"}, ":pending": {"S": "pending"}, ":waiting": {"S": "waiting"}},
        )

    def _feature_update(
        self, ids: tuple[str, str], reference: str, expression: str, condition: str, values: dict[str, Any]
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(*ids, f"FEATURE#{reference}"),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    # --- the summary: where each feature stands, what they cost ---------------------------------------------

    def count(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        state: FeatureState,
        *,
        jira_calls: int = 0,
        throttled_ms: int = 0,
        failure: ReleaseFailure | None = None,
        while_running: bool = False,
    ) -> bool:
        """Move the reference into the set of `state` (out of every other: pending and cancelled are in
        none), adding what the attempt cost. Idempotent but for the costs (repeat it freely after a crash).
        `while_running`: only while the send runs (False once cancelled). A failure's FAILURE item first."""
        ids = (integration_id, send_id)
        if failure is not None:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **_key(*ids, f"FAILURE#{reference}"),
                    "code": {"S": failure.code},
                    "message": {"S": failure.message},
                    "hint": {"S": failure.hint},
                },
            )
        into = _SETS.get(state)
        out = [name for name in _SETS.values() if name != into]
        parts = (
            [f"ADD {into} :ref, jira_calls :calls, throttled_ms :throttled"]
            if into
            else ["ADD jira_calls :calls, throttled_ms :throttled"]
        )
        parts.append("DELETE " + ", ".join(f"{name} :ref" for name in out))
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(*ids, SUMMARY),
            "UpdateExpression": " ".join(parts),
            "ConditionExpression": "#status = :running" if while_running else "attribute_exists(pk)",
            "ExpressionAttributeValues": {
                ":ref": {"SS": [reference]},
                ":calls": {"N": str(jira_calls)},
                ":throttled": {"N": str(throttled_ms)},
            },
        }
        if while_running:
            request["ExpressionAttributeNames"] = {"#status": "status"}
            request["ExpressionAttributeValues"][":running"] = {"S": "running"}
        try:
            self._client.update_item(**request)
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    def cancel(self, integration_id: str, send_id: str, *, at: str) -> ReleaseSendRecord | None:
        """running → cancelled (what has not started counts cancelled at once: see `_record`). None when the
        send is not running (or unknown)."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(integration_id, send_id, SUMMARY),
                UpdateExpression="SET #status = :cancelled, cancelled_at = :at",
                ConditionExpression="#status = :running",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":cancelled": {"S": "cancelled"},
                    ":at": {"S": at},
                    ":running": {"S": "running"},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _failed_condition(error):
                return None
            raise
        return _record(answer["Attributes"], integration_id, send_id)

    def finish(self, record: ReleaseSendRecord, *, at: str) -> bool:
        """Mark the send finished once nothing is left to run: done (or failed, with a failed feature) when
        every feature is done or failed, a cancelled send once no feature is being sent. Conditional on the
        sets being as `record` read them, so two containers never both finish it; False when not finished
        (or another container did it)."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":at": {"S": at}}
        if record.status == "running" and record.done + record.failed >= record.total:
            status = "failed" if record.failed else "done"
            update = "SET #status = :to, finished_at = :at"
            condition = f"#status = :running AND {_sized('done_refs', record.done, values)} AND " + _sized(
                "failed_refs", record.failed, values
            )
            values |= {":to": {"S": status}, ":running": {"S": "running"}}
        elif record.status == "cancelled" and record.running == 0 and record.finished_at is None:
            update = "SET finished_at = :at"
            condition = "#status = :cancelled AND attribute_not_exists(running_refs) AND attribute_not_exists(finished_at)"
            values[":cancelled"] = {"S": "cancelled"}
        else:
            return False
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(record.integration_id, record.release_send_id, SUMMARY),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True


def _sized(name: str, size: int, values: dict[str, Any]) -> str:
    """A condition that the set `name` has `size` members (an empty set is no attribute in DynamoDB)."""
    if size == 0:
        return f"attribute_not_exists({name})"
    values[f":{name}"] = {"N": str(size)}
    return f"size({name}) = :{name}"


__all__ = ["DynamoReleaseSends"]
