"""DynamoDB repository for issue links, including the reservations that make creates exactly-once.

Items: `pk = INTEGRATION#<id>`, `sk = RECORD#<reference>`; once linked, `gsi1pk = ISSUE#<site>#<issue id>`
finds the record(s) linked to a Jira issue when a webhook arrives.

`pk = INTEGRATION#<id>`, `sk = IMPORT#<site>#<issue id>` (attribute `reference`) claims a Jira issue for the
record imported from it: written with the import, on condition that it does not exist, so two deliveries of
one creation (even with different identifiers) can never import the issue twice.

A record's item is flat: one attribute per field of the link and of its Jira-side state (`IssueLink.jira`),
as before that state had a model of its own, so every stored item still reads. The webhook writes exactly
the Jira-side attributes (`WEBHOOK_ATTRIBUTES`, the fields of `JiraSide`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from aha_jira.models.issue_link import IssueLink, JiraSide, Reservation, UploadedAttachment
from aha_jira.models.roadmap_event import NewEvent
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.dynamo_codec import from_item, to_item
from aha_jira.storage.roadmap_outbox import RoadmapOutbox, default_outbox

_CONTENDED_ROUNDS = 10
# Records detached per transaction when an integration is removed (two items each, and the event counter).
DETACH_CHUNK = 40

# What a webhook may write on a record (`DynamoIssueLinkRepository.webhook_write`): its Jira-side state.
WEBHOOK_ATTRIBUTES = frozenset(JiraSide.model_fields)
_LINK_ATTRIBUTES = frozenset(IssueLink.model_fields) - {"jira"}


def _key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"RECORD#{reference}"}}


def _import_claim_key(integration_id: str, site_url: str, issue_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"IMPORT#{site_url}#{issue_id}"}}


def _link_from_item(item: dict[str, Any]) -> IssueLink:
    values = from_item(item)
    link = {key: value for key, value in values.items() if key in _LINK_ATTRIBUTES}
    jira = {key: value for key, value in values.items() if key in WEBHOOK_ATTRIBUTES}
    return IssueLink.model_validate({**link, "jira": jira})


@dataclass(frozen=True)
class _DetachedRecord:
    """A record item to detach: its key, and its link when the item reads as one (for its event)."""

    key: dict[str, Any]
    link: IssueLink | None

    @classmethod
    def of(cls, item: dict[str, Any]) -> _DetachedRecord:
        try:
            link: IssueLink | None = _link_from_item(item)
        except ValidationError:
            link = None
        return cls({"pk": item["pk"], "sk": item["sk"]}, link)


def _attributes(link: IssueLink) -> dict[str, Any]:
    """The link as the item's flat attributes."""
    return {**link.model_dump(exclude={"jira"}), **link.jira.model_dump()}


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoIssueLinkRepository:
    def __init__(self, table_name: str | None = None, *, outbox: RoadmapOutbox | None = None) -> None:
        self._table = table_name or get_settings().issue_links_table
        self._client = aws_clients.dynamodb()
        self._outbox = outbox or default_outbox()

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]:
        found: dict[str, IssueLink] = {}
        unique = list(dict.fromkeys(references))
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [_key(integration_id, ref) for ref in unique[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    link = _link_from_item(item)
                    found[link.reference] = link
                request = dict(answer.get("UnprocessedKeys") or {})
        return found

    def find_by_issue(self, site_url: str, issue_id: str) -> list[IssueLink]:
        answer = self._client.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :issue",
            ExpressionAttributeValues={":issue": {"S": f"ISSUE#{site_url}#{issue_id}"}},
        )
        return [_link_from_item(item) for item in answer.get("Items", [])]

    def linked_page(
        self, integration_id: str, after: str | None, limit: int
    ) -> tuple[list[IssueLink], str | None]:
        """Up to `limit` of the integration's records in reference order after the record `after` (the
        reconcile's rotating existence check); the reference to continue after, None past the last."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :record)",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"INTEGRATION#{integration_id}"},
                ":record": {"S": "RECORD#"},
            },
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = _key(integration_id, after)
        answer = self._client.query(**query)
        links = [_link_from_item(item) for item in answer.get("Items", [])]
        more = answer.get("LastEvaluatedKey") is not None and links
        return links, (links[-1].reference if more else None)

    def find_by_key(self, integration_id: str, issue_key: str) -> IssueLink | None:
        """The record linked to an issue key. Reads the integration's partition with a filter: keys change
        when issues move between projects, so they are not indexed; the issue id index serves webhooks."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            FilterExpression="issue_key = :key",
            ExpressionAttributeValues={
                ":pk": {"S": f"INTEGRATION#{integration_id}"},
                ":key": {"S": issue_key},
            },
        )
        for page in pages:
            for item in page.get("Items", []):
                return _link_from_item(item)
        return None

    def reserve(self, link: IssueLink, *, now: float) -> Reservation:
        """Take the record's reservation: a new one, one whose lease ran out (its holder crashed or gave
        up), or a link to an issue deleted in Jira (the record is created again). Not taken when the
        record is linked to a live issue or another holder's lease still runs."""
        try:
            answer = self._client.put_item(
                TableName=self._table,
                Item={**_key(link.integration_id, link.reference), **to_item(_attributes(link))},
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#state = :reserved AND lease_until < :now)"
                    " OR (#state = :linked AND deleted_in_jira = :true)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":reserved": {"S": "reserved"},
                    ":linked": {"S": "linked"},
                    ":true": {"BOOL": True},
                    ":now": {"N": repr(now)},
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if _condition_failed(error):
                return Reservation(taken=False, previous=None)
            raise
        old = answer.get("Attributes")
        return Reservation(taken=True, previous=_link_from_item(old) if old else None)

    def mark_uncertain(self, link: IssueLink, *, lease_until: float) -> None:
        """The holder's create may have reached Jira; the next holder must reconcile (from `reserved_at`)."""
        self.update_reservation(link.model_copy(update={"uncertain": True, "lease_until": lease_until}))

    def update_reservation(self, link: IssueLink) -> bool:
        """Rewrite the held reservation's window (reserved_at, lease, uncertain); only by its holder.
        False when it is no longer held (another send took it over)."""
        return self._update_held(
            link,
            "SET uncertain = :uncertain, lease_until = :lease, reserved_at = :reserved_at",
            {
                ":uncertain": {"BOOL": link.uncertain},
                ":lease": {"N": repr(link.lease_until)},
                ":reserved_at": {"N": repr(link.reserved_at)},
            },
        )

    def release(self, link: IssueLink) -> None:
        """Give up a reservation that certainly created nothing (Jira refused the create)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_key(link.integration_id, link.reference),
                ConditionExpression="#state = :reserved AND #token = :token",
                ExpressionAttributeNames={"#state": "state", "#token": "token"},
                ExpressionAttributeValues={":reserved": {"S": "reserved"}, ":token": {"S": link.token}},
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise

    def mark_linked(self, link: IssueLink, events: Sequence[NewEvent] = ()) -> bool:
        """Record the Jira issue of a reserved record (only by the reservation's holder), with the roadmap
        events of the link (`record.linked`) in the same transaction. False when the reservation is no
        longer this holder's (its lease ran out and another send took it over): the issue carries the
        stamp, so whoever holds the reservation now, or takes it over, finds it."""
        values = _attributes(link)
        values["state"] = "linked"
        item = {
            **_key(link.integration_id, link.reference),
            **to_item(values),
            "gsi1pk": {"S": f"ISSUE#{link.site_url}#{link.issue_id}"},
            "gsi1sk": {"S": f"INTEGRATION#{link.integration_id}"},
        }
        put = {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "#state = :reserved AND #token = :token",
                "ExpressionAttributeNames": {"#state": "state", "#token": "token"},
                "ExpressionAttributeValues": {":reserved": {"S": "reserved"}, ":token": {"S": link.token}},
            }
        }
        for round_number in range(_CONTENDED_ROUNDS):
            outcome = self._outbox.commit([put], events)
            if outcome.committed:
                return True
            if outcome.codes and outcome.codes[0] == "ConditionalCheckFailed":
                return False
            # Another transaction held the item (TransactionConflict): nothing was decided yet.
            time.sleep(0.02 * (round_number + 1))
        raise RuntimeError(f"{link.reference}: the link could not be recorded, its item stayed contended")

    def save_synced(self, link: IssueLink) -> None:
        """Store what a re-send changed on a linked record: hash, sync time, name, summary, feature, and
        `webhook_rev` bumped (a webhook write that read the name before plans again). Only those: a webhook
        writes others meanwhile, and writing back the whole item this send read would undo them."""
        owned = {
            "feature_reference": link.feature_reference,
            "content_hash": link.content_hash,
            "synced_at": link.synced_at,
            "name": link.jira.name,  # the summary this send gave the issue
            "summary": link.jira.summary,  # what Jira has now
        }
        names = {"#state": "state"}
        values: dict[str, Any] = {":linked": {"S": "linked"}, ":zero": {"N": "0"}, ":one": {"N": "1"}}
        sets: list[str] = ["webhook_rev = if_not_exists(webhook_rev, :zero) + :one"]
        removes: list[str] = []
        for index, (attribute, value) in enumerate(owned.items()):
            names[f"#a{index}"] = attribute
            if value is None:
                removes.append(f"#a{index}")
            else:
                values[f":v{index}"] = {"S": value}
                sets.append(f"#a{index} = :v{index}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._client.update_item(
            TableName=self._table,
            Key=_key(link.integration_id, link.reference),
            UpdateExpression=expression,
            ConditionExpression="#state = :linked",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    # --- what a send tells Jira beyond the issue's content (sync/transitions.py, sync/attachments.py) ---

    def save_record_url(self, link: IssueLink, record_url: str) -> None:
        """The roadmap URL the issue now links back to (a later payload without `url` keeps it)."""
        self._update_linked(link, "SET record_url = :url", {":url": {"S": record_url}})

    def note_status_push(self, link: IssueLink, pushed_statuses: list[str]) -> None:
        """Before each transition of a status push: the Jira statuses the latest pushes moved the issue to,
        this one's target last, so that their webhooks are known as our echo."""
        self._update_linked(
            link, "SET pushed_statuses = :ids", {":ids": {"L": [{"S": value} for value in pushed_statuses]}}
        )

    def save_status_sent(
        self,
        link: IssueLink,
        *,
        sent_status: str,
        jira_status: str | None = None,
        jira_status_id: str | None = None,
        roadmap_status: str | None = None,
    ) -> None:
        """The roadmap status a send carried; with the Jira status it moved the issue to, that status on the
        record's Jira side too (`webhook_rev` bumped: a webhook write that read the record before retries)."""
        sets = ["sent_status = :sent"]
        values: dict[str, Any] = {":sent": {"S": sent_status}}
        if jira_status is not None:
            sets += [
                "jira_status = :jira_status",
                "roadmap_status = :roadmap_status",
                "webhook_rev = if_not_exists(webhook_rev, :zero) + :one",
            ]
            values |= {
                ":jira_status": {"S": jira_status},
                ":roadmap_status": {"S": roadmap_status or sent_status},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
            }
            if jira_status_id is not None:
                sets.append("jira_status_id = :jira_status_id")
                values[":jira_status_id"] = {"S": jira_status_id}
        self._update_linked(link, "SET " + ", ".join(sets), values)

    def take_upload_lease(self, link: IssueLink, *, token: str, until: float, now: float) -> bool:
        """Hold the record's attachment uploads (one send at a time uploads them); False while another
        send's lease runs."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(link.integration_id, link.reference),
                UpdateExpression=(
                    "SET upload_token = :token, upload_lease_until = :until, "
                    "attachments = if_not_exists(attachments, :empty)"
                ),
                ConditionExpression=(
                    "#state = :linked AND (attribute_not_exists(upload_lease_until) OR upload_lease_until < :now"
                    " OR upload_token = :token)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":token": {"S": token},
                    ":until": {"N": repr(until)},
                    ":now": {"N": repr(now)},
                    ":empty": {"M": {}},
                    ":linked": {"S": "linked"},
                },
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def record_upload(self, link: IssueLink, key: str, uploaded: UploadedAttachment) -> None:
        """An attachment now on the issue (under the upload lease taken by `take_upload_lease`)."""
        self._update_linked(
            link,
            "SET attachments.#key = :uploaded",
            {":uploaded": to_item({"v": uploaded.model_dump()})["v"]},
            names={"#key": key},
        )

    def release_upload_lease(self, link: IssueLink, *, token: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(link.integration_id, link.reference),
                UpdateExpression="SET upload_lease_until = :zero REMOVE upload_token",
                ConditionExpression="upload_token = :token",
                ExpressionAttributeValues={":zero": {"N": "0"}, ":token": {"S": token}},
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise

    def _update_linked(
        self, link: IssueLink, expression: str, values: dict[str, Any], names: dict[str, str] | None = None
    ) -> None:
        """Change send-owned attributes of a linked record (a record detached or re-reserved meanwhile is
        left as it is)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(link.integration_id, link.reference),
                UpdateExpression=expression,
                ConditionExpression="#state = :linked",
                ExpressionAttributeNames={"#state": "state", **(names or {})},
                ExpressionAttributeValues={**values, ":linked": {"S": "linked"}},
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise

    def detach_all(
        self, integration_id: str, event_for: Callable[[IssueLink], NewEvent | None] | None = None
    ) -> int:
        """Mark every record of an integration detached; with `event_for`, each with its roadmap event in
        the same transaction (chunks of `DETACH_CHUNK` records). Returns how many were changed."""
        changed = 0
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :record)",
            ExpressionAttributeValues={
                ":pk": {"S": f"INTEGRATION#{integration_id}"},
                ":record": {"S": "RECORD#"},
            },
        )
        records = [_DetachedRecord.of(item) for page in pages for item in page.get("Items", [])]
        for start in range(0, len(records), DETACH_CHUNK):
            chunk = records[start : start + DETACH_CHUNK]
            for _ in range(_CONTENDED_ROUNDS):
                updates = [self._detach(record.key) for record in chunk]
                events = [
                    event
                    for record in chunk
                    if event_for is not None and record.link is not None and not record.link.jira.detached
                    for event in [event_for(record.link)]
                    if event is not None
                ]
                if not updates or self._outbox.commit(updates, events).committed:
                    break
                # A record removed meanwhile (its condition) or a concurrent write: again without it.
                time.sleep(0.02)
                chunk = [record for record in chunk if self._exists(record.key)]
            changed += len(chunk)
        return changed

    def _exists(self, key: dict[str, Any]) -> bool:
        answer = self._client.get_item(
            TableName=self._table, Key=key, ConsistentRead=True, ProjectionExpression="pk"
        )
        return "Item" in answer

    def _detach(self, key: dict[str, Any]) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": key,
                "UpdateExpression": "SET detached = :true",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":true": {"BOOL": True}},
            }
        }

    def _update_held(self, link: IssueLink, expression: str, values: dict[str, Any]) -> bool:
        """Change a reservation this holder still holds; one another send took over is left to it."""
        try:
            self._update_if_held(link, expression, values)
        except ClientError as error:
            if not _condition_failed(error):
                raise
            return False
        return True

    def _update_if_held(self, link: IssueLink, expression: str, values: dict[str, Any]) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=_key(link.integration_id, link.reference),
            UpdateExpression=expression,
            ConditionExpression="#state = :reserved AND #token = :token",
            ExpressionAttributeNames={"#state": "state", "#token": "token"},
            ExpressionAttributeValues={**values, ":reserved": {"S": "reserved"}, ":token": {"S": link.token}},
        )

    # --- Jira webhook (aha_jira.webhooks) -------------------------------------------------------------

    def import_writes(self, link: IssueLink) -> list[dict[str, Any]]:
        """Transaction items creating an imported record's link and claiming its issue: the first fails
        when the reference is taken, the second when the issue was imported already."""
        values = _attributes(link)
        values["state"] = "linked"
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **_key(link.integration_id, link.reference),
                        **to_item(values),
                        "gsi1pk": {"S": f"ISSUE#{link.site_url}#{link.issue_id}"},
                        "gsi1sk": {"S": f"INTEGRATION#{link.integration_id}"},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **_import_claim_key(link.integration_id, link.site_url, str(link.issue_id)),
                        "reference": {"S": link.reference},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a renamed record has now (`ALIAS#<old>`, written by `storage/record_rename.py`)."""
        answer = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"ALIAS#{reference}"}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return str(item["reference"]["S"]) if item else None

    def imported_reference(self, integration_id: str, site_url: str, issue_id: str) -> str | None:
        """The reference of the record imported from an issue, if any."""
        answer = self._client.get_item(
            TableName=self._table,
            Key=_import_claim_key(integration_id, site_url, issue_id),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return str(item["reference"]["S"]) if item else None

    def write_webhook_change(
        self, link: IssueLink, *, expected_rev: int, events: Sequence[NewEvent] = ()
    ) -> bool:
        """`webhook_write` on its own (outside a delivery's transaction), with the roadmap events of the
        change; False when the record changed since it was read."""
        return self._outbox.commit([self.webhook_write(link, expected_rev=expected_rev)], events).committed

    def mark_written_back(self, link: IssueLink, at: str) -> None:
        """The roadmap reference is on the Jira issue now (entity property and remote link)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(link.integration_id, link.reference),
                UpdateExpression="SET writeback_at = :at",
                ConditionExpression="#state = :linked AND issue_id = :issue",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":at": {"S": at},
                    ":linked": {"S": "linked"},
                    ":issue": {"S": str(link.issue_id)},
                },
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise

    def webhook_write(self, link: IssueLink, *, expected_rev: int) -> dict[str, Any]:
        """A transaction item writing what a webhook changed on a linked record: its Jira-side state only
        (never the send's reservation, token or content hash), on condition that no other webhook write
        happened since the record was read (`webhook_rev`)."""
        values = link.jira.model_dump()
        names: dict[str, str] = {"#state": "state", "#rev": "webhook_rev"}
        placeholders: dict[str, Any] = {
            ":linked": {"S": "linked"},
            ":expected": {"N": str(expected_rev)},
        }
        sets: list[str] = []
        removes: list[str] = []
        for index, attribute in enumerate(sorted(values)):
            names[f"#a{index}"] = attribute
            value = values[attribute]
            if value is None:
                removes.append(f"#a{index}")
            else:
                placeholders[f":v{index}"] = to_item({"v": value})["v"]
                sets.append(f"#a{index} = :v{index}")
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        rev_matches = "#rev = :expected"
        if expected_rev == 0:
            rev_matches = "(attribute_not_exists(#rev) OR #rev = :expected)"
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(link.integration_id, link.reference),
                "UpdateExpression": expression,
                "ConditionExpression": f"#state = :linked AND {rev_matches}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": placeholders,
            }
        }
