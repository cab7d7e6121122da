"""SSRF guard: the Jira base URL comes from a user, so the function must not be steered into calling
addresses inside the AWS network (instance metadata, VPC hosts) or the machine itself.

Production: https only, and every address the host resolves to must be public. The local stack allows
plain http and loopback addresses explicitly (`ALLOW_HTTP_LOOPBACK`), nothing more.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aha_jira.jira.errors import JiraUnreachable, SiteNotAllowed


def check_site(base_url: str, *, allow_loopback: bool) -> None:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (allow_loopback and parts.scheme == "http"):
        raise SiteNotAllowed(
            f"{base_url} does not use https.", hint="Use the https address of the Jira site."
        )
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror:
        raise JiraUnreachable(
            f"The name {host} could not be resolved.",
            code="dns_failed",
            hint="Check the spelling of jira.base_url; a Jira Cloud site looks like https://<name>.atlassian.net.",
        ) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address.is_loopback and allow_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise SiteNotAllowed(
                f"{host} resolves to a private or reserved address ({address}), which this service may not call.",
                hint="Use the public address of the Jira site.",
            )
