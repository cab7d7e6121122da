"""Jira's JSON shapes for the stored objects, per API version (3 = Cloud/ADF, 2 = v2/wiki) and mode."""

from __future__ import annotations

from typing import Any

from . import richtext
from .agile import ISSUE_WIDE_FIELDS, sprint_json
from .state import (
    FIELDS_BY_ID,
    PRIORITIES,
    RESOLUTION_DONE,
    STATUS_CATEGORIES,
    Comment,
    FieldDef,
    Issue,
    IssueType,
    LinkType,
    Project,
    ScreenField,
    Status,
    Store,
    Transition,
    User,
    Version,
    Worklog,
    jira_time,
)


class Renderer:
    def __init__(self, store: Store, base_url: str, mode: str, version: int) -> None:
        self.store = store
        self.base = base_url.rstrip("/")
        self.mode = mode
        self.api_version = version
        self.api = f"{self.base}/rest/api/{version}"

    # users ---------------------------------------------------------------------------------------------
    def avatars(self, seed: str) -> dict[str, str]:
        return {
            f"{n}x{n}": f"{self.base}/secure/useravatar?size={n}&ownerId={seed}" for n in (48, 24, 16, 32)
        }

    def user(self, user: User | None, *, full: bool = False) -> dict[str, Any] | None:
        if user is None:
            return None
        if self.mode == "cloud":
            out: dict[str, Any] = {
                "self": f"{self.api}/user?accountId={user.account_id}",
                "accountId": user.account_id,
                "accountType": user.account_type,
                "emailAddress": user.email,
                "avatarUrls": self.avatars(user.account_id),
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": user.time_zone,
            }
        else:
            out = {
                "self": f"{self.api}/user?username={user.name}",
                "key": user.key,
                "name": user.name,
                "emailAddress": user.email,
                "avatarUrls": self.avatars(user.key),
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": user.time_zone,
            }
        if full:
            out["locale"] = "en_US"
            out["groups"] = {"size": 1, "items": []}
            out["applicationRoles"] = {"size": 1, "items": []}
            out["expand"] = "groups,applicationRoles"
        return out

    def user_id(self, account_id: str | None) -> dict[str, Any] | None:
        return self.user(self.store.users.get(account_id)) if account_id else None

    # projects, types, statuses ---------------------------------------------------------------------------
    def project_avatars(self, project: Project) -> dict[str, str]:
        return {
            f"{n}x{n}": f"{self.base}/secure/projectavatar?size={s}&pid={project.id}&avatarId=10400"
            for n, s in ((48, "large"), (24, "small"), (16, "xsmall"), (32, "medium"))
        }

    def project_ref(self, project: Project) -> dict[str, Any]:
        return {
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": self.project_avatars(project),
        }

    def project_summary(self, project: Project) -> dict[str, Any]:
        return {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "avatarUrls": self.project_avatars(project),
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
            "properties": {},
        }

    def project_full(self, project: Project) -> dict[str, Any]:
        out = self.project_summary(project)
        out.update(
            {
                "description": project.description,
                "lead": self.user_id(project.lead_account_id),
                "components": [],
                "issueTypes": [
                    self.issue_type(it) for it in self.store.listed_issue_types(project.issue_type_ids)
                ],
                "assigneeType": "UNASSIGNED",
                "versions": [self.version(v) for v in self.store.project_versions(project.id)],
                "roles": {},
            }
        )
        return out

    def issue_type(self, it: IssueType) -> dict[str, Any]:
        out: dict[str, Any] = {
            "self": f"{self.api}/issuetype/{it.id}",
            "id": it.id,
            "description": it.description,
            "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{it.avatar_id}",
            "name": it.name,
            "subtask": it.subtask,
            "avatarId": it.avatar_id,
            "hierarchyLevel": it.hierarchy_level,
        }
        return out

    def status_category(self, key: str) -> dict[str, Any]:
        cat = STATUS_CATEGORIES[key]
        return {
            "self": f"{self.api}/statuscategory/{cat.id}",
            "id": cat.id,
            "key": cat.key,
            "colorName": cat.color,
            "name": cat.name,
        }

    def status(self, status: Status) -> dict[str, Any]:
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": status.description,
            "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
            "name": status.name,
            "untranslatedName": status.name,
            "id": status.id,
            "statusCategory": self.status_category(status.category),
        }

    def transition(self, t: Transition, issue: Issue | None = None) -> dict[str, Any]:
        """A transition; with ``issue`` (``expand=transitions.fields``) its screen's fields as metadata."""
        out: dict[str, Any] = {
            "id": t.id,
            "name": t.name,
            "to": self.status(self.store.statuses[t.to_status]),
            "hasScreen": bool(t.screen),
            "isGlobal": t.from_statuses is None,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }
        if issue is not None:
            project = self.store.projects[issue.project_id]
            it = self.store.issue_types[issue.issue_type_id]
            out["fields"] = {sf.field_id: self.field_meta(sf, project, it, legacy=True) for sf in t.screen}
        return out

    def version(self, v: Version) -> dict[str, Any]:
        out: dict[str, Any] = {
            "self": f"{self.api}/version/{v.id}",
            "id": v.id,
            "description": v.description,
            "name": v.name,
            "archived": v.archived,
            "released": v.released,
            "projectId": int(v.project_id),
        }
        if v.release_date:
            out["releaseDate"] = v.release_date
        if v.start_date:
            out["startDate"] = v.start_date
        return out

    def link_type(self, lt: LinkType) -> dict[str, Any]:
        return {
            "id": lt.id,
            "name": lt.name,
            "inward": lt.inward,
            "outward": lt.outward,
            "self": f"{self.api}/issueLinkType/{lt.id}",
        }

    def field(self, f: FieldDef) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": f.id,
            "key": f.id,
            "name": f.name,
            "custom": f.custom,
            "orderable": f.orderable,
            "navigable": f.navigable,
            "searchable": f.searchable,
            "clauseNames": f.clause_names,
        }
        if f.schema is not None:
            out["schema"] = dict(f.schema)
        return out

    def priority(self, pid: str | None) -> dict[str, Any] | None:
        for p_id, name in PRIORITIES:
            if p_id == pid:
                return {
                    "self": f"{self.api}/priority/{p_id}",
                    "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
                    "name": name,
                    "id": p_id,
                }
        return None

    def option(self, f: FieldDef, option_id: str | None) -> dict[str, Any] | None:
        for oid, value in f.options:
            if oid == option_id:
                return {"self": f"{self.api}/customFieldOption/{oid}", "value": value, "id": oid}
        return None

    # create metadata -------------------------------------------------------------------------------------
    def allowed_values(self, f: FieldDef, project: Project, it: IssueType) -> list[Any] | None:  # noqa: PLR0911
        if f.id == "issuetype":
            return [self.issue_type(it)]
        if f.id == "project":
            return [self.project_ref(project)]
        if f.id == "priority":
            return [self.priority(pid) for pid, _ in PRIORITIES]
        if f.kind == "versions":
            return [self.version(v) for v in self.store.project_versions(project.id)]
        if f.kind == "components":
            return []
        if f.kind == "select":
            return [self.option(f, oid) for oid, _ in f.options]
        return None

    def field_meta(
        self, sf: ScreenField, project: Project, it: IssueType, *, legacy: bool = False
    ) -> dict[str, Any]:
        """One create-metadata field; ``legacy`` = the old ``createmeta?expand=`` form (no ``fieldId``)."""
        f = FIELDS_BY_ID[sf.field_id]
        out: dict[str, Any] = {"required": sf.required}
        if f.schema is not None:
            out["schema"] = dict(f.schema)
        else:
            out["schema"] = {"type": "any"}
        out["name"] = f.name
        out["key"] = f.id
        if not legacy:
            out["fieldId"] = f.id
        if f.kind in ("user",):
            out["autoCompleteUrl"] = f"{self.api}/user/search?query="
        if f.kind == "labels":
            out["autoCompleteUrl"] = f"{self.base}/rest/api/1.0/labels/suggest?query="
        has_default = sf.default is not None
        out["hasDefaultValue"] = has_default
        out["operations"] = list(f.operations)
        allowed = self.allowed_values(f, project, it)
        if allowed is not None:
            out["allowedValues"] = allowed
        if has_default and f.id == "priority":
            out["defaultValue"] = self.priority(str(sf.default))
        elif has_default and f.kind == "select":
            out["defaultValue"] = self.option(f, str(sf.default))
        elif has_default and sf.default != "__caller__":
            out["defaultValue"] = sf.default
        return out

    # issues ----------------------------------------------------------------------------------------------
    def issue_ref(self, issue: Issue) -> dict[str, Any]:
        return {
            "id": issue.id,
            "key": issue.key,
            "self": f"{self.api}/issue/{issue.id}",
            "fields": {
                "summary": issue.values.get("summary", ""),
                "status": self.status(self.store.statuses[issue.status_id]),
                "priority": self.priority(issue.values.get("priority")),
                "issuetype": self.issue_type(self.store.issue_types[issue.issue_type_id]),
            },
        }

    def rich(self, value: Any) -> Any:
        return richtext.as_v3(value) if self.api_version == 3 else richtext.as_v2(value)

    def worklog(self, w: Worklog) -> dict[str, Any]:
        out: dict[str, Any] = {
            "self": f"{self.api}/issue/{w.issue_id}/worklog/{w.id}",
            "author": self.user_id(w.author),
            "updateAuthor": self.user_id(w.update_author),
            "created": jira_time(w.created),
            "updated": jira_time(w.updated),
            "started": w.started,
            "timeSpent": format_duration(w.time_spent_seconds),
            "timeSpentSeconds": w.time_spent_seconds,
            "id": w.id,
            "issueId": w.issue_id,
        }
        if w.comment is not None:
            out["comment"] = self.rich(w.comment)
        return out

    def timetracking(self, issue: Issue) -> dict[str, Any]:
        spent = self.store.time_spent(issue.id)
        out: dict[str, Any] = {}
        if issue.original_estimate is not None:
            out["originalEstimate"] = format_duration(issue.original_estimate)
        if issue.remaining_estimate is not None:
            out["remainingEstimate"] = format_duration(issue.remaining_estimate)
        if spent:
            out["timeSpent"] = format_duration(spent)
        if issue.original_estimate is not None:
            out["originalEstimateSeconds"] = issue.original_estimate
        if issue.remaining_estimate is not None:
            out["remainingEstimateSeconds"] = issue.remaining_estimate
        if spent:
            out["timeSpentSeconds"] = spent
        return out

    def link(self, issue: Issue, link_id: str) -> dict[str, Any] | None:
        lk = self.store.links.get(link_id)
        if lk is None:
            return None
        lt = self.store.link_types[lk.type_id]
        out: dict[str, Any] = {
            "id": lk.id,
            "self": f"{self.api}/issueLink/{lk.id}",
            "type": self.link_type(lt),
        }
        if lk.inward_issue_id == issue.id:
            other = self.store.issues.get(lk.outward_issue_id)
            if other is None:
                return None
            out["outwardIssue"] = self.issue_ref(other)
        else:
            other = self.store.issues.get(lk.inward_issue_id)
            if other is None:
                return None
            out["inwardIssue"] = self.issue_ref(other)
        return out

    def field_value(self, issue: Issue, fid: str) -> Any:  # noqa: PLR0911, PLR0912
        store = self.store
        v = issue.values
        if fid == "summary":
            return v.get("summary", "")
        if fid == "issuetype":
            return self.issue_type(store.issue_types[issue.issue_type_id])
        if fid == "project":
            return self.project_ref(store.projects[issue.project_id])
        if fid == "status":
            return self.status(store.statuses[issue.status_id])
        if fid in ("description", "environment") or (
            fid in FIELDS_BY_ID and FIELDS_BY_ID[fid].kind == "richtext"
        ):
            return self.rich(v.get(fid))
        if fid == "labels":
            return list(v.get("labels", []))
        if fid in ("fixVersions", "versions"):
            return [self.version(store.versions[x]) for x in v.get(fid, []) if x in store.versions]
        if fid in ("assignee", "reporter", "creator"):
            account = issue.creator if fid == "creator" else v.get(fid)
            return self.user_id(account)
        if fid == "priority":
            return self.priority(v.get("priority"))
        if fid == "duedate":
            return v.get("duedate")
        if fid == "components":
            return []
        if fid == "parent":
            parent = store.issues.get(v.get("parent") or "")
            return self.issue_ref(parent) if parent else None
        if fid == "subtasks":
            return [self.issue_ref(s) for s in store.subtasks(issue.id)]
        if fid == "issuelinks":
            return [x for x in (self.link(issue, lk.id) for lk in store.issue_links(issue.id)) if x]
        if fid == "timetracking":
            return self.timetracking(issue)
        if fid in ("timeoriginalestimate", "aggregatetimeoriginalestimate"):
            return issue.original_estimate
        if fid in ("timeestimate", "aggregatetimeestimate"):
            return issue.remaining_estimate
        if fid in ("timespent", "aggregatetimespent"):
            return store.time_spent(issue.id) or None
        if fid == "worklog":
            logs = store.issue_worklogs(issue.id)
            return {
                "startAt": 0,
                "maxResults": 20,
                "total": len(logs),
                "worklogs": [self.worklog(w) for w in logs[:20]],
            }
        if fid == "attachment":
            return [self.attachment(a.id) for a in store.attachments.values() if a.issue_id == issue.id]
        if fid == "resolution":
            if issue.resolution is None:
                return None
            return {
                "self": f"{self.api}/resolution/{RESOLUTION_DONE[0]}",
                "id": RESOLUTION_DONE[0],
                "description": "Work has been completed on this issue.",
                "name": RESOLUTION_DONE[1],
            }
        if fid == "resolutiondate":
            return jira_time(issue.resolution_date) if issue.resolution_date else None
        if fid == "created":
            return jira_time(issue.created)
        if fid == "updated":
            return jira_time(issue.updated)
        if fid == "statuscategorychangedate":
            return jira_time(issue.status_category_changed or issue.created)
        if fid == "comment":
            comments = store.issue_comments(issue.id)
            return {
                "comments": [self.comment(c) for c in comments],
                "self": f"{self.api}/issue/{issue.id}/comment",
                "maxResults": len(comments),
                "total": len(comments),
                "startAt": 0,
            }
        if fid == "watches":
            return {"self": f"{self.api}/issue/{issue.key}/watchers", "watchCount": 1, "isWatching": False}
        if fid == "votes":
            return {"self": f"{self.api}/issue/{issue.key}/votes", "votes": 0, "hasVoted": False}
        if fid == "lastViewed":
            return None
        f = FIELDS_BY_ID.get(fid)
        if f is None:
            return None
        if f.kind == "select":
            return self.option(f, v.get(fid))
        if f.kind == "epiclink":
            epic = store.issues.get(v.get(fid) or "")
            return epic.key if epic else None
        if f.kind == "sprint":
            sprints = [sprint_json(store.sprints[i]) for i in v.get(fid) or [] if i in store.sprints]
            return sprints or None
        return v.get(fid)

    def field_ids_for(self, issue: Issue) -> list[str]:
        """Fields present on an issue: system fields, Jira Software's Rank and Sprint (on every issue, as on a
        Cloud site), and the custom fields of its project's create and transition screens."""
        project = self.store.projects[issue.project_id]
        screens = [
            *project.screens.get(issue.issue_type_id, ()),
            *(f for t in project.workflow_for(issue.issue_type_id).transitions for f in t.screen),
        ]
        custom = list(dict.fromkeys(f.field_id for f in screens if f.field_id.startswith("customfield_")))
        system = [f.id for f in FIELDS_BY_ID.values() if not f.custom and f.id != "issuekey"]
        return system + [f for f in ISSUE_WIDE_FIELDS if f not in custom] + custom

    def attachment(self, attachment_id: str) -> dict[str, Any]:
        a = self.store.attachments[attachment_id]
        return {
            "self": f"{self.api}/attachment/{a.id}",
            "id": a.id,
            "filename": a.filename,
            "author": self.user_id(a.author),
            "created": jira_time(a.created),
            "size": a.size,
            "mimeType": a.mime_type,
            "content": f"{self.base}/rest/api/{self.api_version}/attachment/content/{a.id}",
        }

    def comment(self, c: Comment, expand: list[str] | None = None) -> dict[str, Any]:
        """A comment: the body is ADF on v3 and a wiki string on v2 (and in webhooks)."""
        out: dict[str, Any] = {
            "self": f"{self.api}/issue/{c.issue_id}/comment/{c.id}",
            "id": c.id,
            "author": self.user_id(c.author),
            "body": self.rich(c.body),
            "updateAuthor": self.user_id(c.update_author),
            "created": jira_time(c.created),
            "updated": jira_time(c.updated),
            "jsdPublic": True,
        }
        if c.visibility:
            out["visibility"] = dict(c.visibility)
        expand = expand or []
        if "renderedBody" in expand:
            out["renderedBody"] = richtext.to_html(c.body)
        if "properties" in expand:
            out["properties"] = [{"key": k, "value": v} for k, v in c.properties.items()]
        return out

    def issue(
        self,
        issue: Issue,
        fields: list[str] | None = None,
        properties: list[str] | None = None,
        expand: list[str] | None = None,
    ) -> dict[str, Any]:
        """``fields``: None = all; supports ``*all``, ``*navigable``, ``-field`` and explicit ids."""
        present = self.field_ids_for(issue)
        wanted = select_fields(present, fields)
        out: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue.id,
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
        }
        if wanted is not None:
            out["fields"] = {fid: self.field_value(issue, fid) for fid in wanted}
        if properties:
            keys = list(issue.properties) if "*all" in properties else properties
            out["properties"] = {k: issue.properties[k] for k in keys if k in issue.properties}
        expand = expand or []
        if "changelog" in expand:
            out["changelog"] = self.changelog(issue)
        if "names" in expand and wanted is not None:
            out["names"] = {fid: FIELDS_BY_ID[fid].name for fid in wanted if fid in FIELDS_BY_ID}
        if "transitions" in expand:
            project = self.store.projects[issue.project_id]
            out["transitions"] = [
                self.transition(t)
                for t in project.workflow_for(issue.issue_type_id).available(issue.status_id)
            ]
        return out

    def changelog(self, issue: Issue, start_at: int = 0, max_results: int = 100) -> dict[str, Any]:
        page = issue.histories[start_at : start_at + max_results]
        return {
            "startAt": start_at,
            "maxResults": max_results,
            "total": len(issue.histories),
            "histories": [
                {
                    "id": h.id,
                    "author": self.user_id(h.author),
                    "created": jira_time(h.created),
                    "items": [i.as_json() for i in h.items],
                }
                for h in page
            ],
        }


NAVIGABLE_EXCLUDED = {"worklog", "comment", "attachment", "timetracking"}


def select_fields(present: list[str], requested: list[str] | None) -> list[str] | None:
    """Which fields to render; None means "no fields object" (only ``id`` was asked for)."""
    if requested is None:
        return present
    include_all = "*all" in requested
    navigable = "*navigable" in requested
    explicit = [f for f in requested if not f.startswith(("*", "-")) and f not in ("id", "key")]
    excluded = {f[1:] for f in requested if f.startswith("-")}
    if include_all:
        chosen = list(present)
    elif navigable:
        chosen = [f for f in present if f not in NAVIGABLE_EXCLUDED]
    else:
        chosen = []
    for f in explicit:
        if f not in chosen and (f in present or f in FIELDS_BY_ID):
            chosen.append(f)
    chosen = [f for f in chosen if f not in excluded]
    if not chosen and not include_all and not navigable and not explicit:
        return None
    return chosen


UNITS = (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60))


def format_duration(seconds: int) -> str:
    """Jira's duration format with 8-hour days and 5-day weeks, e.g. ``1d 2h``."""
    if seconds <= 0:
        return "0m"
    parts = []
    rest = seconds
    for unit, size in UNITS:
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return " ".join(parts) if parts else f"{seconds}s"


def parse_duration(text: str) -> int | None:
    """Seconds for ``2w 1d 4h 30m``; a bare number means minutes (Jira's default unit). None if invalid."""
    text = text.strip().lower()
    if not text:
        return None
    if text.isdigit():
        return int(text) * 60
    total = 0
    sizes = dict(UNITS) | {"s": 1}
    for token in text.split():
        unit = token[-1]
        number = token[:-1]
        if unit not in sizes:
            return None
        try:
            value = float(number)
        except ValueError:
            return None
        total += int(value * sizes[unit])
    return total
