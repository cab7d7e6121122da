"""More of the control API (no authentication): rate limits, lost webhooks, attachment settings, and the
engineer's comments, sprint moves and ranking.

| method & path | what it does |
|---|---|
| ``GET /_sim/rate-limits`` | configuration, counters (calls, allowed, 429s per ``RateLimit-Reason``, allowed per second, points) and current levels (see ``ratelimits``) |
| ``PUT /_sim/rate-limits`` | replace the configuration ``{"burst", "per_issue_write", "quota", "global_quota"}`` (absent: off); levels and counters start again |
| ``DELETE /_sim/rate-limits`` | every limit off, counters cleared |
| ``DELETE /_sim/rate-limits/counters`` | counters cleared, limits and levels kept |
| ``POST /_sim/rate-limits/clock`` | ``{"advance": seconds}`` and/or ``{"scale": factor}``: move the limits' clock |
| ``GET/PUT/DELETE /_sim/webhook/loss`` | drop a share of deliveries: ``{"share": 0.2, "seed": 7, "events": [...]?}`` |
| ``GET/DELETE /_sim/webhook/dropped`` | the deliveries dropped so far (identifier, event, issue key, payload) |
| ``GET /_sim/webhook/failed`` | admin-webhook deliveries that finished without a 2xx (``webhook/failed``'s shape) |
| ``GET/PUT /_sim/attachments`` | ``{"upload_limit": bytes}`` (``GET attachment/meta``'s ``uploadLimit``) |
| ``GET /_sim/issues/{key}/media`` | the images the description embeds, each matched to an attachment or not |
| ``POST /_sim/engineer/issues/{key}/comments`` | ``{"body", "properties"?}``: a comment by the engineer |
| ``PUT /_sim/engineer/issues/{key}/comments/{id}`` | ``{"body"}``: edit it |
| ``DELETE /_sim/engineer/issues/{key}/comments/{id}`` | delete it |
| ``POST /_sim/engineer/issues/{key}/sprint`` | ``{"sprint": id or name, or null for the backlog}`` |
| ``POST /_sim/engineer/issues/{key}/rank`` | ``{"before": "KEY"}`` or ``{"after": "KEY"}`` |
| ``GET /_sim/sprints`` | the seeded sprints |

Engineer actions act as the engineer unless ``"user"`` names another account; ``"api_version": 2`` takes
comment bodies as wiki strings instead of ADF on Cloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import richtext
from ..agile import sprint_json
from ..comments import checked_body, checked_properties
from ..permissions import has_permission
from ..routing import JiraError, Request, Response, Router
from ..state import Comment, Issue
from ..webhooks import WebhookLoss
from .comments import may_change
from .control import _body, _engineer, _issue, _version

if TYPE_CHECKING:
    from ..core import Core


# rate limits ---------------------------------------------------------------------------------------------------
def rate_limits_get(core: Core, req: Request) -> Response:
    return Response(200, core.limits.report())


def rate_limits_put(core: Core, req: Request) -> Response:
    core.limits.configure(_body(req))
    return Response(200, core.limits.report())


def rate_limits_delete(core: Core, req: Request) -> Response:
    core.limits.configure(None)
    return Response(204)


def rate_counters_delete(core: Core, req: Request) -> Response:
    core.limits.reset_counters()
    return Response(204)


def rate_clock(core: Core, req: Request) -> Response:
    body = _body(req)
    if "scale" in body:
        core.limits.clock.set_scale(float(body["scale"]))
    if "advance" in body:
        core.limits.clock.advance(float(body["advance"]))
    return Response(200, {"now": core.limits.clock.now(), "scale": core.limits.clock.scale})


# lost webhooks -------------------------------------------------------------------------------------------------
def make_loss(body: dict[str, Any]) -> WebhookLoss:
    unknown = sorted(set(body) - {"share", "seed", "events"})
    if unknown:
        raise ValueError(f"unknown keys {unknown}; known: events, seed, share")
    share = body.get("share")
    if isinstance(share, bool) or not isinstance(share, (int, float)):
        raise ValueError("share (0..1) is required")
    seed = body.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be a whole number")
    events = body.get("events")
    if events is not None and (not isinstance(events, list) or not all(isinstance(e, str) for e in events)):
        raise ValueError("events must be a list of event names")
    return WebhookLoss(float(share), seed, frozenset(events) if events else None)


def loss_get(core: Core, req: Request) -> Response:
    loss = core.webhooks.loss
    return Response(200, {"configured": loss is not None, **(loss.as_json() if loss else {})})


def loss_put(core: Core, req: Request) -> Response:
    loss = make_loss(_body(req))
    core.webhooks.configure_loss(loss)
    return Response(200, {"configured": True, **loss.as_json()})


def loss_delete(core: Core, req: Request) -> Response:
    core.webhooks.configure_loss(None)
    return Response(204)


def dropped_get(core: Core, req: Request) -> Response:
    return Response(200, {"dropped": core.webhooks.dropped()})


def dropped_delete(core: Core, req: Request) -> Response:
    core.webhooks.clear_dropped()
    return Response(204)


def failed_get(core: Core, req: Request) -> Response:
    return Response(200, {"values": core.webhooks.failures(None)})


# attachments ---------------------------------------------------------------------------------------------------
def attachments_get(core: Core, req: Request) -> Response:
    return Response(200, {"upload_limit": core.uploads.limit})


def attachments_put(core: Core, req: Request) -> Response:
    limit = _body(req).get("upload_limit")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError("upload_limit must be a positive number of bytes")
    core.uploads.limit = limit
    return Response(200, {"upload_limit": limit})


def media_references(core: Core, issue: Issue) -> list[dict[str, Any]]:
    """What the description embeds, each with the attachment it names (by file name for wiki ``!name!``; by
    attachment id, media id or content URL for ADF media), or ``attachment_id`` None."""
    attachments = [a for a in core.store.attachments.values() if a.issue_id == issue.id]
    out = []
    for ref in richtext.media_references(issue.values.get("description")):
        match = None
        for a in attachments:
            content_url = f"/attachment/content/{a.id}"
            if (
                (ref["type"] == "wiki" and ref.get("name") == a.filename)
                or (ref.get("id") in (a.id, a.media_id))
                or (ref.get("url", "").endswith(content_url))
            ):
                match = a
                break
        out.append(
            {
                **ref,
                "attachment_id": match.id if match else None,
                "filename": match.filename if match else None,
            }
        )
    return out


def issue_media(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        return Response(200, {"media": media_references(core, issue)})


# engineer: comments, sprint, rank ------------------------------------------------------------------------------
def engineer_comment(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    text = checked_body(body.get("body"), _version(core, body))
    properties = checked_properties(body.get("properties"))
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        if not has_permission(core.store, actor, core.store.projects[issue.project_id], "ADD_COMMENTS"):
            raise JiraError(400, "You do not have the permission to comment on this issue.")
        comment = core.comments.create(issue, actor, text, properties=properties)
        return Response(201, {"id": comment.id, "issueId": issue.id})


def _engineer_comment(core: Core, req: Request) -> tuple[Issue, Comment]:
    issue = _issue(core, req.params["key"])
    comment = core.store.comments.get(req.params["id"])
    if comment is None or comment.issue_id != issue.id:
        raise JiraError(404, f"Can not find a comment for the id: {req.params['id']}.")
    return issue, comment


def engineer_comment_edit(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    text = checked_body(body.get("body"), _version(core, body))
    with core.store.lock:
        issue, comment = _engineer_comment(core, req)
        if not may_change(core, actor, issue, comment, "EDIT_OWN_COMMENTS", every="EDIT_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to edit this comment.")
        core.comments.update(issue, comment, actor, text)
        return Response(200, {"id": comment.id, "issueId": issue.id})


def engineer_comment_delete(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        issue, comment = _engineer_comment(core, req)
        if not may_change(core, actor, issue, comment, "DELETE_OWN_COMMENTS", every="DELETE_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to delete this comment.")
        core.comments.delete(issue, comment, actor)
    return Response(204)


def engineer_sprint(core: Core, req: Request) -> Response:
    body = _body(req)
    if "sprint" not in body:
        raise JiraError(400, "Give 'sprint': a sprint id or name, or null for the backlog.")
    actor = _engineer(core, body)
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        ids = core.agile.move_to_sprint(issue, body["sprint"], actor)
        return Response(200, {"key": issue.key, "sprints": [sprint_json(core.store.sprints[i]) for i in ids]})


def engineer_rank(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        before = _issue(core, str(body["before"])) if body.get("before") else None
        after = _issue(core, str(body["after"])) if body.get("after") else None
        rank = core.agile.rank(issue, actor, before=before, after=after)
        return Response(200, {"key": issue.key, "rank": rank})


def sprints_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        return Response(200, {"sprints": [sprint_json(s) for s in core.store.sprints.values()]})


def register(router: Router) -> None:
    router.add("GET", "/_sim/rate-limits", rate_limits_get, auth=False)
    router.add("PUT", "/_sim/rate-limits", rate_limits_put, auth=False)
    router.add("DELETE", "/_sim/rate-limits", rate_limits_delete, auth=False)
    router.add("DELETE", "/_sim/rate-limits/counters", rate_counters_delete, auth=False)
    router.add("POST", "/_sim/rate-limits/clock", rate_clock, auth=False)
    router.add("GET", "/_sim/webhook/loss", loss_get, auth=False)
    router.add("PUT", "/_sim/webhook/loss", loss_put, auth=False)
    router.add("DELETE", "/_sim/webhook/loss", loss_delete, auth=False)
    router.add("GET", "/_sim/webhook/dropped", dropped_get, auth=False)
    router.add("DELETE", "/_sim/webhook/dropped", dropped_delete, auth=False)
    router.add("GET", "/_sim/webhook/failed", failed_get, auth=False)
    router.add("GET", "/_sim/attachments", attachments_get, auth=False)
    router.add("PUT", "/_sim/attachments", attachments_put, auth=False)
    router.add("GET", "/_sim/issues/{key}/media", issue_media, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/comments", engineer_comment, auth=False)
    router.add("PUT", "/_sim/engineer/issues/{key}/comments/{id}", engineer_comment_edit, auth=False)
    router.add("DELETE", "/_sim/engineer/issues/{key}/comments/{id}", engineer_comment_delete, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/sprint", engineer_sprint, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/rank", engineer_rank, auth=False)
    router.add("GET", "/_sim/sprints", sprints_get, auth=False)
