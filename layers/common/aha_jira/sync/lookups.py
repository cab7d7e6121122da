"""The two answers drafting cannot know from the snapshot: a release's version id and a user's identity.

Versions: the snapshot's (what test connection listed), then the cache, else the version is created in
the project with the release date and its id cached. Users: the cache, else Jira's user search by e-mail;
hits and misses are both cached, a miss for a day (someone may join Jira). Within one instance (one
send) every answer is remembered, so a feature with 200 requirements asks each question once.
"""

from __future__ import annotations

import re

from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraForbidden, JiraNotFound, JiraRejected
from aha_jira.models.feature import AhaRelease
from aha_jira.models.jira_payloads import UserRef, VersionRef
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.ports import LOOKUP_MISS, LookupCache

# A version id outlives any send: long, so an unchanged re-send never has to ask Jira again.
VERSION_TTL_SECONDS = 30 * 24 * 3600
USER_TTL_SECONDS = 7 * 24 * 3600
USER_MISS_TTL_SECONDS = 24 * 3600

_JIRA_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class JiraDraftLookups:
    def __init__(
        self, client: JiraClient, snapshot: JiraSnapshot, cache: LookupCache, integration_id: str
    ) -> None:
        self._client = client
        self._snapshot = snapshot
        self._cache = cache
        self._integration_id = integration_id
        self._versions: dict[str, str | None] = {}
        self._users: dict[str, str | None] = {}

    # --- versions ------------------------------------------------------------------------------------

    def version_id(self, release: AhaRelease) -> str | None:
        name = release.name.strip()
        if not name:
            return None
        key = name.casefold()
        if key not in self._versions:
            self._versions[key] = self._find_version(key) or self._create_version(release, name, key)
        return self._versions[key]

    def _find_version(self, key: str) -> str | None:
        known = _by_name(self._snapshot.versions, key)
        if known is not None:
            return known.id
        cached = self._cache.get(self._integration_id, "version", key)
        return cached or None

    def _create_version(self, release: AhaRelease, name: str, key: str) -> str:
        # Jira takes yyyy-MM-dd only; a version without a date beats no version.
        release_date = (
            release.release_date if release.release_date and _JIRA_DATE.match(release.release_date) else None
        )
        try:
            version_id = self._client.create_version(self._snapshot.project.id, name, release_date).id
        except JiraRejected:
            # Created since the snapshot (by a person, or by a send whose cache entry expired): use it.
            existing = _by_name(self._client.versions(self._snapshot.project.key), key)
            if existing is None:
                raise
            version_id = existing.id
        self._cache.put(self._integration_id, "version", key, version_id, VERSION_TTL_SECONDS)
        return version_id

    # --- users ---------------------------------------------------------------------------------------

    def assignee(self, email: str) -> dict[str, str] | None:
        key = email.strip().casefold()
        if not key:
            return None
        if key not in self._users:
            self._users[key] = self._find_user(key)
        identity = self._users[key]
        if identity is None:
            return None
        return {"accountId": identity} if self._snapshot.deployment == "cloud" else {"name": identity}

    def _find_user(self, email: str) -> str | None:
        cached = self._cache.get(self._integration_id, "user", email)
        if cached is not None:
            return None if cached == LOOKUP_MISS else cached
        try:
            found = _matching_user(self._client.find_users(email), email)
        except (JiraForbidden, JiraNotFound, JiraRejected):
            # The account may not browse users: the issue goes unassigned rather than failing the send.
            found = None
        identity = None
        if found is not None:
            identity = found.account_id if self._snapshot.deployment == "cloud" else found.name
        if identity:
            self._cache.put(self._integration_id, "user", email, identity, USER_TTL_SECONDS)
        else:
            self._cache.put(self._integration_id, "user", email, LOOKUP_MISS, USER_MISS_TTL_SECONDS)
        return identity or None


def _by_name(versions: list[VersionRef], key: str) -> VersionRef | None:
    matches = [version for version in versions if version.name.strip().casefold() == key]
    # An archived version cannot take new issues; prefer a live one of the same name.
    return next((version for version in matches if not version.archived), matches[0] if matches else None)


def _matching_user(users: list[UserRef], email: str) -> UserRef | None:
    active = [user for user in users if user.active]
    exact = [user for user in active if (user.email_address or "").strip().casefold() == email]
    if exact:
        return exact[0]
    # Cloud hides e-mail addresses by users' privacy settings: one answer with none shown is the match.
    if len(active) == 1 and not active[0].email_address:
        return active[0]
    return None
