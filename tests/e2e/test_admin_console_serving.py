"""How `GET /admin` and its assets are served by the `make run` stack: content types, the security headers
(a Content-Security-Policy without inline scripts, no framing, nosniff, no referrer), no API key needed,
only files of the console's folder (no path traversal), and a page and scripts safe by construction."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests

from tests.e2e.conftest import API_KEY, REPO_ROOT, RunningStack

STATIC = REPO_ROOT / "functions" / "admin_console" / "static"
SCRIPTS = sorted(path.name for path in STATIC.glob("*.js"))


def _get(stack: RunningStack, path: str) -> requests.Response:
    return requests.get(f"{stack.url}{path}", timeout=10)


def _raw_get(stack: RunningStack, path: str) -> requests.Response:
    """GET a path exactly as written (requests would resolve `..` and re-encode)."""
    prepared = requests.Request("GET", f"{stack.url}/admin/app.js").prepare()
    prepared.url = f"{stack.url}{path}"
    with requests.Session() as session:
        return session.send(prepared, timeout=10)


def _security_headers(answer: requests.Response) -> None:
    policy = answer.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_needs_no_api_key_and_sends_the_security_headers(stack: RunningStack) -> None:
    for path in ("/admin", "/v1/admin"):
        answer = _get(stack, path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
        assert answer.headers["Cache-Control"] == "no-store"
        _security_headers(answer)
        assert '<script type="module" src="admin/app.js"></script>' in answer.text
        assert API_KEY not in answer.text


@pytest.mark.parametrize(
    ("asset", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_with_their_content_type(
    stack: RunningStack, asset: str, content_type: str
) -> None:
    answer = _get(stack, f"/admin/{asset}")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    _security_headers(answer)
    assert answer.content == (STATIC / asset).read_bytes()
    assert _get(stack, f"/v1/admin/{asset}").content == answer.content


@pytest.mark.parametrize(
    "path",
    [
        "/admin/app.py",  # the handler beside the folder
        "/admin/index.html",  # the page is /admin, not an asset
        "/admin/..%2Fapp.py",
        "/admin/%2e%2e%2fapp.py",
        "/admin/..%5Capp.py",
        "/admin/%2E%2E",
        "/admin/static%2Fapp.js",
        "/admin/../template.yaml",
        "/admin/app.js/",
        "/admin/nope.js",
        "/admin/APP.JS",
    ],
)
def test_only_the_folders_files_are_served(stack: RunningStack, path: str) -> None:
    answer = _raw_get(stack, path)
    assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
    assert answer.json()["error"]["code"] in {"not_found"}
    assert "import" not in answer.text and "AWSTemplateFormatVersion" not in answer.text


class _Markup(HTMLParser):
    """What the CSP would refuse anyway, found in the markup: inline scripts, handlers and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "script" and str(names.get("src", "")).startswith(("http:", "https:", "//")):
            self.problems.append(f"script from elsewhere: {names['src']}")
        if tag in {"link", "img"} and str(names.get("href") or names.get("src") or "").startswith(
            ("http", "//")
        ):
            self.problems.append(f"{tag} from elsewhere")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
        if tag == "label" and names.get("for"):
            self.labels.add(str(names["for"]))
        if tag in {"input", "select", "textarea"}:
            self.controls.append(str(names.get("id")))

    def handle_data(self, data: str) -> None:
        if "javascript:" in data:
            self.problems.append("javascript: URL")


def test_the_markup_has_no_inline_code_and_a_label_on_every_control() -> None:
    markup = _Markup()
    markup.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert markup.problems == []
    assert markup.controls and set(markup.controls) <= markup.labels, set(markup.controls) - markup.labels


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_never_parse_data_as_html_or_code(script: str) -> None:
    source = (STATIC / script).read_text(encoding="utf-8")
    forbidden = r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*[\"']on"
    assert re.findall(forbidden, source) == []
    # Every URL the page calls is relative to where it is served (a stage prefix keeps working).
    assert re.findall(r"""call\(\s*"[A-Z]+",\s*["'`]/""", source) == []
