"""What the test session's moto holds, read from its backends: moto runs in the test process (`start_moto`),
so its state can be read without an API call. Tests observe moto here (what a request wrote, what a test left
behind), and the `aws` fixture forgets a test's items and secrets here (`forget_items`, `forget_secrets`);
the product under test reaches moto only through its API.

Reading this way costs microseconds where the API costs a round trip and moto's serialising of every item:
the write observers of the refusal and fuzz suites took most of their tests' time through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def table_items() -> dict[str, list[dict[str, Any]]]:
    """Every table's items, in DynamoDB JSON (as a Scan returns them)."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 - the peer's state, read only

    return {
        name: [item.to_json()["Attributes"] for item in table.all_items()]
        for _, _, backend in dynamodb_backends.iter_backends()
        for name, table in list(backend.tables.items())
    }


@dataclass(frozen=True)
class SecretState:
    value: str | None  # the current version's string
    marks: str  # when it last changed and when it was deleted (a secret scheduled for deletion stays)


def secrets() -> dict[str, SecretState]:
    """Every secret by name, deleted ones included."""
    from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415

    found: dict[str, SecretState] = {}
    for _, _, backend in secretsmanager_backends.iter_backends():
        for secret in list(dict.values(backend.secrets)):
            versions = getattr(secret, "versions", {}) or {}
            current = versions.get(getattr(secret, "default_version_id", None)) or {}
            marks = f"{getattr(secret, 'last_changed_date', None)}|{getattr(secret, 'deleted_date', None)}"
            found[secret.name] = SecretState(current.get("secret_string"), marks)
    return found


def queue_messages() -> dict[str, int]:
    """Every queue's messages by queue name: visible, in flight and delayed."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    return {
        name: queue.approximate_number_of_messages
        + queue.approximate_number_of_messages_not_visible
        + queue.approximate_number_of_messages_delayed
        for _, _, backend in sqs_backends.iter_backends()
        for name, queue in list(backend.queues.items())
    }


def forget_items(table_name: str) -> bool:
    """Drop every item of the table, as deleting each through the API would (no stream records them: False,
    and nothing dropped, when the table has a stream or is not found)."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    tables = [
        backend.tables[table_name]
        for _, _, backend in dynamodb_backends.iter_backends()
        if table_name in backend.tables
    ]
    if len(tables) != 1 or getattr(tables[0], "stream_shard", None) is not None:
        return False
    tables[0].items.clear()
    return True


def forget_secrets() -> None:
    """Drop every secret, as a deletion without recovery window would."""
    from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415

    for _, _, backend in secretsmanager_backends.iter_backends():
        backend.secrets.clear()


def touched_backends() -> set[tuple[str, str, str]] | None:
    """(service, account, region) of every moto backend holding state since the last reset; None when this
    moto does not tell (then the fixture always resets). moto's reset walks the same list."""
    try:
        from moto.core.base_backend import BackendDict  # noqa: PLC0415 - the peer's bookkeeping, read only

        return {
            (backends.service_name, account, region)
            for backends in list(BackendDict._instances)
            for account, region, _ in backends.iter_backends()
        }
    except (ImportError, AttributeError):
        return None


class MotoView:
    """The tables and whether each holds an item, the queues and whether each holds a message (visible, in
    flight or delayed) or was purged, and whether any secret exists: what the `aws` fixture needs to tell a
    quick clean-up from a reset (asking through the API took ~30 calls a test)."""

    def __init__(self) -> None:
        from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 - the peer's state, read only
        from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        self.tables: dict[str, bool] = {
            name: bool(table.items)
            for _, _, backend in dynamodb_backends.iter_backends()
            for name, table in backend.tables.items()
        }
        self.queues = {name: bool(count) for name, count in queue_messages().items()}
        # A purged queue: moto refuses a second purge within 60 s, and only a reset forgets the first.
        self.purged = any(
            queue.last_purged_at is not None
            for _, _, backend in sqs_backends.iter_backends()
            for queue in backend.queues.values()
        )
        self.secrets = any(backend.secrets for _, _, backend in secretsmanager_backends.iter_backends())

    @classmethod
    def read(cls) -> MotoView | None:
        """The view, or None when this moto's bookkeeping is not what it was written against."""
        try:
            return cls()
        except (ImportError, AttributeError):
            return None
