"""A Jira status → the roadmap workflow status, through the integration's `mapping.statuses`.

Keys are Jira status names or ids, matched case-insensitively (DESIGN.md); a name match wins over an id
match, so a status literally named "3" cannot be shadowed by the id of another.
"""

from __future__ import annotations

from collections.abc import Mapping


def roadmap_status(statuses: Mapping[str, str], name: str | None, status_id: str | None) -> str | None:
    by_key = {key.strip().casefold(): value for key, value in statuses.items()}
    for candidate in (name, status_id):
        if candidate and candidate.strip().casefold() in by_key:
            return by_key[candidate.strip().casefold()]
    return None
