"""Configuration reads: identity, server info, projects, issue types, create metadata, statuses, fields,
link types, versions, users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..permissions import (
    ALL_PERMISSIONS,
    can_browse,
    has_permission,
    render_permission,
    unknown_keys,
)
from ..routing import ISSUE_NOT_FOUND, JiraError, Request, Response, Router
from ..state import Project, User, Version, now

if TYPE_CHECKING:
    from ..core import Core

CLOUD_VERSION = ("1001.0.0-SNAPSHOT", [1001, 0, 0], 100289)
DC_VERSION = ("9.12.15", [9, 12, 15], 9120015)


def _project(core: Core, id_or_key: str, user: User | None = None) -> Project:
    """The project, or Jira's 404 when it does not exist or ``user`` may not browse it."""
    project = core.store.project(id_or_key)
    if project is None or not can_browse(core.store, user, project):
        raise JiraError(404, f"No project could be found with key '{id_or_key}'.")
    return project


def _visible(core: Core, user: User | None) -> list[Project]:
    return sorted(
        (p for p in core.store.projects.values() if can_browse(core.store, user, p)), key=lambda p: p.key
    )


def _can_create(core: Core, req: Request, project: Project) -> bool:
    return req.user is None or has_permission(core.store, req.user, project, "CREATE_ISSUES")


def _page(items: list[Any], start_at: int, max_results: int) -> tuple[list[Any], bool]:
    page = items[start_at : start_at + max_results]
    return page, start_at + len(page) >= len(items)


def myself(core: Core, req: Request) -> Response:
    return Response(200, core.renderer(req.api_version).user(req.user, full=True))


def server_info(core: Core, req: Request) -> Response:
    version, numbers, build = CLOUD_VERSION if core.mode == "cloud" else DC_VERSION
    stamp = now()
    body: dict[str, Any] = {
        "baseUrl": core.base_url,
        "displayUrl": core.base_url,
        "version": version,
        "versionNumbers": numbers,
        "deploymentType": "Cloud" if core.mode == "cloud" else "Server",
        "buildNumber": build,
        "buildDate": "2026-11-01T00:00:00.000+00:00",
        "serverTime": stamp.isoformat(timespec="milliseconds"),
        "scmInfo": "0123456789abcdef0123456789abcdef01234567",
        "serverTitle": "Jira (simulated)",
        "serverTimeZone": "Etc/UTC",
    }
    return Response(200, body)


def project_search(core: Core, req: Request) -> Response:
    start_at = max(req.q_int("startAt", 0), 0)
    max_results = min(max(req.q_int("maxResults", 50), 1), 100)
    keys = req.q_list("keys")
    query = (req.q("query") or "").lower()
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        projects = _visible(core, req.user)
        if keys:
            projects = [p for p in projects if p.key in keys or p.id in keys]
        if query:
            projects = [p for p in projects if query in p.key.lower() or query in p.name.lower()]
        page, is_last = _page(projects, start_at, max_results)
        expand = req.q_list("expand") or []
        values = []
        for p in page:
            value = renderer.project_summary(p)
            if "issueTypes" in expand:
                value["issueTypes"] = [
                    renderer.issue_type(it) for it in core.store.listed_issue_types(p.issue_type_ids)
                ]
            values.append(value)
    url = f"{renderer.api}/project/search?maxResults={max_results}&startAt="
    body: dict[str, Any] = {"self": url + str(start_at)}
    if not is_last:
        body["nextPage"] = url + str(start_at + max_results)
    body.update(
        {
            "maxResults": max_results,
            "startAt": start_at,
            "total": len(projects),
            "isLast": is_last,
            "values": values,
        }
    )
    return Response(200, body)


def project_list(core: Core, req: Request) -> Response:
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        return Response(
            200,
            [renderer.project_summary(p) for p in _visible(core, req.user)],
        )


def project_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        return Response(
            200, core.renderer(req.api_version).project_full(_project(core, req.params["key"], req.user))
        )


def issuetypes_for_project(core: Core, req: Request) -> Response:
    project_id = req.q("projectId")
    if not project_id:
        raise JiraError(400, "The projectId parameter is required.")
    project = core.store.projects.get(project_id)
    if project is None or not can_browse(core.store, req.user, project):
        raise JiraError(404, "No project could be found with id '" + project_id + "'.")
    renderer = core.renderer(req.api_version)
    listed = core.store.listed_issue_types(project.issue_type_ids)
    return Response(200, [renderer.issue_type(it) for it in listed])


def issuetypes_all(core: Core, req: Request) -> Response:
    renderer = core.renderer(req.api_version)
    return Response(
        200, [renderer.issue_type(t) for t in core.store.listed_issue_types(core.store.issue_types)]
    )


def createmeta_types(core: Core, req: Request) -> Response:
    """Issue types the caller may create in the project: none without Create Issues."""
    project = _project(core, req.params["key"], req.user)
    start_at = max(req.q_int("startAt", 0), 0)
    max_results = min(max(req.q_int("maxResults", 50), 1), 200)
    renderer = core.renderer(req.api_version)
    types = (
        [renderer.issue_type(it) for it in core.store.listed_issue_types(project.issue_type_ids)]
        if _can_create(core, req, project)
        else []
    )
    page, is_last = _page(types, start_at, max_results)
    if core.mode == "cloud":
        return Response(
            200, {"maxResults": max_results, "startAt": start_at, "total": len(types), "issueTypes": page}
        )
    return Response(
        200,
        {
            "maxResults": max_results,
            "startAt": start_at,
            "total": len(types),
            "isLast": is_last,
            "values": page,
        },
    )


def createmeta_fields(core: Core, req: Request) -> Response:
    project = _project(core, req.params["key"], req.user)
    type_id = req.params["typeId"]
    if type_id not in {it.id for it in core.store.listed_issue_types(project.issue_type_ids)}:
        raise JiraError(
            404, f"Issue type with id '{type_id}' does not exist or is not in project {project.key}."
        )
    start_at = max(req.q_int("startAt", 0), 0)
    max_results = min(max(req.q_int("maxResults", 50), 1), 200)
    renderer = core.renderer(req.api_version)
    it = core.store.issue_types[type_id]
    with core.store.lock:
        screen = core.store.screen(project, type_id) if _can_create(core, req, project) else ()
        fields = [renderer.field_meta(sf, project, it) for sf in screen]
    page, is_last = _page(fields, start_at, max_results)
    if core.mode == "cloud":
        return Response(
            200, {"maxResults": max_results, "startAt": start_at, "total": len(fields), "fields": page}
        )
    return Response(
        200,
        {
            "maxResults": max_results,
            "startAt": start_at,
            "total": len(fields),
            "isLast": is_last,
            "values": page,
        },
    )


def createmeta_legacy(core: Core, req: Request) -> Response:
    """The old ``GET issue/createmeta?projectKeys=..&expand=projects.issuetypes.fields`` form."""
    keys = req.q_list("projectKeys") or []
    ids = req.q_list("projectIds") or []
    type_names = req.q_list("issuetypeNames") or []
    type_ids = req.q_list("issuetypeIds") or []
    expand_fields = "projects.issuetypes.fields" in (req.q("expand") or "")
    renderer = core.renderer(req.api_version)
    projects = []
    with core.store.lock:
        for p in _visible(core, req.user):
            if (keys or ids) and p.key not in keys and p.id not in ids:
                continue
            if not _can_create(core, req, p):  # Jira leaves out projects the caller cannot create in
                continue
            types = []
            for it in core.store.listed_issue_types(p.issue_type_ids):
                t = it.id
                if (type_names or type_ids) and it.name not in type_names and it.id not in type_ids:
                    continue
                entry = renderer.issue_type(it)
                entry["expand"] = "fields"
                if expand_fields:
                    entry["fields"] = {
                        sf.field_id: renderer.field_meta(sf, p, it, legacy=True)
                        for sf in core.store.screen(p, t)
                    }
                types.append(entry)
            ref = renderer.project_ref(p)
            projects.append(
                {
                    "expand": "issuetypes",
                    "self": ref["self"],
                    "id": p.id,
                    "key": p.key,
                    "name": p.name,
                    "avatarUrls": ref["avatarUrls"],
                    "issuetypes": types,
                }
            )
    return Response(200, {"expand": "projects", "projects": projects})


def project_statuses(core: Core, req: Request) -> Response:
    project = _project(core, req.params["key"], req.user)
    renderer = core.renderer(req.api_version)
    body = []
    for t in project.issue_type_ids:
        it = core.store.issue_types[t]
        body.append(
            {
                "self": f"{renderer.api}/issueType/{it.id}",
                "id": it.id,
                "name": it.name,
                "subtask": it.subtask,
                "statuses": [renderer.status(core.store.statuses[s]) for s in project.status_ids(t)],
            }
        )
    return Response(200, body)


def fields(core: Core, req: Request) -> Response:
    renderer = core.renderer(req.api_version)
    return Response(200, [renderer.field(f) for f in core.store.fields.values()])


def link_types(core: Core, req: Request) -> Response:
    renderer = core.renderer(req.api_version)
    return Response(
        200, {"issueLinkTypes": [renderer.link_type(lt) for lt in core.store.link_types.values()]}
    )


def priorities(core: Core, req: Request) -> Response:
    from ..state import PRIORITIES  # noqa: PLC0415

    renderer = core.renderer(req.api_version)
    return Response(200, [renderer.priority(pid) for pid, _ in PRIORITIES])


def project_versions(core: Core, req: Request) -> Response:
    project = _project(core, req.params["key"], req.user)
    renderer = core.renderer(req.api_version)
    with core.store.lock:
        return Response(200, [renderer.version(v) for v in core.store.project_versions(project.id)])


def version_create(core: Core, req: Request) -> Response:
    body = req.json_object()
    errors: dict[str, str] = {}
    project = None
    if body.get("projectId") is not None:
        project = core.store.projects.get(str(body["projectId"]))
    elif body.get("project"):
        project = core.store.project(str(body["project"]))
    if project is None:
        errors["project"] = "Project must be specified to create a version."
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "You must specify a valid version name"
    elif len(name) > 255:
        errors["name"] = "The version name must not exceed 255 characters."
    for key in ("releaseDate", "startDate"):
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and len(value) == 10 and value[4] == "-"):
            errors[key] = "Please enter the date in the following format: yyyy-MM-dd"
    if errors or project is None or not isinstance(name, str):
        raise JiraError(400, errors=errors)
    with core.store.lock:
        if any(v.name.lower() == name.lower() for v in core.store.project_versions(project.id)):
            raise JiraError(400, errors={"name": "A version with this name already exists in this project."})
        version = Version(
            core.store.next_id("version"),
            project.id,
            name,
            str(body.get("description") or ""),
            bool(body.get("released", False)),
            bool(body.get("archived", False)),
            body.get("releaseDate"),
            body.get("startDate"),
        )
        core.store.versions[version.id] = version
    return Response(201, core.renderer(req.api_version).version(version))


def configuration(core: Core, req: Request) -> Response:
    """``GET configuration``: the site's optional features (the control API switches them)."""
    site = core.store.site
    body: dict[str, Any] = {
        "votingEnabled": site.voting_enabled,
        "watchingEnabled": site.watching_enabled,
        "unassignedIssuesAllowed": site.unassigned_issues_allowed,
        "subTasksEnabled": site.sub_tasks_enabled,
        "issueLinkingEnabled": site.issue_linking_enabled,
        "timeTrackingEnabled": site.time_tracking_enabled,
        "attachmentsEnabled": site.attachments_enabled,
    }
    if site.time_tracking_enabled:
        body["timeTrackingConfiguration"] = {
            "workingHoursPerDay": 8.0,
            "workingDaysPerWeek": 5.0,
            "timeFormat": "pretty",
            "defaultUnit": "minute",
        }
    return Response(200, body)


def my_permissions(core: Core, req: Request) -> Response:
    """``GET mypermissions``: the caller's permissions, globally or in a project or issue.

    Cloud requires ``permissions`` (400 without it, since 2019); Data Center answers every permission when
    it is left out. A project or issue the caller cannot see is a 404, an unknown key a 400."""
    keys = req.q_list("permissions")
    if not keys:
        if core.mode == "cloud":
            raise JiraError(400, "The 'permissions' query parameter is required.")
        keys = list(ALL_PERMISSIONS)
    unknown = unknown_keys(keys)
    if unknown:
        raise JiraError(400, f"Invalid permission key(s): {', '.join(unknown)}.")
    store = core.store
    project: Project | None = None
    with store.lock:
        issue_ref = req.q("issueId") or req.q("issueKey")
        project_ref = req.q("projectId") or req.q("projectKey")
        if issue_ref:
            issue = store.issue(issue_ref)
            project = store.projects.get(issue.project_id) if issue else None
            if project is None or not has_permission(store, req.user, project, "BROWSE_PROJECTS"):
                raise JiraError(404, ISSUE_NOT_FOUND)
        elif project_ref:
            project = store.project(project_ref)
            if project is None or not has_permission(store, req.user, project, "BROWSE_PROJECTS"):
                raise JiraError(404, f"No project could be found with key '{project_ref}'.")
        permissions = {
            key: render_permission(ALL_PERMISSIONS[key], has_permission(store, req.user, project, key))
            for key in dict.fromkeys(keys)
        }
    return Response(200, {"permissions": permissions})


def user_search(core: Core, req: Request) -> Response:
    query = (req.q("query") or req.q("username") or "").strip().lower()
    account_id = req.q("accountId")
    if not query and not account_id:
        raise JiraError(400, "One of 'query' or 'accountId' parameters must be provided.")
    renderer = core.renderer(req.api_version)
    max_results = min(max(req.q_int("maxResults", 50), 1), 1000)
    found = []
    for user in core.store.users.values():
        if (account_id and user.account_id == account_id) or (
            query
            and (
                user.email.lower().startswith(query)
                or user.display_name.lower().startswith(query)
                or (core.mode == "datacenter" and user.name.lower().startswith(query))
            )
        ):
            found.append(user)
    return Response(200, [renderer.user(u) for u in found[:max_results]])


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("GET", base + "/myself", myself)
    router.add("GET", base + "/configuration", configuration)
    router.add("GET", base + "/mypermissions", my_permissions, anonymous_ok=True)
    router.add("GET", base + "/serverInfo", server_info, anonymous_ok=True)
    router.add("GET", base + "/project/search", project_search)
    router.add("GET", base + "/project", project_list)
    router.add("GET", base + "/project/{key}/statuses", project_statuses)
    router.add("GET", base + "/project/{key}/versions", project_versions)
    router.add("GET", base + "/project/{key}", project_get)
    router.add("GET", base + "/issuetype/project", issuetypes_for_project)
    router.add("GET", base + "/issuetype", issuetypes_all)
    router.add("GET", base + "/issue/createmeta/{key}/issuetypes/{typeId}", createmeta_fields)
    router.add("GET", base + "/issue/createmeta/{key}/issuetypes", createmeta_types)
    router.add("GET", base + "/issue/createmeta", createmeta_legacy)
    router.add("GET", base + "/field", fields)
    router.add("GET", base + "/issueLinkType", link_types)
    router.add("GET", base + "/priority", priorities)
    router.add("POST", base + "/version", version_create)
    router.add("GET", base + "/user/search", user_search)
    router.add("GET", base + "/user/assignable/search", user_search)
