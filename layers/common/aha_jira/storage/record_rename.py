"""A record imported from Jira takes the reference the roadmap (Aha!) allocated when the connector created it
there: one transaction across the issue links, the feature records and the roadmap events tables.

- issue links: `RECORD#<old>` becomes `RECORD#<new>` (same attributes; `writeback_at` cleared, since the new
  reference is not on the Jira issue yet), the claim on the issue (`IMPORT#<site>#<issue>`) names the new
  reference, `ALIAS#<old>` (attribute `reference`) keeps the old one for look-ups; a feature's requirements
  name it as their feature;
- feature records: `FEATURE#<old>` becomes `FEATURE#<new>` (a feature), or the requirement's feature lists the
  new reference among its imported requirements instead of the old one (a requirement);
- roadmap events: the record's delivery state moves to `DELIVERY#<new>` (with the lease, the ids still to
  deliver, what the connector keeps), `DELIVERY#<old>` says `renamed_to`, and the `record.imported` event is
  settled as delivered.

The keys are those of `storage/issue_link_items.py`, `storage/features.py` and
`storage/roadmap_event_items.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.roadmap_event import RenamedRecord, RenameRefused, RenameRequest
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.roadmap_event_items import RETENTION_SECONDS, event_key, state_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# Requirements whose feature reference is changed in the rename's own transaction; more are changed after
# it (a transaction takes 100 items).
_IN_TRANSACTION = 60


def _integration(integration_id: str) -> dict[str, Any]:
    return {"S": f"INTEGRATION#{integration_id}"}


def _link_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": _integration(integration_id), "sk": {"S": f"RECORD#{reference}"}}


def _feature_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": _integration(integration_id), "sk": {"S": f"FEATURE#{reference}"}}


class DynamoRecordRenamer:
    def __init__(self) -> None:
        settings = get_settings()
        self._links = settings.issue_links_table
        self._features = settings.features_table
        self._events = settings.roadmap_events_table
        self._client = aws_clients.dynamodb()

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a renamed record has now (its alias), or None."""
        answer = self._client.get_item(
            TableName=self._links,
            Key={"pk": _integration(integration_id), "sk": {"S": f"ALIAS#{reference}"}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return str(item["reference"]["S"]) if item else None

    def rename_imported(self, request: RenameRequest, *, now: float) -> RenamedRecord | None:
        """Rename the record; None when its link is gone (the record was removed meanwhile). Raises
        `RenameRefused` when the new reference is taken or the lease passed on."""
        link = self._get(self._links, _link_key(request.integration_id, request.old))
        if link is None:
            return None
        feature_reference = link.get("feature_reference", {}).get("S", request.old)
        if request.kind == "feature":
            feature_reference = request.new
        items = self._link_items(request, link, feature_reference)
        later: list[dict[str, Any]] = []
        if request.kind == "feature":
            feature_items, later = self._feature_items(request)
            items += feature_items
        else:
            items += self._requirement_items(request, feature_reference)
        items += self._event_items(request, now)
        try:
            self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            codes = [
                str(reason.get("Code") or "None")
                for reason in cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
            ]
            raise RenameRefused(request.old, request.new, codes) from None
        for update in later:
            try:
                self._client.update_item(**update)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        return RenamedRecord(
            reference=request.new,
            issue_id=link.get("issue_id", {}).get("S"),
            issue_key=link.get("issue_key", {}).get("S"),
            feature_reference=feature_reference,
        )

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        answer = self._client.get_item(TableName=table, Key=key, ConsistentRead=True)
        item = answer.get("Item")
        return dict(item) if item else None

    def _link_items(
        self, request: RenameRequest, link: dict[str, Any], feature_reference: str
    ) -> list[dict[str, Any]]:
        renamed = {
            **link,
            **_link_key(request.integration_id, request.new),
            "reference": {"S": request.new},
            "feature_reference": {"S": feature_reference},
        }
        renamed.pop("writeback_at", None)
        items: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._links,
                    "Key": _link_key(request.integration_id, request.old),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._links,
                    "Item": renamed,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._links,
                    "Item": {
                        "pk": _integration(request.integration_id),
                        "sk": {"S": f"ALIAS#{request.old}"},
                        "reference": {"S": request.new},
                    },
                }
            },
        ]
        site, issue = link.get("site_url", {}).get("S"), link.get("issue_id", {}).get("S")
        if site and issue:
            items.append(
                {
                    "Put": {
                        "TableName": self._links,
                        "Item": {
                            "pk": _integration(request.integration_id),
                            "sk": {"S": f"IMPORT#{site}#{issue}"},
                            "reference": {"S": request.new},
                        },
                    }
                }
            )
        return items

    def _feature_items(self, request: RenameRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        item = self._get(self._features, _feature_key(request.integration_id, request.old))
        if item is None or "document" not in item:
            return [], []
        record = FeatureRecord.model_validate_json(item["document"]["S"])
        requirements = list(
            dict.fromkeys(
                [*record.requirement_references, *item.get("imported_requirements", {}).get("SS", [])]
            )
        )
        document = record.model_copy(update={"reference": request.new})
        renamed = {
            **item,
            **_feature_key(request.integration_id, request.new),
            "gsi2sk": {"S": f"{record.updated_at}#{request.new}"},
            "document": {"S": document.model_dump_json(exclude={"imported_requirements"})},
        }
        items: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._features,
                    "Key": _feature_key(request.integration_id, request.old),
                }
            },
            {
                "Put": {
                    "TableName": self._features,
                    "Item": renamed,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]

        def moved(requirement: str) -> dict[str, Any]:
            return {
                "TableName": self._links,
                "Key": _link_key(request.integration_id, requirement),
                "UpdateExpression": "SET feature_reference = :new",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":new": {"S": request.new}},
            }

        # Of the requirements only those known to exist go in the transaction (a condition on a link that is
        # not there would cancel the rename); the rest, and any beyond the transaction's size, after it.
        existing = self._existing_links(request.integration_id, requirements[:_IN_TRANSACTION])
        now = [moved(ref) for ref in requirements[:_IN_TRANSACTION] if ref in existing]
        later = [moved(ref) for ref in requirements if ref not in existing]
        return items + [{"Update": update} for update in now], later

    def _existing_links(self, integration_id: str, references: list[str]) -> set[str]:
        if not references:
            return set()
        found: set[str] = set()
        request: dict[str, Any] = {
            self._links: {
                "Keys": [_link_key(integration_id, reference) for reference in references],
                "ConsistentRead": True,
                "ProjectionExpression": "#r",
                "ExpressionAttributeNames": {"#r": "reference"},
            }
        }
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self._links, []):
                found.add(str(item["reference"]["S"]))
            request = dict(answer.get("UnprocessedKeys") or {})
        return found

    def _requirement_items(self, request: RenameRequest, feature_reference: str) -> list[dict[str, Any]]:
        item = self._get(self._features, _feature_key(request.integration_id, feature_reference))
        imported = list((item or {}).get("imported_requirements", {}).get("SS", []))
        if item is None or request.old not in imported:
            return []
        renamed = sorted({*imported, request.new} - {request.old})
        return [
            {
                "Update": {
                    "TableName": self._features,
                    "Key": _feature_key(request.integration_id, feature_reference),
                    "UpdateExpression": "SET imported_requirements = :renamed",
                    # The set as read: an import adding a requirement meanwhile makes the rename start over.
                    "ConditionExpression": "size(imported_requirements) = :count AND contains(imported_requirements, :old)",
                    "ExpressionAttributeValues": {
                        ":renamed": {"SS": renamed},
                        ":count": {"N": str(len(imported))},
                        ":old": {"S": request.old},
                    },
                }
            }
        ]

    def _event_items(self, request: RenameRequest, now: float) -> list[dict[str, Any]]:
        state: dict[str, Any] = {
            **state_key(request.integration_id, request.new),
            "cursor": {"N": str(request.cursor)},
            "memo": {"S": json.dumps(request.memo)},
            "origin": {"S": "roadmap"},
            "renamed_from": {"S": request.old},
            "lease_until": {"N": repr(request.lease_until)},
            "lease_token": {"S": request.token},
        }
        if request.pending:
            state["pending"] = {"NS": [str(value) for value in request.pending]}
        at = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
        return [
            {
                "Update": {
                    "TableName": self._events,
                    "Key": state_key(request.integration_id, request.old),
                    "UpdateExpression": "SET renamed_to = :new, lease_until = :zero REMOVE pending",
                    "ConditionExpression": "lease_token = :token",
                    "ExpressionAttributeValues": {
                        ":new": {"S": request.new},
                        ":zero": {"N": "0"},
                        ":token": {"S": request.token},
                    },
                }
            },
            {
                "Put": {
                    "TableName": self._events,
                    "Item": state,
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            },
            {
                "Update": {
                    "TableName": self._events,
                    "Key": event_key(request.integration_id, request.event_id),
                    "UpdateExpression": (
                        "SET delivery = :delivered, delivered_at = :at, expires_at = :expires "
                        "REMOVE sweep_pk, sweep_sk"
                    ),
                    "ExpressionAttributeValues": {
                        ":delivered": {"S": "delivered"},
                        ":at": {"S": at},
                        ":expires": {"N": str(int(now) + RETENTION_SECONDS)},
                    },
                }
            },
        ]
