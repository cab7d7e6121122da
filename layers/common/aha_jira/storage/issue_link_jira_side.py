"""The Jira side's writes on an issue link: the webhook's (its Jira-side state, under optimistic concurrency
on `webhook_rev`), an imported record's link and its claim on the issue, and the import write-back's mark."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.roadmap_event import NewEvent
from aha_jira.storage.dynamo_codec import to_item
from aha_jira.storage.issue_link_items import (
    IssueLinkTable,
    condition_failed,
    import_claim_key,
    link_attributes,
    record_key,
)


class JiraSideWrites(IssueLinkTable):
    """The webhook's, the import's and the write-back's side of the links (`ports.WebhookLinkStore`,
    `ports.ImportLinkStore`, `ports.WriteBackLinkStore`)."""

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
                "Key": record_key(link.integration_id, link.reference),
                "UpdateExpression": expression,
                "ConditionExpression": f"#state = :linked AND {rev_matches}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": placeholders,
            }
        }

    def write_webhook_change(
        self, link: IssueLink, *, expected_rev: int, events: Sequence[NewEvent] = ()
    ) -> bool:
        """`webhook_write` on its own (outside a delivery's transaction), with the roadmap events of the
        change; False when the record changed since it was read."""
        return self._outbox.commit([self.webhook_write(link, expected_rev=expected_rev)], events).committed

    def import_writes(self, link: IssueLink) -> list[dict[str, Any]]:
        """Transaction items creating an imported record's link and claiming its issue: the first fails
        when the reference is taken, the second when the issue was imported already."""
        values = link_attributes(link)
        values["state"] = "linked"
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **record_key(link.integration_id, link.reference),
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
                        **import_claim_key(link.integration_id, link.site_url, str(link.issue_id)),
                        "reference": {"S": link.reference},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]

    def mark_written_back(self, link: IssueLink, at: str) -> None:
        """The roadmap reference is on the Jira issue now (entity property and remote link)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=record_key(link.integration_id, link.reference),
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
            if not condition_failed(error):
                raise
