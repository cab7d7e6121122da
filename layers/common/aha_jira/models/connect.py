"""A Jira site's installation of our Connect app, as the lifecycle callbacks left it, and the claim that makes
one installation hold each site. No secret here: the shared secret lives in Secrets Manager under
`shared_secret_name`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from aha_jira.errors import Conflict


class ConnectInstallation(BaseModel):
    client_key: str
    base_url: str  # the Jira site, normalised like an integration's jira.base_url
    state: Literal["installed", "uninstalled"]
    shared_secret_name: str
    installed_at: str
    updated_at: str
    # The roadmap account's sub-domain, entered on the configure page (None until then).
    roadmap_subdomain: str | None = None
    # Replay protection for lifecycle callbacks: the `iat` of the newest token accepted, and per event
    # (installed, uninstalled). A callback must be issued no earlier than the newest one, and later than
    # the last of its own event (its `qsh` binds a token to its event's URL).
    lifecycle_iat: int = 0
    lifecycle_event_iats: dict[str, int] = Field(default_factory=dict)
    version: int = 1

    @property
    def installed(self) -> bool:
        return self.state == "installed"


@dataclass(frozen=True)
class RsaPublicKey:
    """A public key Atlassian signs lifecycle callbacks with (`connect/rsa_keys.py` reads its PEM)."""

    modulus: int
    exponent: int


@dataclass(frozen=True)
class SiteClaim:
    """The installation that holds a Jira site, as last read."""

    site_url: str
    client_key: str
    rev: int


class SiteTaken(Conflict):
    """Another clientKey claimed the site between our read and our write."""

    code = "connect_site_taken"
