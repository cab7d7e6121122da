"""Comments (``issue/{key}/comment``, ``comment/list``) and comment entity properties
(``comment/{id}/properties``), with the project permissions Jira checks for each."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..comments import checked_body, checked_properties
from ..permissions import can_browse, has_permission
from ..routing import INVALID_PAYLOAD, JiraError, Request, Response, Router
from ..state import Comment, Issue, User
from ..validation import property_value_error
from .issues import _actor, get_issue_or_404

if TYPE_CHECKING:
    from ..core import Core

MAX_LIST_IDS = 1000


def _comment_or_404(core: Core, issue: Issue, comment_id: str) -> Comment:
    comment = core.store.comments.get(comment_id)
    if comment is None or comment.issue_id != issue.id:
        raise JiraError(404, f"Can not find a comment for the id: {comment_id}.")
    return comment


def _visible_comment(core: Core, req: Request) -> tuple[Issue, Comment]:
    """A comment by id alone (``comment/{id}/...``), 404 when its issue is out of the caller's sight."""
    comment = core.store.comments.get(req.params["commentId"])
    issue = core.store.issues.get(comment.issue_id) if comment else None
    if (
        comment is None
        or issue is None
        or not can_browse(core.store, req.user, core.store.projects[issue.project_id])
    ):
        raise JiraError(404, f"Can not find a comment for the id: {req.params['commentId']}.")
    return issue, comment


def may_change(core: Core, user: User, issue: Issue, comment: Comment, own: str, *, every: str) -> bool:
    project = core.store.projects[issue.project_id]
    if has_permission(core.store, user, project, every):
        return True
    return comment.author == user.account_id and has_permission(core.store, user, project, own)


def _visibility(body: dict[str, Any]) -> dict[str, Any] | None:
    value = body.get("visibility")
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in ("group", "role"):
        raise JiraError(400, errors={"visibility": "Visibility needs a type of 'group' or 'role'."})
    return value


def list_comments(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        comments = core.store.issue_comments(issue.id)
        order = req.q("orderBy") or "created"
        if order not in ("created", "+created", "-created"):
            raise JiraError(400, f"The value '{order}' is not valid for the parameter 'orderBy'.")
        if order == "-created":
            comments.reverse()
        start_at = max(req.q_int("startAt", 0), 0)
        max_results = min(max(req.q_int("maxResults", 100), 0), 5000)
        renderer = core.renderer(req.api_version)
        expand = req.q_list("expand") or []
        page = comments[start_at : start_at + max_results]
        return Response(
            200,
            {
                "startAt": start_at,
                "maxResults": max_results,
                "total": len(comments),
                "comments": [renderer.comment(c, expand) for c in page],
            },
        )


def add_comment(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    text = checked_body(body.get("body"), req.api_version)
    properties = checked_properties(body.get("properties"))
    visibility = _visibility(body)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        if not has_permission(core.store, actor, core.store.projects[issue.project_id], "ADD_COMMENTS"):
            raise JiraError(400, "You do not have the permission to comment on this issue.")
        comment = core.comments.create(issue, actor, text, properties=properties, visibility=visibility)
        return Response(201, core.renderer(req.api_version).comment(comment, req.q_list("expand")))


def get_comment(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        comment = _comment_or_404(core, issue, req.params["id"])
        return Response(200, core.renderer(req.api_version).comment(comment, req.q_list("expand")))


def update_comment(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    text = checked_body(body.get("body"), req.api_version)
    properties = checked_properties(body.get("properties"))
    visibility = _visibility(body)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        comment = _comment_or_404(core, issue, req.params["id"])
        if not may_change(core, actor, issue, comment, "EDIT_OWN_COMMENTS", every="EDIT_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to edit this comment.")
        core.comments.update(issue, comment, actor, text, properties=properties, visibility=visibility)
        return Response(200, core.renderer(req.api_version).comment(comment, req.q_list("expand")))


def delete_comment(core: Core, req: Request) -> Response:
    actor = _actor(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        comment = _comment_or_404(core, issue, req.params["id"])
        if not may_change(core, actor, issue, comment, "DELETE_OWN_COMMENTS", every="DELETE_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to delete this comment.")
        core.comments.delete(issue, comment, actor)
    return Response(204)


def comments_by_ids(core: Core, req: Request) -> Response:
    """``POST comment/list``: the comments with these ids the caller may see, in id order."""
    body = req.json_object()
    ids = body.get("ids")
    if not isinstance(ids, list) or len(ids) > MAX_LIST_IDS:
        raise JiraError(400, INVALID_PAYLOAD)
    wanted = {str(i) for i in ids}
    renderer = core.renderer(req.api_version)
    expand = req.q_list("expand") or []
    with core.store.lock:
        found = []
        for comment_id in sorted(wanted & set(core.store.comments), key=int):
            comment = core.store.comments[comment_id]
            issue = core.store.issues.get(comment.issue_id)
            if issue is not None and can_browse(core.store, req.user, core.store.projects[issue.project_id]):
                found.append(renderer.comment(comment, expand))
    return Response(
        200, {"isLast": True, "maxResults": MAX_LIST_IDS, "startAt": 0, "total": len(found), "values": found}
    )


# comment properties ------------------------------------------------------------------------------------------
def comment_property_keys(core: Core, req: Request) -> Response:
    with core.store.lock:
        _, comment = _visible_comment(core, req)
        api = core.renderer(req.api_version).api
        return Response(
            200,
            {
                "keys": [
                    {"self": f"{api}/comment/{comment.id}/properties/{key}", "key": key}
                    for key in comment.properties
                ]
            },
        )


def comment_property_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        _, comment = _visible_comment(core, req)
        key = req.params["propertyKey"]
        if key not in comment.properties:
            raise JiraError(404, f"The property with key '{key}' does not exist.")
        return Response(200, {"key": key, "value": comment.properties[key]})


def comment_property_put(core: Core, req: Request) -> Response:
    actor = _actor(req)
    if not req.body:
        raise JiraError(400, "The property value must be valid, non-empty JSON.")
    try:
        value = json.loads(req.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JiraError(400, "The property value must be valid, non-empty JSON.") from exc
    key = req.params["propertyKey"]
    if not 0 < len(key) <= 255:
        raise JiraError(400, "The property key must be between 1 and 255 characters long.")
    problem = property_value_error(value)
    if problem:
        raise JiraError(400, problem)
    with core.store.lock:
        issue, comment = _visible_comment(core, req)
        if not may_change(core, actor, issue, comment, "EDIT_OWN_COMMENTS", every="EDIT_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to edit this comment.")
        existed = key in comment.properties
        comment.properties[key] = value
    return Response(200 if existed else 201)


def comment_property_delete(core: Core, req: Request) -> Response:
    actor = _actor(req)
    with core.store.lock:
        issue, comment = _visible_comment(core, req)
        if not may_change(core, actor, issue, comment, "EDIT_OWN_COMMENTS", every="EDIT_ALL_COMMENTS"):
            raise JiraError(403, "You do not have the permission to edit this comment.")
        key = req.params["propertyKey"]
        if key not in comment.properties:
            raise JiraError(404, f"The property with key '{key}' does not exist.")
        del comment.properties[key]
    return Response(204)


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("GET", base + "/issue/{issueIdOrKey}/comment", list_comments)
    router.add("POST", base + "/issue/{issueIdOrKey}/comment", add_comment)
    router.add("GET", base + "/issue/{issueIdOrKey}/comment/{id}", get_comment)
    router.add("PUT", base + "/issue/{issueIdOrKey}/comment/{id}", update_comment)
    router.add("DELETE", base + "/issue/{issueIdOrKey}/comment/{id}", delete_comment)
    router.add("POST", base + "/comment/list", comments_by_ids)
    router.add("GET", base + "/comment/{commentId}/properties", comment_property_keys)
    router.add("GET", base + "/comment/{commentId}/properties/{propertyKey}", comment_property_get)
    router.add("PUT", base + "/comment/{commentId}/properties/{propertyKey}", comment_property_put)
    router.add("DELETE", base + "/comment/{commentId}/properties/{propertyKey}", comment_property_delete)
