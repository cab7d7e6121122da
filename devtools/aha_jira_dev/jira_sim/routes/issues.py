"""Issues: create, bulk create, get, edit, delete, transitions, links and entity properties."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..permissions import available_transitions, can_browse, has_permission
from ..routing import INVALID_PAYLOAD, ISSUE_NOT_FOUND, JiraError, Request, Response, Router
from ..state import Issue, User
from ..validation import MetaValidator, property_value_error

if TYPE_CHECKING:
    from ..core import Core

BULK_LIMIT = 50


def get_issue_or_404(core: Core, id_or_key: str, user: User | None = None) -> Issue:
    """The issue, or Jira's 404 when it does not exist or ``user`` may not browse its project."""
    issue = core.store.issue(id_or_key)
    if issue is None or not can_browse(core.store, user, core.store.projects[issue.project_id]):
        raise JiraError(404, ISSUE_NOT_FOUND)
    return issue


def require_edit(core: Core, user: User, issue: Issue) -> None:
    if not has_permission(core.store, user, core.store.projects[issue.project_id], "EDIT_ISSUES"):
        raise JiraError(400, "You do not have permission to edit issues in this project.")


def require_delete(core: Core, user: User, issue: Issue) -> None:
    if not has_permission(core.store, user, core.store.projects[issue.project_id], "DELETE_ISSUES"):
        raise JiraError(403, "You do not have permission to delete issues in this project.")


def _actor(req: Request) -> User:
    if req.user is None:  # routes that write always require authentication
        raise JiraError(401, "You are not authenticated. Authentication required to perform this operation.")
    return req.user


def _created(core: Core, req: Request, issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "key": issue.key,
        "self": f"{core.renderer(req.api_version).api}/issue/{issue.id}",
    }


def create_issue(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    with core.store.lock:
        plan = MetaValidator(core.store, core.mode, req.api_version, actor).create(body)
        issue = core.ops.create_issue(plan, actor)
        return Response(201, _created(core, req, issue))


def bulk_create(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    updates = body.get("issueUpdates")
    if not isinstance(updates, list):
        raise JiraError(400, INVALID_PAYLOAD)
    if len(updates) > BULK_LIMIT:
        raise JiraError(
            400,
            f"You can create at most {BULK_LIMIT} issues in one bulk request; this request has {len(updates)}.",
        )
    issues: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    with core.store.lock:
        for index, element in enumerate(updates):
            try:
                if not isinstance(element, dict):
                    raise JiraError(400, INVALID_PAYLOAD)
                plan = MetaValidator(core.store, core.mode, req.api_version, actor).create(element)
                issue = core.ops.create_issue(plan, actor)
                issues.append(_created(core, req, issue))
            except JiraError as exc:
                errors.append(
                    {
                        "status": exc.status,
                        "elementErrors": {"errorMessages": exc.messages, "errors": exc.errors},
                        "failedElementNumber": index,
                    }
                )
    status = 201 if issues or not updates else 400
    return Response(status, {"issues": issues, "errors": errors})


def get_issue(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        fields = req.q_list("fields")
        properties = req.q_list("properties")
        expand = req.q_list("expand")
        return Response(200, core.renderer(req.api_version).issue(issue, fields, properties, expand))


def edit_issue(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        require_edit(core, actor, issue)
        plan = MetaValidator(core.store, core.mode, req.api_version, actor).edit(issue, body)
        core.ops.edit_issue(issue, plan, actor)
        if req.q_bool("returnIssue"):
            return Response(
                200, core.renderer(req.api_version).issue(issue, None, None, req.q_list("expand"))
            )
    return Response(204)


def delete_issue(core: Core, req: Request) -> Response:
    actor = _actor(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        require_delete(core, actor, issue)
        core.ops.delete_issue(issue, actor, req.q_bool("deleteSubtasks"))
    return Response(204)


def list_transitions(core: Core, req: Request) -> Response:
    """The transitions available from the issue's current status (none globally reachable otherwise);
    ``expand=transitions.fields`` adds each transition screen's fields, with ``required``."""
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        renderer = core.renderer(req.api_version)
        transitions = available_transitions(core.store, req.user, issue)
        wanted = req.q("transitionId")
        if wanted:
            transitions = [t for t in transitions if t.id == wanted]
        with_fields = "transitions.fields" in (req.q_list("expand") or [])
        return Response(
            200,
            {
                "expand": "transitions",
                "transitions": [renderer.transition(t, issue if with_fields else None) for t in transitions],
            },
        )


def perform_transition(core: Core, issue: Issue, actor: User, body: dict[str, Any], version: int) -> None:
    """``POST transitions`` and the engineer's transition: the transition must be available from the current
    status, and its screen's required fields must be given (400 with create's ``errors`` otherwise)."""
    ref = body.get("transition")
    if not isinstance(ref, dict) or "id" not in ref:
        raise JiraError(400, "Transition id must be specified.")
    transition = next(
        (t for t in available_transitions(core.store, actor, issue) if t.id == str(ref["id"])), None
    )
    if transition is None:
        raise JiraError(400, f"Transition id '{ref['id']}' is not valid for this issue.")
    plan = MetaValidator(core.store, core.mode, version, actor).transition_fields(issue, body, transition)
    core.ops.transition(issue, transition, actor, plan)


def do_transition(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        perform_transition(core, issue, actor, body, req.api_version)
    return Response(204)


def create_link(core: Core, req: Request) -> Response:
    """``POST issueLink``: 404 while linking is switched off; without Link Issues, 404 on Cloud and 401 on
    Data Center (as each documents it)."""
    body = req.json_object()
    actor = _actor(req)
    type_ref = body.get("type") or {}
    if not core.store.site.issue_linking_enabled:
        raise JiraError(404, "Issue linking is currently disabled.")
    with core.store.lock:
        lt = core.store.link_type(name=type_ref.get("name"), id_=type_ref.get("id"))
        if lt is None:
            raise JiraError(
                404, f"No issue link type with name '{type_ref.get('name') or type_ref.get('id')}' found."
            )
        inward = core.store.issue(
            str((body.get("inwardIssue") or {}).get("key") or (body.get("inwardIssue") or {}).get("id") or "")
        )
        outward = core.store.issue(
            str(
                (body.get("outwardIssue") or {}).get("key")
                or (body.get("outwardIssue") or {}).get("id")
                or ""
            )
        )
        if inward is None or outward is None:
            raise JiraError(404, ISSUE_NOT_FOUND)
        for end in (inward, outward):
            project = core.store.projects[end.project_id]
            if not can_browse(core.store, actor, project):
                raise JiraError(404, ISSUE_NOT_FOUND)
            if not has_permission(core.store, actor, project, "LINK_ISSUES"):
                raise JiraError(
                    404 if core.mode == "cloud" else 401, f"No Link Issue Permission for issue '{end.key}'."
                )
        core.ops.add_link(lt.id, inward, outward)
    return Response(201)


def get_link(core: Core, req: Request) -> Response:
    with core.store.lock:
        link = core.store.links.get(req.params["linkId"])
        if link is None:
            raise JiraError(404, "No issue link with id '" + req.params["linkId"] + "' exists.")
        renderer = core.renderer(req.api_version)
        inward = core.store.issues[link.inward_issue_id]
        outward = core.store.issues[link.outward_issue_id]
        return Response(
            200,
            {
                "id": link.id,
                "self": f"{renderer.api}/issueLink/{link.id}",
                "type": renderer.link_type(core.store.link_types[link.type_id]),
                "inwardIssue": renderer.issue_ref(inward),
                "outwardIssue": renderer.issue_ref(outward),
            },
        )


def delete_link(core: Core, req: Request) -> Response:
    _actor(req)
    with core.store.lock:
        if core.store.links.pop(req.params["linkId"], None) is None:
            raise JiraError(404, "No issue link with id '" + req.params["linkId"] + "' exists.")
    return Response(204)


# entity properties ------------------------------------------------------------------------------------------
def property_keys(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        api = core.renderer(req.api_version).api
        return Response(
            200,
            {
                "keys": [
                    {"self": f"{api}/issue/{issue.id}/properties/{k}", "key": k} for k in issue.properties
                ]
            },
        )


def property_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        key = req.params["propertyKey"]
        if key not in issue.properties:
            raise JiraError(404, f"The property with key '{key}' does not exist.")
        return Response(200, {"key": key, "value": issue.properties[key]})


def property_put(core: Core, req: Request) -> Response:
    _actor(req)
    if not req.body:
        raise JiraError(400, "The property value must be valid, non-empty JSON.")
    try:
        value = json.loads(req.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JiraError(400, "The property value must be valid, non-empty JSON.") from exc
    key = req.params["propertyKey"]
    if len(key) > 255:
        raise JiraError(400, "The property key must be between 1 and 255 characters long.")
    problem = property_value_error(value)
    if problem:
        raise JiraError(400, problem)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        existed = key in issue.properties
        issue.properties[key] = value
    return Response(200 if existed else 201)


def property_delete(core: Core, req: Request) -> Response:
    _actor(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        key = req.params["propertyKey"]
        if issue.properties.pop(key, None) is None and key not in issue.properties:
            raise JiraError(404, f"The property with key '{key}' does not exist.")
    return Response(204)


# remote links -----------------------------------------------------------------------------------------------
def remote_links_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        given = req.query.get("globalId") or []
        wanted = given[0] if given else None
        return Response(
            200,
            [
                {"id": int(link["id"]), "globalId": link.get("globalId"), "object": link["object"]}
                for link in issue.remote_links
                if wanted is None or link.get("globalId") == wanted
            ],
        )


def remote_link_post(core: Core, req: Request) -> Response:
    """Create a remote link, or update the one with the same globalId (Jira's upsert)."""
    _actor(req)
    body = req.json()
    link_object = body.get("object") if isinstance(body, dict) else None
    if not isinstance(link_object, dict) or not link_object.get("url") or not link_object.get("title"):
        raise JiraError(400, "The remote link needs object.url and object.title.")
    global_id = body.get("globalId")
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        api = core.renderer(req.api_version).api
        for link in issue.remote_links:
            if global_id and link.get("globalId") == global_id:
                link["object"] = link_object
                return Response(
                    200, {"id": int(link["id"]), "self": f"{api}/issue/{issue.key}/remotelink/{link['id']}"}
                )
        link_id = int(core.store.next_id("remote_link"))
        issue.remote_links.append({"id": link_id, "globalId": global_id, "object": link_object})
        return Response(201, {"id": link_id, "self": f"{api}/issue/{issue.key}/remotelink/{link_id}"})


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("POST", base + "/issue/bulk", bulk_create)
    router.add("POST", base + "/issue", create_issue)
    router.add("GET", base + "/issue/{issueIdOrKey}/transitions", list_transitions)
    router.add("POST", base + "/issue/{issueIdOrKey}/transitions", do_transition)
    router.add("GET", base + "/issue/{issueIdOrKey}/properties", property_keys)
    router.add("GET", base + "/issue/{issueIdOrKey}/properties/{propertyKey}", property_get)
    router.add("PUT", base + "/issue/{issueIdOrKey}/properties/{propertyKey}", property_put)
    router.add("DELETE", base + "/issue/{issueIdOrKey}/properties/{propertyKey}", property_delete)
    router.add("GET", base + "/issue/{issueIdOrKey}/remotelink", remote_links_get)
    router.add("POST", base + "/issue/{issueIdOrKey}/remotelink", remote_link_post)
    router.add("GET", base + "/issue/{issueIdOrKey}", get_issue)
    router.add("PUT", base + "/issue/{issueIdOrKey}", edit_issue)
    router.add("DELETE", base + "/issue/{issueIdOrKey}", delete_issue)
    router.add("POST", base + "/issueLink", create_link)
    router.add("GET", base + "/issueLink/{linkId}", get_link)
    router.add("DELETE", base + "/issueLink/{linkId}", delete_link)
