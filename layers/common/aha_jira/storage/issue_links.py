"""The issue links repository (DynamoDB): one adapter implementing every port of the links
(`ports/issue_links.py`, `ports.ReconcileLinkStore`), built once per container by `wiring.issue_links()`.

Its concerns are modules of their own: the items and the reads (`issue_link_items.py`), the send's writes
(`issue_link_sends.py`), the Jira side's (`issue_link_jira_side.py`); here, removing an integration, which
detaches every link.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.roadmap_event import NewEvent
from aha_jira.storage.issue_link_items import CONTENDED_ROUNDS, link_from_item
from aha_jira.storage.issue_link_jira_side import JiraSideWrites
from aha_jira.storage.issue_link_sends import SendLinkWrites

# Records detached per transaction when an integration is removed (two items each, and the event counter).
DETACH_CHUNK = 40


@dataclass(frozen=True)
class _DetachedRecord:
    """A record item to detach: its key, and its link when the item reads as one (for its event)."""

    key: dict[str, Any]
    link: IssueLink | None

    @classmethod
    def of(cls, item: dict[str, Any]) -> _DetachedRecord:
        try:
            link: IssueLink | None = link_from_item(item)
        except ValidationError:
            link = None
        return cls({"pk": item["pk"], "sk": item["sk"]}, link)


class DynamoIssueLinkRepository(SendLinkWrites, JiraSideWrites):
    """Every port of the issue links in one adapter: the reads, the send's and the Jira side's writes, and
    detaching an integration's links (`ports.LinkDetacher`)."""

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
            for _ in range(CONTENDED_ROUNDS):
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
