"""What a request wrote, seen from outside: every DynamoDB item, every secret, every queue's messages and
every call the Jira simulators received (their call logs: a create, an edit or a read alike). Works against the test session's moto and against a `make run`
stack in another process alike (moto's endpoint and the simulators' control API over HTTP).

When moto runs in this process (the test session's server: `in_process_moto=True`), the stores are read from
moto's own state instead of through its API: the same items, secrets and message counts, without the ~20 API
calls (and moto's serialising of every item) a snapshot costs, which were most of the hostile table's time.
The product under test still reaches moto only through its API.

`WriteObserver.snapshot()` then `changes(before)`: a list of sentences, empty when nothing was written.
`records_of(markers)`: the items that belong to one tenant (for the isolation checks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import requests

from tests import moto_state

# Items per table whose keys a changes() sentence names before it says "and N more".
_NAMED = 3


@dataclass(frozen=True)
class StoreState:
    items: dict[str, dict[str, str]]  # table -> item key -> digest of the item
    secrets: dict[str, str]  # secret name -> last change and deletion marks
    queues: dict[str, int]  # queue name -> messages (visible, in flight and delayed)
    jira: dict[str, int]  # Jira base URL -> the last call in its log (any call at all: a read or a write)


def _item_key(item: dict[str, Any]) -> str:
    return "/".join(str(next(iter(item[name].values()))) for name in ("pk", "sk") if name in item) or "?"


def _text(item: dict[str, Any]) -> str:
    try:
        return json.dumps(item, sort_keys=True, default=str)
    except RecursionError:  # an item nested deeper than json can write: its keys still say what it is
        return f"{_item_key(item)} (nested too deep to read)"


def _digest(item: dict[str, Any]) -> str:
    return hashlib.sha256(_text(item).encode()).hexdigest()


class WriteObserver:
    def __init__(
        self, jira_urls: Sequence[str], *, aws_endpoint: str | None = None, in_process_moto: bool = False
    ) -> None:
        self.in_process_moto = in_process_moto
        options: dict[str, Any] = {"region_name": "us-east-1"}
        if aws_endpoint:
            options.update(
                endpoint_url=aws_endpoint, aws_access_key_id="local", aws_secret_access_key="local"
            )
        self.dynamodb = boto3.client("dynamodb", **options)
        self.secretsmanager = boto3.client("secretsmanager", **options)
        self.sqs = boto3.client("sqs", **options)
        self.jira_urls = list(jira_urls)
        self.http = requests.Session()
        # The last call seen in each simulator's log (read from there on, not from the start).
        self._last_call: dict[str, int] = dict.fromkeys(self.jira_urls, 0)
        # Tables and queues are the template's: listed once.
        self._tables: list[str] = []
        self._queues: list[str] = []

    # -- reading the stores ------------------------------------------------------------------------------
    def table_items(self) -> dict[str, list[dict[str, Any]]]:
        if self.in_process_moto:
            return moto_state.table_items()
        tables: dict[str, list[dict[str, Any]]] = {}
        if not self._tables:
            self._tables = list(self.dynamodb.list_tables()["TableNames"])
        for name in self._tables:
            items: list[dict[str, Any]] = []
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
                items.extend(page.get("Items", []))
            tables[name] = items
        return tables

    def secrets(self) -> dict[str, str]:
        if self.in_process_moto:
            return {
                name: f"{secret.marks}|{_digest({'value': secret.value})}"
                for name, secret in moto_state.secrets().items()
            }
        found: dict[str, str] = {}
        for page in self.secretsmanager.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True):
            for entry in page.get("SecretList", []):
                found[entry["Name"]] = f"{entry.get('LastChangedDate')}|{entry.get('DeletedDate')}"
        return found

    def queues(self) -> dict[str, int]:
        if self.in_process_moto:
            return moto_state.queue_messages()
        counts: dict[str, int] = {}
        if not self._queues:
            self._queues = list(self.sqs.list_queues().get("QueueUrls", []))
        for url in self._queues:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            counts[url.rsplit("/", 1)[-1]] = sum(int(value) for value in attributes.values())
        return counts

    def jira_calls(self, jira_url: str, since: int = 0) -> list[dict[str, Any]]:
        answer = self.http.get(f"{jira_url}/_sim/calls", params={"since": since}, timeout=30)
        answer.raise_for_status()
        calls: list[dict[str, Any]] = answer.json()["calls"]
        return [call for call in calls if int(call.get("seq", 0)) > since]

    # -- snapshots ---------------------------------------------------------------------------------------
    def snapshot(self) -> StoreState:
        items = {
            table: {_item_key(item): _digest(item) for item in found}
            for table, found in self.table_items().items()
        }
        jira = {}
        for url in self.jira_urls:
            calls = self.jira_calls(url, self._last_call[url])
            self._last_call[url] = max((int(call["seq"]) for call in calls), default=self._last_call[url])
            jira[url] = self._last_call[url]
        return StoreState(items=items, secrets=self.secrets(), queues=self.queues(), jira=jira)

    def changes(self, before: StoreState) -> list[str]:
        """What was written since `before`, one sentence per store that changed."""
        return self.changes_since(before)[0]

    def changes_since(self, before: StoreState) -> tuple[list[str], StoreState]:
        """What was written since `before`, and the state now."""
        after = self.snapshot()
        said = []
        for table in sorted(set(before.items) | set(after.items)):
            old, new = before.items.get(table, {}), after.items.get(table, {})
            added = sorted(set(new) - set(old))
            removed = sorted(set(old) - set(new))
            changed = sorted(key for key in set(old) & set(new) if old[key] != new[key])
            for verb, keys in (("added", added), ("removed", removed), ("changed", changed)):
                if keys:
                    said.append(f"{table}: {verb} {_some(keys)}")
        new_secrets = sorted(set(after.secrets) - set(before.secrets))
        changed_secrets = sorted(
            name
            for name in set(before.secrets) & set(after.secrets)
            if before.secrets[name] != after.secrets[name]
        )
        gone_secrets = sorted(set(before.secrets) - set(after.secrets))
        for verb, names in (
            ("created", new_secrets),
            ("changed", changed_secrets),
            ("removed", gone_secrets),
        ):
            if names:
                said.append(f"Secrets Manager: {verb} {_some(names)}")
        for queue in sorted(set(before.queues) | set(after.queues)):
            if before.queues.get(queue, 0) != after.queues.get(queue, 0):
                said.append(
                    f"queue {queue}: {before.queues.get(queue, 0)} -> {after.queues.get(queue, 0)} messages"
                )
        for url in self.jira_urls:
            old_seq, new_seq = before.jira.get(url, 0), after.jira.get(url, 0)
            if new_seq != old_seq:
                calls = self.jira_calls(url, old_seq)
                kinds = sorted({f"{call['method']} {call['path']}" for call in calls})
                said.append(f"Jira {url}: {len(calls)} calls ({_some(kinds)})")
        return said, after

    # -- one tenant's records ----------------------------------------------------------------------------
    def records_of(self, markers: Iterable[str]) -> dict[str, str]:
        """Every item (by table and key) whose content names one of `markers`, with its digest, and every
        secret whose name does: what must not change when another tenant calls."""
        wanted = list(markers)
        found: dict[str, str] = {}
        for table, items in self.table_items().items():
            for item in items:
                text = _text(item)
                if any(marker in text for marker in wanted):
                    found[f"{table}:{_item_key(item)}"] = _digest(item)
        for name, marks in self.secrets().items():
            if any(marker in name for marker in wanted):
                found[f"secret:{name}"] = marks
        return found


def record_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    said = []
    for verb, keys in (
        ("added", sorted(set(after) - set(before))),
        ("removed", sorted(set(before) - set(after))),
        ("changed", sorted(key for key in set(before) & set(after) if before[key] != after[key])),
    ):
        if keys:
            said.append(f"{verb} {_some(keys)}")
    return said


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(name if len(name) <= 100 else name[:100] + "..." for name in names[:_NAMED])
    return shown + (f" and {len(names) - _NAMED} more" if len(names) > _NAMED else "")
