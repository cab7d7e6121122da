"""Jira's REST API as typed methods, for the API version the site speaks (3 on Cloud, 2 on Data Center).

Only calls the product makes are here. Paged reads follow every page, with a hard page limit so a
misbehaving server cannot keep a function busy until it times out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from aha_jira.jira.payloads import (
    Configuration,
    CreateMetaField,
    FieldRef,
    IssueLinkTypeRef,
    IssueTypeRef,
    IssueTypeStatuses,
    Myself,
    ProjectRef,
    ServerInfo,
    UserPermission,
    VersionRef,
)
from aha_jira.jira.transport import JiraTransport

MAX_PAGES = 50


def _segment(value: str) -> str:
    return quote(value, safe="")


class JiraClient:
    def __init__(self, transport: JiraTransport, api_version: int = 3) -> None:
        self.transport = transport
        self.api_version = api_version

    @property
    def _api(self) -> str:
        return f"/rest/api/{self.api_version}"

    @property
    def is_cloud(self) -> bool:
        return self.api_version >= 3

    # --- identity and deployment -------------------------------------------------------------
    def server_info(self) -> ServerInfo:
        # v2 answers on both Cloud and Data Center, so it is the one to ask before the version is known.
        return ServerInfo.model_validate(self.transport.get("/rest/api/2/serverInfo"))

    def myself(self) -> Myself:
        return Myself.model_validate(self.transport.get(f"{self._api}/myself"))

    def configuration(self) -> Configuration:
        return Configuration.model_validate(self.transport.get(f"{self._api}/configuration"))

    # --- projects and metadata -----------------------------------------------------------------
    def projects(self) -> list[ProjectRef]:
        if self.is_cloud:
            return [
                ProjectRef.model_validate(item)
                for item in self._offset_pages(f"{self._api}/project/search", "values")
            ]
        # Data Center has no project/search: the list answers every visible project at once.
        return [ProjectRef.model_validate(item) for item in self.transport.get(f"{self._api}/project") or []]

    def project(self, key: str) -> ProjectRef:
        return ProjectRef.model_validate(self.transport.get(f"{self._api}/project/{_segment(key)}"))

    def create_meta_issue_types(self, project_key: str) -> list[IssueTypeRef]:
        path = f"{self._api}/issue/createmeta/{_segment(project_key)}/issuetypes"
        return [
            IssueTypeRef.model_validate(item) for item in self._offset_pages(path, "issueTypes", "values")
        ]

    def create_meta_fields(self, project_key: str, issue_type_id: str) -> list[CreateMetaField]:
        path = f"{self._api}/issue/createmeta/{_segment(project_key)}/issuetypes/{_segment(issue_type_id)}"
        return [
            CreateMetaField.model_validate(item)
            for item in self._offset_pages(path, "fields", "results", "values")
        ]

    def project_statuses(self, project_key: str) -> list[IssueTypeStatuses]:
        answer = self.transport.get(f"{self._api}/project/{_segment(project_key)}/statuses") or []
        return [IssueTypeStatuses.model_validate(item) for item in answer]

    def fields(self) -> list[FieldRef]:
        return [FieldRef.model_validate(item) for item in self.transport.get(f"{self._api}/field") or []]

    def issue_link_types(self) -> list[IssueLinkTypeRef]:
        answer = self.transport.get(f"{self._api}/issueLinkType") or {}
        return [IssueLinkTypeRef.model_validate(item) for item in answer.get("issueLinkTypes", [])]

    def versions(self, project_key: str) -> list[VersionRef]:
        answer = self.transport.get(f"{self._api}/project/{_segment(project_key)}/versions") or []
        return [VersionRef.model_validate(item) for item in answer]

    def my_permissions(self, project_key: str, permissions: list[str]) -> dict[str, UserPermission]:
        answer = self.transport.get(
            f"{self._api}/mypermissions",
            params={"projectKey": project_key, "permissions": ",".join(permissions)},
        )
        raw = (answer or {}).get("permissions", {})
        return {key: UserPermission.model_validate(value) for key, value in raw.items()}

    # --- paging --------------------------------------------------------------------------------
    def _offset_pages(self, path: str, *item_keys: str, page_size: int = 50) -> Iterator[dict[str, Any]]:
        start = 0
        for _ in range(MAX_PAGES):
            page = self.transport.get(path, params={"startAt": start, "maxResults": page_size}) or {}
            items: list[dict[str, Any]] = next(
                (page[key] for key in item_keys if isinstance(page.get(key), list)), []
            )
            yield from items
            start += len(items)
            total = page.get("total")
            if not items or page.get("isLast") is True or (isinstance(total, int) and start >= total):
                return
