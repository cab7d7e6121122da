"""DynamoDB adapter of `LookupCache`: Jira look-up answers kept beside the integration they belong to.

Items in the integrations table: `pk = INTEGRATION#<id>`, `sk = LOOKUP#<kind>#<key lower-cased>`, with
`value` (a string; "" records a miss) and `expires_at` (epoch seconds), the table's TTL attribute: DynamoDB
removes expired items eventually (within days), so reads ignore expired items themselves meanwhile.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

# DynamoDB sort keys hold at most 1024 bytes; a longer key (a very long release name) is hashed.
_MAX_KEY_BYTES = 512


def _sort_key(kind: str, key: str) -> str:
    folded = key.strip().lower()
    if len(folded.encode("utf-8")) > _MAX_KEY_BYTES:
        folded = "sha256:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()
    return f"LOOKUP#{kind}#{folded}"


class DynamoLookupCache:
    def __init__(self, table_name: str | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._table = table_name or get_settings().integrations_table
        self._client = aws_clients.dynamodb()
        self._clock = clock

    def get(self, integration_id: str, kind: str, key: str) -> str | None:
        answer = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": _sort_key(kind, key)}},
            ProjectionExpression="#value, expires_at",
            ExpressionAttributeNames={"#value": "value"},
            # A version created by the previous send must be seen, or it would be created again.
            ConsistentRead=True,
        )
        item = answer.get("Item")
        if not item or "value" not in item:
            return None
        expires_at = int(item.get("expires_at", {}).get("N", "0"))
        if expires_at <= self._clock():
            return None
        return item["value"]["S"]

    def put(self, integration_id: str, kind: str, key: str, value: str, ttl_seconds: int) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"INTEGRATION#{integration_id}"},
                "sk": {"S": _sort_key(kind, key)},
                "value": {"S": value},
                "expires_at": {"N": str(int(self._clock()) + ttl_seconds)},
            },
        )
