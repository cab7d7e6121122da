"""How Jira signs what it sends us, done with the Jira simulator's code rather than the product's: the admin
webhook's `X-Hub-Signature` (HMAC-SHA256 of the raw body), a Connect site's HS256 JWT (the simulator's own
`qsh`), and the RS256 lifecycle token of the site that installs the app."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import jwt

from aha_jira_dev.jira_sim.auth import hub_signature, query_string_hash
from aha_jira_dev.jira_sim.connect_app import ConnectKeys, lifecycle_token

ENGINEER_ACCOUNT_ID = "5f1e2d3c4b5a69788796a5c5"

__all__ = [
    "ENGINEER_ACCOUNT_ID",
    "connect_site_token",
    "hub_signature",
    "installed_token",
    "lifecycle_body",
    "status_event",
]


def connect_site_token(
    client_key: str, shared_secret: str, method: str, path: str, query: str = "", **claims: Any
) -> str:
    """An HS256 token as a Jira site signs its Connect webhooks and page loads for the app; `claims`
    replace or add claims (`qsh="context-qsh"` for a context token)."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": client_key,
        "iat": now,
        "exp": now + 180,
        "qsh": query_string_hash(method, urlsplit(path).path, query),
        "sub": "557058:0a1b2c3d-admin",
    }
    payload.update(claims)
    return jwt.encode(payload, shared_secret, algorithm="HS256")


def installed_token(
    keys: ConnectKeys, *, client_key: str, app_base_url: str, event: str = "installed", **claims: Any
) -> str:
    """The RS256 token a site signs its lifecycle callback with (`aud` = the app's base URL as its
    descriptor gives it); `claims` replace claims, `None` removes one."""
    return lifecycle_token(
        keys, client_key=client_key, app_base_url=app_base_url, path=f"/connect/{event}", **claims
    )


def lifecycle_body(
    *, app_key: str, client_key: str, site_url: str, shared_secret: str | None, event: str = "installed"
) -> dict[str, Any]:
    """The lifecycle callback's body as Jira Cloud sends it."""
    body: dict[str, Any] = {
        "key": app_key,
        "clientKey": client_key,
        "baseUrl": site_url,
        "displayUrl": site_url,
        "productType": "jira",
        "description": "Jira",
        "eventType": event,
        "serverVersion": "100274",
        "pluginsVersion": "1001.0.0-SNAPSHOT",
    }
    if shared_secret is not None:
        body["sharedSecret"] = shared_secret
    return body


def status_event(
    *,
    site_url: str,
    issue_id: str,
    issue_key: str,
    status: str,
    timestamp_ms: int | None = None,
    changelog_id: int | None = None,
) -> dict[str, Any]:
    """An engineer's status change as Jira's admin and Connect webhooks deliver it (v2 representation)."""
    now_ms = int(time.time() * 1000)
    return {
        "timestamp": now_ms if timestamp_ms is None else timestamp_ms,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": ENGINEER_ACCOUNT_ID, "displayName": "Erin Engineer"},
        "issue": {
            "id": issue_id,
            "key": issue_key,
            "self": f"{site_url}/rest/api/2/issue/{issue_id}",
            "fields": {"status": {"name": status}, "project": {"key": issue_key.split("-", 1)[0]}},
        },
        "changelog": {
            "id": str(changelog_id if changelog_id is not None else now_ms),
            "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "toString": status}],
        },
    }
