"""The issue links table's items and reading them: the keys, the item ↔ `IssueLink` codec, and the reads every
consumer of the links shares (`IssueLinkTable`, the base of `storage/issue_links.DynamoIssueLinkRepository`).

Items: `pk = INTEGRATION#<id>`, `sk = RECORD#<reference>`; once linked, `gsi1pk = ISSUE#<site>#<issue id>`
finds the record(s) linked to a Jira issue when a webhook arrives.

`pk = INTEGRATION#<id>`, `sk = IMPORT#<site>#<issue id>` (attribute `reference`) claims a Jira issue for the
record imported from it: written with the import, on condition that it does not exist, so two deliveries of
one creation (even with different identifiers) can never import the issue twice.

`pk = INTEGRATION#<id>`, `sk = ALIAS#<old reference>` (attribute `reference`): a record imported from Jira and
renamed to the reference the roadmap allocated (written by `storage/record_rename.py`).

A record's item is flat: one attribute per field of the link and of its Jira-side state (`IssueLink.jira`),
as before that state had a model of its own, so every stored item still reads. The webhook writes exactly
the Jira-side attributes (`WEBHOOK_ATTRIBUTES`, the fields of `JiraSide`).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from aha_jira.models.issue_link import IssueLink, JiraSide
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.dynamo_codec import from_item
from aha_jira.storage.roadmap_outbox import RoadmapOutbox, default_outbox

# Rounds of a link's transaction that a concurrent write cancelled, before giving up.
CONTENDED_ROUNDS = 10

# What a webhook may write on a record (`DynamoIssueLinkRepository.webhook_write`): its Jira-side state.
WEBHOOK_ATTRIBUTES = frozenset(JiraSide.model_fields)
_LINK_ATTRIBUTES = frozenset(IssueLink.model_fields) - {"jira"}


def record_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"RECORD#{reference}"}}


def import_claim_key(integration_id: str, site_url: str, issue_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"IMPORT#{site_url}#{issue_id}"}}


def link_from_item(item: dict[str, Any]) -> IssueLink:
    values = from_item(item)
    link = {key: value for key, value in values.items() if key in _LINK_ATTRIBUTES}
    jira = {key: value for key, value in values.items() if key in WEBHOOK_ATTRIBUTES}
    return IssueLink.model_validate({**link, "jira": jira})


def link_attributes(link: IssueLink) -> dict[str, Any]:
    """The link as the item's flat attributes."""
    return {**link.model_dump(exclude={"jira"}), **link.jira.model_dump()}


def condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class IssueLinkTable:
    """The issue links table, and the reads of its records every consumer shares. The writes are each
    owner's: the send's (`storage/issue_link_sends.py`), the Jira side's
    (`storage/issue_link_jira_side.py`)."""

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
                    "Keys": [record_key(integration_id, ref) for ref in unique[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    link = link_from_item(item)
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
        return [link_from_item(item) for item in answer.get("Items", [])]

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
            query["ExclusiveStartKey"] = record_key(integration_id, after)
        answer = self._client.query(**query)
        links = [link_from_item(item) for item in answer.get("Items", [])]
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
                return link_from_item(item)
        return None

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
            Key=import_claim_key(integration_id, site_url, issue_id),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return str(item["reference"]["S"]) if item else None
