"""Jira via Connect: its installations and their site claims (`storage/connect_installations.py`), and the
public keys Atlassian signs lifecycle callbacks with (`connect/install_keys.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aha_jira.models.connect import ConnectInstallation, RsaPublicKey, SiteClaim


class InstallationReader(Protocol):
    def get(self, client_key: str) -> ConnectInstallation | None: ...


class InstallationStore(InstallationReader, Protocol):
    def save(self, installation: ConnectInstallation, *, expected_version: int | None) -> None:
        """Write the installation; Conflict when it changed since `expected_version` was read."""
        ...


class LifecycleInstallations(InstallationStore, Protocol):
    """The lifecycle callbacks' side: an installation and its claim on its Jira site, written together."""

    def site_claim(self, site_url: str) -> SiteClaim | None: ...

    def save_installed(
        self, installation: ConnectInstallation, *, expected_version: int | None, claim: SiteClaim | None
    ) -> None:
        """Write the installation and its claim; SiteTaken when the claim changed since it was read."""
        ...


class InstallKeySource(Protocol):
    """The public keys Atlassian signs lifecycle callbacks with, by key id (`connect/install_keys.py`, an
    HTTP client of Atlassian's install-keys service: Connect's own, built by wiring)."""

    def get(self, kid: str) -> RsaPublicKey:
        """The key; `connect.install_keys.KeyUnavailable` (`transient` when the service failed) otherwise."""
        ...
