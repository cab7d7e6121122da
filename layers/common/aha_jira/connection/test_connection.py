"""Test connection (`POST /integrations/{id}/test-connection`).

Authenticates to Jira and loads what every later send needs (identity, deployment, project, issue types,
create metadata, statuses, link types, fields, versions, permissions). Each step that fails becomes a
problem with a code, a message and a hint; nothing a user can misconfigure raises. The report is stored on
the integration and the snapshot beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aha_jira.connection.check_run import CheckRun, StopChecks
from aha_jira.connection.roadmap_check import check_roadmap
from aha_jira.connection.webhook_check import check_webhook
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import (
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRejected,
)
from aha_jira.models.jira_payloads import (
    CreateMetaField,
    IssueLinkTypeRef,
    IssueTypeRef,
    ProjectRef,
    ServerInfo,
    UserPermission,
)
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot, ProjectSnapshot
from aha_jira.models.test_report import TestReport, jira_summary, needs_mapping
from aha_jira.ports import InstallationReader, IntegrationRepository, SecretStore, WebhookHealthReader
from aha_jira.settings import webhook_health_settings

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets


# Permissions a send and the webhook write-backs need in the project.
REQUIRED_PERMISSIONS = {
    "BROWSE_PROJECTS": "see the project",
    "CREATE_ISSUES": "create issues",
    "EDIT_ISSUES": "edit issues",
    "TRANSITION_ISSUES": "transition issues",
}
LINK_PERMISSION = ("LINK_ISSUES", "link issues")


def test_connection(
    integration_id: str,
    *,
    repository: IntegrationRepository,
    secret_store: SecretStore,
    installations: InstallationReader,
    budgets: SiteBudgets | None = None,
    webhook_health: WebhookHealthReader | None = None,
) -> TestReport:
    # The Jira client (requests, signers) is imported on the first test, not with the handler.
    from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415

    integration = load_integration(integration_id, repository)
    run = CheckRun(integration)
    snapshot: JiraSnapshot | None = None
    client: JiraClient | None = None
    try:
        client = run.step(
            "read the credentials",
            partial(
                jira_client_for,
                integration,
                secret_store,
                installations=installations,
                budgets=budgets,
                sites=repository,
            ),
            stop=True,
        )
        assert client is not None
        snapshot = _load(run, client)
    except StopChecks:
        pass
    if webhook_health is not None:
        silence = webhook_health_settings().silent_minutes
        check_webhook(run, webhook_health, now=time.time(), silent_minutes=silence)
    roadmap = check_roadmap(integration, secret_store, budgets=budgets)
    run.problems.extend(roadmap.problems)
    report = TestReport(
        ok=not any(problem.severity == "error" for problem in run.problems),
        problems=run.problems,
        jira=jira_summary(snapshot, projects=run.projects, link_types=run.link_types),
        tested_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        jira_calls=len(client.transport.calls) if client else 0,
        roadmap=roadmap.summary,
        roadmap_calls=roadmap.calls,
    )
    repository.save_test_result(integration, report=report.model_dump(mode="json"), snapshot=snapshot)
    record_action(
        "integration.test_connection",
        Outcome.SUCCEEDED if report.ok else Outcome.FAILED,
        integration_id=integration_id,
        message="Test connection passed" if report.ok else "Test connection found problems",
        hint=run.problems[0].hint if run.problems else None,
        error_code=next((p.code for p in run.problems if p.severity == "error"), None),
        problem_codes=[problem.code for problem in run.problems],
        jira_calls=report.jira_calls,
    )
    return report


def _load(run: CheckRun, client: JiraClient) -> JiraSnapshot | None:
    integration = run.integration
    mapping = integration.mapping
    server = _server_info(run, client)
    cloud = (server.deployment_type or "").lower() == "cloud"
    client.api_version = 3 if cloud else 2
    me = run.step("read the integration's own account", client.myself, stop=True)
    assert me is not None
    account_id = me.account_id or me.key or me.name
    if not account_id:
        run.problem(
            "not_jira", "Jira's /myself answer names no account.", "Check that jira.base_url is a Jira site."
        )
        raise StopChecks
    configuration = run.step("read the site configuration", client.configuration, optional=True)

    projects = run.step("list the projects", client.projects, stop=True) or []
    run.projects = projects
    project = _find_project(projects, integration.jira.project)
    if project is None:
        visible = ", ".join(sorted(item.key for item in projects)[:20]) or "none"
        run.problem(
            "project_not_found",
            f"Project '{integration.jira.project}' does not exist or the integration's account cannot see it.",
            f"Set jira.project to one of the visible projects ({visible}), or give the account Browse projects permission.",
            project=integration.jira.project,
        )
        raise StopChecks

    permissions = _read_permissions(run, client, project.key)
    if _lacks(permissions, "CREATE_ISSUES"):
        # Jira's create metadata lists no issue types to an account that may not create issues: blaming
        # the mapping would send the user the wrong way.
        _check_permissions(run, project.key, permissions, needs_links=False)
        raise StopChecks

    issue_types = (
        run.step(
            "list the project's issue types", lambda: client.create_meta_issue_types(project.key), stop=True
        )
        or []
    )
    sub_tasks_enabled = configuration.sub_tasks_enabled if configuration else True
    linking_enabled = configuration.issue_linking_enabled if configuration else True
    feature_type = _find_type(run, issue_types, mapping.feature_issue_type, "mapping.feature_issue_type")
    requirement_type = _find_type(
        run,
        issue_types,
        mapping.requirement_issue_type,
        "mapping.requirement_issue_type",
        subtasks_hidden=not sub_tasks_enabled,
    )

    mode, link_type = _check_requirement_structure(
        run,
        client,
        feature_type,
        requirement_type,
        sub_tasks_enabled=sub_tasks_enabled,
        linking_enabled=linking_enabled,
    )

    # `mapping.epics`: the Jira epic type the roadmap's epics become, loaded like the mapped types.
    epic_type = (
        _find_type(run, issue_types, mapping.epics.issue_type, "mapping.epics.issue_type")
        if mapping.epics is not None
        else None
    )
    mapped_types = [item for item in (feature_type, requirement_type, epic_type) if item is not None]
    create_fields: dict[str, dict[str, CreateMetaField]] = {}
    for issue_type in {item.id: item for item in mapped_types}.values():
        loaded = run.step(
            f"read the create fields of {issue_type.name}",
            partial(client.create_meta_fields, project.key, issue_type.id),
        )
        create_fields[issue_type.id] = {item.field_id: item for item in loaded or []}
        _check_required_fields(run, issue_type, create_fields[issue_type.id])

    statuses = run.step("read the project's statuses", lambda: client.project_statuses(project.key)) or []
    statuses_by_type = {item.id: item.statuses for item in statuses}
    _check_statuses(run, mapped_types, statuses_by_type)

    fields = run.step("list the fields", client.fields) or []
    versions = run.step("list the project's versions", lambda: client.versions(project.key)) or []
    _check_permissions(run, project.key, permissions, needs_links=mode == "link")

    return JiraSnapshot(
        loaded_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        base_url=run.integration.jira.base_url,
        deployment="cloud" if cloud else "datacenter",
        api_version=3 if cloud else 2,
        rich_text="adf" if cloud else "wiki",
        server_version=server.version,
        account_id=account_id,
        display_name=me.display_name,
        project=ProjectSnapshot(id=project.id, key=project.key, name=project.name),
        issue_types=[
            IssueTypeSnapshot(
                id=item.id,
                name=item.name,
                subtask=item.subtask,
                hierarchy_level=item.hierarchy_level,
                create_fields=create_fields.get(item.id, {}),
                statuses=statuses_by_type.get(item.id, []),
            )
            for item in issue_types
        ],
        feature_issue_type_id=feature_type.id if feature_type else None,
        requirement_issue_type_id=requirement_type.id if requirement_type else None,
        epic_issue_type_id=epic_type.id if epic_type else None,
        requirement_mode=mode,
        link_type=link_type,
        fields=fields,
        versions=versions,
        sub_tasks_enabled=sub_tasks_enabled,
        issue_linking_enabled=linking_enabled,
        permissions={key: value.have_permission for key, value in permissions.items()},
    )


def _check_requirement_structure(
    run: CheckRun,
    client: JiraClient,
    feature_type: IssueTypeRef | None,
    requirement_type: IssueTypeRef | None,
    *,
    sub_tasks_enabled: bool,
    linking_enabled: bool,
) -> tuple[Any, IssueLinkTypeRef | None]:
    """How requirements join their feature (sub-task, epic child or link), and whether Jira allows it."""
    mapping = run.integration.mapping
    if feature_type is not None and feature_type.subtask:
        run.problem(
            "issue_type_not_found",
            f"'{feature_type.name}' is a sub-task type; a feature needs a standard issue type.",
            "Set mapping.feature_issue_type to a standard type such as Story or Epic.",
            mapping_key="mapping.feature_issue_type",
        )
    mode = _requirement_mode(feature_type, requirement_type)
    if mode == "subtask" and not sub_tasks_enabled:
        run.problem(
            "subtasks_disabled",
            f"Requirements map to the sub-task type '{requirement_type.name if requirement_type else ''}', but sub-tasks are disabled in this Jira site.",
            "Enable sub-tasks in Jira (Settings > Issues > Sub-tasks), or set mapping.requirement_issue_type to a standard issue type such as Task.",
            mapping_key="mapping.requirement_issue_type",
        )
    link_type = None
    if mode == "link":
        link_types = run.link_types = run.step("list the issue link types", client.issue_link_types) or []
        if not linking_enabled:
            run.problem(
                "linking_disabled",
                "Issue linking is disabled in this Jira site, and requirements are joined to features with links.",
                "Enable issue linking in Jira (Settings > Issues > Issue linking), or set mapping.requirement_issue_type to a sub-task type such as Sub-task.",
                mapping_key="mapping.requirement_issue_type",
            )
        link_type = _find_link_type(link_types, mapping.link_type)
        if link_type is None and link_types:
            names = ", ".join(sorted(item.name for item in link_types))
            run.problem(
                "link_type_missing",
                f"The link type '{mapping.link_type}' does not exist in this Jira site.",
                f"Set mapping.link_type to one of: {names}.",
                link_type=mapping.link_type,
            )
    elif linking_enabled:
        # This mapping needs none, but a client offers them as a choice: unread is no problem of it.
        run.link_types = _quietly(client.issue_link_types) or []
    return mode, link_type


def _read_permissions(run: CheckRun, client: JiraClient, project_key: str) -> dict[str, UserPermission]:
    """One `mypermissions` call for every permission a send may need (Link issues included)."""
    wanted = sorted({*REQUIRED_PERMISSIONS, LINK_PERMISSION[0]})
    return (
        run.step("read its permissions", partial(client.my_permissions, project_key, wanted), optional=True)
        or {}
    )


def _lacks(permissions: dict[str, UserPermission], key: str) -> bool:
    return key in permissions and not permissions[key].have_permission


def _check_permissions(
    run: CheckRun, project_key: str, permissions: dict[str, UserPermission], *, needs_links: bool
) -> None:
    wanted = dict(REQUIRED_PERMISSIONS)
    if needs_links:
        wanted[LINK_PERMISSION[0]] = LINK_PERMISSION[1]
    missing = [key for key in sorted(wanted) if _lacks(permissions, key)]
    if missing:
        run.problem(
            "permission_missing",
            f"The integration's Jira account may not {', '.join(wanted[key] for key in missing)} in project {project_key}.",
            f"Grant it {', '.join(missing)} in the project's permission scheme.",
            permissions=missing,
        )


def _server_info(run: CheckRun, client: JiraClient) -> ServerInfo:
    """serverInfo is the first call: an answer that is not Jira's (a 403/404 from some other web server)
    means the URL is wrong, whatever its status says."""
    try:
        return client.server_info()
    except (JiraForbidden, JiraNotFound, JiraRejected) as error:
        run.problem(
            "not_jira",
            f"{run.integration.jira.base_url} does not answer like a Jira site ({error.message}).",
            "Set jira.base_url to the address you open Jira at, e.g. https://acme.atlassian.net or https://jira.example.com/jira.",
        )
        raise StopChecks from None
    except JiraError as error:
        run.jira_failure(error, "read the server information")
        raise StopChecks from None


def _quietly[R](call: Callable[[], R]) -> R | None:
    try:
        return call()
    except JiraError:
        return None


def _find_project(projects: list[ProjectRef], wanted: str) -> ProjectRef | None:
    folded = wanted.casefold()
    return next((item for item in projects if item.key.casefold() == folded or item.id == wanted), None)


def _find_type(
    run: CheckRun, types: list[IssueTypeRef], wanted: str, mapping_key: str, *, subtasks_hidden: bool = False
) -> IssueTypeRef | None:
    folded = wanted.casefold()
    found = next((item for item in types if item.name.casefold() == folded or item.id == wanted), None)
    names = ", ".join(sorted(item.name for item in types)) or "none"
    if found is None and subtasks_hidden:
        # Jira lists no sub-task type while sub-tasks are off: an unlisted requirement type is likely one.
        run.problem(
            "subtasks_disabled",
            f"The issue type '{wanted}' ({mapping_key}) is not among the issue types of project {run.integration.jira.project}, and sub-tasks are disabled in this Jira site, which hides every sub-task type.",
            f"Enable sub-tasks in Jira (Settings > Issues > Sub-tasks) if '{wanted}' is a sub-task type, or set {mapping_key} to one of: {names}.",
            mapping_key=mapping_key,
            issue_type=wanted,
        )
    elif found is None:
        run.problem(
            "issue_type_not_found",
            f"The issue type '{wanted}' ({mapping_key}) cannot be created in project {run.integration.jira.project}.",
            f"Set {mapping_key} to one of: {names}.",
            mapping_key=mapping_key,
            issue_type=wanted,
        )
    return found


def _requirement_mode(feature: IssueTypeRef | None, requirement: IssueTypeRef | None) -> Any:
    if requirement is None:
        return None
    if requirement.subtask:
        return "subtask"
    if feature is not None and (feature.hierarchy_level == 1 or feature.name.casefold() == "epic"):
        return "epic_child"
    return "link"


def _find_link_type(link_types: list[IssueLinkTypeRef], wanted: str) -> IssueLinkTypeRef | None:
    folded = wanted.casefold()
    return next(
        (
            item
            for item in link_types
            if folded
            in {item.name.casefold(), (item.inward or "").casefold(), (item.outward or "").casefold()}
            or item.id == wanted
        ),
        None,
    )


def _check_required_fields(
    run: CheckRun, issue_type: IssueTypeRef, fields: dict[str, CreateMetaField]
) -> None:
    mapped = set(run.integration.mapping.fields)
    for field_id, meta in sorted(fields.items()):
        if not needs_mapping(field_id, meta) or field_id in mapped:
            continue
        run.problem(
            "required_field_unmapped",
            f"Jira requires the field '{meta.name}' ({field_id}) to create a {issue_type.name}, and the mapping does not fill it.",
            f'Add it to mapping.fields, e.g. "{field_id}": {{"value": ...}} or {{"from": "custom_fields.<key>"}}.',
            field_id=field_id,
            field_name=meta.name,
            issue_type=issue_type.name,
        )


def _check_statuses(run: CheckRun, types: list[IssueTypeRef], statuses_by_type: dict[str, Any]) -> None:
    mapped = {name.casefold() for name in run.integration.mapping.statuses}
    unmapped: dict[str, str] = {}
    for issue_type in types:
        for status in statuses_by_type.get(issue_type.id, []):
            if status.name.casefold() not in mapped and status.id not in mapped:
                unmapped.setdefault(status.name, status.id)
    if unmapped:
        names = ", ".join(sorted(unmapped))
        run.problem(
            "status_unmapped",
            f"These Jira statuses of the mapped issue types have no roadmap status: {names}.",
            "Add them to mapping.statuses, or accept that moving an issue into them leaves the roadmap status unchanged.",
            severity="warning",
            statuses=sorted(unmapped),
        )
