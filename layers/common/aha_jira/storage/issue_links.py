"""DynamoDB repository for issue links: which Jira issue each roadmap record is linked to.

Items: `pk = INTEGRATION#<id>`, `sk = RECORD#<reference>`; `gsi1pk = ISSUE#<site_url>#<issue_id>`
finds the record(s) linked to a Jira issue when a webhook arrives.
"""

from __future__ import annotations

from typing import Any

from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients


class DynamoIssueLinkRepository:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().issue_links_table
        self._client = aws_clients.dynamodb()

    def detach_all(self, integration_id: str) -> int:
        changed = 0
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"INTEGRATION#{integration_id}"}},
            ProjectionExpression="pk, sk",
        )
        for page in pages:
            for item in page.get("Items", []):
                self._detach(item)
                changed += 1
        return changed

    def _detach(self, key: dict[str, Any]) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"pk": key["pk"], "sk": key["sk"]},
            UpdateExpression="SET detached = :true",
            ExpressionAttributeValues={":true": {"BOOL": True}},
        )
