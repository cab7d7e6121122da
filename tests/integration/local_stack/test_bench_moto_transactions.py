"""The benchmarks' moto transactions (`bench/_moto_transactions.py`): a cancelled `TransactWriteItems` leaves
every item as it was, a committed one writes them all, and no table is copied to get there."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import moto.dynamodb.models as moto_dynamodb
import pytest

from bench import _moto_transactions

RANGE_TABLE = "bench-tx-range"
HASH_TABLE = "bench-tx-hash"


@pytest.fixture
def client(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # The patch is undone after the test: the other tests of this worker meet moto as it is.
    monkeypatch.setattr(moto_dynamodb, "copy", moto_dynamodb.copy)
    monkeypatch.setattr(
        moto_dynamodb.DynamoDBBackend,
        "transact_write_items",
        moto_dynamodb.DynamoDBBackend.transact_write_items,
    )
    _moto_transactions.apply()
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    dynamodb.create_table(
        TableName=RANGE_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=HASH_TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield dynamodb
    finally:
        dynamodb.delete_table(TableName=RANGE_TABLE)
        dynamodb.delete_table(TableName=HASH_TABLE)


def _state(client: Any) -> tuple[list[str], list[str]]:
    return (
        sorted(str(item) for item in client.scan(TableName=RANGE_TABLE)["Items"]),
        sorted(str(item) for item in client.scan(TableName=HASH_TABLE)["Items"]),
    )


def _seed(client: Any) -> None:
    client.put_item(TableName=RANGE_TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    client.put_item(TableName=HASH_TABLE, Item={"id": {"S": "x"}, "v": {"N": "1"}})


def test_a_cancelled_transaction_leaves_every_item_as_it_was(client: Any) -> None:
    _seed(client)
    before = _state(client)
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": RANGE_TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                {
                    "Update": {
                        "TableName": RANGE_TABLE,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "9"}},
                    }
                },
                {"Delete": {"TableName": HASH_TABLE, "Key": {"id": {"S": "x"}}}},
                {"Put": {"TableName": HASH_TABLE, "Item": {"id": {"S": "new"}}}},
                {
                    "ConditionCheck": {
                        "TableName": HASH_TABLE,
                        "Key": {"id": {"S": "absent"}},
                        "ConditionExpression": "attribute_exists(id)",
                    }
                },
            ]
        )
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons[-1] == "ConditionalCheckFailed"
    assert _state(client) == before


def test_a_committed_transaction_writes_every_item(client: Any) -> None:
    _seed(client)
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": RANGE_TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
            {"Delete": {"TableName": HASH_TABLE, "Key": {"id": {"S": "x"}}}},
        ]
    )
    ranged, hashed = _state(client)
    assert len(ranged) == 2 and hashed == []


def test_a_refused_transaction_writes_nothing(client: Any) -> None:
    _seed(client)
    before = _state(client)
    with pytest.raises(client.exceptions.ClientError):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": HASH_TABLE, "Item": {"id": {"S": "twice"}}}},
                {"Put": {"TableName": HASH_TABLE, "Item": {"id": {"S": "twice"}}}},
            ]
        )
    assert _state(client) == before


def test_no_table_is_copied(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        if isinstance(value, moto_dynamodb.Table):
            copied.append(value.name)
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    _seed(client)
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": HASH_TABLE, "Item": {"id": {"S": "y"}}}}]
    )
    assert copied == []
