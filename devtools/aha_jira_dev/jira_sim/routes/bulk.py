"""Jira Cloud's bulk reads: ``issue/bulkfetch`` (100 issues), ``changelog/bulkfetch`` (1000 issues, token
paging over changelogs), ``search/approximate-count``; and ``webhook/failed`` (deliveries that ran out of
retries, for Connect apps). Data Center has none of them (404)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .. import jql
from ..permissions import can_browse
from ..routing import INVALID_PAYLOAD, JiraError, Request, Response, Router
from ..state import History, Issue, jira_time, now
from .search import MAX_PROPERTIES, _browsable, _parse

if TYPE_CHECKING:
    from ..core import Core

MAX_BULK_ISSUES = 100
MAX_CHANGELOG_ISSUES = 1000
MAX_CHANGELOG_FIELDS = 10
MAX_CHANGELOGS_PER_PAGE = 10000
DEFAULT_CHANGELOGS_PER_PAGE = 1000
MAX_FAILED_PAGE = 100


def _cloud_only(core: Core) -> None:
    if core.mode != "cloud":
        raise JiraError(
            404, "Null or unknown REST resource: the endpoint does not exist on Jira Data Center 9."
        )


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise JiraError(400, f"'{name}' must be a list of strings.")
    return [str(v) for v in value]


def _visible_issue(core: Core, req: Request, ref: str) -> Issue | None:
    issue = core.store.issue(ref)
    if issue is None or not can_browse(core.store, req.user, core.store.projects[issue.project_id]):
        return None
    return issue


def bulk_fetch(core: Core, req: Request) -> Response:
    """``POST issue/bulkfetch``: issues in ascending id order; unknown or hidden ones are left out (not in
    ``issueErrors``, which Jira keeps for retriable failures); ``fields`` defaults to ``*navigable``."""
    _cloud_only(core)
    body = req.json_object()
    refs = _strings(body.get("issueIdsOrKeys"), "issueIdsOrKeys")
    if not refs:
        raise JiraError(400, "'issueIdsOrKeys' must name at least one issue.")
    if len(refs) > MAX_BULK_ISSUES:
        raise JiraError(
            400,
            f"You can fetch at most {MAX_BULK_ISSUES} issues in one request; this request has {len(refs)}.",
        )
    fields = _strings(body["fields"], "fields") if body.get("fields") is not None else ["*navigable"]
    properties = _strings(body["properties"], "properties") if body.get("properties") is not None else None
    if properties and len(properties) > MAX_PROPERTIES:
        raise JiraError(400, f"You can request at most {MAX_PROPERTIES} properties.")
    expand = _strings(body["expand"], "expand") if body.get("expand") is not None else []
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        found: dict[str, Issue] = {}
        for ref in refs:
            issue = _visible_issue(core, req, ref)
            if issue is not None:
                found[issue.id] = issue
        issues = [found[i] for i in sorted(found, key=int)]
        rendered = [renderer.issue(i, fields, properties, expand) for i in issues]
    return Response(200, {"issues": rendered, "issueErrors": []})


def _changelog_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"c": offset}).encode()).decode().rstrip("=")


def _changelog_offset(token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["c"])
    except (ValueError, KeyError, TypeError) as exc:
        raise JiraError(400, "The provided next page token is invalid or expired.") from exc


def changelog_bulk_fetch(core: Core, req: Request) -> Response:
    """``POST changelog/bulkfetch``: every changelog of up to 1000 issues, oldest first (then by issue id),
    optionally only the items of up to 10 ``fieldIds``; ``maxResults`` counts changelogs (default 1000)."""
    _cloud_only(core)
    body = req.json_object()
    refs = _strings(body.get("issueIdsOrKeys"), "issueIdsOrKeys")
    if not refs or len(refs) > MAX_CHANGELOG_ISSUES:
        raise JiraError(400, f"'issueIdsOrKeys' must name between 1 and {MAX_CHANGELOG_ISSUES} issues.")
    field_ids = _strings(body["fieldIds"], "fieldIds") if body.get("fieldIds") is not None else []
    if len(field_ids) > MAX_CHANGELOG_FIELDS:
        raise JiraError(400, f"You can filter by at most {MAX_CHANGELOG_FIELDS} field IDs.")
    max_results = body.get("maxResults", DEFAULT_CHANGELOGS_PER_PAGE)
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_CHANGELOGS_PER_PAGE
    ):
        raise JiraError(400, INVALID_PAYLOAD)
    offset = _changelog_offset(body["nextPageToken"]) if body.get("nextPageToken") else 0
    renderer = core.renderer(req.api_version)
    wanted = {f.lower() for f in field_ids}
    with core.store.lock:
        entries: list[tuple[Issue, History, list[dict[str, Any]]]] = []
        seen: set[str] = set()
        for ref in refs:
            issue = _visible_issue(core, req, ref)
            if issue is None or issue.id in seen:
                continue
            seen.add(issue.id)
            for history in issue.histories:
                # Jira leaves out the ends a change does not have (its example does; the schema has no nulls)
                items = [{k: v for k, v in i.as_json().items() if v is not None} for i in history.items]
                if wanted:
                    items = [
                        i
                        for i in items
                        if str(i["fieldId"]).lower() in wanted or str(i["field"]).lower() in wanted
                    ]
                if items:
                    entries.append((issue, history, items))
        entries.sort(key=lambda e: (e[1].created, int(e[0].id), int(e[1].id)))
        page = entries[offset : offset + max_results]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for issue, history, items in page:
            grouped.setdefault(issue.id, []).append(
                {
                    "id": history.id,
                    "author": renderer.user_id(history.author),
                    "created": jira_time(history.created),
                    "items": items,
                }
            )
    out: dict[str, Any] = {
        "issueChangeLogs": [{"issueId": issue_id, "changeHistories": h} for issue_id, h in grouped.items()]
    }
    if offset + len(page) < len(entries):
        out["nextPageToken"] = _changelog_token(offset + len(page))
    return Response(200, out)


def approximate_count(core: Core, req: Request) -> Response:
    """``POST search/approximate-count``: bounded JQL only; as eventually consistent as ``search/jql``."""
    _cloud_only(core)
    body = req.json_object()
    text = body.get("jql")
    if text is not None and not isinstance(text, str):
        raise JiraError(400, INVALID_PAYLOAD)
    query = _parse(core, text, require_bounded=True)
    with core.store.lock:
        issues = _browsable(core, req, jql.run(core.store, query))
        if core.search_lag_seconds:
            cutoff = now() - timedelta(seconds=core.search_lag_seconds)
            issues = [i for i in issues if i.updated <= cutoff]
    return Response(200, {"count": len(issues)})


def failed_webhooks(core: Core, req: Request) -> Response:
    """``GET webhook/failed``: the calling Connect app's deliveries that failed after their last retry,
    oldest first, paged by failure time (``after``/``failedAfter`` in ms). Only apps may ask (403)."""
    _cloud_only(core)
    installation = next(
        (
            i
            for i in core.store.installations.values()
            if req.user and i.user_account_id == req.user.account_id
        ),
        None,
    )
    if req.auth_kind != "jwt" or installation is None:
        raise JiraError(403, "Only Connect and OAuth 2.0 apps can use this operation.")
    max_results = min(max(req.q_int("maxResults", MAX_FAILED_PAGE), 1), MAX_FAILED_PAGE)
    after = req.q("after") or req.q("failedAfter")
    try:
        after_ms = int(after) if after else None
    except ValueError as exc:
        raise JiraError(400, f"The value '{after}' is not valid for the parameter 'after'.") from exc
    failures = [
        f
        for f in core.webhooks.failures(installation.client_key)
        if after_ms is None or f["failureTime"] > after_ms
    ]
    page = failures[:max_results]
    out: dict[str, Any] = {"values": page, "maxResults": max_results}
    if page:
        api = core.renderer(3).api
        out["next"] = f"{api}/webhook/failed?failedAfter={page[-1]['failureTime']}&maxResults={max_results}"
    return Response(200, out)


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("POST", base + "/issue/bulkfetch", bulk_fetch)
    router.add("POST", base + "/changelog/bulkfetch", changelog_bulk_fetch)
    router.add("POST", base + "/search/approximate-count", approximate_count)
    router.add("GET", base + "/webhook/failed", failed_webhooks)
