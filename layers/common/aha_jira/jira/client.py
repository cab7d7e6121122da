"""Jira's REST API as typed methods, for the API version the site speaks (3 on Cloud, 2 on Data Center).

Only calls the product makes are here. Paged reads follow every page, with a hard page limit so a
misbehaving server cannot keep a function busy until it times out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from aha_jira.jira.multipart import MultipartFile
from aha_jira.jira.transport import JiraTransport
from aha_jira.models.jira_payloads import (
    AttachmentRef,
    AttachmentSettings,
    BulkCreateResult,
    CommentRef,
    Configuration,
    CreatedIssue,
    CreateMetaField,
    FieldRef,
    IssueLinkTypeRef,
    IssueStatus,
    IssueTypeRef,
    IssueTypeStatuses,
    JiraIssue,
    Myself,
    ProjectRef,
    ServerInfo,
    TransitionRef,
    UserPermission,
    UserRef,
    VersionRef,
)

MAX_PAGES = 50
BULK_CREATE_LIMIT = 50
BULK_FETCH_LIMIT = 100


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

    # --- lookups a send makes ------------------------------------------------------------------
    def create_version(self, project_id: str, name: str, release_date: str | None) -> VersionRef:
        body: dict[str, Any] = {
            "name": name,
            "projectId": int(project_id) if project_id.isdigit() else project_id,
        }
        if release_date:
            body["releaseDate"] = release_date
        return VersionRef.model_validate(self.transport.post(f"{self._api}/version", body))

    def find_users(self, query: str) -> list[UserRef]:
        # Cloud matches e-mail with `query`; Data Center's user search takes `username` (matches e-mail too).
        params = {"query": query} if self.is_cloud else {"username": query}
        return [
            UserRef.model_validate(item)
            for item in self.transport.get(f"{self._api}/user/search", params) or []
        ]

    # --- issues --------------------------------------------------------------------------------
    def create_issue(self, body: dict[str, Any]) -> CreatedIssue:
        return CreatedIssue.model_validate(self.transport.post(f"{self._api}/issue", body))

    def create_issues(self, bodies: list[dict[str, Any]]) -> BulkCreateResult:
        """Bulk create (at most 50, Jira's limit); per-element failures are in the result, not raised."""
        if len(bodies) > BULK_CREATE_LIMIT:
            raise ValueError(f"Jira creates at most {BULK_CREATE_LIMIT} issues a call")
        answer = self.transport.post(f"{self._api}/issue/bulk", {"issueUpdates": bodies})
        return BulkCreateResult.model_validate(answer or {})

    def edit_issue(self, key: str, body: dict[str, Any]) -> None:
        # notifyUsers=false would need admin rights; the default keeps Jira's own notification rules.
        self.transport.put(f"{self._api}/issue/{_segment(key)}", body)

    def set_issue_property(self, issue: str, key: str, value: dict[str, Any]) -> None:
        """Create or replace an issue entity property (idempotent)."""
        self.transport.put(f"{self._api}/issue/{_segment(issue)}/properties/{_segment(key)}", value)

    def put_remote_link(self, issue: str, *, global_id: str, url: str, title: str, summary: str = "") -> None:
        """Create a remote link, or update the one with the same `globalId` (so repeating it is harmless)."""
        link: dict[str, Any] = {"url": url, "title": title}
        if summary:
            link["summary"] = summary
        self.transport.post(
            f"{self._api}/issue/{_segment(issue)}/remotelink", {"globalId": global_id, "object": link}
        )

    def get_issue(self, key: str, fields: list[str], properties: list[str] | None = None) -> JiraIssue:
        params: dict[str, Any] = {"fields": ",".join(fields)}
        if properties:
            params["properties"] = ",".join(properties)
        return JiraIssue.model_validate(self.transport.get(f"{self._api}/issue/{_segment(key)}", params))

    # --- workflow transitions ---------------------------------------------------------------------
    def issue_status(self, key: str) -> IssueStatus:
        """The issue's status and type, and the transitions it offers from there, in one call."""
        answer = self.transport.get(
            f"{self._api}/issue/{_segment(key)}", {"fields": "status,issuetype", "expand": "transitions"}
        )
        fields = (answer or {}).get("fields") or {}
        return IssueStatus.model_validate(
            {
                "id": answer.get("id"),
                "key": answer.get("key"),
                "status": fields.get("status"),
                "issue_type_id": (fields.get("issuetype") or {}).get("id"),
                "transitions": answer.get("transitions") or [],
            }
        )

    def transition_screen(self, key: str, transition_id: str) -> TransitionRef | None:
        """One transition the issue offers now, with its screen's fields (`required`, allowed values)."""
        answer = self.transport.get(
            f"{self._api}/issue/{_segment(key)}/transitions",
            {"transitionId": transition_id, "expand": "transitions.fields"},
        )
        found = [TransitionRef.model_validate(item) for item in (answer or {}).get("transitions") or []]
        return next((item for item in found if item.id == transition_id), None)

    def transition_issue(self, key: str, transition_id: str, fields: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        self.transport.post(f"{self._api}/issue/{_segment(key)}/transitions", body)

    # --- attachments --------------------------------------------------------------------------------
    def attachment_settings(self) -> AttachmentSettings:
        return AttachmentSettings.model_validate(self.transport.get(f"{self._api}/attachment/meta") or {})

    def issue_attachments(self, key: str) -> list[AttachmentRef]:
        answer = self.transport.get(f"{self._api}/issue/{_segment(key)}", {"fields": "attachment"})
        items = ((answer or {}).get("fields") or {}).get("attachment") or []
        return [AttachmentRef.model_validate(item) for item in items]

    def upload_attachment(self, key: str, body: MultipartFile) -> AttachmentRef:
        """Upload one file (its body streamed as it is read: the request is never repeated)."""
        answer = self.transport.request(
            "POST",
            f"{self._api}/issue/{_segment(key)}/attachments",
            data=body,
            headers={"X-Atlassian-Token": "no-check", "Content-Type": body.content_type},
            repeatable=False,
        )
        items = answer if isinstance(answer, list) else [answer]
        return AttachmentRef.model_validate(items[0] if items else {})

    def search(
        self,
        jql: str,
        fields: list[str],
        properties: list[str] | None = None,
        page_size: int = 100,
        *,
        validate_query: str | None = None,
    ) -> Iterator[JiraIssue]:
        """Every issue matching `jql`: `/search/jql` with token paging on Cloud, `/search` on Data Center.
        `validate_query` (Data Center's `validateQuery`): "warn" makes an issue the JQL names that does not
        exist a warning instead of a 400."""
        if self.is_cloud:
            token: str | None = None
            for _ in range(MAX_PAGES):
                body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": page_size}
                if properties:
                    body["properties"] = properties
                if token:
                    body["nextPageToken"] = token
                page = self.transport.post(f"{self._api}/search/jql", body) or {}
                for item in page.get("issues", []):
                    yield JiraIssue.model_validate(item)
                token = page.get("nextPageToken")
                if not token or page.get("isLast") is True:
                    return
            return
        start = 0
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {
                "jql": jql,
                "fields": ",".join(fields),
                "startAt": start,
                "maxResults": page_size,
            }
            if properties:
                params["properties"] = ",".join(properties)
            if validate_query:
                params["validateQuery"] = validate_query
            page = self.transport.get(f"{self._api}/search", params) or {}
            issues = page.get("issues", [])
            for item in issues:
                yield JiraIssue.model_validate(item)
            start += len(issues)
            if not issues or start >= int(page.get("total", 0)):
                return

    def bulk_fetch(
        self, issues: list[str], fields: list[str], properties: list[str] | None = None
    ) -> list[JiraIssue]:
        """`POST /issue/bulkfetch` (Cloud), 100 issues a call: the issues that exist and the caller may see,
        in Jira's order; the others are left out."""
        found: list[JiraIssue] = []
        for start in range(0, len(issues), BULK_FETCH_LIMIT):
            body: dict[str, Any] = {
                "issueIdsOrKeys": issues[start : start + BULK_FETCH_LIMIT],
                "fields": fields,
            }
            if properties:
                body["properties"] = properties
            page = self.transport.post(f"{self._api}/issue/bulkfetch", body) or {}
            found.extend(JiraIssue.model_validate(item) for item in page.get("issues", []))
        return found

    # --- comments (ADF on v3, a wiki string on v2) -----------------------------------------------
    def add_comment(
        self, issue: str, body: dict[str, Any] | str, properties: dict[str, Any] | None = None
    ) -> CommentRef:
        """A comment on the issue; `properties` (entity properties) are written with it in the same call."""
        payload: dict[str, Any] = {"body": body}
        if properties:
            payload["properties"] = [{"key": key, "value": value} for key, value in properties.items()]
        answer = self.transport.post(f"{self._api}/issue/{_segment(issue)}/comment", payload)
        return CommentRef.model_validate(answer or {})

    def update_comment(self, issue: str, comment_id: str, body: dict[str, Any] | str) -> None:
        path = f"{self._api}/issue/{_segment(issue)}/comment/{_segment(comment_id)}"
        self.transport.put(path, {"body": body})

    def delete_comment(self, issue: str, comment_id: str) -> None:
        self.transport.request(
            "DELETE", f"{self._api}/issue/{_segment(issue)}/comment/{_segment(comment_id)}"
        )

    def comments(self, issue: str) -> list[CommentRef]:
        """The issue's comments with their entity properties (newest first: a comment being looked for is
        usually recent)."""
        path = f"{self._api}/issue/{_segment(issue)}/comment"
        found: list[CommentRef] = []
        start = 0
        for _ in range(MAX_PAGES):
            params = {"startAt": start, "maxResults": 100, "orderBy": "-created", "expand": "properties"}
            page = self.transport.get(path, params=params) or {}
            items: list[Any] = page["comments"] if isinstance(page.get("comments"), list) else []
            found.extend(CommentRef.model_validate(item) for item in items)
            start += len(items)
            total = page.get("total")
            if not items or (isinstance(total, int) and start >= total):
                break
        return found

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
