"""moto's ``TransactWriteItems`` at the cost of the items it writes, not of the tables it touches.

moto keeps a cancelled transaction's rollback by deep-copying every table the transaction names before it
begins. With the release benchmark's tables (11,000 issue links, 1,000 release feature items with their
payloads) each transaction copies megabytes: the run slows down as the tables grow (0.4 Jira calls a second
against a limit of 4, 15 minutes in) and the copies' garbage took the process past 12 GB. The benchmarks
would measure moto, not the integration.

Every DynamoDB call of moto's backend already runs under one lock (``aha_jira_dev.local_stack.moto_isolation``),
so nothing else writes while a transaction runs: remembering the items the transaction names (a copy of each,
or its absence) and putting them back on a cancel restores exactly what moto's table copies restore. The
tables are then not copied (moto's copy of a table returns the table itself, so its own restore is a no-op).
Applied by ``bench._send_stack.bench_stack`` (the in-process benchmarks) only; ``bench/__main__`` skips this
module.
"""

from __future__ import annotations

import copy
from typing import Any

_MARK = "_bench_item_rollback"


class _TablesNotCopied:
    """moto's ``copy`` module as its DynamoDB backend sees it: ``deepcopy`` of a table is the table itself."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _item_key(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415

    key = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None  # moto refuses the transaction before it writes anything
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in key:
            return None
        range_value = DynamoType(key[table.range_key_attr])
    return hash_value, range_value


def _remember(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """The item an operation names, as it is now (a copy, or None when absent): (hash, range, item)."""
    try:
        key = _item_key(table, op_type, op)
        if key is None:
            return None
        return (*key, copy.deepcopy(table.get_item(*key)))
    except Exception:  # a malformed key: moto refuses the transaction before it writes anything
        return None


def _restore(table: Any, hash_value: Any, range_value: Any, previous: Any) -> None:
    if range_value is not None:
        if previous is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = previous
    elif previous is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = previous


def apply() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    from moto.dynamodb import models  # noqa: PLC0415 - moto is the peer being patched

    from aha_jira_dev.local_stack.moto_isolation import _LOCK  # noqa: PLC0415

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    if getattr(original, _MARK, False):
        return
    models.copy = _TablesNotCopied(models.Table)  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:  # the items remembered and the transaction, with no other call in between
            saved: list[tuple[Any, Any, Any, Any]] = []
            for entry in transact_items[:100]:  # moto refuses more before writing anything
                if len(entry) != 1:
                    continue
                op_type, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                remembered = _remember(table, op_type, op) if table is not None else None
                if remembered is not None:
                    saved.append((table, *remembered))
            try:
                original(self, transact_items)
            except Exception:
                for table, hash_value, range_value, previous in reversed(saved):
                    _restore(table, hash_value, range_value, previous)
                raise

    setattr(transact_write_items, _MARK, True)
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
