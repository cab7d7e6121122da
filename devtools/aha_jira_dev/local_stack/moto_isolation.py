"""DynamoDB's isolation for moto: one DynamoDB call at a time in this process.

DynamoDB applies each write atomically and isolates a transaction from every other call. moto (in server
mode, in this process) does neither: it reads, checks and writes an item in steps, and a cancelled
`TransactWriteItems` restores a copy of each table it touched taken when it began, which undoes whatever
another thread wrote to those tables meanwhile (a roadmap delivery settled by the worker while a webhook's
duplicate delivery is refused, for instance). Holding one lock around each DynamoDB call of moto's backend
gives the local stack, the tests and the benchmarks the guarantees the real service gives. `start_moto`
applies it; applying it twice changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any

_OPERATIONS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "transact_get_items",
    "batch_write_item",
    "batch_get_item",
    "query",
    "scan",
)
_LOCK = threading.RLock()
_MARK = "_aha_jira_isolated"


def isolate_dynamodb() -> None:
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - moto is the peer being fixed

    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, _MARK, False):
            continue

        def isolated(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _LOCK:
                return _original(*args, **kwargs)

        setattr(isolated, _MARK, True)
        setattr(DynamoDBBackend, name, isolated)
