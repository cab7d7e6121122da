"""`GET /swagger`: Swagger UI served by the API itself (no CDN), under a strict Content Security Policy: no
inline script or style element, every file from this origin, relative URLs that work under the stage."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import aws_lambda_powertools.event_handler
import requests

from aha_jira_dev.local_stack.gateway import LocalApiGateway

BUNDLED = Path(aws_lambda_powertools.event_handler.__file__).parent / "openapi" / "swagger_ui"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []  # what a CSP without 'unsafe-inline' would refuse
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "style" or any(name.startswith("on") or name == "style" for name in named):
            self.inline.append(tag)
        if tag == "script":
            self._in_script = True
            if not named.get("src"):
                self.inline.append("script without src")
        for name in ("src", "href"):
            if named.get(name):
                self.urls.append(str(named[name]))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script content")


def test_the_page_has_no_inline_code_and_a_strict_policy(gateway: LocalApiGateway) -> None:
    page = requests.get(f"{gateway.url}/v1/swagger", timeout=10)  # as deployed: under the stage
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    directives = (part.strip().partition(" ") for part in page.headers["Content-Security-Policy"].split(";"))
    policy = {name: value for name, _, value in directives}
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    parsed = _Page()
    parsed.feed(page.text)
    assert parsed.inline == []
    assert sorted(parsed.urls) == [
        "swagger/swagger-initializer.js",
        "swagger/swagger-ui-bundle.js",
        "swagger/swagger-ui.css",
    ]
    for url in parsed.urls:
        served = requests.get(urljoin(page.url, url), timeout=10)
        assert served.status_code == 200, url
        assert served.headers["Content-Type"].startswith(
            "text/css" if url.endswith(".css") else "text/javascript"
        )
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_files_are_powertools_bundle_and_our_initializer_on_the_served_document(
    gateway: LocalApiGateway,
) -> None:
    base = f"{gateway.url}/v1/swagger/"
    bundle = requests.get(base + "swagger-ui-bundle.js", timeout=10)
    assert bundle.content == (BUNDLED / "swagger-ui-bundle.min.js").read_bytes()
    css = requests.get(base + "swagger-ui.css", timeout=10)
    assert css.content == (BUNDLED / "swagger-ui.min.css").read_bytes()
    initializer = requests.get(base + "swagger-initializer.js", timeout=10).text
    assert 'url: "openapi.json"' in initializer and "validatorUrl: null" in initializer
    # Relative to the page, the initializer's URL is the served description.
    document = requests.get(urljoin(f"{gateway.url}/v1/swagger", "openapi.json"), timeout=60)
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.1")


def test_no_other_file_is_served(gateway: LocalApiGateway) -> None:
    for name in ("app.py", "..%2Fapi_docs%2Fapp.py", "swagger-ui-bundle.min.js", "oauth2.py", "html.py"):
        answer = requests.get(f"{gateway.url}/swagger/{name}", timeout=10)
        assert answer.status_code == 404, name
        assert answer.json()["error"]["code"] == "not_found"
