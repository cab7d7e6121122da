"""The send's writes on an issue link: the reservation that makes a create exactly-once (reserve, take over,
mark uncertain, give back, record the issue with its roadmap events), what a re-send changed, and what a send
tells Jira beyond the issue's content (the roadmap URL, status pushes, attachment uploads under a lease)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from aha_jira.models.issue_link import IssueLink, Reservation, UploadedAttachment
from aha_jira.models.roadmap_event import NewEvent
from aha_jira.storage.dynamo_codec import to_item
from aha_jira.storage.issue_link_items import (
    CONTENDED_ROUNDS,
    IssueLinkTable,
    condition_failed,
    link_attributes,
    link_from_item,
    record_key,
)


class SendLinkWrites(IssueLinkTable):
    """The send's side of the links (`ports.SendLinkStore`): its own attributes, and of the Jira side only
    what the send itself made so (the summary it gave the issue, the status it moved the issue to)."""

    # --- the reservation (sync/reservations.py) -------------------------------------------------------

    def reserve(self, link: IssueLink, *, now: float) -> Reservation:
        """Take the record's reservation: a new one, one whose lease ran out (its holder crashed or gave
        up), or a link to an issue deleted in Jira (the record is created again). Not taken when the
        record is linked to a live issue or another holder's lease still runs."""
        try:
            answer = self._client.put_item(
                TableName=self._table,
                Item={**record_key(link.integration_id, link.reference), **to_item(link_attributes(link))},
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
            if condition_failed(error):
                return Reservation(taken=False, previous=None)
            raise
        old = answer.get("Attributes")
        return Reservation(taken=True, previous=link_from_item(old) if old else None)

    def mark_uncertain(self, link: IssueLink, *, lease_until: float) -> None:
        """The holder's create may have reached Jira; the next holder must reconcile (from `reserved_at`)."""
        self.update_reservation(link.model_copy(update={"uncertain": True, "lease_until": lease_until}))

    def update_reservation(self, link: IssueLink) -> bool:
        """Rewrite the held reservation's window (reserved_at, lease, uncertain, the summaries to reconcile
        by); only by its holder. False when it is no longer held (another send took it over)."""
        return self._update_held(
            link,
            "SET uncertain = :uncertain, lease_until = :lease, reserved_at = :reserved_at, "
            "reconcile_summaries = :summaries",
            {
                ":uncertain": {"BOOL": link.uncertain},
                ":lease": {"N": repr(link.lease_until)},
                ":reserved_at": {"N": repr(link.reserved_at)},
                ":summaries": {"L": [{"S": summary} for summary in link.reconcile_summaries]},
            },
        )

    def release(self, link: IssueLink) -> None:
        """Give up a reservation that certainly created nothing (Jira refused the create)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=record_key(link.integration_id, link.reference),
                ConditionExpression="#state = :reserved AND #token = :token",
                ExpressionAttributeNames={"#state": "state", "#token": "token"},
                ExpressionAttributeValues={":reserved": {"S": "reserved"}, ":token": {"S": link.token}},
            )
        except ClientError as error:
            if not condition_failed(error):
                raise

    def mark_linked(self, link: IssueLink, events: Sequence[NewEvent] = ()) -> bool:
        """Record the Jira issue of a reserved record (only by the reservation's holder), with the roadmap
        events of the link (`record.linked`) in the same transaction. False when the reservation is no
        longer this holder's (its lease ran out and another send took it over): the issue carries the
        stamp, so whoever holds the reservation now, or takes it over, finds it."""
        values = link_attributes(link)
        values["state"] = "linked"
        item = {
            **record_key(link.integration_id, link.reference),
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
        for round_number in range(CONTENDED_ROUNDS):
            outcome = self._outbox.commit([put], events)
            if outcome.committed:
                return True
            if outcome.codes and outcome.codes[0] == "ConditionalCheckFailed":
                return False
            # Another transaction held the item (TransactionConflict): nothing was decided yet.
            time.sleep(0.02 * (round_number + 1))
        raise RuntimeError(f"{link.reference}: the link could not be recorded, its item stayed contended")

    def _update_held(self, link: IssueLink, expression: str, values: dict[str, Any]) -> bool:
        """Change a reservation this holder still holds; one another send took over is left to it."""
        try:
            self._update_if_held(link, expression, values)
        except ClientError as error:
            if not condition_failed(error):
                raise
            return False
        return True

    def _update_if_held(self, link: IssueLink, expression: str, values: dict[str, Any]) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=record_key(link.integration_id, link.reference),
            UpdateExpression=expression,
            ConditionExpression="#state = :reserved AND #token = :token",
            ExpressionAttributeNames={"#state": "state", "#token": "token"},
            ExpressionAttributeValues={**values, ":reserved": {"S": "reserved"}, ":token": {"S": link.token}},
        )

    # --- what a re-send changed (sync/edits.py) ---------------------------------------------------------

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
            Key=record_key(link.integration_id, link.reference),
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
                Key=record_key(link.integration_id, link.reference),
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
            if condition_failed(error):
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
                Key=record_key(link.integration_id, link.reference),
                UpdateExpression="SET upload_lease_until = :zero REMOVE upload_token",
                ConditionExpression="upload_token = :token",
                ExpressionAttributeValues={":zero": {"N": "0"}, ":token": {"S": token}},
            )
        except ClientError as error:
            if not condition_failed(error):
                raise

    def _update_linked(
        self, link: IssueLink, expression: str, values: dict[str, Any], names: dict[str, str] | None = None
    ) -> None:
        """Change send-owned attributes of a linked record (a record detached or re-reserved meanwhile is
        left as it is)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=record_key(link.integration_id, link.reference),
                UpdateExpression=expression,
                ConditionExpression="#state = :linked",
                ExpressionAttributeNames={"#state": "state", **(names or {})},
                ExpressionAttributeValues={**values, ":linked": {"S": "linked"}},
            )
        except ClientError as error:
            if not condition_failed(error):
                raise
