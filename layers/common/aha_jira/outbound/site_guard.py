"""SSRF guard: a base URL or webhook URL comes from a user, so no function may be steered into calling
addresses inside the AWS network (instance metadata, VPC hosts) or the machine itself.

Production: https only, and every address the host resolves to must be public. The local stack allows
plain http and loopback addresses explicitly (`ALLOW_HTTP_LOOPBACK`), nothing more.

The errors name no configuration key: each client (Jira, Aha!, the roadmap webhook) turns them into its
own error types with its own hint.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class SiteGuardError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SiteRefused(SiteGuardError):
    """Not https (`reason` "not_https"), or the host resolves to a private, reserved or multicast address
    ("private_address")."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class SiteUnresolvable(SiteGuardError):
    """No resolver knows the host (or it is no name DNS can take)."""


def check_site(url: str, *, allow_loopback: bool) -> None:
    """Raise `SiteRefused` or `SiteUnresolvable` unless `url` may be called from here."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # an unbalanced IPv6 bracket, a port out of range
        raise SiteUnresolvable(f"{url} is not an address that can be called.") from None
    if parts.scheme != "https" and not (allow_loopback and parts.scheme == "http"):
        raise SiteRefused(f"{url} does not use https.", reason="not_https")
    try:
        infos = socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError, ValueError):
        # UnicodeError: a label over 63 characters or an empty label, which the IDNA codec refuses.
        raise SiteUnresolvable(f"The name {host} could not be resolved.") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address.is_loopback and allow_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise SiteRefused(
                f"{host} resolves to a private or reserved address ({address}), which this service may not call.",
                reason="private_address",
            )
