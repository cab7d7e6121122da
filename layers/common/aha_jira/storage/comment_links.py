"""Comments that crossed between Jira and the roadmap (`models/comment_link.py`), in the roadmap events table
beside the outbox: `pk = INTEGRATION#<id>`, `sk = COMMENT#<reference>#<side>#<comment id>` (side `jira` or
`roadmap`), attributes `origin`, `peer_id`, `version`, `deleted`, `intent`, `claim_until`, `digest`. No TTL: a pair is
kept as long as the comments may change. One small item per comment and side, whatever the number of comments
on an issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.models.comment_link import CommentLink, Side
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def comment_key(integration_id: str, reference: str, side: Side, comment_id: str) -> dict[str, Any]:
    return {
        "pk": {"S": f"INTEGRATION#{integration_id}"},
        "sk": {"S": f"COMMENT#{reference}#{side}#{comment_id}"},
    }


def _item(link: CommentLink) -> dict[str, Any]:
    item: dict[str, Any] = {
        **comment_key(link.integration_id, link.reference, link.side, link.comment_id),
        "origin": {"S": link.origin},
        "version": {"N": str(link.version)},
        "deleted": {"BOOL": link.deleted},
        "claim_until": {"N": repr(link.claim_until)},
    }
    if link.peer_id is not None:
        item["peer_id"] = {"S": link.peer_id}
    if link.intent is not None:
        item["intent"] = {"S": link.intent}
    if link.digest is not None:
        item["digest"] = {"S": link.digest}
    return item


def _link(
    integration_id: str, reference: str, side: Side, comment_id: str, item: dict[str, Any]
) -> CommentLink:
    return CommentLink(
        integration_id=integration_id,
        reference=reference,
        side=side,
        comment_id=comment_id,
        origin=cast("Side", item.get("origin", {}).get("S", side)),
        peer_id=item.get("peer_id", {}).get("S"),
        version=int(item.get("version", {}).get("N", "0")),
        deleted=bool(item.get("deleted", {}).get("BOOL", False)),
        intent=item.get("intent", {}).get("S"),
        claim_until=float(item.get("claim_until", {}).get("N", "0")),
        digest=item.get("digest", {}).get("S"),
    )


class DynamoCommentLinks:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().roadmap_events_table
        self._client = aws_clients.dynamodb()

    def get(self, integration_id: str, reference: str, side: Side, comment_id: str) -> CommentLink | None:
        answer = self._client.get_item(
            TableName=self._table,
            Key=comment_key(integration_id, reference, side, comment_id),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return _link(integration_id, reference, side, comment_id, item) if item else None

    def save(self, link: CommentLink) -> None:
        """Write the comment's item and, once it has a copy, the copy's (pointing back), together."""
        items: list[dict[str, Any]] = [{"Put": {"TableName": self._table, "Item": _item(link)}}]
        mirror = link.mirror()
        if mirror is not None:
            items.append({"Put": {"TableName": self._table, "Item": _item(mirror)}})
        self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))

    def claim(self, link: CommentLink, *, until: float, now: float) -> CommentLink | None:
        """Hold the comment for one writer until `until`: its item as it is now (created when new), or None
        while another writer holds it."""
        key = comment_key(link.integration_id, link.reference, link.side, link.comment_id)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=(
                    "SET claim_until = :until, origin = if_not_exists(origin, :origin), "
                    "version = if_not_exists(version, :zero), deleted = if_not_exists(deleted, :no)"
                ),
                ConditionExpression="attribute_not_exists(claim_until) OR claim_until < :now",
                ExpressionAttributeValues={
                    ":until": {"N": repr(until)},
                    ":now": {"N": repr(now)},
                    ":origin": {"S": link.origin},
                    ":zero": {"N": "0"},
                    ":no": {"BOOL": False},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return _link(link.integration_id, link.reference, link.side, link.comment_id, answer["Attributes"])

    def release(self, link: CommentLink) -> None:
        """Give the claim back, leaving what the holder saved (an intent) as it is."""
        self._client.update_item(
            TableName=self._table,
            Key=comment_key(link.integration_id, link.reference, link.side, link.comment_id),
            UpdateExpression="SET claim_until = :zero",
            ExpressionAttributeValues={":zero": {"N": "0"}},
        )
