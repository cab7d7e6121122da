"""Authentication: Cloud basic (e-mail + API token), Data Center basic and PAT, Connect JWT with qsh."""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.auth import canonical_request, hub_signature, query_string_hash

from .helpers import REFERENCE, Api

SECRET = "a-connect-shared-secret-of-at-least-32-bytes"
VECTORS = json.loads((REFERENCE / "connect-jwt" / "jwt-signed-urls.json").read_text())


def test_cloud_basic_with_api_token_is_accepted(jira_sim: JiraSimulator) -> None:
    resp = Api(jira_sim).get("myself")
    assert resp.status_code == 200
    assert resp.json()["emailAddress"] == jira_sim.credentials["cloud_email"]
    assert resp.json()["accountId"] == jira_sim.bot_account_id
    assert jira_sim.calls[-1]["auth"] == "basic"


@pytest.mark.parametrize(
    "auth",
    [
        ("bot@acme.example", "wrong-token"),
        ("nobody@acme.example", "sim-cloud-api-token-bot"),
        ("aha-bot", "x"),
    ],
)
def test_cloud_wrong_credentials_get_401_with_jira_body(
    jira_sim: JiraSimulator, auth: tuple[str, str]
) -> None:
    resp = Api(jira_sim, auth=auth).get("myself")
    assert resp.status_code == 401
    assert set(resp.json()) == {"errorMessages", "errors"}
    assert "sim-cloud-api-token" not in resp.text


def test_cloud_refuses_bearer_tokens(jira_sim: JiraSimulator) -> None:
    resp = requests.get(
        f"{jira_sim.base_url}/rest/api/3/myself",
        headers={"Authorization": f"Bearer {jira_sim.credentials['dc_pat']}"},
        timeout=5,
    )
    assert resp.status_code == 401


def test_anonymous_calls_are_refused_but_server_info_is_public(jira_sim: JiraSimulator) -> None:
    assert requests.get(f"{jira_sim.base_url}/rest/api/3/myself", timeout=5).status_code == 401
    info = requests.get(f"{jira_sim.base_url}/rest/api/3/serverInfo", timeout=5)
    assert info.status_code == 200
    assert info.json()["deploymentType"] == "Cloud"


def test_datacenter_accepts_password_and_personal_access_token(jira_sim_dc: JiraSimulator) -> None:
    creds = jira_sim_dc.credentials
    basic = Api(jira_sim_dc, version=2).get("myself")
    assert basic.status_code == 200
    assert basic.json()["name"] == creds["dc_username"]
    assert "accountId" not in basic.json()
    pat = requests.get(
        f"{jira_sim_dc.base_url}/rest/api/2/myself",
        headers={"Authorization": f"Bearer {creds['dc_pat']}"},
        timeout=5,
    )
    assert pat.status_code == 200
    assert pat.json()["name"] == creds["dc_username"]
    assert jira_sim_dc.calls[-1]["auth"] == "bearer"


def test_datacenter_refuses_wrong_pat_and_cloud_logins(jira_sim_dc: JiraSimulator) -> None:
    bad_pat = requests.get(
        f"{jira_sim_dc.base_url}/rest/api/2/myself", headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert bad_pat.status_code == 401
    cloud_login = Api(jira_sim_dc, version=2, auth=("bot@acme.example", "sim-cloud-api-token-bot")).get(
        "myself"
    )
    assert cloud_login.status_code == 401


def test_credentials_are_never_in_the_call_log(jira_sim: JiraSimulator) -> None:
    Api(jira_sim).get("myself")
    Api(jira_sim, auth=("bot@acme.example", "a-wrong-secret")).get("myself")
    log = json.dumps(jira_sim.calls)
    assert jira_sim.credentials["cloud_api_token"] not in log
    assert "a-wrong-secret" not in log
    assert [c["status"] for c in jira_sim.calls] == [200, 401]


# --- Connect JWT --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["tests"], ids=[t["name"] for t in VECTORS["tests"]])
def test_qsh_canonicalisation_matches_atlassian_vectors(vector: dict[str, str]) -> None:
    url = urlsplit(vector["signedUrl"])
    assert canonical_request("GET", url.path, url.query) == vector["canonicalUrl"]
    token = dict(p.split("=", 1) for p in url.query.split("&"))["jwt"]
    claims = jwt.decode(token, VECTORS["secret"], algorithms=["HS256"], options={"verify_exp": False})
    assert query_string_hash("GET", url.path, url.query) == claims["qsh"]
    assert hashlib.sha256(vector["canonicalUrl"].encode()).hexdigest() == claims["qsh"]


def test_hub_signature_matches_atlassian_vector() -> None:
    expected = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    assert hub_signature("It's a Secret to Everybody", b"Hello World!") == expected


def _connect_token(
    secret: str, method: str, path: str, query: str, *, iss: str = "jira:client-1", **extra: object
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": iss,
        "iat": now,
        "exp": now + 180,
        "qsh": query_string_hash(method, path, query),
    }
    claims.update(extra)
    return jwt.encode(claims, secret, algorithm="HS256")


def test_connect_jwt_is_accepted_with_correct_qsh(jira_sim: JiraSimulator) -> None:
    jira_sim.register_connect_installation("jira:client-1", SECRET)
    path, query = "/rest/api/3/project/search", "maxResults=2&startAt=0"
    token = _connect_token(SECRET, "GET", path, query)
    resp = requests.get(
        f"{jira_sim.base_url}{path}?{query}", headers={"Authorization": f"JWT {token}"}, timeout=5
    )
    assert resp.status_code == 200
    assert len(resp.json()["values"]) == 2
    assert jira_sim.calls[-1]["auth"] == "jwt"
    me = requests.get(
        f"{jira_sim.base_url}/rest/api/3/myself",
        headers={"Authorization": f"JWT {_connect_token(SECRET, 'GET', '/rest/api/3/myself', '')}"},
        timeout=5,
    )
    assert me.status_code == 200
    assert me.json()["accountType"] == "app"


def test_connect_jwt_in_query_parameter_is_accepted(jira_sim: JiraSimulator) -> None:
    jira_sim.register_connect_installation("jira:client-1", SECRET)
    token = _connect_token(SECRET, "GET", "/rest/api/3/myself", "")
    resp = requests.get(f"{jira_sim.base_url}/rest/api/3/myself", params={"jwt": token}, timeout=5)
    assert resp.status_code == 200
    assert jira_sim.calls[-1]["query"]["jwt"] == "***"


@pytest.mark.parametrize(
    ("case", "token_args"),
    [
        ("qsh for another path", {"path": "/rest/api/3/field"}),
        ("qsh for another method", {"method": "POST"}),
        ("qsh for another query", {"query": "maxResults=3&startAt=0"}),
        ("wrong secret", {"secret": "not-the-shared-secret-of-this-installation"}),
        ("unknown issuer", {"iss": "jira:someone-else"}),
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
    ],
)
def test_connect_jwt_refused(jira_sim: JiraSimulator, case: str, token_args: dict[str, object]) -> None:
    jira_sim.register_connect_installation("jira:client-1", SECRET)
    path, query = "/rest/api/3/project/search", "maxResults=2&startAt=0"
    args: dict[str, object] = {"secret": SECRET, "method": "GET", "path": path, "query": query}
    args.update(token_args)
    extra = {k: v for k, v in args.items() if k in ("exp", "iat")}
    token = _connect_token(
        str(args["secret"]),
        str(args["method"]),
        str(args["path"]),
        str(args["query"]),
        iss=str(args.get("iss", "jira:client-1")),
        **extra,
    )
    resp = requests.get(
        f"{jira_sim.base_url}{path}?{query}", headers={"Authorization": f"JWT {token}"}, timeout=5
    )
    assert resp.status_code == 401, case
    assert resp.json()["errorMessages"]


def test_connect_jwt_is_refused_by_datacenter(jira_sim_dc: JiraSimulator) -> None:
    token = _connect_token(SECRET, "GET", "/rest/api/2/myself", "")
    resp = requests.get(
        f"{jira_sim_dc.base_url}/rest/api/2/myself", headers={"Authorization": f"JWT {token}"}, timeout=5
    )
    assert resp.status_code == 401
