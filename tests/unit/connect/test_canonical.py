"""The canonical request and qsh against Atlassian's 78 interoperability vectors, and the request signer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests

from aha_jira.jira.auth import ConnectSigner
from aha_jira.jira.connect_jwt import canonical_request, query_string_hash, url_query_string_hash

VECTORS = json.loads(
    (
        Path(__file__).resolve().parents[3].parent / "shared/reference/connect-jwt/jwt-signed-urls.json"
    ).read_text()
)
CASES: list[dict[str, Any]] = VECTORS["tests"]


def test_all_78_vectors_are_loaded() -> None:
    assert len(CASES) == 78


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['name']}" for i, c in enumerate(CASES)])
def test_canonical_request_and_qsh_match_the_vector(case: dict[str, Any]) -> None:
    url = urlsplit(case["signedUrl"])
    assert canonical_request("GET", url.path, url.query) == case["canonicalUrl"]
    token = dict(parse_qsl(url.query))["jwt"]
    claims = jwt.decode(token, VECTORS["secret"], algorithms=["HS256"], options={"verify_exp": False})
    assert query_string_hash("GET", url.path, url.query) == claims["qsh"]
    assert url_query_string_hash("GET", case["signedUrl"], "https://example.com") == claims["qsh"]


def test_path_is_relative_to_a_base_url_with_a_context_path() -> None:
    assert (
        canonical_request("post", "/jira/rest/api/2/issue/", "b=2&a=1", base_path="/jira")
        == "POST&/rest/api/2/issue&a=1&b=2"
    )
    assert canonical_request("GET", "/", "") == "GET&/&"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "https://acme.atlassian.net/rest/api/3/myself"),
        ("GET", "https://acme.atlassian.net/rest/api/3/search/jql?jql=project+%3D+MOB&fields=id,key"),
        ("POST", "https://acme.atlassian.net/rest/api/3/issue/bulk"),
        ("PUT", "https://acme.atlassian.net/rest/api/3/issue/MOB-1/properties/aha-jira"),
    ],
)
def test_connect_signer_signs_the_exact_prepared_request(method: str, url: str) -> None:
    prepared = requests.Request(method, url, json={} if method != "GET" else None).prepare()
    ConnectSigner(
        "aha-jira-connect", "s" * 40, "https://acme.atlassian.net", clock=lambda: 1_700_000_000
    ).sign(prepared)
    scheme, token = prepared.headers["Authorization"].split(" ", 1)
    assert scheme == "JWT"
    claims = jwt.decode(
        token, "s" * 40, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["iss"] == "aha-jira-connect"
    assert claims["exp"] - claims["iat"] == 180
    parts = urlsplit(prepared.url or "")
    assert claims["qsh"] == query_string_hash(method, parts.path, parts.query)


def test_connect_signer_repr_hides_the_secret() -> None:
    signer = ConnectSigner("app", "very-secret-value", "https://acme.atlassian.net")
    assert "very-secret-value" not in repr(signer)
