"""DynamoDB repository of release sends: each send's summary with its counters, each feature's state and
payload, and the failures (docs/architecture.md "Storage", release sends table).

Items, all under `pk = INTEGRATION#<integration id>#RELEASE_SEND#<send id>` (another integration's id
never reaches them), expiring with `expires_at`:
- `sk = SEND`: the release, `status`, the counters (`total`, `done`, `failed`, `queued`, `cancelled`,
  `running`, `remaining`, `jira_calls`, `throttled_ms`), `started_at`, `finished_at`, `source`;
- `sk = FEATURE#<reference>`: `state` (pending, running, waiting, done, failed, cancelled), the compressed
  feature (`payload`; absent while a send from Aha! has not read it yet), `run_token` and `lease_until` of
  the worker sending it;
- `sk = FAILURE#<reference>`: `code`, `message`, `hint` of a failed feature.

Every change of a feature's state moves the summary's counters in the same transaction, conditional on the
state it leaves (and on the worker's `run_token` for a running feature): a feature is counted once however
often its message is delivered, and a worker whose lease another took over counts nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from botocore.exceptions import ClientError

from aha_jira.models.feature import AhaFeature
from aha_jira.models.release import (
    ReleaseFailure,
    ReleaseFeatureItem,
    ReleaseSendRecord,
    pack_feature,
    unpack_feature,
)
from aha_jira.settings import release_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

SUMMARY = "SEND"
_COUNTERS = (
    "total",
    "done",
    "failed",
    "queued",
    "cancelled",
    "running",
    "remaining",
    "jira_calls",
    "throttled_ms",
)
_CONFLICT_RETRIES = (
    8  # a busy release's summary item is in many transactions: DynamoDB cancels overlapping ones
)
BATCH_WRITE = 25

Settled = Literal["applied", "not_running", "lost"]
Began = Literal["started", "not_running", "changed"]


def _pk(integration_id: str, send_id: str) -> str:
    return f"INTEGRATION#{integration_id}#RELEASE_SEND#{send_id}"


def _key(integration_id: str, send_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": _pk(integration_id, send_id)}, "sk": {"S": sk}}


def _number(item: dict[str, Any], name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))


def _record(item: dict[str, Any], integration_id: str, send_id: str) -> ReleaseSendRecord:
    return ReleaseSendRecord(
        integration_id=integration_id,
        release_send_id=send_id,
        release=item["release"]["S"],
        status=item["status"]["S"],
        started_at=item["started_at"]["S"],
        finished_at=item["finished_at"]["S"] if "finished_at" in item else None,
        source=item.get("source", {}).get("S", "body"),
        **{name: _number(item, name) for name in _COUNTERS},
    )


class _Cancelled(Exception):
    """A transaction DynamoDB cancelled for a failed condition: `codes` per item ("None" when it held)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(codes)
        self.codes = codes


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
            "started_at": {"S": record.started_at},
            "source": {"S": record.source},
            "expires_at": {"N": str(expires_at)},
            **{name: {"N": str(getattr(record, name))} for name in _COUNTERS},
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
        answer = self._client.get_item(
            TableName=self._table, Key=_key(integration_id, send_id, SUMMARY), ConsistentRead=True
        )
        item = answer.get("Item")
        return _record(item, integration_id, send_id) if item else None

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
            for item in answer.get("Items", []):
                found.append(
                    ReleaseFailure(
                        reference=item["sk"]["S"].removeprefix("FAILURE#"),
                        code=item["code"]["S"],
                        message=item["message"]["S"],
                        hint=item["hint"]["S"],
                    )
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
        return ReleaseFeatureItem(
            reference=reference,
            state=item["state"]["S"],
            feature=unpack_feature(payload) if payload else None,
            run_token=item.get("run_token", {}).get("S"),
            lease_until=float(item.get("lease_until", {}).get("N", "0")),
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

    # --- a feature's state, and the counters with it -----------------------------------------------------

    def begin(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        from_state: Literal["pending", "waiting"],
        token: str,
        lease_until: float,
    ) -> Began:
        """pending or waiting → running, while the send runs; `changed` when the feature is no longer in
        `from_state`, `not_running` when the send is not running (cancelled)."""
        ids = (integration_id, send_id)
        summary = "ADD running :one" + (", queued :minus" if from_state == "waiting" else "")
        try:
            self._transact(
                [
                    self._update(
                        ids,
                        f"FEATURE#{reference}",
                        "SET #state = :running, run_token = :token, lease_until = :lease",
                        "#state = :from",
                        {
                            ":running": {"S": "running"},
                            ":token": {"S": token},
                            ":lease": {"N": repr(lease_until)},
                            ":from": {"S": from_state},
                        },
                    ),
                    self._update(
                        ids,
                        SUMMARY,
                        summary,
                        "#status = :active",
                        {
                            ":one": {"N": "1"},
                            ":active": {"S": "running"},
                            **({":minus": {"N": "-1"}} if from_state == "waiting" else {}),
                        },
                        names={"#status": "status"},
                    ),
                ]
            )
        except _Cancelled as cancelled:
            return "changed" if cancelled.codes[0] != "None" else "not_running"
        return "started"

    def take_over(
        self, integration_id: str, send_id: str, reference: str, *, token: str, lease_until: float, now: float
    ) -> bool:
        """A running feature whose worker's lease ran out (the worker died): this worker sends it now."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(integration_id, send_id, f"FEATURE#{reference}"),
                UpdateExpression="SET run_token = :token, lease_until = :lease",
                ConditionExpression="#state = :running AND lease_until < :now",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":token": {"S": token},
                    ":lease": {"N": repr(lease_until)},
                    ":running": {"S": "running"},
                    ":now": {"N": repr(now)},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def settle(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        token: str,
        outcome: Literal["done", "failed", "waiting", "cancelled"],
        jira_calls: int,
        throttled_ms: int,
        failure: ReleaseFailure | None = None,
        at: str = "",
    ) -> Settled:
        """running → `outcome` for the worker holding the feature (`token`); `lost` when it no longer does
        (another worker took it over, or settled it). `waiting` only while the send runs (`not_running`
        otherwise: the caller settles it `cancelled`)."""
        ids = (integration_id, send_id)
        counters = {
            "done": "ADD done :one, #running :minus, remaining :minus",
            "failed": "ADD failed :one, #running :minus, remaining :minus",
            "waiting": "ADD queued :one, #running :minus",
            "cancelled": "ADD cancelled :one, #running :minus, remaining :minus",
        }[outcome]
        items = [
            self._update(
                ids,
                f"FEATURE#{reference}",
                "SET #state = :to REMOVE run_token, lease_until",
                "#state = :running AND run_token = :token",
                {":to": {"S": outcome}, ":running": {"S": "running"}, ":token": {"S": token}},
            ),
            self._update(
                ids,
                SUMMARY,
                counters + ", jira_calls :calls, throttled_ms :throttled",
                "#status = :active" if outcome == "waiting" else "attribute_exists(pk)",
                {
                    ":one": {"N": "1"},
                    ":minus": {"N": "-1"},
                    ":calls": {"N": str(jira_calls)},
                    ":throttled": {"N": str(throttled_ms)},
                    **({":active": {"S": "running"}} if outcome == "waiting" else {}),
                },
                names={"#running": "running", **({"#status": "status"} if outcome == "waiting" else {})},
            ),
        ]
        if failure is not None:
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            **_key(*ids, f"FAILURE#{reference}"),
                            "code": {"S": failure.code},
                            "message": {"S": failure.message},
                            "hint": {"S": failure.hint},
                            "at": {"S": at},
                        },
                    }
                }
            )
        try:
            self._transact(items)
        except _Cancelled as cancelled:
            return "lost" if cancelled.codes[0] != "None" else "not_running"
        return "applied"

    def drop(self, integration_id: str, send_id: str, reference: str) -> bool:
        """A feature the send's cancel stopped before it started (pending or waiting) → cancelled. The cancel
        counted it already (`cancelled`, `queued`); here it only leaves `remaining`."""
        ids = (integration_id, send_id)
        try:
            self._transact(
                [
                    self._update(
                        ids,
                        f"FEATURE#{reference}",
                        "SET #state = :cancelled",
                        "#state IN (:pending, :waiting)",
                        {
                            ":cancelled": {"S": "cancelled"},
                            ":pending": {"S": "pending"},
                            ":waiting": {"S": "waiting"},
                        },
                    ),
                    self._update(
                        ids, SUMMARY, "ADD remaining :minus", "attribute_exists(pk)", {":minus": {"N": "-1"}}
                    ),
                ]
            )
        except _Cancelled:
            return False
        return True

    # --- the send's status ---------------------------------------------------------------------------------

    def cancel(self, integration_id: str, send_id: str, *, at: str) -> ReleaseSendRecord | None:
        """running → cancelled: what has not started is counted cancelled at once (`remaining - running`), and
        nothing waits for a retry any more. None when the send is not running (or unknown)."""
        try:
            answer = self._with_retries(
                lambda: self._client.update_item(
                    TableName=self._table,
                    Key=_key(integration_id, send_id, SUMMARY),
                    UpdateExpression=(
                        "SET #status = :cancelled, cancelled_at = :at, cancelled = remaining - #running, "
                        "queued = :zero"
                    ),
                    ConditionExpression="#status = :active",
                    ExpressionAttributeNames={"#status": "status", "#running": "running"},
                    ExpressionAttributeValues={
                        ":cancelled": {"S": "cancelled"},
                        ":at": {"S": at},
                        ":zero": {"N": "0"},
                        ":active": {"S": "running"},
                    },
                    ReturnValues="ALL_NEW",
                )
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return _record(answer["Attributes"], integration_id, send_id)

    def finish(self, record: ReleaseSendRecord, *, at: str) -> bool:
        """Mark a send finished once nothing is left to run: done or failed when every feature settled, and a
        cancelled send once its last running feature did. False when another container did it first."""
        names = {"#status": "status", "#running": "running"}
        if record.status == "running" and record.remaining <= 0:
            status = "failed" if record.failed > 0 else "done"
            condition = "#status = :active AND remaining <= :zero AND " + (
                "failed > :zero" if status == "failed" else "failed = :zero"
            )
            values = {":to": {"S": status}, ":active": {"S": "running"}}
            update = "SET #status = :to, finished_at = :at"
        elif record.status == "cancelled" and record.running <= 0 and record.finished_at is None:
            condition = "#status = :cancelled AND #running <= :zero AND attribute_not_exists(finished_at)"
            values = {":cancelled": {"S": "cancelled"}}
            update = "SET finished_at = :at"
        else:
            return False
        try:
            self._with_retries(
                lambda: self._client.update_item(
                    TableName=self._table,
                    Key=_key(record.integration_id, record.release_send_id, SUMMARY),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names if "#running" in condition else {"#status": "status"},
                    ExpressionAttributeValues={**values, ":at": {"S": at}, ":zero": {"N": "0"}},
                )
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- DynamoDB plumbing ---------------------------------------------------------------------------------

    def _update(
        self,
        ids: tuple[str, str],
        sk: str,
        expression: str,
        condition: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_names = {"#state": "state", **(names or {})}
        used = {name: value for name, value in all_names.items() if name in expression or name in condition}
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(*ids, sk),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if used:
            update["ExpressionAttributeNames"] = used
        return {"Update": update}

    def _transact(self, items: list[dict[str, Any]]) -> None:
        """One transaction; `_Cancelled` with each item's code when a condition failed. A transaction that
        only met another one on the same item (the summary) is tried again."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))
                return
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
                codes = [str(reason.get("Code") or "None") for reason in reasons]
                if "ConditionalCheckFailed" in codes:
                    raise _Cancelled(codes) from None
                if attempt + 1 < _CONFLICT_RETRIES and set(codes) <= {"None", "TransactionConflict"}:
                    _pause(attempt)
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _with_retries(self, call: Any) -> Any:
        """A single write to the summary item, tried again while a transaction holds the item."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                return call()
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code != "TransactionConflictException" or attempt + 1 == _CONFLICT_RETRIES:
                    raise
                _pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _pause(attempt: int) -> None:
    time.sleep(min(0.5, 0.02 * 2**attempt) * (0.5 + random.random()))  # noqa: S311 - jitter


__all__ = ["DynamoReleaseSends"]
