"""JQL search: Cloud's ``search/jql`` (token paging) and Data Center's ``search`` (startAt paging).

On Cloud ``/rest/api/{2,3}/search`` answers 410 Gone, as it does since the endpoint was removed. Search is
"eventually consistent" on Cloud; ``Core.search_lag_seconds`` (set through the control API) hides issues
changed within that many seconds, except those listed in ``reconcileIssues``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .. import jql
from ..permissions import can_browse
from ..routing import JiraError, Request, Response, Router
from ..state import Issue, now

if TYPE_CHECKING:
    from ..core import Core

MAX_WITH_FIELDS = 100
MAX_IDS_ONLY = 5000
MAX_PROPERTIES = 5


def _token(offset: int, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    raw = json.dumps({"o": offset, "q": digest}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: str, text: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        if data["q"] != hashlib.sha256(text.encode()).hexdigest()[:16]:
            raise ValueError("token of another query")
        return int(data["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise JiraError(400, "The provided next page token is invalid or expired.") from exc


def _parse(core: Core, text: str | None, require_bounded: bool) -> jql.Query:
    if not text or not text.strip():
        if require_bounded:
            raise JiraError(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            )
        text = ""
    try:
        query = jql.parse(core.store, text or "")
    except jql.JqlError as exc:
        raise JiraError(400, str(exc)) from exc
    if require_bounded and not query.bounded:
        raise JiraError(
            400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
        )
    return query


def _params(req: Request) -> dict[str, Any]:
    if req.method == "POST":
        body = req.json_object()
        fields = body.get("fields")
        props = body.get("properties")
        expand = body.get("expand")
        if isinstance(expand, list):
            expand = ",".join(str(e) for e in expand)
        return {
            "jql": body.get("jql"),
            "nextPageToken": body.get("nextPageToken"),
            "startAt": body.get("startAt", 0),
            "maxResults": body.get("maxResults"),
            "fields": [str(f) for f in fields] if isinstance(fields, list) else None,
            "properties": [str(p) for p in props] if isinstance(props, list) else None,
            "expand": [e.strip() for e in (expand or "").split(",") if e.strip()],
            "reconcileIssues": [str(i) for i in body.get("reconcileIssues") or []],
        }
    return {
        "jql": req.q("jql"),
        "nextPageToken": req.q("nextPageToken"),
        "startAt": req.q_int("startAt", 0),
        "maxResults": req.q_int("maxResults", 50) if req.q("maxResults") else None,
        "fields": req.q_list("fields"),
        "properties": req.q_list("properties"),
        "expand": req.q_list("expand") or [],
        "reconcileIssues": req.q_list("reconcileIssues") or [],
    }


def _browsable(core: Core, req: Request, issues: list[Issue]) -> list[Issue]:
    """Search only finds issues in projects the caller may browse."""
    return [i for i in issues if can_browse(core.store, req.user, core.store.projects[i.project_id])]


def search_jql(core: Core, req: Request) -> Response:
    p = _params(req)
    text = p["jql"] or ""
    query = _parse(core, text, require_bounded=True)
    fields = p["fields"] if p["fields"] is not None else ["id"]
    properties = p["properties"]
    if properties and len(properties) > MAX_PROPERTIES:
        raise JiraError(400, f"You can request at most {MAX_PROPERTIES} properties.")
    ids_only = all(f in ("id", "key") for f in fields)
    limit = MAX_IDS_ONLY if ids_only else MAX_WITH_FIELDS
    max_results = p["maxResults"] if p["maxResults"] is not None else 50
    max_results = min(max(int(max_results), 1), limit)
    offset = _offset(p["nextPageToken"], text) if p["nextPageToken"] else 0
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        issues = _browsable(core, req, jql.run(core.store, query))
        if core.search_lag_seconds:
            cutoff = now() - timedelta(seconds=core.search_lag_seconds)
            keep = set(p["reconcileIssues"])
            issues = [i for i in issues if i.updated <= cutoff or i.id in keep]
        page = issues[offset : offset + max_results]
        rendered = [renderer.issue(i, fields, properties, p["expand"]) for i in page]
    body: dict[str, Any] = {"issues": rendered}
    is_last = offset + len(page) >= len(issues)
    if not is_last:
        body["nextPageToken"] = _token(offset + len(page), text)
    body["isLast"] = is_last
    return Response(200, body)


def search_legacy(core: Core, req: Request) -> Response:
    if core.mode == "cloud":
        raise JiraError(
            410,
            "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full "
            "migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
        )
    p = _params(req)
    query = _parse(core, p["jql"], require_bounded=False)
    start_at = max(int(p["startAt"] or 0), 0)
    max_results = min(max(int(p["maxResults"] if p["maxResults"] is not None else 50), 0), 1000)
    fields = p["fields"] if p["fields"] is not None else ["*navigable"]
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        issues = _browsable(core, req, jql.run(core.store, query))
        page = issues[start_at : start_at + max_results]
        rendered = [renderer.issue(i, fields, p["properties"], p["expand"]) for i in page]
    return Response(
        200,
        {
            "expand": "schema,names",
            "startAt": start_at,
            "maxResults": max_results,
            "total": len(issues),
            "issues": rendered,
        },
    )


def search_jql_dc(core: Core, req: Request) -> Response:
    if core.mode != "cloud":
        raise JiraError(
            404, "Null or unknown REST resource: search/jql does not exist on Jira Data Center 9."
        )
    return search_jql(core, req)


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("GET", base + "/search/jql", search_jql_dc)
    router.add("POST", base + "/search/jql", search_jql_dc)
    router.add("GET", base + "/search", search_legacy)
    router.add("POST", base + "/search", search_legacy)
