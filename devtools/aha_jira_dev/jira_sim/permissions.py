"""Jira's permission catalogue and the per-account project permissions the simulator enforces.

Every seeded account holds every project permission in every project. The control API revokes project
permissions per account and project (``Store.revoked``); ``GET mypermissions`` reports them, and the
operations that need them are refused the way Jira refuses them:

| permission | refused operation (answer) |
|---|---|
| ``BROWSE_PROJECTS`` | the project disappears: project reads 404 (or leave it out of lists), its issues 404, search skips them |
| ``CREATE_ISSUES`` | ``POST issue``/``issue/bulk``: 400 ``errors.project``; create metadata lists no issue types or fields |
| ``EDIT_ISSUES`` | ``PUT issue``: 400 ``You do not have permission to edit issues in this project.`` |
| ``TRANSITION_ISSUES`` | ``GET transitions`` lists none; ``POST transitions``: 400 ``Transition id '..' is not valid`` |
| ``LINK_ISSUES`` | ``POST issueLink``: 404 (Cloud) / 401 (Data Center) ``No Link Issue Permission for issue 'K'.``;
  ``update.issuelinks``: 400 ``errors.issuelinks`` |
| ``DELETE_ISSUES`` | ``DELETE issue``: 403 |
| ``WORK_ON_ISSUES`` | ``POST worklog``: 400 |
| ``CREATE_ATTACHMENTS`` | ``POST attachments``: 403 |

The other permissions are reported by ``mypermissions`` and not otherwise enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Issue, Project, Store, Transition, User


@dataclass(frozen=True)
class PermissionDef:
    id: str
    key: str
    name: str
    type: str  # PROJECT | GLOBAL
    description: str


PROJECT_PERMISSIONS: tuple[PermissionDef, ...] = (
    PermissionDef("23", "ADMINISTER_PROJECTS", "Administer Projects", "PROJECT", "Ability to administer a project in Jira."),
    PermissionDef("10", "BROWSE_PROJECTS", "Browse Projects", "PROJECT", "Ability to browse projects and the issues within them."),
    PermissionDef("29", "VIEW_DEV_TOOLS", "View Development Tools", "PROJECT", "Allows users in a software project to view development-related information on the issue, such as commits, reviews and build information."),
    PermissionDef("45", "VIEW_READONLY_WORKFLOW", "View Read-Only Workflow", "PROJECT", "Users with this permission may view a read-only version of a workflow."),
    PermissionDef("11", "CREATE_ISSUES", "Create Issues", "PROJECT", "Ability to create issues."),
    PermissionDef("12", "EDIT_ISSUES", "Edit Issues", "PROJECT", "Ability to edit issues."),
    PermissionDef("46", "TRANSITION_ISSUES", "Transition Issues", "PROJECT", "Ability to transition issues."),
    PermissionDef("28", "SCHEDULE_ISSUES", "Schedule Issues", "PROJECT", "Ability to view or edit an issue's due date."),
    PermissionDef("25", "MOVE_ISSUES", "Move Issues", "PROJECT", "Ability to move issues between projects or between workflows of the same project (if applicable). Note the user can only move issues to a project they have the create permission for."),
    PermissionDef("13", "ASSIGN_ISSUES", "Assign Issues", "PROJECT", "Ability to assign issues to other people."),
    PermissionDef("17", "ASSIGNABLE_USER", "Assignable User", "PROJECT", "Users with this permission may be assigned to issues."),
    PermissionDef("14", "RESOLVE_ISSUES", "Resolve Issues", "PROJECT", "Ability to resolve and reopen issues. This includes the ability to set a fix version."),
    PermissionDef("18", "CLOSE_ISSUES", "Close Issues", "PROJECT", "Ability to close issues. Often useful where your developers resolve issues, and a QA department closes them."),
    PermissionDef("30", "MODIFY_REPORTER", "Modify Reporter", "PROJECT", "Ability to modify the reporter when creating or editing an issue."),
    PermissionDef("16", "DELETE_ISSUES", "Delete Issues", "PROJECT", "Ability to delete issues."),
    PermissionDef("21", "LINK_ISSUES", "Link Issues", "PROJECT", "Ability to link issues together and create linked issues. Only useful if issue linking is turned on."),
    PermissionDef("26", "SET_ISSUE_SECURITY", "Set Issue Security", "PROJECT", "Ability to set the level of security on an issue so that only people in that security level can see the issue."),
    PermissionDef("31", "VIEW_VOTERS_AND_WATCHERS", "View Voters and Watchers", "PROJECT", "Ability to view the voters and watchers of an issue."),
    PermissionDef("32", "MANAGE_WATCHERS", "Manage Watchers", "PROJECT", "Ability to manage the watchers of an issue."),
    PermissionDef("15", "ADD_COMMENTS", "Add Comments", "PROJECT", "Ability to comment on issues."),
    PermissionDef("34", "EDIT_ALL_COMMENTS", "Edit All Comments", "PROJECT", "Ability to edit all comments made on issues."),
    PermissionDef("35", "EDIT_OWN_COMMENTS", "Edit Own Comments", "PROJECT", "Ability to edit own comments made on issues."),
    PermissionDef("36", "DELETE_ALL_COMMENTS", "Delete All Comments", "PROJECT", "Ability to delete all comments made on issues."),
    PermissionDef("37", "DELETE_OWN_COMMENTS", "Delete Own Comments", "PROJECT", "Ability to delete own comments made on issues."),
    PermissionDef("19", "CREATE_ATTACHMENTS", "Create Attachments", "PROJECT", "Users with this permission may create attachments."),
    PermissionDef("38", "DELETE_ALL_ATTACHMENTS", "Delete All Attachments", "PROJECT", "Users with this permission may delete all attachments."),
    PermissionDef("39", "DELETE_OWN_ATTACHMENTS", "Delete Own Attachments", "PROJECT", "Users with this permission may delete own attachments."),
    PermissionDef("20", "WORK_ON_ISSUES", "Work On Issues", "PROJECT", "Ability to log work done against an issue. Only useful if Time Tracking is turned on."),
    PermissionDef("40", "EDIT_OWN_WORKLOGS", "Edit Own Worklogs", "PROJECT", "Ability to edit own worklogs made on issues."),
    PermissionDef("41", "EDIT_ALL_WORKLOGS", "Edit All Worklogs", "PROJECT", "Ability to edit all worklogs made on issues."),
    PermissionDef("42", "DELETE_OWN_WORKLOGS", "Delete Own Worklogs", "PROJECT", "Ability to delete own worklogs made on issues."),
    PermissionDef("43", "DELETE_ALL_WORKLOGS", "Delete All Worklogs", "PROJECT", "Ability to delete all worklogs made on issues."),
)  # fmt: skip

# Global permissions: (definition, whether the seeded accounts hold it). The bot is no Jira administrator.
GLOBAL_PERMISSIONS: tuple[tuple[PermissionDef, bool], ...] = (
    (PermissionDef("0", "ADMINISTER", "Administer Jira", "GLOBAL", "Create and administer projects, issue types, fields, workflows, and schemes for all projects. Users with this permission can perform most administration tasks, except: managing users, importing data, and editing system email settings."), False),
    (PermissionDef("44", "SYSTEM_ADMIN", "Jira System Administrators", "GLOBAL", "Ability to perform all administration functions. There must be at least one group with this permission."), False),
    (PermissionDef("27", "USER_PICKER", "Browse users and groups", "GLOBAL", "View and select users or groups from the user picker, and share issues. Users with this permission can see the names of all users and groups on your site."), True),
    (PermissionDef("22", "CREATE_SHARED_OBJECTS", "Share dashboards and filters", "GLOBAL", "Share dashboards and filters with other users."), True),
    (PermissionDef("24", "MANAGE_GROUP_FILTER_SUBSCRIPTIONS", "Manage group filter subscriptions", "GLOBAL", "Create and delete group filter subscriptions."), True),
    (PermissionDef("33", "BULK_CHANGE", "Make bulk changes", "GLOBAL", "Modify collections of issues at once. For example, resolve multiple issues in one step."), True),
)  # fmt: skip

PROJECT_KEYS: frozenset[str] = frozenset(p.key for p in PROJECT_PERMISSIONS)
ALL_PERMISSIONS: dict[str, PermissionDef] = {p.key: p for p in PROJECT_PERMISSIONS} | {
    p.key: p for p, _ in GLOBAL_PERMISSIONS
}
GLOBAL_HELD: dict[str, bool] = {p.key: held for p, held in GLOBAL_PERMISSIONS}
EVERY_PROJECT = "*"


def has_permission(store: Store, user: User | None, project: Project | None, key: str) -> bool:
    """Whether ``user`` holds ``key`` in ``project`` (None: in any project, Jira's global context)."""
    if user is None:
        return False
    if key not in PROJECT_KEYS:
        return GLOBAL_HELD.get(key, False)
    if key in store.revoked.get((user.account_id, EVERY_PROJECT), frozenset()):
        return False
    if project is None:
        return any(
            key not in store.revoked.get((user.account_id, p.id), frozenset())
            for p in store.projects.values()
        )
    return key not in store.revoked.get((user.account_id, project.id), frozenset())


def can_browse(store: Store, user: User | None, project: Project) -> bool:
    """Internal callers (user None) see everything; an authenticated caller needs Browse Projects."""
    return user is None or has_permission(store, user, project, "BROWSE_PROJECTS")


def render_permission(definition: PermissionDef, have: bool) -> dict[str, Any]:
    return {
        "id": definition.id,
        "key": definition.key,
        "name": definition.name,
        "type": definition.type,
        "description": definition.description,
        "havePermission": have,
    }


def unknown_keys(keys: list[str]) -> list[str]:
    return [k for k in keys if k not in ALL_PERMISSIONS]


def available_transitions(store: Store, user: User | None, issue: Issue) -> list[Transition]:
    """The transitions ``user`` may take from the issue's status: none without Transition Issues."""
    project = store.projects[issue.project_id]
    if user is not None and not has_permission(store, user, project, "TRANSITION_ISSUES"):
        return []
    return project.workflow_for(issue.issue_type_id).available(issue.status_id)
