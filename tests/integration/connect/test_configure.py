"""The configure page: shown to the site's admins in an iframe, verified with Jira's JWT, stores the roadmap
account's sub-domain for the site."""

from __future__ import annotations

import io
import time
from urllib.parse import urlencode

import requests

from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.connect.conftest import Installed, installation_item

IFRAME_QUERY = [("xdm_e", "http://jira.example"), ("xdm_c", "channel-configure"), ("cp", ""), ("lic", "none")]


def page_url(installed: Installed, token: str) -> str:
    return f"{installed.app.url}/connect/configure?{urlencode([*IFRAME_QUERY, ('jwt', token)])}"


def test_the_page_loads_with_the_iframe_jwt_and_shows_the_client_key(installed: Installed) -> None:
    query = urlencode(IFRAME_QUERY)
    token = installed.site_token("GET", "/connect/configure", query)
    answer = requests.get(page_url(installed, token), timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/html")
    assert installed.client_key in answer.text
    assert installed.shared_secret not in answer.text
    assert answer.headers["Content-Security-Policy"] == f"frame-ancestors {installed.app.sim.base_url}"
    # A context JWT (qsh "context-qsh") is accepted too.
    context = installed.site_token("GET", "/", qsh="context-qsh")
    assert requests.get(page_url(installed, context), timeout=10).status_code == 200


def test_the_page_refuses_a_missing_forged_or_mismatched_jwt(installed: Installed) -> None:
    url = f"{installed.app.url}/connect/configure"
    assert requests.get(url, timeout=10).status_code == 401
    forged = installed.site_token(
        "GET",
        "/connect/configure",
        urlencode(IFRAME_QUERY),
        secret="not-the-shared-secret-of-this-site-0123456789",
    )
    assert requests.get(page_url(installed, forged), timeout=10).status_code == 401
    other_page = installed.site_token("GET", "/connect/other", urlencode(IFRAME_QUERY))
    assert requests.get(page_url(installed, other_page), timeout=10).status_code == 401
    expired = installed.site_token(
        "GET",
        "/connect/configure",
        urlencode(IFRAME_QUERY),
        iat=int(time.time()) - 3600,
        exp=int(time.time()) - 1800,
    )
    assert requests.get(page_url(installed, expired), timeout=10).status_code == 401


def test_saving_stores_the_sub_domain_for_the_site(
    installed: Installed, aws: LocalResources, log_output: io.StringIO
) -> None:
    context = installed.site_token("POST", "/", qsh="context-qsh")
    answer = requests.post(
        f"{installed.app.url}/connect/configure",
        data={"subdomain": "https://Acme.aha.io/", "jwt": context},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert 'value="acme"' in answer.text and "Saved." in answer.text
    item = installation_item(aws, installed.client_key)
    assert item is not None and item["roadmap_subdomain"] == "acme"
    logged = log_output.getvalue()
    assert "connect.configured" in logged and installed.shared_secret not in logged

    # The POST's own qsh works too, in the Authorization header.
    signed = installed.site_token("POST", "/connect/configure")
    answer = requests.post(
        f"{installed.app.url}/connect/configure",
        data={"subdomain": "globex"},
        headers={"Authorization": f"JWT {signed}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert installation_item(aws, installed.client_key)["roadmap_subdomain"] == "globex"  # type: ignore[index]


def test_saving_refuses_a_bad_sub_domain_or_a_bad_jwt_and_changes_nothing(
    installed: Installed, aws: LocalResources
) -> None:
    before = installation_item(aws, installed.client_key)
    context = installed.site_token("POST", "/", qsh="context-qsh")
    bad = requests.post(
        f"{installed.app.url}/connect/configure",
        data={"subdomain": "not a domain!", "jwt": context},
        timeout=10,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_subdomain"
    wrong_qsh = installed.site_token("POST", "/connect/configure", "other=1")
    for token in (
        "",
        installed.site_token(
            "POST", "/", qsh="context-qsh", secret="a-wrong-shared-secret-for-this-site-0123456789"
        ),
        wrong_qsh,
    ):
        answer = requests.post(
            f"{installed.app.url}/connect/configure", data={"subdomain": "acme", "jwt": token}, timeout=10
        )
        assert answer.status_code == 401, answer.text
    assert installation_item(aws, installed.client_key) == before


def test_an_uninstalled_site_cannot_open_the_page(installed: Installed) -> None:
    token = installed.site_token("GET", "/connect/configure", urlencode(IFRAME_QUERY))
    time.sleep(1.1)
    assert installed.app.sim.uninstall_app(installed.client_key).status == 200
    assert requests.get(page_url(installed, token), timeout=10).status_code == 401
