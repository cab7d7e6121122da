"""The app's configure page (`GET/POST /connect/configure`), shown by Jira in an iframe to site admins.

It asks for the roadmap account's sub-domain and stores it on the site's installation; it also shows the
installation's clientKey, which each roadmap integration of the site names in `jira.auth.client_key`.
GET is verified with the JWT Jira puts in the iframe URL; POST with a context JWT (`qsh` = `context-qsh`,
from `AP.context.getToken()`), sent as the form's `jwt` field or an `Authorization: JWT` header.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from aha_jira.connect.request import ConnectRequest
from aha_jira.connect.verification import SharedSecrets, verify_site_jwt
from aha_jira.errors import AhaJiraError, InvalidRequest
from aha_jira.integration_log import Outcome, record_action
from aha_jira.jira.connect_jwt import CONTEXT_QSH
from aha_jira.models.connect import ConnectInstallation
from aha_jira.ports import InstallationStore

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ROADMAP_DOMAIN = "aha.io"


@dataclass(frozen=True)
class ConfigureServices:
    installations: InstallationStore
    shared_secrets: SharedSecrets


@dataclass(frozen=True)
class Page:
    html: str
    # The Jira site that may frame the page (Content-Security-Policy frame-ancestors).
    frame_ancestor: str


def normalise_subdomain(raw: str) -> str:
    """`acme`, `acme.aha.io` or `https://acme.aha.io/` → `acme`; ValueError for anything else."""
    text = raw.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.rstrip("/")
    if text.endswith("." + ROADMAP_DOMAIN):
        text = text[: -len(ROADMAP_DOMAIN) - 1]
    if not _SUBDOMAIN.match(text):
        raise ValueError("a sub-domain is 1-63 letters, digits or '-', such as 'acme' for acme.aha.io")
    return text


def show_page(request: ConnectRequest, services: ConfigureServices) -> Page:
    installation = verify_site_jwt(
        request, services.installations, services.shared_secrets, accepted_qsh={request.qsh, CONTEXT_QSH}
    )
    return Page(_render(installation, message=None, error=None), installation.base_url)


def save(request: ConnectRequest, services: ConfigureServices) -> Page:
    form = dict(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))
    try:
        installation = verify_site_jwt(
            request,
            services.installations,
            services.shared_secrets,
            accepted_qsh={request.qsh, CONTEXT_QSH},
            token=form.get("jwt") or None,
        )
    except AhaJiraError as error:
        record_action(
            "connect.configured",
            Outcome.FAILED,
            integration_id=None,
            message=f"Connect configure page refused: {error.message}",
            error_code=error.code,
        )
        raise
    try:
        subdomain = normalise_subdomain(form.get("subdomain", ""))
    except ValueError as error:
        record_action(
            "connect.configured",
            Outcome.FAILED,
            integration_id=None,
            message=f"Connect configuration refused: {error}",
            client_key=installation.client_key,
            jira_site=installation.base_url,
        )
        raise InvalidRequest(f"subdomain: {error}", code="invalid_subdomain") from None
    updated = installation.model_copy(
        update={
            "roadmap_subdomain": subdomain,
            "updated_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "version": installation.version + 1,
        }
    )
    services.installations.save(updated, expected_version=installation.version)
    record_action(
        "connect.configured",
        Outcome.OK,
        integration_id=None,
        message=f"Connect app in {installation.base_url} configured for {subdomain}.{ROADMAP_DOMAIN}",
        client_key=installation.client_key,
        jira_site=installation.base_url,
        roadmap_subdomain=subdomain,
    )
    return Page(_render(updated, message="Saved.", error=None), installation.base_url)


def _render(installation: ConnectInstallation, *, message: str | None, error: str | None) -> str:
    e = html.escape
    current = installation.roadmap_subdomain or ""
    notice = f'<p class="notice">{e(message)}</p>' if message else ""
    problem = f'<p class="error">{e(error)}</p>' if error else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Roadmap integration</title>
<script src="https://connect-cdn.atl-paas.net/all.js" data-options="sizeToParent:true"></script>
</head>
<body>
<h1>Roadmap integration</h1>
{notice}{problem}
<p>Jira site: <code>{e(installation.base_url)}</code></p>
<p>Client key (use it as <code>jira.auth.client_key</code> in each roadmap integration of this site):
<code id="client-key">{e(installation.client_key)}</code></p>
<form id="configure" method="post" action="configure">
<label for="subdomain">Roadmap account sub-domain</label>
<input id="subdomain" name="subdomain" value="{e(current)}" placeholder="acme" required
 pattern="[A-Za-z0-9][A-Za-z0-9.:/-]*"> <span>.{ROADMAP_DOMAIN}</span>
<input type="hidden" name="jwt" id="jwt" value="">
<button type="submit">Save</button>
</form>
<script>
// The POST is authenticated with a fresh context JWT from Jira (qsh "context-qsh").
document.getElementById("configure").addEventListener("submit", function (event) {{
  if (document.getElementById("jwt").value) {{ return; }}
  event.preventDefault();
  AP.context.getToken(function (token) {{
    document.getElementById("jwt").value = token;
    document.getElementById("configure").submit();
  }});
}});
</script>
</body>
</html>
"""
