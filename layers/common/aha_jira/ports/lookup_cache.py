"""The Jira look-up cache (`storage/lookup_cache.py`): the send's and the release plan's version and user
look-ups."""

from __future__ import annotations

from typing import Protocol

# What a `LookupCache` holds for a look-up that found nothing (no Jira user has the e-mail): no version
# id, account id or user name is empty, so the empty string cannot be mistaken for an answer.
LOOKUP_MISS = ""


class LookupCache(Protocol):
    """Answers of the Jira look-ups a send makes (version ids by release name, user identities by e-mail),
    per integration, so a send repeats none of them while they hold. `kind` is "version" or "user"; keys
    are matched case-insensitively. A cached miss is stored and answered as `LOOKUP_MISS`."""

    def get(self, integration_id: str, kind: str, key: str) -> str | None:
        """The cached answer, `LOOKUP_MISS` for a cached miss, None when nothing (unexpired) is cached."""
        ...

    def put(self, integration_id: str, kind: str, key: str, value: str, ttl_seconds: int) -> None: ...
