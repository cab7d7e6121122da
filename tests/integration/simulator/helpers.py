"""Shared helpers for the simulator's own tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import requests

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.auth import query_string_hash
from aha_jira_dev.jira_sim.validation import OpenApiSpec, load_spec

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"


def reference(name: str) -> Any:
    return json.loads((REFERENCE / name).read_text())


def spec() -> OpenApiSpec:
    loaded = load_spec()
    assert loaded is not None, "the OpenAPI description must be present for these tests"
    return loaded


def cloud_auth(sim: JiraSimulator) -> tuple[str, str]:
    return sim.credentials["cloud_email"], sim.credentials["cloud_api_token"]


def dc_auth(sim: JiraSimulator) -> tuple[str, str]:
    return sim.credentials["dc_username"], sim.credentials["dc_password"]


class Api:
    """A thin requests wrapper bound to one simulator, API version and login."""

    def __init__(
        self, sim: JiraSimulator, version: int = 3, auth: Any = None, headers: dict[str, str] | None = None
    ):
        self.sim = sim
        self.version = version
        self.auth = auth if auth is not None else (cloud_auth(sim) if sim.mode == "cloud" else dc_auth(sim))
        self.headers = headers or {}
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return f"{self.sim.base_url}/rest/api/{self.version}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("auth", self.auth)
        kw.setdefault("timeout", 10)
        headers = dict(self.headers)
        headers.update(kw.pop("headers", {}) or {})
        return self.session.request(method, self.url(path), headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)


def assert_matches_openapi(resp: requests.Response, method: str | None = None) -> None:
    """The response body must satisfy the OpenAPI response schema of its operation (v2 paths use v3's)."""
    request = resp.request
    assert request.path_url
    path = request.path_url.split("?", 1)[0]
    path = path.replace("/rest/api/2/", "/rest/api/3/", 1)
    errors = spec().response_errors(path, method or str(request.method), resp.status_code, resp.content)
    assert errors == [], f"{request.method} {path} -> {resp.status_code}: {errors}"


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def story(summary: str = "A story", project: str = "MOB", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"project": {"key": project}, "issuetype": {"name": "Story"}, "summary": summary}
    body.update(fields)
    return {"fields": body}


def req_fields(summary: str = "Needs team", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project": {"key": "REQ"},
        "issuetype": {"name": "Task"},
        "summary": summary,
        "customfield_10300": {"value": "Mobile"},
        "customfield_10301": 3,
    }
    body.update(fields)
    return {"fields": body}


def connect_token(secret: str, method: str, path: str, query: str = "", *, iss: str) -> str:
    """A Connect app's JWT for one request (HS256, ``qsh`` of the canonical request)."""
    now = int(time.time())
    claims = {"iss": iss, "iat": now, "exp": now + 180, "qsh": query_string_hash(method, path, query)}
    return jwt.encode(claims, secret, algorithm="HS256")
