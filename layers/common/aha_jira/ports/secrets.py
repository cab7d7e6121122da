"""Secrets: an integration's Jira and roadmap credentials, a site's webhook secret, Connect's shared secrets
(`storage/secrets.py`)."""

from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    def put(self, name: str, value: dict[str, str]) -> None: ...

    def get(self, name: str) -> dict[str, str] | None: ...

    def delete(self, name: str) -> None: ...
